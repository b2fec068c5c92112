"""Every BibTeX survey writes (export layer): clean BibTeX of the selected papers, and
new entries for review (`bibtex_entry`, keyed by `citekey_for`) for works the indexes
found (survey discover --bib, survey enrich --mentions).

Each entry is written from its stored field values, LaTeX kept, every value in braces,
`@string` macros expanded and crossref fields already inherited (so `crossref` itself is
left out), a month as its macro (`dec`), and the citation edges among the exported papers
as a `cites` field: `survey build` reads the file back to the same papers and edges.

Readers disagree on braces: BibTeX, biber and pybtex count every brace, escaped or not,
while citation-js, bibtexparser and pandoc skip `\\{` and `\\}`. A value is therefore
written so that every reading agrees: escaped braces that pair up (`\\{x\\}`) stay as
they are, which every reader keeps; an escaped brace without its partner becomes
`\\textbraceleft{}` / `\\textbraceright{}` (BibTeX, biber and citation-js print it;
pandoc drops it: no spelling of a lone brace is both balanced for BibTeX and known to
pandoc); a brace without its partner is dropped, a trailing backslash is
`\\textbackslash{}`, a raw `%` is written `\\%` (pandoc reads a raw one as the start of
a comment and cuts the value there; the verbatim fields `url`, `doi`, `eprint` and `file`
keep theirs), and control characters are removed. Writing the file, loading it and
writing it again gives the same bytes. `\\~{}` and `\\^{}` are written as
`\\textasciitilde{}` and `\\textasciicircum{}`, which citation-js decodes. A month
loaded from a macro (`dec`, stored as `December`) is written as the macro; any other
month (`{dec}`, `{12}`) keeps its braces, so it loads back as it was loaded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TypedDict

from survey.export import write_text
from survey.shapes import AuthorName, ExportData, ExportEdge
from survey.sources.bibtex import (
    MONTH_MACROS,
    VERBATIM_FIELDS,
    escape_raw_percents,
    raw_field_values,
)
from survey.textnorm import normalize_title, strip_controls
from survey.vocab import Origin

# What a month macro expands to (`dec` -> `December`) -> the macro.
_MONTHS = {full: name for name, full in MONTH_MACROS.items()}
# `\~{}` and `\^{}` (an accent over nothing): citation-js reads them as "undefined" plus a
# combining accent, so they are written as the named characters.
_BARE_ACCENT = re.compile(r"(?<!\\)((?:\\\\)*)\\([~^])\{\}")
_TRAILING_BACKSLASH = re.compile(r"(?<!\\)((?:\\\\)*)\\$")
_BREAKS = re.compile(r"[ \t]*\n[ \t]*")


class BibEntry(TypedDict):
    """What an entry is written from (an export's paper has all of it, and more)."""

    key: str
    entry_type: str
    raw: str  # the entry as loaded; '' when there is none
    fields: dict[str, str]
    title: str
    authors: list[AuthorName]
    year: int | None
    doi: str


def bibtex_text(papers: Sequence[BibEntry], edges: list[ExportEdge] | None = None) -> str:
    originals = raw_field_values([p["raw"] for p in papers if p["raw"]])
    cited: dict[str, list[str]] = {}
    for edge in edges or []:
        cited.setdefault(edge["citing"], []).append(edge["cited"])
    chunks = []
    for paper in sorted(papers, key=lambda p: p["key"]):
        values = _values(paper, originals.get(paper["key"], {}))
        cites = _cites(values.pop("cites", ""), cited.get(paper["key"], []))
        if cites:
            values["cites"] = cites
        lines = [f"@{paper['entry_type']}{{{paper['key']},"]
        width = max((len(name) for name in values), default=0)
        for name, value in values.items():
            lines.append(f"  {name.ljust(width)} = {_field(name, value)},")
        lines[-1] = lines[-1].rstrip(",")
        lines.append("}")
        chunks.append("\n".join(lines))
    return "\n\n".join(chunks) + ("\n" if chunks else "")


def _cites(stored: str, edges: list[str]) -> str:
    """The stored `cites` keys, then the edges' cited keys it lacks (sorted)."""
    keys = [k.strip() for k in stored.split(",") if k.strip()]
    keys += sorted(set(edges) - set(keys))
    return ",".join(keys)


def _values(paper: BibEntry, original: dict[str, str]) -> dict[str, str]:
    stored: dict[str, str] = paper["fields"]
    values: dict[str, str] = {}
    for name, value in original.items():
        if name == "crossref":
            continue
        values[name] = stored.get(name, value)
    for name, value in stored.items():
        if name not in values and name != "crossref":
            values[name] = value
    # Without the entry text (or a field missing from it), fall back to the columns.
    if "title" not in values and paper["title"]:
        values["title"] = escape_text(paper["title"])
    if "author" not in values and paper["authors"]:
        values["author"] = " and ".join(_name(a) for a in paper["authors"])
    if "year" not in values and paper["year"] is not None:
        values["year"] = str(paper["year"])
    if "doi" not in values and paper["doi"]:
        values["doi"] = paper["doi"]
    return values


def _field(name: str, value: str) -> str:
    if name == "month" and value.strip() in _MONTHS:
        return _MONTHS[value.strip()]
    return "{" + bib_value(value, verbatim=name in VERBATIM_FIELDS) + "}"


def _name(author: AuthorName) -> str:
    """A person as `von Last, Jr, First`; a name of several words and no given name is
    braced, so BibTeX keeps it whole (a corporate author)."""
    family = escape_text(" ".join(p for p in (author["von"], author["family"]) if p))
    if not author["given"] and not author["suffix"]:
        return f"{{{family}}}" if " " in family else family
    if author["suffix"]:
        return f"{family}, {escape_text(author['suffix'])}, {escape_text(author['given'])}"
    return f"{family}, {escape_text(author['given'])}"


def escape_text(text: str) -> str:
    """Plain text -> a BibTeX value: TeX specials escaped."""
    specials = {
        "\\": "\\textbackslash{}",
        "{": "\\textbraceleft{}",
        "}": "\\textbraceright{}",
        "~": "\\textasciitilde{}",
        "^": "\\textasciicircum{}",
    }
    text = "".join(specials.get(char, char) for char in text)
    for char in "&%$#_":
        text = text.replace(char, "\\" + char)
    return text


def bib_value(value: str, verbatim: bool = False) -> str:
    """A stored value as the inside of `{...}` that every BibTeX reader parses alike;
    `verbatim` keeps a raw `%` (a URL's)."""
    value = _BREAKS.sub(" ", strip_controls(value))
    value = _BARE_ACCENT.sub(
        lambda m: (
            m.group(1) + ("\\textasciitilde{}" if m.group(2) == "~" else "\\textasciicircum{}")
        ),
        value,
    )
    value = _TRAILING_BACKSLASH.sub(lambda m: m.group(1) + "\\textbackslash{}", value)
    if not verbatim:
        value = escape_raw_percents(value)
    return _pair_braces(value)


def _pair_braces(value: str) -> str:
    """Braces paired the way every reader agrees on: a real brace with a real one, an
    escaped brace with an escaped one. A real brace left over is dropped, an escaped one
    is spelled out as `\\textbraceleft{}` / `\\textbraceright{}`."""
    if "{" not in value and "}" not in value:
        return value
    opened: list[tuple[int, bool]] = []
    unpaired: dict[int, bool] = {}
    for position, escaped in _braces(value):
        if value[position] == "{":
            opened.append((position, escaped))
        elif opened and opened[-1][1] == escaped:
            opened.pop()
        else:
            unpaired[position] = escaped
    unpaired.update(opened)
    out: list[str] = []
    for index, char in enumerate(value):
        if index not in unpaired:
            out.append(char)
        elif unpaired[index]:  # replaces the backslash before it
            out[-1] = "\\textbraceleft{}" if char == "{" else "\\textbraceright{}"
    return "".join(out)


def _braces(value: str) -> list[tuple[int, bool]]:
    """(position, escaped?) of each brace, in order; `\\\\{` is a real brace."""
    found: list[tuple[int, bool]] = []
    index = 0
    while index < len(value):
        char = value[index]
        if char == "\\" and index + 1 < len(value):
            if value[index + 1] in "{}":
                found.append((index + 1, True))
            index += 2
            continue
        if char in "{}":
            found.append((index, False))
        index += 1
    return found


def write_bibtex(data: ExportData, path: Path) -> None:
    write_text(path, bibtex_text(data["papers"], data["edges"]))


# -- new entries for review (survey discover --bib, survey enrich --mentions) ------------

_KEY_STOPWORDS = frozenset(("a", "an", "the", "on", "of", "for", "in", "to", "and", "with"))


def citekey_for(first_author: str, year: int | None, title: str, taken: set[str]) -> str:
    """A key in the project's style (`fu2017look`): family name, year, first title word.

    A key already taken gets a, b, c ... appended; `taken` is updated.
    """
    family = _ascii_word(first_author.split()[-1]) if first_author.split() else "anon"
    words = [_ascii_word(w) for w in normalize_title(title).split()]
    words = [w for w in words if w]
    first = next((w for w in words if w not in _KEY_STOPWORDS), words[0] if words else "")
    base = f"{family or 'anon'}{year or ''}{first}"
    key, suffix = base, 0
    while key.lower() in taken:
        key = base + chr(ord("a") + suffix)
        suffix += 1
    taken.add(key.lower())
    return key


def _ascii_word(word: str) -> str:
    text = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z]", "", text)


def bibtex_entry(
    key: str,
    *,
    title: str,
    authors: Iterable[str],
    more_authors: bool,
    year: int | None,
    venue: str,
    venue_type: str,
    doi: str | None,
    work_id: str,
    origin: str,
) -> str:
    """One BibTeX entry for review; `origin` says where it came from (a `note`-like field)."""
    names = [escape_text(n) for n in authors]
    if more_authors and names:
        names.append("others")
    if venue_type == "journal":
        entry_type, venue_field = "article", "journal"
    elif venue_type == "conference":
        entry_type, venue_field = "inproceedings", "booktitle"
    else:
        entry_type, venue_field = "misc", "howpublished"
    fields = [
        ("author", " and ".join(names)),
        ("title", escape_text(title)),
        (venue_field, escape_text(venue)),
        ("year", str(year) if year else ""),
        ("doi", escape_text(doi or "")),
        _work_field(work_id),
        ("x-survey-origin", escape_text(origin)),
    ]
    # Stored text may predate the cleaning of index answers: no control character is written.
    body = ",\n".join(f"  {name} = {{{strip_controls(value)}}}" for name, value in fields if value)
    return f"@{entry_type}{{{key},\n{body}\n}}\n"


def _work_field(work_id: str) -> tuple[str, str]:
    """The field naming the index work an entry came from: `openalex` for OpenAlex ids,
    `x-survey-work` for the other indexes'."""
    if _source_of(work_id) == Origin.OPENALEX:
        return "openalex", work_id
    return "x-survey-work", escape_text(work_id)


def _source_of(work_id: str) -> str:
    if work_id.startswith("S2:"):
        return Origin.SEMANTICSCHOLAR
    if work_id.startswith(("doi:", "omid:")):
        return Origin.OPENCITATIONS
    return Origin.OPENALEX
