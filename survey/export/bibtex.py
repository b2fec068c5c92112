"""Every BibTeX survey writes (export layer): clean BibTeX of the selected papers, and
new entries for review (`bibtex_entry`, keyed by `citekey_for`) for works the indexes
found (survey discover --bib, survey enrich --mentions).

Each entry is written from its stored field values, LaTeX kept, every value in braces,
`@string` macros expanded and crossref fields already inherited (so `crossref` itself is
left out), a month as its macro (`dec`), and the citation edges among the exported papers
as a `cites` field: `survey build` reads the file back to the same papers and edges.
The fields come in the entry's order, from `fields` and the source text the load kept of
the fields stored in columns (`Paper.source_fields`; the stored entry text is parsed
again only for a paper loaded before that was kept). Papers are read from the database a
chunk at a time and written as they come, so the export's memory does not grow with the
bibliography.

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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from survey.db import entries as entries_db
from survey.db import taxonomy as tx
from survey.db.entries import EntryRow
from survey.export import atomic_output
from survey.shapes import AuthorName
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
# What bib_value may change: control characters and line breaks, backslashes, `%` and
# braces. A value without any is written as it is.
_SPECIAL = re.compile("[\x00-\x08\x0a-\x1f\x7f\\\\%{}]")


def write_bibtex(session: Session, path: Path, within: str | None = None) -> tuple[int, int]:
    """Write every paper (or those of the taxonomy section `within`) as BibTeX to `path`,
    by citekey, with the citation edges among them as `cites` fields; (papers, edges)
    written. Papers are read a chunk at a time and each entry is written as it is made."""
    kept = None
    if within is not None:
        kept = tx.subtree_paper_ids(session, tx.find_node(session, within).path)
    order = entries_db.citekey_order(session, kept)
    key_of = {paper_id: key for key, paper_id in order}
    papers = edges = 0
    with atomic_output(path) as stream:
        for start in range(0, len(order), entries_db.CHUNK):
            ids = [paper_id for _, paper_id in order[start : start + entries_db.CHUNK]]
            for text, cited in _entries(session, ids, key_of):
                stream.write(f"\n\n{text}" if papers else text)
                papers += 1
                edges += cited
        if papers:
            stream.write("\n")
    return papers, edges


def _entries(
    session: Session, ids: Sequence[int], key_of: Mapping[int, str]
) -> Iterator[tuple[str, int]]:
    """Each paper of one chunk as its entry's text, with the number of edges written in
    its `cites` field."""
    rows = entries_db.entry_rows(session, ids)
    written = _written_fields(session, rows)
    values = {row.id: _values(row.fields, written.get(row.id, {})) for row in rows}
    authors = entries_db.authors_of(session, [i for i, v in values.items() if "author" not in v])
    cited_by = entries_db.cited_by(session, ids)
    for row in rows:
        entry = values[row.id]
        _fill_from_columns(entry, row, authors.get(row.id, []))
        # Only the edges among the papers written (all of them, or a section's).
        cited = [key_of[i] for i in cited_by.get(row.id, []) if i in key_of]
        cites = _cites(entry.pop("cites", ""), cited)
        if cites:
            entry["cites"] = cites
        yield _entry_text(row.entry_type, row.citekey, entry), len(cited)


def _written_fields(
    session: Session, rows: Sequence[EntryRow]
) -> dict[int, Mapping[str, str | None]]:
    """Each paper's fields in its entry's order, with the source text of those kept in
    columns: stored at load time, or read from the entry text for a paper loaded before
    that was stored (revision 0013)."""
    found: dict[int, Mapping[str, str | None]] = {
        row.id: row.source_fields for row in rows if row.source_fields is not None
    }
    missing = {row.id: row.citekey for row in rows if row.source_fields is None}
    if missing:
        raws = entries_db.entry_texts(session, list(missing))
        parsed = raw_field_values([raw for raw in raws.values() if raw])
        found.update({i: parsed.get(key, {}) for i, key in missing.items()})
    return found


def _entry_text(entry_type: str, key: str, values: Mapping[str, str]) -> str:
    lines = [f"@{entry_type}{{{key},"]
    width = max((len(name) for name in values), default=0)
    for name, value in values.items():
        lines.append(f"  {name.ljust(width)} = {_field(name, value)},")
    lines[-1] = lines[-1].rstrip(",")
    lines.append("}")
    return "\n".join(lines)


def _cites(stored: str, edges: list[str]) -> str:
    """The stored `cites` keys, then the edges' cited keys it lacks (sorted)."""
    keys = [k.strip() for k in stored.split(",") if k.strip()]
    keys += sorted(set(edges) - set(keys))
    return ",".join(keys)


def _values(stored: Mapping[str, str], written: Mapping[str, str | None]) -> dict[str, str]:
    """The fields to write, in the entry's order, then the stored ones it did not give
    (inherited through `crossref`): a stored value wins over the text as written (it
    has the `@string` macros expanded); `crossref` itself is left out."""
    values: dict[str, str] = {}
    for name, text in written.items():
        value = stored.get(name, text)
        if name != "crossref" and value is not None:
            values[name] = value
    for name, value in stored.items():
        if name not in values and name != "crossref":
            values[name] = value
    return values


def _fill_from_columns(values: dict[str, str], row: EntryRow, authors: list[AuthorName]) -> None:
    """Without the entry text (or a field missing from it), the columns' values."""
    if "title" not in values and row.title:
        values["title"] = escape_text(row.title)
    if "author" not in values and authors:
        values["author"] = " and ".join(_name(a) for a in authors)
    if "year" not in values and row.year is not None:
        values["year"] = str(row.year)
    if "doi" not in values and row.doi:
        values["doi"] = row.doi


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
    # Each step only where its character is: a pattern that cannot match still costs a
    # scan of the whole value, and most values need none.
    if _SPECIAL.search(value) is None:
        return value
    value = strip_controls(value)
    if "\n" in value:
        value = _BREAKS.sub(" ", value)
    if "\\" in value:
        value = _BARE_ACCENT.sub(_named_accent, value)
        if value.endswith("\\"):
            value = _TRAILING_BACKSLASH.sub(_named_backslash, value)
    if not verbatim and "%" in value:
        value = escape_raw_percents(value)
    return _pair_braces(value)


def _named_accent(match: re.Match[str]) -> str:
    return match.group(1) + (
        "\\textasciitilde{}" if match.group(2) == "~" else "\\textasciicircum{}"
    )


def _named_backslash(match: re.Match[str]) -> str:
    return match.group(1) + "\\textbackslash{}"


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
    if not unpaired:
        return value
    out: list[str] = []
    for index, char in enumerate(value):
        if index not in unpaired:
            out.append(char)
        elif unpaired[index]:  # replaces the backslash before it
            out[-1] = "\\textbraceleft{}" if char == "{" else "\\textbraceright{}"
    return "".join(out)


# A backslash and the character after it (an escape), or a brace.
_BRACE_OR_ESCAPE = re.compile(r"\\(.)|[{}]", re.DOTALL)


def _braces(value: str) -> list[tuple[int, bool]]:
    """(position, escaped?) of each brace, in order; `\\\\{` is a real brace."""
    found: list[tuple[int, bool]] = []
    for match in _BRACE_OR_ESCAPE.finditer(value):
        escaped = match.group(1)
        if escaped is None:
            found.append((match.start(), False))
        elif escaped in "{}":
            found.append((match.start() + 1, True))
    return found


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
