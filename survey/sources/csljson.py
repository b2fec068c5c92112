"""CSL-JSON files (Zotero, Better BibTeX, pandoc, `survey export csljson`) -> records
(sources layer).

The file is a JSON array of items, read item by item so that a syntax error loses only
the items after it: every message names the item (`item 3`, counted from 1) and the line
it starts on. `_item` maps CSL 1.0.2 variables to the fields of a BibTeX entry, the
inverse of survey's own CSL-JSON export (the table is in docs/bibliographies.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from survey.errors import Diagnostic
from survey.sources.bibtex import BibParse, Person
from survey.sources.items import Item, find_year, parse_items, person, usable_key
from survey.vocab import Severity

# CSL item types -> BibTeX entry types; any other type is `misc`.
TYPES = {
    "article-journal": "article",
    "article-magazine": "article",
    "article-newspaper": "article",
    "paper-conference": "inproceedings",
    "book": "book",
    "chapter": "incollection",
    "thesis": "phdthesis",
    "report": "techreport",
    "manuscript": "unpublished",
    "webpage": "online",
    "post-weblog": "online",
    "article": "misc",
}
# Where the venue goes: the container for articles and papers, the publisher for books,
# theses and reports (as the export writes them).
_PUBLISHER_VENUE = {"book": "publisher", "phdthesis": "school", "techreport": "institution"}
_CONTAINER_FIELD = {"article": "journal", "inproceedings": "booktitle", "incollection": "booktitle"}
# CSL variables copied to BibTeX fields as text.
_PLAIN_FIELDS = (
    ("volume", "volume"),
    ("edition", "edition"),
    ("chapter-number", "chapter"),
    ("collection-title", "series"),
    ("publisher-place", "address"),
    ("ISBN", "isbn"),
    ("ISSN", "issn"),
    ("note", "note"),
    ("URL", "url"),
    ("language", "language"),
)


def parse_csljson(text: str, filename: str) -> BibParse:
    """The records of a CSL-JSON text and a diagnostic per problem; never raises."""
    diagnostics: list[Diagnostic] = []

    def error(line: int, message: str) -> None:
        diagnostics.append(Diagnostic(Severity.ERROR, filename, line, None, message))

    items: list[Item] = []
    for index, line, value, problem in _values(text):
        where = f"item {index}" if index else "the file"
        if problem:
            error(line, f"{where}: {problem}")
        elif not isinstance(value, dict):
            error(line, f"{where} is {_kind(value)}, not an object: each item is {{...}}")
        else:
            item = _item(index, line, value, error)
            if item is not None:
                items.append(item)
    return parse_items(items, filename, diagnostics)


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return "null" if value is None else f"a {type(value).__name__}"


def _values(text: str) -> list[tuple[int, int, Any, str]]:
    """(item index from 1, its line, its value, a problem or '') for each item of the
    top-level array; a single object is one item."""
    decoder = json.JSONDecoder()
    lines = _LineOf(text)
    position = _skip(text, 0)
    if position < len(text) and text[position] == "{":
        value, problem, _end = _decode(decoder, text, position, lines)
        return [(1, lines(position), value, problem)]
    if position >= len(text) or text[position] != "[":
        return [(0, lines(position), None, "is not CSL-JSON: it must be a JSON array of items")]
    found: list[tuple[int, int, Any, str]] = []
    position = _skip(text, position + 1)
    index = 0
    while position < len(text) and text[position] != "]":
        index += 1
        value, problem, end = _decode(decoder, text, position, lines)
        found.append((index, lines(position), value, problem))
        if problem:
            return found
        position = _skip(text, end)
        if position < len(text) and text[position] == ",":
            position = _skip(text, position + 1)
        elif position < len(text) and text[position] != "]":
            found.append((index + 1, lines(position), None, _expected(lines, position, "','")))
            return found
    if position >= len(text):
        found.append((0, lines(position), None, "the array is never closed (a ']' is missing)"))
    elif text[_skip(text, position + 1) :].strip():
        after = _skip(text, position + 1)
        found.append((0, lines(after), None, "holds text after the array's closing ']'"))
    return found


def _decode(
    decoder: json.JSONDecoder, text: str, position: int, lines: _LineOf
) -> tuple[Any, str, int]:
    try:
        value, end = decoder.raw_decode(text, position)
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", position
    return value, "", end


def _expected(lines: _LineOf, position: int, what: str) -> str:
    line, column = lines.line_column(position)
    return f"invalid JSON at line {line}, column {column}: expected {what} between items"


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


class _LineOf:
    """Offset -> 1-based line (and column)."""

    def __init__(self, text: str) -> None:
        self._text = text

    def __call__(self, position: int) -> int:
        return self._text.count("\n", 0, position) + 1

    def line_column(self, position: int) -> tuple[int, int]:
        return self(position), position - self._text.rfind("\n", 0, position)


def _item(
    index: int, line: int, value: dict[str, Any], error: Callable[[int, str], None]
) -> Item | None:
    where = f"item {index}"
    texts = {name: _text(v) for name, v in value.items()}
    csl_type = texts.get("type") or ""
    entry_type = TYPES.get(csl_type, "misc")
    if entry_type == "phdthesis" and "master" in (texts.get("genre") or "").lower():
        entry_type = "mastersthesis"
    item = Item(line=line, where=where, source=json.dumps(value, sort_keys=True, default=str))
    item.entry_type = entry_type
    item.key = usable_key(texts.get("citation-key")) or usable_key(texts.get("id"))
    item.title = texts.get("title")
    item.authors = _people(value.get("author"))
    if not (item.title or item.authors or texts.get("DOI")):
        error(line, f"{where} has no title, author or DOI: nothing to load")
        return None
    item.year = _year(value.get("issued"))
    publisher_field = (
        "school" if entry_type == "mastersthesis" else _PUBLISHER_VENUE.get(entry_type)
    )
    if publisher_field:
        item.venue, item.venue_field = texts.get("publisher"), publisher_field
    else:
        item.venue = texts.get("container-title")
        item.venue_field = _CONTAINER_FIELD.get(entry_type, "howpublished")
        item.fields["publisher"] = texts.get("publisher") or ""
    item.abstract = texts.get("abstract")
    short = texts.get("title-short")
    if short and item.title and short != item.title and len(short.split()) <= 5:
        item.shorthand = short
    item.doi = texts.get("DOI")
    item.fields.update({target: texts.get(name) or "" for name, target in _PLAIN_FIELDS})
    item.fields["pages"] = (texts.get("page") or "").replace("--", "-").replace("-", "--")
    number = texts.get("number") or ""
    if number.lower().startswith("arxiv:"):  # a preprint's number is its arXiv id
        number = ""
    item.fields["number"] = texts.get("issue") or texts.get("collection-number") or number
    item.fields["keywords"] = texts.get("keyword") or ""
    item.identifiers = [
        (name, text)
        for name in ("URL", "number", "note", "archive_location")
        if (text := texts.get(name))
    ]
    return item


def _text(value: Any) -> str | None:
    """A CSL variable as text: strings and numbers as they are; anything else is None."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    return None


def _people(value: Any) -> list[Person]:
    found: list[Person] = []
    for name in value if isinstance(value, list) else []:
        if not isinstance(name, dict):
            continue
        parts = {k: _text(v) or "" for k, v in name.items()}
        if parts.get("family"):
            von = " ".join(
                p for p in (parts.get("dropping-particle"), parts.get("non-dropping-particle")) if p
            )
            found.append(
                person(parts["family"], parts.get("given", ""), von, parts.get("suffix", ""))
            )
        elif parts.get("literal"):
            found.append(person(parts["literal"]))
    return found


def _year(issued: Any) -> int | None:
    """`issued.date-parts[0][0]` (a number or a string), else a year in `raw` or `literal`."""
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            year = _text(parts[0][0])
            if year and year.lstrip("-").isdigit():
                return int(year)
        for name in ("raw", "literal"):
            text = _text(issued.get(name))
            if text:
                return find_year(text)
    if isinstance(issued, str):
        return find_year(issued)
    return None
