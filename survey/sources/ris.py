"""RIS files (Zotero, Mendeley, EndNote, Scopus, Web of Science) -> records (sources layer;
the only importer of rispy).

The file is cut into records here, so every record and every problem has its line: a
record runs from `TY  - ` to `ER  - `; a tag outside a record, a record that never
ends, a record with no `TY` are errors naming their line, and the other records load.
rispy reads each record's tags (continuation lines, repeated tags); `_item` maps them
to the fields of a BibTeX entry (the table is in docs/bibliographies.md).
"""

from __future__ import annotations

from typing import Any

import rispy

from survey.errors import Diagnostic
from survey.sources.bibtex import BibParse, Person
from survey.sources.items import Item, find_year, parse_items, person, usable_key
from survey.vocab import Severity

# RIS reference types -> BibTeX entry types; any other type is `misc`.
TYPES = {
    "JOUR": "article",
    "JFULL": "article",
    "EJOUR": "article",
    "MGZN": "article",
    "NEWS": "article",
    "CONF": "inproceedings",
    "CPAPER": "inproceedings",
    "BOOK": "book",
    "EBOOK": "book",
    "EDBOOK": "book",
    "CHAP": "incollection",
    "ECHAP": "incollection",
    "THES": "phdthesis",
    "RPRT": "techreport",
    "UNPB": "unpublished",
    "MANSCPT": "unpublished",
    "ELEC": "online",
    "BLOG": "online",
    "WEB": "online",
}
# Where each entry type's venue is, in order of preference. Zotero writes a conference
# paper's proceedings as C3 and the conference's name as T2; journals are T2 (or JF, JO,
# JA, J2 in older exports); a chapter's book is T2 (or BT).
_VENUE_TAGS = {
    "inproceedings": ("C3", "T2", "BT", "JF", "JO"),
    "incollection": ("T2", "BT", "C3"),
}
_DEFAULT_VENUE_TAGS = ("T2", "JF", "JO", "JA", "J2", "BT", "C3")
_VENUE_FIELD = {
    "inproceedings": "booktitle",
    "incollection": "booktitle",
    "book": "publisher",
    "phdthesis": "school",
    "techreport": "institution",
    "online": "organization",
    "misc": "howpublished",
    "unpublished": "note",
}
# RIS tags copied to BibTeX fields as they are.
_PLAIN_FIELDS = (
    ("VL", "volume"),
    ("IS", "number"),
    ("PB", "publisher"),
    ("CY", "address"),
    ("ET", "edition"),
    ("SN", "issn"),
    ("LA", "language"),
)
# rispy's names for the tags read here (its default mapping), by tag.
_NAMES: dict[str, str] = rispy.TAG_KEY_MAPPING
# Tags that may repeat: each occurrence is kept (rispy's list tags, and the authors' A1..A4).
_LIST_TAGS = [*rispy.LIST_TYPE_TAGS]


def parse_ris(text: str, filename: str) -> BibParse:
    """The records of a RIS text and a diagnostic per problem; never raises."""
    diagnostics: list[Diagnostic] = []

    def error(line: int, message: str) -> None:
        diagnostics.append(Diagnostic(Severity.ERROR, filename, line, None, message))

    items: list[Item] = []
    for start, lines, problem in _records(text):
        if problem:
            error(start, problem)
            continue
        items.append(_item(start, lines))
    return parse_items(items, filename, diagnostics)


def _parser() -> Any:
    return rispy.RisParser(list_tags=_LIST_TAGS, skip_unknown_tags=False)


def _tag(line: str) -> str | None:
    tag, _content = _parser().parse_line(line)
    return tag if isinstance(tag, str) else None


def _records(text: str) -> list[tuple[int, list[str], str]]:
    """(line of the record's first tag, its lines, a problem or '') for each record."""
    found: list[tuple[int, list[str], str]] = []
    current: list[str] | None = None
    start = 0
    stray: int | None = None  # line of tags seen outside a record, reported once per run
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.lstrip("\ufeff")
        tag = _tag(line)
        if current is None:
            if tag == "TY":
                current, start, stray = [line], number, None
            elif (tag is not None or line.strip()) and stray is None:
                stray = number
                what = f"tag {tag}" if tag else "text"
                found.append(
                    (
                        number,
                        [],
                        f"{what} outside a record: a record starts with a 'TY  - ' line "
                        "(add one, or delete the stray lines)",
                    )
                )
            continue
        if tag == "TY":
            found.append((start, [], _unended(start, f"the next record starts at line {number}")))
            current, start = [line], number
        elif tag == "ER":
            found.append((start, current, ""))
            current = None
        else:
            current.append(line)
    if current is not None:
        found.append((start, [], _unended(start, "the file ends first")))
    return found


def _unended(start: int, why: str) -> str:
    return f"record starting at line {start} has no 'ER  - ' line ({why}); add it to end the record"


def _item(line: int, lines: list[str]) -> Item:
    """One record's tags -> an item with BibTeX fields."""
    parsed = _parser().parse_lines(iter([*lines, "ER  - "]))
    values: dict[str, Any] = parsed[0] if parsed else {}

    def first(*tags: str) -> str | None:
        for tag in tags:
            value = values.get(_NAMES.get(tag, tag))
            if isinstance(value, list):
                value = next((v for v in value if v.strip()), None)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return None

    ris_type = (first("TY") or "").upper()
    entry_type = TYPES.get(ris_type, "misc")
    item = Item(line=line, where=f"RIS record ({ris_type or 'no type'})", source="\n".join(lines))
    item.entry_type = entry_type
    item.key = usable_key(first("ID"))
    item.title = first("TI", "T1", "CT")
    item.authors = [p for tag in ("AU", "A1") for p in _people(values.get(_NAMES[tag]))]
    item.year = _year(first("PY"), first("Y1"), first("DA"))
    item.venue = first(*_VENUE_TAGS.get(entry_type, _DEFAULT_VENUE_TAGS))
    item.venue_field = _VENUE_FIELD.get(entry_type, "journal")
    item.abstract = first("AB", "N2")
    short = first("ST")
    if short and item.title and short != item.title and len(short.split()) <= 5:
        item.shorthand = short
    item.doi = first("DO")
    item.fields = {name: first(tag) or "" for tag, name in _PLAIN_FIELDS}
    item.fields["pages"] = _pages(first("SP"), first("EP"))
    keywords = [k.strip() for k in values.get(_NAMES["KW"], []) if k.strip()]
    item.fields["keywords"] = ", ".join(keywords)
    urls = [u for u in values.get(_NAMES["UR"], []) if u.strip()]
    item.fields["url"] = urls[0] if urls else ""
    notes = values.get(_NAMES["N1"], [])
    item.identifiers = [("url", u) for u in urls] + [
        ("note", n) for n in [*notes, first("M1") or "", first("AN") or ""] if n
    ]
    return item


def _people(value: Any) -> list[Person]:
    """RIS names: `Family, Given` (`Family, Given, Suffix`), or `Given Family`."""
    names = value if isinstance(value, list) else [value] if isinstance(value, str) else []
    found: list[Person] = []
    for name in names:
        name = " ".join(name.split())
        if not name:
            continue
        parts = [p.strip() for p in name.split(",")]
        if len(parts) >= 3:
            found.append(person(parts[0], parts[2], suffix=parts[1]))
        elif len(parts) == 2:
            found.append(person(parts[0], parts[1]))
        else:
            words = name.split()
            found.append(person(words[-1], " ".join(words[:-1])))
    return found


def _year(*dates: str | None) -> int | None:
    for date in dates:
        if date:
            year = find_year(date)
            if year is not None:
                return year
    return None


def _pages(start: str | None, end: str | None) -> str:
    """`770--778` from SP and EP; SP alone may already hold the range (`770-778`)."""
    if not start:
        return ""
    if end and end != start:
        return f"{start}--{end}"
    return start.replace("--", "-").replace("-", "--") if "-" in start else start
