"""Items of RIS and CSL-JSON bibliographies -> the BibTeX reader's records (sources layer).

Both readers fill an `Item` with plain-text values; this module turns items into the
same `BibRecord`s BibTeX entries become: BibTeX field names with LaTeX-safe values, a
DOI and an arXiv id found in the identifiers or the links, and a citekey in the survey's
style (`he2016deep`) for an item the file gives none.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count

from survey.errors import Diagnostic
from survey.identifiers import ARXIV_DOI, normalize_arxiv_id, normalize_doi
from survey.sources.bibtex import BibParse, BibRecord, Person
from survey.textnorm import normalize_title
from survey.vocab import Severity

# A key the file gives is used when it is one BibTeX accepts and not a reference
# manager's record id: a URL (Zotero's CSL-JSON `id`), a bare number (EndNote's `ID`),
# `ITEM-3` (Mendeley), `1234/ABCD2345` (a Zotero library/item pair).
_KEY = re.compile(r"^[^\s,{}()\"#%'=\\~]+$")
_RECORD_ID = re.compile(r"^(?:\d+|ITEM-\d+|\d+/[A-Z0-9]{8})$", re.IGNORECASE)
# Fields BibTeX styles print verbatim (the url package): kept as they are, not escaped.
_VERBATIM = frozenset({"url"})
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_WORD = re.compile(r"[a-z0-9]+")
_ARXIV_NOTE = re.compile(r"\barxiv:\s*(\S+)", re.IGNORECASE)


@dataclass(slots=True)
class Item:
    """One reference of a RIS or CSL-JSON file, in plain text, before it has a key.

    `where` names it in messages ("record", "item 3"); `fields` are BibTeX field names
    with plain-text values; `identifiers` are (name, value) pairs that may hold a DOI or
    an arXiv id (DOI fields first, then links and notes); `source` is the item's own
    text, whose hash tells an edited item from an unchanged one.
    """

    line: int
    where: str
    source: str
    entry_type: str = "misc"
    key: str | None = None
    title: str | None = None
    authors: list[Person] = field(default_factory=list)
    year: int | None = None
    venue_field: str = "journal"
    venue: str | None = None
    abstract: str | None = None
    shorthand: str | None = None
    doi: str | None = None
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)


def usable_key(value: str | None) -> str | None:
    """`value` when it can be a citekey, else None (see `_RECORD_ID`)."""
    if value is None:
        return None
    key = value.strip()
    if not key or "://" in key or not _KEY.match(key) or _RECORD_ID.match(key):
        return None
    return key if any(c.isalpha() for c in key) else None


def find_year(value: str) -> int | None:
    """The first four-digit year in a date as RIS and CSL write them
    (`2017`, `2017/07/21/`, `JAN 2020`, `2017-07`)."""
    match = _YEAR.search(value)
    return int(match.group(1)) if match else None


def person(family: str, given: str = "", von: str = "", suffix: str = "") -> Person:
    return Person(family.strip(), given.strip(), von.strip(), suffix.strip())


def latex_escape(text: str) -> str:
    """Plain text -> a BibTeX field value that decodes back to the same text."""
    specials = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}"}
    text = "".join(specials.get(char, char) for char in text)
    text = text.replace("^", r"\textasciicircum{}")
    for char in "&%$#_":
        text = text.replace(char, "\\" + char)
    return " ".join(text.split())


def parse_items(items: list[Item], filename: str, diagnostics: list[Diagnostic]) -> BibParse:
    """Records for the items, each keyed: the file's own key, else one in the survey's
    style, made unique within the file (see `assign_keys`)."""
    keys = assign_keys(items)
    records = [
        _record(item, key, filename, diagnostics) for item, key in zip(items, keys, strict=True)
    ]
    made = {key.lower() for item, key in zip(items, keys, strict=True) if not item.key}
    return BibParse(records, diagnostics, made)


# (citekey, DOI, arXiv id, normalised title) of a paper loaded before.
Stored = tuple[str, str | None, str | None, str | None]


def keep_stored_keys(parsed: BibParse, stored: list[Stored]) -> None:
    """Give a record whose key was made up the key its paper was loaded under before,
    found by DOI, arXiv id or title: an item whose year or first author was corrected
    keeps the key the notes cite it by."""
    taken = {r.citekey.lower() for r in parsed.records}
    by_identity: dict[tuple[str, str], str] = {}
    for key, doi, arxiv_id, title_norm in stored:
        for identity in (("doi", doi), ("arxiv", arxiv_id), ("title", title_norm)):
            if identity[1]:
                by_identity.setdefault((identity[0], identity[1]), key)
    for record in parsed.records:
        if record.citekey.lower() not in parsed.made_keys:
            continue
        for identity in (
            ("doi", record.doi),
            ("arxiv", record.arxiv_id),
            ("title", record.title_norm),
        ):
            old = by_identity.get((identity[0], identity[1] or ""))
            if old is None or old.lower() == record.citekey.lower():
                continue
            if old.lower() not in taken:
                parsed.made_keys.discard(record.citekey.lower())
                taken.discard(record.citekey.lower())
                record.citekey = old
                taken.add(old.lower())
                parsed.made_keys.add(old.lower())
            break


def key_stem(item: Item) -> str:
    """`he2016deep`: the first author's family name, the year, the title's first word,
    in lower-case ASCII letters and digits (the style of Google Scholar's keys)."""
    family = _ascii_words(item.authors[0].family if item.authors else "")
    first = _ascii_words(item.title or "")
    return (
        (family[0] if family else "anon")
        + (str(item.year) if item.year else "")
        + (first[0] if first else "")
    )


def assign_keys(items: list[Item]) -> list[str]:
    """One key per item, unique within the file (ignoring case).

    Keys given by the file are kept. Items sharing a made-up key are told apart by a
    suffix (`-b`, `-c`, ...) given in the order of their DOI, title and authors, not of
    their place in the file: a re-export that sorts the items differently keeps the keys.
    """
    taken = {item.key.lower() for item in items if item.key}
    stems: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        if not item.key:
            stems.setdefault(key_stem(item), []).append(index)
    keys = [item.key or "" for item in items]
    for stem, indexes in stems.items():
        ordered = sorted(indexes, key=lambda i: (_identity(items[i]), i))
        suffixes = _suffixes()
        for position, index in enumerate(ordered):
            key = stem if position == 0 and stem.lower() not in taken else ""
            while not key or key.lower() in taken:
                key = f"{stem}-{next(suffixes)}"
            taken.add(key.lower())
            keys[index] = key
    return keys


def _suffixes() -> Iterator[str]:
    yield from "bcdefghijklmnopqrstuvwxyz"
    yield from (str(n) for n in count(27))


def _identity(item: Item) -> tuple[str, str, str]:
    doi = normalize_doi(item.doi or "") or ""
    names = " ".join(p.family + " " + p.given for p in item.authors)
    return doi, normalize_title(item.title or ""), names


def _ascii_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _WORD.findall(folded.replace("'", ""))


def _record(item: Item, key: str, filename: str, diagnostics: list[Diagnostic]) -> BibRecord:
    def warn(message: str) -> None:
        diagnostics.append(Diagnostic(Severity.WARNING, filename, item.line, key, message))

    fields = {
        name: " ".join(value.split()) if name in _VERBATIM else latex_escape(value)
        for name, value in item.fields.items()
        if value.strip()
    }
    if item.venue:
        fields.setdefault(item.venue_field, latex_escape(item.venue))
    record = BibRecord(
        citekey=key,
        entry_type=item.entry_type,
        line=item.line,
        raw="",
        fields=fields,
        title=_clean(item.title),
        year=item.year,
        venue=_clean(item.venue),
        abstract=_clean(item.abstract),
        shorthand=_clean(item.shorthand),
        authors=item.authors,
    )
    if item.doi is not None and item.doi.strip():
        record.doi = normalize_doi(_doi_text(item.doi))
        if record.doi is None:
            warn(f"{item.where}: DOI {item.doi!r} is not a DOI (10.NNNN/...); left out")
    record.arxiv_id = _arxiv_id(record.doi, item.identifiers)
    if record.doi is None:
        record.doi = _doi_in_links(item.identifiers)
    if record.title is None:
        warn(f"{item.where}: no title")
    else:
        record.title_norm = normalize_title(record.title)
    record.content_hash = hashlib.sha256(item.source.encode()).hexdigest()
    return record


def _clean(value: str | None) -> str | None:
    return " ".join(value.split()) or None if value is not None else None


def _doi_text(value: str) -> str:
    """A DOI as exports write it: `DOI 10.1/x`, `DOI: 10.1/x.` (Web of Science)."""
    text = re.sub(r"^\s*doi\s*:?\s*(?=10\.)", "", value.strip(), flags=re.IGNORECASE)
    return text.rstrip(".;, ")


def _arxiv_id(doi: str | None, identifiers: list[tuple[str, str]]) -> str | None:
    """From an arXiv DOI, else an arxiv.org link, a CSL `number` (`arXiv:1512.03385`) or
    a note saying `arXiv:1512.03385 [cs]`."""
    if doi is not None and (match := ARXIV_DOI.match(doi)):
        found = normalize_arxiv_id(match.group(1))
        if found:
            return found
    for name, value in identifiers:
        if "arxiv.org/" in value.lower() or name == "number":
            candidate = value
        elif note := _ARXIV_NOTE.search(value):
            candidate = note.group(1).rstrip(".,;")
        else:
            continue
        found = normalize_arxiv_id(candidate)
        if found:
            return found
    return None


def _doi_in_links(identifiers: list[tuple[str, str]]) -> str | None:
    """A DOI from a doi.org link, for an item with no DOI field."""
    for _name, value in identifiers:
        if "doi.org/" in value.lower():
            doi = normalize_doi(value.strip())
            if doi:
                return doi
    return None
