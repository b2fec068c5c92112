"""The SQLite database as other tools see it: sqlite-utils detects the FTS index, Datasette
searches it with ?_search=, and docs/datasette-metadata.json describes every table and
column (a test keeps it true to the schema)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from conftest import REPO
from helpers import hostile_survey
from sqlalchemy import Engine, inspect

from survey.db import session_scope
from survey.db.models import Base
from survey.db.papers import search_papers
from survey.ingest.folder import build_survey

METADATA = REPO / "docs" / "datasette-metadata.json"
BUNDLED = REPO / "data" / "valse2020"

pytestmark = pytest.mark.sqlite_only(reason="Datasette and sqlite-utils read SQLite files")


@pytest.fixture
def survey_db(engine: Engine, tmp_path: Path) -> Path:
    with session_scope(engine, write=True) as session:
        build_survey(session, BUNDLED)
    engine.dispose()
    assert engine.url.database is not None
    return Path(engine.url.database)


def test_sqlite_utils_detects_and_searches_the_index(survey_db: Path) -> None:
    sqlite_utils = pytest.importorskip("sqlite_utils")
    db = sqlite_utils.Database(survey_db)
    assert db["papers"].detect_fts() == "papers_fts"
    found = {row["citekey"] for row in db["papers"].search("bilinear")}
    assert "lin2015bilinear" in found and len(found) < 10


def test_datasette_search_filters_rows(survey_db: Path, tmp_path: Path) -> None:
    datasette_app = pytest.importorskip("datasette.app")
    named = tmp_path / "survey.db"
    named.write_bytes(survey_db.read_bytes())
    metadata = json.loads(METADATA.read_text(encoding="utf-8"))
    ds = datasette_app.Datasette([str(named)], metadata=metadata)

    async def get(path: str) -> list[dict[str, object]]:
        response = await ds.client.get(path)
        assert response.status_code == 200, response.text
        rows: list[dict[str, object]] = response.json()
        return rows

    everything = asyncio.run(get("/survey/papers.json?_shape=array&_size=max"))
    found = asyncio.run(get("/survey/papers.json?_search=bilinear&_shape=array&_size=max"))
    import sqlite3

    with sqlite3.connect(named) as connection:
        (papers,) = connection.execute("SELECT count(*) FROM papers").fetchone()
    assert len(everything) == papers > 60
    assert "lin2015bilinear" in {r["citekey"] for r in found} and len(found) < 10
    sections = asyncio.run(get("/survey/paper_sections.json?citekey=fu2017look&_shape=array"))
    assert [r["section_path"] for r in sections] == ["fine-grained/attention"]
    edges = asyncio.run(get("/survey/edges_named.json?citing=luo2019cross&_shape=array"))
    assert {"cited": "lin2015bilinear", "relation": "baseline"}.items() <= next(
        r for r in edges if r["cited"] == "lin2015bilinear"
    ).items()


def test_metadata_describes_every_table_and_column(survey_db: Path) -> None:
    from sqlalchemy import create_engine

    tables = json.loads(METADATA.read_text(encoding="utf-8"))["databases"]["survey"]["tables"]
    inspector = inspect(create_engine(f"sqlite:///{survey_db}"))
    described = {name for name, table in tables.items() if not table.get("hidden")}
    assert described == set(Base.metadata.tables) | set(inspector.get_view_names())
    for name in described:
        columns = {c["name"] for c in inspector.get_columns(name)}
        assert set(tables[name]["columns"]) == columns, name


def test_cjk_words_are_found_by_datasette_sqlite_utils_and_the_cli(
    engine: Engine, tmp_path: Path
) -> None:
    """The trigram index (0011): a CJK word inside a run of CJK text, and a word inside
    another, found the same way by every reader of the database."""
    with session_scope(engine, write=True) as session:
        assert not build_survey(session, hostile_survey(tmp_path / "hostile")).has_errors
        assert [p.citekey for p in search_papers(session, "深度学习")] == ["hostile2019percent"]
        assert [p.citekey for p in search_papers(session, "标题")] == ["hostile2020angle"]
    engine.dispose()
    assert engine.url.database is not None
    named = tmp_path / "survey.db"
    named.write_bytes(Path(engine.url.database).read_bytes())
    sqlite_utils = pytest.importorskip("sqlite_utils")
    table = sqlite_utils.Database(named)["papers"]
    assert table.detect_fts() == "papers_fts"
    assert [row["citekey"] for row in table.search("深度学习")] == ["hostile2019percent"]
    assert [row["citekey"] for row in table.search("中文标题")] == ["hostile2020angle"]
    datasette_app = pytest.importorskip("datasette.app")
    ds = datasette_app.Datasette([str(named)])

    async def found(query: str) -> list[object]:
        response = await ds.client.get(f"/survey/papers.json?_search={query}&_shape=array")
        assert response.status_code == 200, response.text
        return [row["citekey"] for row in response.json()]

    assert asyncio.run(found("深度学习")) == ["hostile2019percent"]
    assert asyncio.run(found("StarGAN")) == ["choi2018stargan"]
