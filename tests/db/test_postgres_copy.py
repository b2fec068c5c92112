"""PostgreSQL's bulk load (COPY) stores exactly what the SQLite load stores.

Entries full of what COPY's text format must escape (tabs, newlines, backslashes, the
text `\\N`, `\\.` alone on a line, quotes, non-ASCII, very long values) are loaded into
PostgreSQL and into a SQLite file, and every stored row is compared. Runs only on the
PostgreSQL backend (`SURVEY_TEST_BACKEND=postgresql`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import POSTGRES
from sqlalchemy import Engine, select, text

from survey.db import bulk, open_database, session_scope
from survey.db import citations as cdb
from survey.db.models import Alias, Author, Paper
from survey.ingest.load import LoadReport, load_bib_files

pytestmark = pytest.mark.skipif(not POSTGRES, reason="COPY is PostgreSQL's bulk path")

LONG = "very long " * 30_000  # 300,000 characters in one field

HOSTILE = (
    '@string{tabbed = "Tab\there, backslash \\\\ and \\N"}\n\n'
    "@article{tabs2001,\n"
    "  author = {M{\\\"u}ller, J{\\'e}r{\\^o}me and O'Brien, Se\u00e1n and {\\N}obody, A.},\n"
    "  title = {Tabs\tinside\tthe title, a \\N and a lone \\\\ backslash},\n"
    "  journal = tabbed,\n"
    "  year = 2001,\n"
    "  note = {\"Quoted\" and 'single' quotes; a line\nthen \\.\n\\.\nend},\n"
    "  shorthand = {T\\N-1}\n"
    "}\n\n"
    "@inproceedings{unicode2002,\n"
    "  author = {\u674e, \u5c0f\u9f99 and \u00c5ngstr\u00f6m, Anders and Zo\u00eb \U0001f600},\n"
    "  title = {\u7ec6\u7c92\u5ea6: Fine-grained \u00e9t\u00e9 \u2014 \U0001f600 emoji},\n"
    "  booktitle = {Proc. \u00c9cole \\& Co. {\\textbackslash}N},\n"
    "  year = 2002,\n"
    "  doi = {10.1000/a\\tb},\n"
    "  abstract = {Carriage\rreturn, form\x0cfeed, vertical\x0btab, and \\r\\n as text.}\n"
    "}\n\n"
    "@misc{long2003,\n"
    "  title = {A very long abstract},\n"
    f"  abstract = {{{LONG}}},\n"
    f"  keywords = {{{LONG}}},\n"
    "  year = 2003\n"
    "}\n\n"
    "@article{backslash2004,\n"
    "  title = {\\\\\\\\server\\share and C:\\temp\\new},\n"
    "  url = {http://example.org/a\\b?c=\\N&d=\t},\n"
    "  year = 2004\n"
    "}\n\n"
    "@article{empty2005,\n"
    "  title = {},\n"
    "  author = {},\n"
    "  year = 2005\n"
    "}\n"
)


def load(engine: Engine, path: Path, strict: bool = False) -> LoadReport:
    with session_scope(engine, write=True) as session:
        return load_bib_files(session, [path], strict=strict)


def stored(engine: Engine) -> dict[str, Any]:
    """Every column a load writes, by citekey (ids and source ids aside)."""
    columns = list(bulk.ROW_COLUMNS)
    with session_scope(engine) as session:
        papers = {
            p.citekey: {
                **{c: getattr(p, c) for c in columns},
                "authors": [
                    (a.position, a.family, a.given, a.von, a.suffix)
                    for a in session.scalars(
                        select(Author).where(Author.paper_id == p.id).order_by(Author.position)
                    )
                ],
                "aliases": sorted(
                    (a.alias, a.alias_lower, a.origin)
                    for a in session.scalars(select(Alias).where(Alias.paper_id == p.id))
                ),
            }
            for p in session.scalars(select(Paper))
        }
    return papers


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tables written with COPY during the test."""
    tables: list[str] = []
    real = bulk._pg_copy

    def spy(session: Any, table: Any, columns: Any, rows: Any) -> None:
        tables.append(table.name)
        real(session, table, columns, rows)

    monkeypatch.setattr(bulk, "_pg_copy", spy)
    return tables


def sqlite_engine(tmp_path: Path) -> Engine:
    return open_database(f"sqlite:///{tmp_path / 'same.db'}")


def test_hostile_strings_survive_copy_like_the_sqlite_load(
    engine: Engine, write_bib: Callable[..., Path], tmp_path: Path, copies: list[str]
) -> None:
    path = write_bib(HOSTILE, "hostile.bib")
    on_pg = load(engine, path)
    assert set(copies) == {"papers", "authors", "aliases"}
    on_lite = load(sqlite_engine(tmp_path), path)
    assert on_pg.total("added") == on_lite.total("added") == 5
    assert [(d.line, d.key, d.message) for d in on_pg.diagnostics] == [
        (d.line, d.key, d.message) for d in on_lite.diagnostics
    ]
    pg, lite = stored(engine), stored(sqlite_engine(tmp_path))
    assert pg == lite
    assert "\t" in pg["tabs2001"]["raw"] and "\\N" in pg["tabs2001"]["title"]
    assert "\n\\.\n" in pg["tabs2001"]["fields"]["note"]
    assert pg["tabs2001"]["fields"]["journal"] == "Tab\there, backslash \\\\ and \\N"
    assert pg["unicode2002"]["authors"][0][1:3] == ("\u674e", "\u5c0f\u9f99")
    assert len(pg["long2003"]["abstract"]) == len(LONG.strip())
    assert pg["empty2005"]["title"] is None and pg["empty2005"]["authors"] == []


def test_reload_and_edit_after_copy_match_sqlite(
    engine: Engine, write_bib: Callable[..., Path], tmp_path: Path, copies: list[str]
) -> None:
    path = write_bib(HOSTILE, "hostile.bib")
    lite = sqlite_engine(tmp_path)
    load(engine, path), load(lite, path)
    edited = HOSTILE.replace("Tabs\tinside", "Tabs\t\tinside").replace("@misc{long2003", "@misc{l2")
    path.write_text(edited, encoding="utf-8")
    pg_report, lite_report = load(engine, path), load(lite, path)
    for name in ("added", "updated", "unchanged", "removed"):
        assert pg_report.total(name) == lite_report.total(name), name
    assert pg_report.total("updated") == 1 and pg_report.total("removed") == 1
    assert stored(engine) == stored(lite)


def test_nul_fails_its_entry_on_both_backends(
    engine: Engine, write_bib: Callable[..., Path], tmp_path: Path, copies: list[str]
) -> None:
    """A NUL past the first 64 KiB (so the file is not refused as binary), in an entry and
    in a macro an entry uses: those entries fail with file:line, the rest load."""
    filler = "".join(f"@misc{{f{i}, title = {{Filler {i}}}, year = 2001}}\n" for i in range(2000))
    text = (
        filler
        + "@article{nul1, title = {A \x00 byte}, year = 2001}\n"
        + '@string{bad = "Venue \x00"}\n'
        + "@article{nul2, title = {Macro}, journal = bad, year = 2001}\n"
    )
    path = write_bib(text, "nul.bib")
    pg, lite = load(engine, path), load(sqlite_engine(tmp_path), path)
    for report in (pg, lite):
        errors = [(Path(d.file).name, d.line, d.key) for d in report.diagnostics if d.is_error]
        assert errors == [(path.name, 2001, "nul1"), (path.name, 2003, "nul2")]
        assert report.total("added") == 2000
    assert stored(engine) == stored(sqlite_engine(tmp_path))


def test_strict_load_rolls_back_what_copy_wrote(
    engine: Engine, write_bib: Callable[..., Path], copies: list[str]
) -> None:
    path = write_bib(HOSTILE + "@article{broken, title = {Never closed\n", "hostile.bib")
    report = load(engine, path, strict=True)
    assert report.has_errors and not report.written
    assert "papers" in copies  # COPY ran inside the load's transaction, then rolled back
    assert stored(engine) == {}


def counts(engine: Engine, table: str) -> tuple[float, int]:
    """(rows PostgreSQL's planner believes `table` has, -1 when never analyzed; its rows)."""
    with session_scope(engine) as session:
        query = text("SELECT reltuples FROM pg_class WHERE relname = :table")
        believed = float(session.execute(query, {"table": table}).scalar_one())
        return believed, session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_bulk_writes_leave_fresh_planner_statistics(
    engine: Engine, write_bib: Callable[..., Path]
) -> None:
    # Autovacuum analyzes only after 50 changed rows and a minute's nap: these counts
    # come from the ANALYZE the load and the edge import run before they commit.
    load(engine, write_bib(HOSTILE, "hostile.bib"))
    for table in ("papers", "authors", "aliases"):
        believed, rows = counts(engine, table)
        assert rows > 0 and believed == rows, table
    with session_scope(engine, write=True) as session:
        ids = sorted(session.scalars(select(Paper.id)))
        edges = [
            {"citing_id": ids[0], "cited_id": other, "relation": "related"} for other in ids[1:]
        ]
        cdb.replace_edges(session, "file", None, edges)
    assert counts(engine, "citations") == (4, 4)
