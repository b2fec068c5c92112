"""Parsing a large file in parallel: pieces cut at entry boundaries, each parsed in a
worker with the macros defined before it, results in file order."""

from __future__ import annotations

import multiprocessing
import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, overload

from bibtexparser.entrypoint import parse_string

from survey.gcpause import gc_paused
from survey.sources.bibtex.parse import parse_bibtex
from survey.sources.bibtex.records import BibParse
from survey.sources.bibtex.values import (
    ValueTooLong,
    resolve_value,
)

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
def iter_bibtex_pieces(
    text: str,
    filename: str,
    workers: int,
    *,
    macros: dict[str, str] | None = None,
    parents: dict[str, tuple[str, dict[str, str]]] | None = None,
) -> Iterator[BibParse]: ...


@overload
def iter_bibtex_pieces(
    text: str,
    filename: str,
    workers: int,
    prepare: Callable[[BibParse], T],
    *,
    macros: dict[str, str] | None = None,
    parents: dict[str, tuple[str, dict[str, str]]] | None = None,
) -> Iterator[T]: ...


def iter_bibtex_pieces(
    text: str,
    filename: str,
    workers: int,
    prepare: Callable[[BibParse], Any] = _as_is,
    *,
    macros: dict[str, str] | None = None,
    parents: dict[str, tuple[str, dict[str, str]]] | None = None,
) -> Iterator[Any]:
    """Parse a BibTeX text as consecutive pieces, in order, with `workers` processes.

    Pieces are cut only between entries at brace depth 0, and each piece knows the
    `@string` macros defined before it, so the records and diagnostics are those of
    `parse_bibtex` on the whole text. A small file, one machine core, or a file using
    `crossref` (whose parent may sit in another piece) is parsed in one piece.

    `prepare`, a module-level function, turns each parsed piece into what the caller
    needs (rows for the database) in the worker that parsed it, so this process gets
    compact results that are cheap to receive and has less work of its own.

    `macros` and `parents` are what the other files of the bibliography define (see
    `survey.sources.bibtex.shared`).
    """
    if workers <= 1 or len(text) < PARALLEL_MIN_CHARS or parents or _uses_crossref(text):
        yield prepare(parse_bibtex(text, filename, macros=macros, parents=parents))
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
    for (start, end), known in zip(bounds, _macros_before(text, bounds, macros), strict=True):
        lines_before += text.count("\n", counted, start)
        counted = start
        piece = (start, end) if fork else text[start:end]
        jobs.append((piece, filename, lines_before, known, prepare))
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


def _macros_before(
    text: str, bounds: list[tuple[int, int]], initial: dict[str, str] | None = None
) -> list[dict[str, str]]:
    """For each piece, the @string macros defined in the text before it (after `initial`)."""
    definitions: list[tuple[int, str]] = []
    for start in _string_starts(text, bounds[-1][0]):
        opening = _STRING_AT.match(text, start)
        assert opening is not None
        end = _block_end(text, opening.end() - 1)
        definitions.append((start, text[start:end]))
    snapshots: list[dict[str, str]] = []
    macros: dict[str, str] = dict(initial or {})
    index = 0
    for start, _end in bounds:
        while index < len(definitions) and definitions[index][0] < start:
            library = parse_string(definitions[index][1], parse_stack=[])
            for block in library.strings:
                try:
                    macros[block.key.lower()] = resolve_value(str(block.value), macros, [])
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
