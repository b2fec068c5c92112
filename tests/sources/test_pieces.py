"""Large files are parsed in pieces by worker processes: same records, lines and errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from survey.db import session_scope
from survey.db.models import Paper
from survey.ingest.load import load_bib_files
from survey.sources import bibtex
from survey.sources.bibtex import pieces as splitter


def corpus() -> str:
    parts = ['@string{early = "Early Venue"}\n\n']
    for index in range(60):
        if index == 25:
            parts.append('@string{late = "Late Venue"}\n\n')
        if index == 40:
            parts.append("@article{broken40,\n  title = {Never closed,\n  year = 2000\n\n")
        venue = "early" if index < 30 else "late"
        parts.append(
            f"@inproceedings{{key{index},\n"
            f'  author = {{M{{\\"u}}ller, Anna and Person{index}, Bob}},\n'
            f"  title = {{Paper number {index} with {{CNN}}s}},\n"
            f"  booktitle = {venue},\n"
            f"  abstract = {{Line one.\n@ not an entry, inside a value {{braced}}}},\n"
            f"  year = {1990 + index % 30}\n}}\n\n"
        )
    parts.append("@article{key7, title = {Same key again}, year = 2001}\n")
    return "".join(parts)


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(splitter, "PARALLEL_MIN_CHARS", 0)
    monkeypatch.setattr(splitter, "PIECES_PER_WORKER", 6)


def test_pieces_parse_like_the_whole_text(small_pieces: None) -> None:
    text = corpus()
    whole = bibtex.parse_bibtex(text, "big.bib")
    pieces = list(bibtex.iter_bibtex_pieces(text, "big.bib", workers=2))
    assert len(pieces) > 4
    records = [r for p in pieces for r in p.records]
    diagnostics = [d for p in pieces for d in p.diagnostics]
    # A key repeated in another piece is caught by the loader, not by the pieces.
    assert [
        (r.citekey, r.line, r.venue, r.content_hash)
        for r in records
        if not (r.citekey == "key7" and r.title == "Same key again")
    ] == [(r.citekey, r.line, r.venue, r.content_hash) for r in whole.records]
    assert {r.venue for r in records if r.citekey.startswith("key")} >= {
        "Early Venue",
        "Late Venue",
    }
    broken = [d for d in diagnostics if d.is_error]
    assert [d.line for d in broken] == [d.line for d in whole.diagnostics if d.is_error][:1]


def test_piece_cuts_never_fall_inside_a_value() -> None:
    text = corpus()
    for start, end in splitter._piece_bounds(text, 12):
        assert text[start] == "@"
        assert end == len(text) or text[end] == "@"
        assert not text[start:end].startswith("@ not an entry")


def test_loader_catches_duplicate_keys_across_pieces(
    small_pieces: None, engine: Engine, write_bib: Callable[..., Path]
) -> None:
    path = write_bib(corpus(), "big.bib")
    with session_scope(engine, write=True) as session:
        report = load_bib_files(session, [path], workers=2)
    errors = [d for d in report.diagnostics if d.is_error]
    assert any(d.key == "key7" and "duplicate key" in d.message for d in errors)
    assert any(d.key == "broken40" for d in errors)
    assert report.total("added") == 60
    with session_scope(engine) as session:
        venue = session.scalar(select(Paper.venue).where(Paper.citekey == "key59"))
        title = session.scalar(select(Paper.title).where(Paper.citekey == "key7"))
    assert venue == "Late Venue"
    assert title == "Paper number 7 with CNNs"


@pytest.mark.parametrize("scan", [7, 16, 1 << 20])
def test_crossref_scan_finds_the_field_across_slices_and_case(
    monkeypatch: pytest.MonkeyPatch, scan: int
) -> None:
    monkeypatch.setattr(splitter, "_SCAN_CHARS", scan)
    child = "@inbook{c, CrossRef  = {p}, title = {T}}\n"
    assert splitter._uses_crossref("x" * 50 + child)
    # A letter whose lower case is two characters shifts offsets in the lowered slice.
    assert splitter._uses_crossref("\u0130" * 40 + child)
    assert not splitter._uses_crossref("@misc{a, note = {acrossref = no, crossreference}}\n" * 3)


def test_string_scan_takes_only_blocks_that_start_a_line() -> None:
    text = '  @String{a = "1"}\nnote = {x @string{b = "2"}}\n\t@STRING( c = "3" )\n'
    assert list(splitter._string_starts(text, len(text))) == [2, text.index("@STRING")]
