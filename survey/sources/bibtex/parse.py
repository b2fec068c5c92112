"""Parsing BibTeX text with bibtexparser v2 into records and diagnostics, never raising
on a bad entry; and reading stored entry texts back into field values."""

from __future__ import annotations

import hashlib
import logging
import re
from bisect import bisect_right
from collections.abc import Callable

from bibtexparser.entrypoint import parse_string
from bibtexparser.model import (
    Block,
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ParsingFailedBlock,
    String,
)

from survey.errors import Diagnostic, InputFileError
from survey.sources.bibtex.names import NAME_FIELDS, count_names
from survey.sources.bibtex.records import BibParse, BibRecord, make_record
from survey.sources.bibtex.values import (
    MACRO_NAME,
    MAX_NAMES,
    ValueTooLong,
    inherit,
    resolve_value,
)
from survey.vocab import Severity

# bibtexparser logs its own copy of every parse failure; ours carry file and line.
logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)


class Lines:
    """Offset -> 1-based line number, built only when a failure needs it."""

    def __init__(self, text: str, line_offset: int = 0) -> None:
        self._text = text
        self._offset = line_offset
        self._starts: list[int] | None = None

    def line_of(self, offset: int) -> int:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in re.finditer("\n", self._text)]
        return bisect_right(self._starts, offset) + self._offset


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
    parents: dict[str, tuple[str, dict[str, str]]] | None = None,
) -> BibParse:
    """Parse BibTeX text into records and diagnostics; never raises on bad entries.

    `line_offset` and `macros` let a piece of a larger file be parsed on its own: its
    lines are numbered as in the whole file, and the macros defined before it are known.
    `macros` and `parents` (crossref targets by lower-cased key: entry type, values)
    also carry what the other files of one bibliography define.
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
    entries = _sort_blocks(library.blocks, Lines(text, line_offset), line_offset, macros, report)
    resolved = _resolve_entries(entries, macros, report)
    records: list[BibRecord] = []
    for entry, line, values, used in resolved.values():
        if "crossref" in values:
            target = values["crossref"].strip().lower()
            parent = resolved.get(target)
            elsewhere = (parents or {}).get(target)
            if parent is not None:
                elsewhere = (parent[0].entry_type.lower(), parent[2])
            if elsewhere is None:
                report(
                    Severity.WARNING,
                    line,
                    entry.key,
                    f"crossref {values['crossref']!r} names no entry in this bibliography",
                )
            else:
                inherited = inherit(values, *elsewhere)
                used = used + [f"{k}={v}" for k, v in sorted(inherited.items())]
        record = make_record(entry, line, values, filename, diagnostics)
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
    blocks: list[Block], lines: Lines, line_offset: int, macros: dict[str, str], report: _Report
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
        elif isinstance(block, DuplicateBlockKeyBlock) and isinstance(
            block.ignore_error_block, String
        ):
            previous = (block.previous_block.start_line or 0) + 1 + line_offset
            report(
                Severity.WARNING,
                line,
                f"@string {block.key}",
                f"macro redefined: first defined at line {previous}, again at line {line}; "
                "the later value is used",
            )
            _define_macro(block.ignore_error_block, line, macros, report)
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
        macros[block.key.lower()] = resolve_value(str(block.value), macros, undefined)
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
            values[name] = resolve_value(str(fld.value), macros, undefined, used)
        except ValueTooLong as exc:
            report(Severity.ERROR, line, key, f"field {name!r} {exc}; shorten it")
            return None
        if name in NAME_FIELDS and (count := count_names(values[name])) > MAX_NAMES:
            report(
                Severity.ERROR,
                line,
                key,
                f"field {name!r} names {count:,} people, more than the {MAX_NAMES:,} survey "
                "reads; keep the first ones and end the list with 'and others'",
            )
            return None
    malformed = [name for name in undefined if not MACRO_NAME.match(name)]
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


def _guess_key(raw: str | None) -> str | None:
    match = re.match(r"\s*@\s*\w+\s*[{(]\s*([^,\s{}()=]+)\s*,", raw or "")
    return match.group(1) if match else None


def _failure_message(block: ParsingFailedBlock, lines: Lines) -> str:
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
                values[name] = resolve_value(str(fld.value), {}, [])
        found[entry.key.strip()] = values
    return found
