"""BibTeX files -> normalised paper records (core layer; the only importer of bibtexparser).

Reading a file, splitting it into blocks with bibtexparser v2, resolving `@string`
macros, month macros and `crossref`, decoding LaTeX in display fields, splitting
names and normalising identifiers. Never prints; problems become `Diagnostic`s.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple, TypeVar, overload

from bibtexparser.entrypoint import parse_string
from bibtexparser.model import (
    Block,
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ParsingFailedBlock,
    String,
)

from survey.allocation import gc_paused
from survey.errors import Diagnostic, InputFileError
from survey.identifiers import ARXIV_DOI, normalize_arxiv_id, normalize_doi
from survey.inputs import read_input
from survey.naming import person_name
from survey.sources.latex import latex_to_unicode, strip_braces
from survey.textnorm import normalize_title
from survey.vocab import Severity

# bibtexparser logs its own copy of every parse failure; ours carry file and line.
logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)

# BibTeX's standard styles define these month macros.
MONTH_MACROS = {
    "jan": "January",
    "feb": "February",
    "mar": "March",
    "apr": "April",
    "may": "May",
    "jun": "June",
    "jul": "July",
    "aug": "August",
    "sep": "September",
    "oct": "October",
    "nov": "November",
    "dec": "December",
}

# Fields that become columns or rows of their own; the rest stay in `Paper.fields`.
VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "school", "institution", "publisher")


@dataclass(slots=True, frozen=True)
class Person:
    """One author, split the way BibTeX splits names."""

    family: str
    given: str = ""
    von: str = ""
    suffix: str = ""

    @property
    def display(self) -> str:
        return person_name(self.family, self.given, self.von, self.suffix)


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


@dataclass(slots=True)
class BibParse:
    """What one BibTeX text held: good records and a diagnostic per problem."""

    records: list[BibRecord]
    diagnostics: list[Diagnostic]

    @property
    def failed(self) -> int:
        return sum(1 for d in self.diagnostics if d.is_error)


# --------------------------------------------------------------------------- files


def read_bib_file(path: Path) -> tuple[str, str, int, list[Diagnostic]]:
    """(text, sha256 of the bytes, size, warnings) of a BibTeX file.

    Raises `InputFileError` saying why when the file cannot be read as BibTeX.

    UTF-8 (with or without BOM) is expected; a file that is not UTF-8 is read as
    Windows-1252 (latin-1 with smart quotes and dashes, what Windows tools write), or
    as latin-1 when it holds bytes Windows-1252 leaves undefined, with a warning.
    """
    name = str(path)
    data = read_input(path, "BibTeX file", "check the path; name the .bib file")
    if b"\x00" in data[:65536]:
        raise InputFileError(
            f"{name}: is a binary file, not BibTeX text", "export the bibliography as .bib"
        )
    diagnostics: list[Diagnostic] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        try:
            text, encoding = data.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError:
            text, encoding = data.decode("latin-1"), "latin-1"
        diagnostics.append(
            Diagnostic(
                Severity.WARNING,
                name,
                line,
                None,
                f"not valid UTF-8; read as {encoding} (re-save the file as UTF-8 to silence this)",
            )
        )
    if not text.strip():
        raise InputFileError(f"{name}: is empty", "add BibTeX entries or leave the file out")
    return text, hashlib.sha256(data).hexdigest(), len(data), diagnostics


# --------------------------------------------------------------------------- parsing


class _Lines:
    """Offset -> 1-based line number, built only when a failure needs it."""

    def __init__(self, text: str, line_offset: int = 0) -> None:
        self._text = text
        self._offset = line_offset
        self._starts: list[int] | None = None

    def line_of(self, offset: int) -> int:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in re.finditer("\n", self._text)]
        return bisect_right(self._starts, offset) + self._offset


def _split_concatenation(value: str) -> list[str]:
    """Split `a # {b} # "c"` at top-level `#` signs."""
    parts: list[str] = []
    depth = 0
    in_quotes = False
    start = 0
    for index, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            in_quotes = not in_quotes
        elif char == "#" and depth == 0 and not in_quotes:
            parts.append(value[start:index].strip())
            start = index + 1
    parts.append(value[start:].strip())
    return parts


_MACRO_NAME = re.compile(r"^[^\s\d\"#%'(),={}][^\s\"#%'(),={}]*$")


# No real field value comes near this; macros nested to double at each step (an 832-byte
# file can ask for gigabytes) are stopped here instead of exhausting memory.
MAX_VALUE_CHARS = 1_000_000


class ValueTooLong(ValueError):
    """A field or @string value that expands past MAX_VALUE_CHARS."""


def _resolve_value(
    raw: str, macros: dict[str, str], undefined: list[str], used: list[str] | None = None
) -> str:
    """The text of a field value: enclosing removed, macros and `#` resolved.

    Macro names that were expanded are appended to `used`; unknown names, and pieces that
    cannot be a macro name at all (a missing comma between fields), to `undefined`.
    Raises `ValueTooLong` when the value would pass MAX_VALUE_CHARS.
    """
    value = raw.strip()
    if "#" not in value and value[:1] == "{" and value[-1:] == "}":
        return value[1:-1]
    parts = [value] if "#" not in value else _split_concatenation(value)
    pieces: list[str] = []
    for part in parts:
        if len(part) >= 2 and (
            (part[0] == "{" and part[-1] == "}") or (part[0] == '"' and part[-1] == '"')
        ):
            pieces.append(part[1:-1])
        elif part.isdigit():
            pieces.append(part)
        elif not _MACRO_NAME.match(part):
            undefined.append(part)
            pieces.append(part)
        else:
            name = part.lower()
            if name in macros:
                pieces.append(macros[name])
                if used is not None:
                    used.append(f"{name}={macros[name]}")
            elif name in MONTH_MACROS:
                pieces.append(MONTH_MACROS[name])
            else:
                undefined.append(part)
                pieces.append(part)
        if sum(len(p) for p in pieces) > MAX_VALUE_CHARS:
            raise ValueTooLong(f"expands to more than {MAX_VALUE_CHARS:,} characters")
    return "".join(pieces)


_ENTRY_KEY = re.compile(r"^[ \t]*@[ \t]*(\w+)[ \t]*[{(][ \t]*([^,\s{}()]+)[ \t]*,", re.MULTILINE)


def entry_keys(text: str) -> set[str]:
    """The lower-cased keys of the entries in BibTeX text, by a quick scan (no parse)."""
    return {
        key.lower()
        for kind, key in _ENTRY_KEY.findall(text)
        if kind.lower() not in ("string", "comment", "preamble")
    }


def parse_bibtex(
    text: str,
    filename: str,
    *,
    line_offset: int = 0,
    macros: dict[str, str] | None = None,
) -> BibParse:
    """Parse BibTeX text into records and diagnostics; never raises on bad entries.

    `line_offset` and `macros` let a piece of a larger file be parsed on its own: its
    lines are numbered as in the whole file, and the macros defined before it are known.
    """
    try:
        library = parse_string(text, parse_stack=[])
    except Exception as exc:  # the splitter raises on states it considers its own bug
        raise InputFileError(
            f"{filename}: the BibTeX parser gave up on this file ({type(exc).__name__})",
            "look for an unbalanced brace or quote near the last entry that loaded",
        ) from exc

    diagnostics: list[Diagnostic] = []

    def report(severity: Severity, line: int | None, key: str | None, message: str) -> None:
        diagnostics.append(Diagnostic(severity, filename, line, key, message))

    macros = dict(macros or {})
    entries = _sort_blocks(library.blocks, _Lines(text, line_offset), line_offset, macros, report)
    resolved = _resolve_entries(entries, macros, report)
    records: list[BibRecord] = []
    for entry, line, values, used in resolved.values():
        if "crossref" in values:
            parent = resolved.get(values["crossref"].strip().lower())
            if parent is None:
                report(
                    Severity.WARNING,
                    line,
                    entry.key,
                    f"crossref {values['crossref']!r} names no entry in this file",
                )
            else:
                inherited = _inherit(values, parent[0].entry_type.lower(), parent[2])
                used = used + [f"{k}={v}" for k, v in sorted(inherited.items())]
        record = _make_record(entry, line, values, filename, diagnostics)
        # The entry's text plus whatever it took from @string macros and its crossref parent:
        # editing a macro or the parent changes the entry, editing nothing leaves the hash.
        record.content_hash = hashlib.sha256("\x00".join([record.raw, *used]).encode()).hexdigest()
        records.append(record)
    return BibParse(records, diagnostics)


# Reports one diagnostic: severity, line, key, message (the file is the parse's own).
_Report = Callable[[Severity, int | None, str | None, str], None]
# An entry with its line, its resolved field values and the macros it used.
_Resolved = tuple[Entry, int, dict[str, str], list[str]]


def _sort_blocks(
    blocks: list[Block], lines: _Lines, line_offset: int, macros: dict[str, str], report: _Report
) -> list[tuple[Entry, int]]:
    """The entries among the parser's blocks, with their lines; `@string` definitions go
    into `macros`, and every block the parser could not take is reported."""
    entries: list[tuple[Entry, int]] = []
    for block in blocks:
        line = (block.start_line or 0) + 1 + line_offset
        if isinstance(block, String):
            _define_macro(block, line, macros, report)
        elif isinstance(block, DuplicateFieldKeyBlock):
            entry = block.ignore_error_block
            assert isinstance(entry, Entry)
            names = ", ".join(sorted(block.duplicate_keys))
            report(
                Severity.WARNING,
                line,
                entry.key,
                f"field {names} given more than once; the first value is kept",
            )
            entries.append((entry, line))
        elif isinstance(block, DuplicateBlockKeyBlock):
            previous = (block.previous_block.start_line or 0) + 1 + line_offset
            report(
                Severity.ERROR,
                line,
                block.key,
                f"duplicate key: already used by the entry at line {previous}; rename one of them",
            )
        elif isinstance(block, ParsingFailedBlock):
            report(Severity.ERROR, line, _guess_key(block.raw), _failure_message(block, lines))
        elif isinstance(block, Entry):
            entries.append((block, line))
    return entries


def _define_macro(block: String, line: int, macros: dict[str, str], report: _Report) -> None:
    undefined: list[str] = []
    try:
        macros[block.key.lower()] = _resolve_value(str(block.value), macros, undefined)
    except ValueTooLong as exc:
        report(
            Severity.ERROR,
            line,
            f"@string {block.key}",
            f"{exc} (macros nested in each other); the macro is left undefined",
        )
        return
    for name in undefined:
        report(Severity.WARNING, line, f"@string {block.key}", f"undefined macro {name!r}")


def _resolve_entries(
    entries: list[tuple[Entry, int]], macros: dict[str, str], report: _Report
) -> dict[str, _Resolved]:
    """The entries with a valid, unique key and resolvable values, by lower-cased key."""
    seen_keys: dict[str, int] = {}
    resolved: dict[str, _Resolved] = {}
    for entry, line in entries:
        key = entry.key.strip()
        if not key or len(key.split()) != 1 or "," in key:
            report(Severity.ERROR, line, None, f"entry @{entry.entry_type} has no valid citekey")
            continue
        lowered = key.lower()
        if lowered in seen_keys:
            report(
                Severity.ERROR,
                line,
                key,
                f"duplicate key: already used by the entry at line {seen_keys[lowered]} "
                "(keys are compared ignoring case); rename one of them",
            )
            continue
        seen_keys[lowered] = line
        values = _entry_values(entry, line, macros, report)
        if values is not None:
            resolved[lowered] = (entry, line, *values)
    return resolved


def _entry_values(
    entry: Entry, line: int, macros: dict[str, str], report: _Report
) -> tuple[dict[str, str], list[str]] | None:
    """An entry's field values (the first of a repeated field) and the macros they used,
    or None, reported, when a value is too long or malformed."""
    key = entry.key.strip()
    values: dict[str, str] = {}
    undefined: list[str] = []
    used: list[str] = []
    for fld in entry.fields:
        name = fld.key.strip().lower()
        if name in values:  # duplicate field: the first value wins, already reported
            continue
        try:
            values[name] = _resolve_value(str(fld.value), macros, undefined, used)
        except ValueTooLong as exc:
            report(Severity.ERROR, line, key, f"field {name!r} {exc}; shorten it")
            return None
    malformed = [name for name in undefined if not _MACRO_NAME.match(name)]
    if malformed:
        report(
            Severity.ERROR,
            line,
            key,
            f"malformed field value {malformed[0]!r}: a comma between fields is probably "
            "missing, or the value lacks its braces or quotes",
        )
        return None
    for name in undefined:
        report(
            Severity.WARNING,
            line,
            key,
            f"undefined macro {name!r} kept as text; define it with @string",
        )
    return values, used


# ----------------------------------------------------------------- parallel parsing

# Files at least this large are split into pieces parsed by worker processes.
PARALLEL_MIN_CHARS = 4_000_000
# Pieces per worker: small pieces let the loader write early pieces while later ones parse.
PIECES_PER_WORKER = 16
# `@string` with any case and blanks; only those starting a line count (see _string_starts).
_STRING_AT = re.compile(r"@[ \t]*[sS][tT][rR][iI][nN][gG][ \t]*[{(]")
_CROSSREF = re.compile(r"\bcrossref\s*=", re.IGNORECASE)
_CROSSREF_WORD = re.compile("crossref", re.IGNORECASE)
# A case-insensitive regex scan of a 100 MB text takes seconds; lower-cased slices of
# this size are searched for the literal word instead.
_SCAN_CHARS = 1 << 20
# The text being parsed, for forked workers: they inherit it and receive only offsets.
_SHARED_TEXT = ""

T = TypeVar("T")


def _as_is(piece: BibParse) -> BibParse:
    return piece


@overload
def iter_bibtex_pieces(text: str, filename: str, workers: int) -> Iterator[BibParse]: ...


@overload
def iter_bibtex_pieces(
    text: str, filename: str, workers: int, prepare: Callable[[BibParse], T]
) -> Iterator[T]: ...


def iter_bibtex_pieces(
    text: str,
    filename: str,
    workers: int,
    prepare: Callable[[BibParse], Any] = _as_is,
) -> Iterator[Any]:
    """Parse a BibTeX text as consecutive pieces, in order, with `workers` processes.

    Pieces are cut only between entries at brace depth 0, and each piece knows the
    `@string` macros defined before it, so the records and diagnostics are those of
    `parse_bibtex` on the whole text. A small file, one machine core, or a file using
    `crossref` (whose parent may sit in another piece) is parsed in one piece.

    `prepare`, a module-level function, turns each parsed piece into what the caller
    needs (rows for the database) in the worker that parsed it, so this process gets
    compact results that are cheap to receive and has less work of its own.
    """
    if workers <= 1 or len(text) < PARALLEL_MIN_CHARS or _uses_crossref(text):
        yield prepare(parse_bibtex(text, filename))
        return
    bounds = _piece_bounds(text, workers * PIECES_PER_WORKER)
    # Forked workers inherit the text and get only the offsets of their piece; spawned
    # ones (where fork is unavailable) receive the piece itself. Workers only parse and
    # end with os._exit, so an inherited database handle is never used or closed by them.
    methods = multiprocessing.get_all_start_methods()
    fork = "fork" in methods
    context = multiprocessing.get_context("fork" if fork else "spawn")
    jobs: list[tuple[str | tuple[int, int], str, int, dict[str, str], Callable[..., Any]]] = []
    lines_before = 0
    counted = 0
    for (start, end), macros in zip(bounds, _macros_before(text, bounds), strict=True):
        lines_before += text.count("\n", counted, start)
        counted = start
        piece = (start, end) if fork else text[start:end]
        jobs.append((piece, filename, lines_before, macros, prepare))
    global _SHARED_TEXT
    _SHARED_TEXT = text if fork else ""
    try:
        with context.Pool(workers) as pool:
            yield from pool.imap(_parse_piece, jobs)
    finally:
        _SHARED_TEXT = ""


def _parse_piece(
    job: tuple[str | tuple[int, int], str, int, dict[str, str], Callable[[BibParse], Any]],
) -> Any:
    piece, filename, line_offset, macros, prepare = job
    text = _SHARED_TEXT[piece[0] : piece[1]] if isinstance(piece, tuple) else piece
    with gc_paused():
        return prepare(parse_bibtex(text, filename, line_offset=line_offset, macros=macros))


def _uses_crossref(text: str) -> bool:
    """True when a `crossref = ` field appears anywhere in the text (any case)."""
    for start in range(0, len(text), _SCAN_CHARS):
        piece = text[start : start + _SCAN_CHARS + 8]
        lowered = piece.lower()
        if len(lowered) != len(piece):  # a letter whose lower case is longer: offsets shift
            for word in _CROSSREF_WORD.finditer(text, start, start + _SCAN_CHARS + 8):
                if word.start() < start + _SCAN_CHARS and _CROSSREF.match(text, word.start()):
                    return True
            continue
        at = lowered.find("crossref")
        while 0 <= at < _SCAN_CHARS:
            if _CROSSREF.match(text, start + at):
                return True
            at = lowered.find("crossref", at + 1)
    return False


def _string_starts(text: str, end: int) -> Iterator[int]:
    """Offsets of the `@string` blocks that start a line (after blanks) before `end`."""
    for match in _STRING_AT.finditer(text, 0, end):
        line_start = text.rfind("\n", 0, match.start()) + 1
        if not text[line_start : match.start()].strip(" \t"):
            yield match.start()


def _piece_bounds(text: str, pieces: int) -> list[tuple[int, int]]:
    """(start, end) offsets of about equal pieces, each cut where an entry starts.

    A cut goes where a line starts with `@` and the braces opened since the piece began
    are closed (so not inside a value). A broken entry that never closes would forbid
    every later cut; past twice the target size the piece is cut at the next `@` line
    anyway, which is also where bibtexparser abandons such an entry.
    """
    target = max(len(text) // pieces, 1)
    bounds: list[tuple[int, int]] = []
    start = 0
    while start < len(text):
        position = start
        depth = 0
        cut = len(text)
        candidate = start + target
        while (candidate := text.find("\n@", candidate) + 1) > 0:
            depth += text.count("{", position, candidate) - text.count("}", position, candidate)
            position = candidate
            if depth == 0 or candidate - start > 2 * target:
                cut = candidate
                break
        bounds.append((start, cut))
        start = cut
    return bounds


def _macros_before(text: str, bounds: list[tuple[int, int]]) -> list[dict[str, str]]:
    """For each piece, the @string macros defined in the text before it."""
    definitions: list[tuple[int, str]] = []
    for start in _string_starts(text, bounds[-1][0]):
        opening = _STRING_AT.match(text, start)
        assert opening is not None
        end = _block_end(text, opening.end() - 1)
        definitions.append((start, text[start:end]))
    snapshots: list[dict[str, str]] = []
    macros: dict[str, str] = {}
    index = 0
    for start, _end in bounds:
        while index < len(definitions) and definitions[index][0] < start:
            library = parse_string(definitions[index][1], parse_stack=[])
            for block in library.strings:
                try:
                    macros[block.key.lower()] = _resolve_value(str(block.value), macros, [])
                except ValueTooLong:
                    continue  # reported by the piece that defines it
            index += 1
        snapshots.append(dict(macros))
    return snapshots


def _block_end(text: str, opening: int) -> int:
    """Offset just past the delimiter closing the block opened at `opening`."""
    close = "}" if text[opening] == "{" else ")"
    depth = 0
    for index in range(opening, len(text)):
        char = text[index]
        if char in "{(":
            depth += 1
        elif char in "})":
            depth -= 1
            if depth == 0 and char == close:
                return index + 1
    return len(text)


def _guess_key(raw: str | None) -> str | None:
    match = re.match(r"\s*@\s*\w+\s*[{(]\s*([^,\s{}()=]+)\s*,", raw or "")
    return match.group(1) if match else None


def _failure_message(block: ParsingFailedBlock, lines: _Lines) -> str:
    error = block.error
    reason = str(getattr(error, "abort_reason", None) or error or type(error).__name__)
    end = getattr(error, "end_index", None)
    where = f"; parsing stopped at line {lines.line_of(end)}" if end is not None else ""
    if "comma after entry key" in reason:
        hint = "the key is missing or not followed by a comma: write @type{key, field = {...}}"
    elif "end of file" in reason:
        hint = "the entry is never closed: look for an unbalanced brace or quote in it"
    else:
        hint = "check for an unbalanced brace or quote, or a missing comma between fields"
    return f"entry could not be parsed ({reason.rstrip('.')}{where}); {hint}"


def _inherit(values: dict[str, str], parent_type: str, parent: dict[str, str]) -> dict[str, str]:
    """BibTeX crossref: fill the child's missing fields from the parent; returns what was taken."""
    taken: dict[str, str] = {}
    for name, value in parent.items():
        if name in ("crossref", "ids", "shorthand", "key"):
            continue
        target = name
        if name == "title" and parent_type in ("proceedings", "book", "collection"):
            target = "booktitle"
        if target not in values:
            values[target] = taken[target] = value
    return taken


# --------------------------------------------------------------------------- normalising

_YEAR = re.compile(r"^\d{4}$")
_DATE_YEAR = re.compile(r"^(\d{4})(?:[-/]\d{1,2}){0,2}$")


def parse_year(value: str) -> int | None:
    text = strip_braces(value)
    if _YEAR.match(text):
        return int(text)
    match = _DATE_YEAR.match(text)
    return int(match.group(1)) if match else None


def split_authors(value: str) -> tuple[list[Person], bool]:
    """Split a BibTeX name list; returns the people and whether it ended in `and others`."""
    people: list[Person] = []
    more = False
    for name in _split_name_list(value):
        if name.strip().lower() == "others":
            more = True
            continue
        person = _parse_person(name)
        if person is not None:
            people.append(person)
    return people, more


class NameParts(NamedTuple):
    """One name's four parts as BibTeX's `format.name$` sees them: raw TeX, not decoded."""

    first: str
    von: str
    last: str
    jr: str


def split_name_parts(value: str) -> list[NameParts]:
    """A name list as BibTeX splits it (`{ff}`, `{vv}`, `{ll}`, `{jj}` of each name);
    `others` is a name here, as in `num.names$`."""
    parts = (_name_parts(name) for name in _split_name_list(value))
    return [p for p in parts if p is not None]


# BibTeX's `and`: any case, white space (not a tie) on both sides, outside braces.
_AND = re.compile(r"[ \t\r\n]+and[ \t\r\n]+", re.IGNORECASE)


def _split_name_list(value: str) -> list[str]:
    """The names of a name list, split at each `and` at brace depth 0."""
    value = value.strip()
    names = _AND.split(value)
    # Every piece balanced means no split fell inside braces: the common case, and fast.
    if "{" not in value or all(n.count("{") == n.count("}") for n in names):
        return names
    names = []
    start = 0
    for match in _AND.finditer(value):
        # BibTeX counts every brace (it knows no escapes), so depth is a difference of counts.
        at = match.start()
        if value.count("{", start, at) == value.count("}", start, at):
            names.append(value[start:at])
            start = match.end()
    names.append(value[start:])
    return names


# The same people appear in many entries of a bibliography: parse each spelling once.
@lru_cache(maxsize=65536)
def _parse_person(name: str) -> Person | None:
    parts = _name_parts(name)
    if parts is None or not parts.last:
        return None
    return _person(parts)


def _name_parts(name: str) -> NameParts | None:
    # BibTeX drops trailing white space, ties, hyphens and commas (with a warning).
    name = name.rstrip(" \t\r\n~-,")
    if "{" in name:
        words = _top_level_words(name)
    else:
        words = name.replace(",", " , ").replace("~", " ").split()
    return _name_from_words(words) if words else None


# A name word: runs of characters outside braces and braced groups (two levels deep).
_NAME_WORD = re.compile(r"(?:[^\s{},~]+|\{(?:[^{}]|\{[^{}]*\})*\})+|,")


def _top_level_words(text: str) -> list[str]:
    """Words of a name, splitting on white space and ties outside braces; commas kept as words.

    Unlike BibTeX, a hyphen does not split a word: `Jean-Paul` stays one word of one part.
    """
    words = _NAME_WORD.findall(text)
    # The regex handles braces two levels deep; deeper nesting loses braces: go slow then.
    if sum(w.count("{") for w in words) == text.count("{"):
        return words
    return _top_level_words_slow(text)


def _top_level_words_slow(text: str) -> list[str]:
    """The same as `_top_level_words` for braces nested deeper than the regex handles."""
    words: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        if depth == 0 and (char.isspace() or char == "~" or char == ","):
            if current:
                words.append("".join(current))
                current = []
            if char == ",":
                words.append(",")
            continue
        current.append(char)
    if current:
        words.append("".join(current))
    return words


# BibTeX's special characters {\x...}: the case of a few is known by their command.
_SPECIAL_LOWER = frozenset({"i", "j", "oe", "ae", "aa", "o", "l", "ss"})
_SPECIAL_UPPER = frozenset({"OE", "AE", "AA", "O", "L"})
_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _is_lower(word: str) -> bool:
    """Whether a word starts a von part: BibTeX's `von_token_found`.

    The first letter at brace depth 0 decides; a braced group is skipped, unless it is a
    special character `{\\...}`, whose case is its command's (`{\\ss}`, `{\\O}`) or else
    that of the first letter after the command (`{\\'e}`, `{\\relax Ch}`). Unlike BibTeX,
    whose 8-bit reader skips every byte of a UTF-8 letter, a non-ASCII letter decides by its
    Unicode case (`Élodie` is not a von word).
    """
    first = word[:1]
    if first in _ASCII_LETTERS:
        return first.islower()
    index = 0
    length = len(word)
    while index < length:
        char = word[index]
        if char == "{":
            index += 1
            if index + 2 < length and word[index] == "\\":
                return _special_is_lower(word, index + 1)
            depth = 1
            while depth and index < length:
                char = word[index]
                if char == "}":
                    depth -= 1
                elif char == "{":
                    depth += 1
                index += 1
            continue
        if char.isalpha():
            return char.islower()
        index += 1
    return False


def _special_is_lower(word: str, index: int) -> bool:
    """The case of a special character whose command starts at `word[index]`."""
    end = index
    while end < len(word) and word[end] in _ASCII_LETTERS:
        end += 1
    command = word[index:end]
    if command in _SPECIAL_LOWER:
        return True
    if command in _SPECIAL_UPPER:
        return False
    depth = 1
    for char in word[end:]:
        if char.isalpha():
            return char.islower()
        if char == "}":
            depth -= 1
            if not depth:
                break
        elif char == "{":
            depth += 1
    return False


def _name_from_words(words: list[str]) -> NameParts | None:
    """BibTeX's three name forms: First von Last; von Last, First; von Last, Jr, First."""
    if "," not in words:
        tokens = words
        # von runs from the first to the last lower-case word; the last word is never von.
        lower = [i for i, w in enumerate(tokens[:-1]) if _is_lower(w)]
        if lower:
            start, end = lower[0], lower[-1] + 1
            return _parts(tokens[:start], tokens[start:end], tokens[end:], [])
        return _parts(tokens[:-1], [], tokens[-1:], [])
    groups: list[list[str]] = [[]]
    for word in words:
        if word == ",":
            groups.append([])
        else:
            groups[-1].append(word)
    von_last = groups[0]
    # BibTeX reads past a third comma as more of the First part.
    first = groups[1] if len(groups) == 2 else [w for g in groups[2:] for w in g]
    jr = groups[1] if len(groups) > 2 else []
    # von is everything up to the last lower-case word before the last word.
    end = len(von_last) - 1
    while end > 0 and not _is_lower(von_last[end - 1]):
        end -= 1
    end = max(end, 0)
    return _parts(first, von_last[:end], von_last[end:], jr)


def _parts(first: list[str], von: list[str], last: list[str], jr: list[str]) -> NameParts:
    return NameParts(" ".join(first), " ".join(von), " ".join(last), " ".join(jr))


def _person(parts: NameParts) -> Person:
    def text(raw: str) -> str:
        return latex_to_unicode(raw) if ("{" in raw or "\\" in raw) else raw

    return Person(
        family=text(parts.last), given=text(parts.first), von=text(parts.von), suffix=text(parts.jr)
    )


@lru_cache(maxsize=4096)
def _decode_cached(value: str) -> str:
    """Venue names repeat across a bibliography; decode each once."""
    return latex_to_unicode(value)


# Fields decoded into a record's columns; every other field is kept as it is in `fields`
# (`date` too, when it only gave the year).
_COLUMN_FIELDS = frozenset({"title", "author", "abstract", "shorthand", "year", "doi"})


def _make_record(
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


def _decoded_text(value: str | None) -> str | None:
    return None if value is None else latex_to_unicode(value) or None


def _venue(values: dict[str, str]) -> str | None:
    """The first non-empty venue field, decoded."""
    for name in VENUE_FIELDS:
        if name in values and values[name].strip():
            return _decode_cached(values[name])
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


def raw_field_values(raws: list[str]) -> dict[str, dict[str, str]]:
    """The field values (enclosing removed, `#` joined) of stored entry texts, by citekey.

    Used to write entries back out: the values keep their LaTeX. A macro the entry used
    is not defined here, so it comes back as its name; callers prefer the stored,
    resolved `fields` for those.
    """
    if not raws:
        return {}
    library = parse_string("\n\n".join(raws), parse_stack=[])
    found: dict[str, dict[str, str]] = {}
    for block in library.blocks:
        entry = block.ignore_error_block if isinstance(block, DuplicateFieldKeyBlock) else block
        if not isinstance(entry, Entry):
            continue
        values: dict[str, str] = {}
        for fld in entry.fields:
            name = fld.key.strip().lower()
            if name not in values:
                values[name] = _resolve_value(str(fld.value), {}, [])
        found[entry.key.strip()] = values
    return found
