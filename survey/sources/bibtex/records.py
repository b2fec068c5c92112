"""One entry -> one normalised paper record: decoded title, names, year, venue, DOI and
arXiv id, with a warning for each value that cannot be used."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from bibtexparser.model import (
    Entry,
)

from survey.errors import Diagnostic
from survey.identifiers import ARXIV_DOI, normalize_arxiv_id, normalize_doi
from survey.sources.bibtex.names import Person, split_authors
from survey.sources.bibtex.values import resolve_value
from survey.sources.latex import latex_to_unicode, strip_braces
from survey.textnorm import normalize_title
from survey.vocab import Severity

VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "school", "institution", "publisher")


@dataclass(slots=True)
class BibRecord:
    """One entry of a BibTeX file, normalised for the database."""

    citekey: str
    entry_type: str
    line: int
    raw: str
    fields: dict[str, str]
    title: str | None = None
    year: int | None = None
    venue: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    abstract: str | None = None
    shorthand: str | None = None
    authors: list[Person] = field(default_factory=list)
    more_authors: bool = False
    content_hash: str = ""
    title_norm: str | None = None
    # The entry's field names in order, with the text as written of those whose value
    # goes to a column (`_source_fields`); {} without an entry text (RIS, CSL-JSON).
    source_fields: dict[str, str | None] = field(default_factory=dict)


@dataclass(slots=True)
class BibParse:
    """What one BibTeX text held: good records and a diagnostic per problem."""

    records: list[BibRecord]
    diagnostics: list[Diagnostic]
    # Keys made up for items their file gave none (RIS, CSL-JSON), lower-cased.
    made_keys: set[str] = field(default_factory=set)

    @property
    def failed(self) -> int:
        return sum(1 for d in self.diagnostics if d.is_error)


_YEAR = re.compile(r"^\d{4}$")
_DATE_YEAR = re.compile(r"^(\d{4})(?:[-/]\d{1,2}){0,2}$")


def parse_year(value: str) -> int | None:
    text = strip_braces(value)
    if _YEAR.match(text):
        return int(text)
    match = _DATE_YEAR.match(text)
    return int(match.group(1)) if match else None


@lru_cache(maxsize=4096)
def decode_cached(value: str) -> str:
    """Venue names repeat across a bibliography; decode each once."""
    return latex_to_unicode(value)


# Fields decoded into a record's columns; every other field is kept as it is in `fields`
# (`date` too, when it only gave the year).
_COLUMN_FIELDS = frozenset({"title", "author", "abstract", "shorthand", "year", "doi"})


def make_record(
    entry: Entry,
    line: int,
    values: dict[str, str],
    filename: str,
    diagnostics: list[Diagnostic],
) -> BibRecord:
    key = entry.key.strip()

    def warn(message: str) -> None:
        diagnostics.append(Diagnostic(Severity.WARNING, filename, line, key, message))

    record = BibRecord(
        citekey=key,
        entry_type=entry.entry_type.strip().lower(),
        line=line,
        raw=entry.raw or "",
        fields={name: value for name, value in values.items() if name not in _COLUMN_FIELDS},
        title=_decoded_text(values.get("title")),
        abstract=_decoded_text(values.get("abstract")),
        shorthand=_decoded_text(values.get("shorthand")),
        venue=_venue(values),
        source_fields=_source_fields(entry) if entry.raw else {},
    )
    if "author" in values:
        record.authors, record.more_authors = split_authors(values["author"])
    # In the entry's field order, so the warnings come in the order the fields are written.
    for name, value in values.items():
        if name == "year" or (name == "date" and "year" not in values):
            record.year = _year(name, value, warn)
        elif name == "doi":
            _set_doi(record, value, warn)
    if record.arxiv_id is None:
        record.arxiv_id = _find_arxiv_id(values, warn)
    if record.title is None:
        warn("no title")
    else:
        record.title_norm = normalize_title(record.title)
    return record


def _source_fields(entry: Entry) -> dict[str, str | None]:
    """The entry's field names in its order (the first of a repeated one), each with its
    text as written when its value goes to a column (title, author, year, ...; `#`
    joined, enclosing removed, macros left as their names, as `raw_field_values` reads
    `raw`), else None: the record's `fields` hold that value. What the BibTeX export
    writes the entry back from, instead of parsing `raw` again."""
    found: dict[str, str | None] = {}
    for fld in entry.fields:
        name = fld.key.strip().lower()
        if name not in found:
            found[name] = resolve_value(str(fld.value), {}, []) if name in _COLUMN_FIELDS else None
    return found


def _decoded_text(value: str | None) -> str | None:
    return None if value is None else latex_to_unicode(value) or None


def _venue(values: dict[str, str]) -> str | None:
    """The first non-empty venue field, decoded."""
    for name in VENUE_FIELDS:
        if name in values and values[name].strip():
            return decode_cached(values[name])
    return None


def _year(name: str, value: str, warn: Callable[[str], None]) -> int | None:
    """The year of a `year` field, or of a `date` field's leading ISO date."""
    year = parse_year(value if name == "year" else value[:10])
    if year is None:
        warn(
            f"year {value!r} is not a four-digit year; stored empty"
            if name == "year"
            else f"date {value!r} does not start with a year; stored empty"
        )
    return year


def _set_doi(record: BibRecord, value: str, warn: Callable[[str], None]) -> None:
    """The record's DOI, and its arXiv identifier when the DOI is an arXiv one."""
    doi = normalize_doi(value)
    if value.strip() and doi is None:
        warn(f"doi {value!r} is not a DOI (10.NNNN/...); left out")
    elif doi is not None and (arxiv := ARXIV_DOI.match(doi)):
        record.arxiv_id = record.arxiv_id or normalize_arxiv_id(arxiv.group(1))
    record.doi = doi


def _find_arxiv_id(values: dict[str, str], warn: Callable[[str], None]) -> str | None:
    archive = (values.get("archiveprefix") or values.get("eprinttype") or "").strip().lower()
    candidates: list[tuple[str, str]] = []
    if "eprint" in values and archive in ("arxiv", ""):
        candidates.append(("eprint", values["eprint"]))
    if "arxiv" in values:
        candidates.append(("arxiv", values["arxiv"]))
    for name in ("url", "howpublished", "note"):
        if name in values and "arxiv.org/" in values[name].lower():
            candidates.append((name, values[name]))
    for name, value in candidates:
        arxiv_id = normalize_arxiv_id(value)
        if arxiv_id:
            return arxiv_id
        if name in ("arxiv",) or (name == "eprint" and archive == "arxiv"):
            warn(f"{name} {value!r} is not an arXiv identifier; left out")
    return None
