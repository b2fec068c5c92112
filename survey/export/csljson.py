"""CSL-JSON, as pandoc's citeproc, citeproc-js and Zotero read it (export layer).

BibTeX fields map to the CSL 1.0.2 variables (Appendix IV of the specification): a
report's or thesis's `number` is `number` (not `issue`, which APA prints as "Issue ..."),
a journal's is `issue`, a book series' is `collection-number`; `series` is
`collection-title`, `address` is `publisher-place`, `editor` is a name variable, `type`
is `genre`. Text is decoded from LaTeX and free of control characters.

What CSL itself has no field for follows pandoc's conventions, which citeproc then
renders: BibTeX's `and others` ends the name list as `{"literal": "others"}` ("et al."); a
year with a suffix (`2020a`) keeps its date parts and adds the year as written as the
date's `literal`; a year that is no year (`forthcoming`, `in press`), or biblatex's
`pubstate`, becomes `status` (no `issued`, so no "n.d."); a URL in `howpublished` (bare
or in `\\url{...}`) is the `URL` when the entry has no `url` field.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from survey.export import write_text
from survey.shapes import ExportData, ExportPaper
from survey.sources.bibtex import MONTH_MACROS, raw_field_values, split_authors
from survey.sources.latex import latex_to_unicode
from survey.textnorm import strip_controls

# BibTeX entry types -> CSL item types.
TYPES = {
    "article": "article-journal",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "proceedings": "book",
    "book": "book",
    "incollection": "chapter",
    "inbook": "chapter",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "techreport": "report",
    "report": "report",
    "misc": "article",
    "online": "webpage",
    "unpublished": "manuscript",
}
_GENRES = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis"}
# Fields copied as text: BibTeX name -> CSL variable.
_TEXT_FIELDS = (
    ("volume", "volume"),
    ("pages", "page"),
    ("edition", "edition"),
    ("chapter", "chapter-number"),
    ("series", "collection-title"),
    ("address", "publisher-place"),
    ("location", "publisher-place"),
    ("isbn", "ISBN"),
    ("issn", "ISSN"),
    ("note", "note"),
    ("type", "genre"),
)
_MONTH_NUMBERS = (
    {name: index for index, name in enumerate(MONTH_MACROS, start=1)}
    | {full.lower(): index for index, full in enumerate(MONTH_MACROS.values(), start=1)}
    | {str(index): index for index in range(1, 13)}
    | {f"{index:02d}": index for index in range(1, 10)}
)
_SUFFIXED_YEAR = re.compile(r"^(\d{4})[a-z]$")
_URL = re.compile(r"https?://[^\s{}]+")
# BibTeX's name list ends in `and others`: pandoc's CSL spelling of "et al.".
OTHERS = {"literal": "others"}


def _text(value: str) -> str:
    return strip_controls(latex_to_unicode(value))


def _names(value: str) -> list[dict[str, str]]:
    people, more = split_authors(value)
    return [_name(p.family, p.given, p.von, p.suffix) for p in people] + ([OTHERS] if more else [])


def _name(family: str, given: str, von: str, suffix: str) -> dict[str, str]:
    name = {"family": strip_controls(family)}
    if given:
        name["given"] = strip_controls(given)
    if von:
        name["non-dropping-particle"] = strip_controls(von)
    if suffix:
        name["suffix"] = strip_controls(suffix)
    return name


def _number_variable(entry_type: str, fields: dict[str, str]) -> str:
    """Where a BibTeX `number` goes: a journal issue, a number in a series, or the
    item's own number (a report's)."""
    if entry_type == "article":
        return "issue"
    if entry_type in ("book", "inbook", "incollection", "proceedings", "inproceedings"):
        return "collection-number" if fields.get("series") else "number"
    return "number"


def csl_item(paper: ExportPaper, year_text: str = "") -> dict[str, Any]:
    """The paper as a CSL item; `year_text` is its `year` field as written, read when the
    stored year is empty (`2020a`, `forthcoming`)."""
    fields: dict[str, str] = paper["fields"]
    entry_type = paper["entry_type"]
    item: dict[str, Any] = {
        "id": paper["key"],
        "type": TYPES.get(entry_type, "article"),
        "title": strip_controls(paper["title"] or ""),
    }
    authors = [_name(a["family"], a["given"], a["von"], a["suffix"]) for a in paper["authors"]]
    if authors:
        item["author"] = authors + ([OTHERS] if paper["more_authors"] else [])
    if fields.get("editor"):
        item["editor"] = _names(fields["editor"])
    _add_date(item, paper["year"], _text(year_text).strip(), fields)
    if paper["venue"]:
        _add_venue(item, strip_controls(paper["venue"]), fields)
    if entry_type in _GENRES and not fields.get("type"):
        item["genre"] = _GENRES[entry_type]
    for source, target in _TEXT_FIELDS:
        if fields.get(source) and target not in item:
            item[target] = _text(fields[source].replace("--", "-"))
    if fields.get("number"):
        item[_number_variable(entry_type, fields)] = _text(fields["number"])
    _add_links(item, paper, fields)
    if paper["abstract"]:
        item["abstract"] = strip_controls(paper["abstract"])
    if paper["short"]:
        item["title-short"] = strip_controls(paper["short"])
    return item


def _add_date(item: dict[str, Any], year: int | None, written: str, fields: dict[str, str]) -> None:
    """`issued` (the year, and the month when the entry names one; a suffixed year as
    written besides) or, for a year that is no year, `status`."""
    suffixed = _SUFFIXED_YEAR.match(written) if year is None else None
    if suffixed:
        year = int(suffixed.group(1))
    if year is not None:
        parts = [year]
        month = _MONTH_NUMBERS.get(fields.get("month", "").strip().lower())
        if month is not None:
            parts.append(month)
        item["issued"] = {"date-parts": [parts]}
        if suffixed:
            item["issued"]["literal"] = written
    elif written and not any(char.isdigit() for char in written):
        item["status"] = written
    if fields.get("pubstate"):
        item["status"] = _text(fields["pubstate"])


def _add_venue(item: dict[str, Any], venue: str, fields: dict[str, str]) -> None:
    """A report's, thesis's or book's venue is its publisher; anything else's is the
    container it appeared in."""
    if item["type"] in ("report", "thesis", "book"):
        item["publisher"] = venue
        return
    item["container-title"] = venue
    if fields.get("publisher"):
        item["publisher"] = _text(fields["publisher"])


def _add_links(item: dict[str, Any], paper: ExportPaper, fields: dict[str, str]) -> None:
    """DOI, URL, and an arXiv preprint's number and publisher."""
    if paper["doi"]:
        item["DOI"] = paper["doi"]
    if fields.get("url"):
        item["URL"] = strip_controls(fields["url"].strip("{}"))
    elif url := _URL.search(fields.get("howpublished", "")):
        item["URL"] = strip_controls(url.group(0))
    if paper["arxiv_id"]:
        item.setdefault("URL", f"https://arxiv.org/abs/{paper['arxiv_id']}")
        if item["type"] == "article":
            item.setdefault("publisher", "arXiv")
            item["number"] = f"arXiv:{paper['arxiv_id']}"


def write_csljson(data: ExportData, path: Path) -> None:
    papers = sorted(data["papers"], key=lambda p: p["key"])
    # The stored year is an integer: a year field that is not one is read as written.
    written = raw_field_values([p["raw"] for p in papers if p["raw"] and p["year"] is None])
    items = [csl_item(p, written.get(p["key"], {}).get("year", "")) for p in papers]
    write_text(path, json.dumps(items, ensure_ascii=False, indent=2) + "\n")
