"""The schema: migrations reach head from empty, agree with the models, and run both ways."""

from __future__ import annotations

import json
import re

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import REPO
from sqlalchemy import Connection, inspect

from survey.db.engine import alembic_config, create_survey_engine, current_revision, open_database
from survey.db.models import Base
from survey.db.revisions import head_revision

# Every test here starts from an empty database on PostgreSQL too (not the migrated copy).
pytestmark = pytest.mark.empty_database


def test_empty_database_is_upgraded_on_open(db_url: str) -> None:
    engine = open_database(db_url)
    assert current_revision(engine) == head_revision() == "0013"
    tables = set(inspect(engine).get_table_names())
    assert {"papers", "authors", "aliases", "sources", "citations", "settings"} <= tables
    if engine.dialect.name == "sqlite":
        assert "papers_fts" in tables


def test_models_and_migrations_agree(db_url: str) -> None:
    engine = open_database(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": lambda obj, name, type_, reflected, other: (
                    not (type_ == "table" and name is not None and name.startswith("papers_fts"))
                ),
            },
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_downgrade_to_base_and_up_again(db_url: str) -> None:
    engine = open_database(db_url)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    reopened = open_database(db_url)
    assert current_revision(reopened) == "0013"


def test_current_does_not_create_tables(db_url: str) -> None:
    engine = create_survey_engine(db_url)
    assert current_revision(engine) is None
    assert inspect(engine).get_table_names() == []


# Rows each revision's tables can hold, written with plain SQL as of that revision.
DATA_AT = {
    "0001": [
        "INSERT INTO sources (id, path, kind, sha256, size, loaded_at) "
        "VALUES (1, '/x/refs.bib', 'bib', 'abc', 10, '2026-01-01 00:00:00')",
        "INSERT INTO papers (id, citekey, citekey_lower, entry_type, title, title_norm, year, venue,"
        " doi, arxiv_id, abstract, more_authors, fields, raw, search_text, content_hash, source_id,"
        " source_line) VALUES (1, 'Lin2015', 'lin2015', 'inproceedings', 'Bilinear', 'bilinear',"
        " 2015, 'ICCV', '10.1/x', NULL, NULL, FALSE, '{\"pages\": \"1--2\"}', '@x{Lin2015}',"
        " ' lin2015 bilinear', 'h1', 1, 3)",
        "INSERT INTO papers (id, citekey, citekey_lower, entry_type, title, year, more_authors,"
        " fields, raw, search_text, content_hash) VALUES (2, 'fu2017', 'fu2017', 'article',"
        " 'Look', 2017, FALSE, '{}', '', ' fu2017 look', 'h2')",
        "INSERT INTO papers (id, citekey, citekey_lower, entry_type, title, year, more_authors,"
        " fields, raw, search_text, content_hash) VALUES (3, 'cjk2020', 'cjk2020', 'article',"
        " '基于深度学习的方法', 2020, FALSE, '{}', '', ' cjk2020 基于深度学习的方法 2020', 'h3')",
        "INSERT INTO authors (paper_id, position, family, given, von, suffix)"
        " VALUES (1, 0, 'Lin', 'Tsung-Yu', '', '')",
        "INSERT INTO aliases (paper_id, alias, alias_lower, origin) VALUES (1, 'B-CNN', 'b-cnn', 'shorthand')",
    ],
    "0002": [
        "INSERT INTO taxonomy_nodes (id, path, slug, label, parent_id, level, position, number, flag,"
        " description, line, source_id) VALUES (1, 'fg', 'fg', '细粒度', NULL, 1, 1, NULL, 'normal', '', 3, 1)",
        "INSERT INTO tags (paper_id, node_id, provenance, annotation) VALUES (1, 1, 'manual', 'kept')",
        "INSERT INTO mentions (node_id, line, text, title, annotation, hints, status, method, paper_id,"
        " score, candidates) VALUES (1, 5, 'Bilinear CNN', 'Bilinear CNN', '', '[]', 'resolved',"
        " 'alias', 1, 100.0, '[]')",
    ],
    "0003": [
        "INSERT INTO citations (citing_id, cited_id, origin, relation, evidence, suspect, source_id, line)"
        " VALUES (2, 1, 'manual', 'baseline', 'table 2', FALSE, NULL, NULL)",
    ],
    "0004": ["INSERT INTO settings (name, value) VALUES ('survey.title', 'Kept title')"],
    "0005": [
        "INSERT INTO sources (id, path, location, kind, sha256, size, loaded_at) "
        "VALUES (2, 'notes.md', '/y/notes.md', 'notes', '', 5, '2026-01-01 00:00:00')",
    ],
    "0006": [
        "INSERT INTO openalex_works (id, title, year, venue, venue_type, first_author, doi, kind,"
        " cited_by_count, referenced_works) VALUES ('W1', 'Bilinear', 2015, 'ICCV', 'conference',"
        " 'Tsung-Yu Lin', NULL, 'article', 42, '[\"W2\"]')",
        "INSERT INTO openalex_works (id, title, referenced_works) VALUES ('W2', 'Cited', '[]')",
        "INSERT INTO openalex_matches (paper_id, work_id, method, score, doi_suggestion)"
        " VALUES (1, 'W1', 'title', 96.5, '10.1109/iccv.2015.170')",
        "INSERT INTO openalex_matches (paper_id, work_id, method, score) VALUES (2, NULL, 'none', 0)",
        "INSERT INTO openalex_references (paper_id, work_id) VALUES (1, 'W2')",
        "INSERT INTO citations (citing_id, cited_id, origin, relation, evidence, suspect)"
        " VALUES (2, 1, 'openalex', '', 'OpenAlex W3 references W1', FALSE)",
    ],
    "0009": [
        "INSERT INTO detached (kind, citekey, other_key, node_path, relation, evidence,"
        " annotation, detached_at) VALUES ('tag', 'gone2019', NULL, 'fg', '', '', 'why',"
        " '2026-01-01 00:00:00')",
    ],
    # 0007 adds no table: it rebuilds the FTS index and adds views over the rows above.
    "0007": [],
    # 0008 adds an index on citations, over the rows above.
    "0008": [],
    "0010": [
        "INSERT INTO index_works (id, source, title, year, doi, arxiv_id, referenced_works)"
        " VALUES ('S2:abc', 'semanticscholar', 'Bilinear', 2015, NULL, '1504.07889', NULL)",
        "INSERT INTO index_matches (paper_id, source, work_id, method, score)"
        " VALUES (1, 'semanticscholar', 'S2:abc', 'arxiv', 100)",
    ],
    # 0011 adds no table: it rebuilds the FTS index by trigrams, over the rows above.
    "0011": [],
    "0012": [
        "INSERT INTO unknown_edge_names (source_id, line, name) VALUES (1, 4, 'nosuch2019')",
    ],
    "0013": [
        "INSERT INTO papers (id, citekey, citekey_lower, entry_type, title, year, more_authors,"
        " fields, raw, source_fields, search_text, content_hash) VALUES (4, 'doe2021',"
        """ 'doe2021', 'misc', 'Kept', 2021, FALSE, '{"note": "n"}',"""
        " '@misc{doe2021, title = {Kept}, note = {n}, year = 2021}',"
        """ '{"title": "Kept", "note": null, "year": "2021"}', ' doe2021 kept', 'h4')""",
    ],
}
# Rows of a revision whose tables a later one replaced, as written once that one applied:
# revision -> (the later revision, its statements).
REWRITTEN = {
    "0006": (
        "0010",
        [
            "INSERT INTO index_works (id, source, title, year, venue, venue_type, first_author,"
            " doi, kind, cited_by_count, referenced_works) VALUES ('W1', 'openalex', 'Bilinear',"
            " 2015, 'ICCV', 'conference', 'Tsung-Yu Lin', NULL, 'article', 42, '[\"W2\"]')",
            "INSERT INTO index_works (id, source, title, referenced_works)"
            " VALUES ('W2', 'openalex', 'Cited', '[]')",
            "INSERT INTO index_matches (paper_id, source, work_id, method, score, doi_suggestion)"
            " VALUES (1, 'openalex', 'W1', 'title', 96.5, '10.1109/iccv.2015.170')",
            "INSERT INTO index_matches (paper_id, source, work_id, method, score)"
            " VALUES (2, 'openalex', NULL, 'none', 0)",
            "INSERT INTO index_references (paper_id, work_id) VALUES (1, 'W2')",
            "INSERT INTO citations (citing_id, cited_id, origin, relation, evidence, suspect)"
            " VALUES (2, 1, 'openalex', '', 'OpenAlex W3 references W1', FALSE)",
        ],
    ),
}
# Revision ids in the order they apply. The files are named in this order; three ids
# differ from their file's number (0009 was written after 0007 and 0008 but applies
# before them), and ids stored in users' databases never change.
CHAIN = [
    "0001",
    "0002",
    "0003",
    "0004",
    "0005",
    "0006",
    "0009",
    "0007",
    "0008",
    "0010",
    "0011",
    "0012",
    "0013",
]
EARLIER = CHAIN[:-1]


def _rows_at(revision: str) -> list[str]:
    """The statements writing every revision's rows up to `revision`, in the shape the
    tables have there."""
    statements: list[str] = []
    for rev in CHAIN[: CHAIN.index(revision) + 1]:
        if rev in REWRITTEN and CHAIN.index(revision) >= CHAIN.index(REWRITTEN[rev][0]):
            statements += REWRITTEN[rev][1]
        else:
            statements += DATA_AT[rev]
    return statements


@pytest.mark.parametrize("revision", EARLIER)
def test_upgrade_from_each_revision_keeps_the_data(db_url: str, revision: str) -> None:
    """The rule: every revision gets a case here (add its rows to DATA_AT)."""
    url = db_url
    engine = create_survey_engine(url)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    with engine.begin() as connection:
        for statement in _rows_at(revision):
            connection.exec_driver_sql(statement)
    engine.dispose()
    upgraded = open_database(url)
    assert current_revision(upgraded) == head_revision()
    with upgraded.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT citekey, title, year, fields, source_line FROM papers ORDER BY id"
        ).fetchall()
        fields = rows[0][3] if isinstance(rows[0][3], dict) else json.loads(rows[0][3])
        assert (*rows[0][:3], fields, rows[0][4]) == (
            "Lin2015",
            "Bilinear",
            2015,
            {"pages": "1--2"},
            3,
        )
        assert connection.exec_driver_sql("SELECT family FROM authors").fetchall() == [("Lin",)]
        assert connection.exec_driver_sql("SELECT alias FROM aliases").fetchall() == [("B-CNN",)]
        if revision >= "0002":
            assert connection.exec_driver_sql(
                "SELECT annotation FROM tags WHERE provenance = 'manual'"
            ).fetchall() == [("kept",)]
            assert connection.exec_driver_sql("SELECT label FROM taxonomy_nodes").fetchall() == [
                ("细粒度",)
            ]
        if revision >= "0003":
            assert connection.exec_driver_sql(
                "SELECT relation FROM citations WHERE origin = 'manual'"
            ).fetchall() == [("baseline",)]
        if revision >= "0004":
            assert connection.exec_driver_sql("SELECT value FROM settings").fetchall() == [
                ("Kept title",)
            ]
        if revision < "0005":
            # 0005: a source written before keeps its absolute path as its location too.
            assert connection.exec_driver_sql(
                "SELECT path, location FROM sources WHERE id = 1"
            ).fetchall() == [("/x/refs.bib", "/x/refs.bib")]
        if revision >= "0005":
            assert connection.exec_driver_sql(
                "SELECT path, location FROM sources WHERE id = 2"
            ).fetchall() == [("notes.md", "/y/notes.md")]
        if revision >= "0006":
            # 0010 moved OpenAlex's rows into the tables of every index, marked openalex.
            assert connection.exec_driver_sql(
                "SELECT paper_id, source, work_id, method, score, doi_suggestion"
                " FROM index_matches WHERE source = 'openalex' ORDER BY paper_id"
            ).fetchall() == [
                (1, "openalex", "W1", "title", 96.5, "10.1109/iccv.2015.170"),
                (2, "openalex", None, "none", 0.0, None),
            ]
            assert connection.exec_driver_sql(
                "SELECT paper_id, work_id FROM index_references"
            ).fetchall() == [(1, "W2")]
            assert connection.exec_driver_sql(
                "SELECT id, source, title, cited_by_count FROM index_works"
                " WHERE source = 'openalex' ORDER BY id"
            ).fetchall() == [
                ("W1", "openalex", "Bilinear", 42),
                ("W2", "openalex", "Cited", None),
            ]
            assert connection.exec_driver_sql(
                "SELECT origin FROM citations ORDER BY origin"
            ).fetchall() == [("manual",), ("openalex",)]
        if revision >= "0003":
            assert ("fu2017", "Lin2015", "baseline") in connection.exec_driver_sql(
                "SELECT citing, cited, relation FROM edges_named"
            ).fetchall()
        if revision >= "0002":
            assert connection.exec_driver_sql(
                "SELECT citekey, section_path, annotation FROM paper_sections"
            ).fetchall() == [("Lin2015", "fg", "kept")]
        if revision >= "0012":
            assert connection.exec_driver_sql(
                "SELECT source_id, line, name FROM unknown_edge_names"
            ).fetchall() == [(1, 4, "nosuch2019")]
        if upgraded.dialect.name == "sqlite" and revision < "0011":
            # Rows written at 0011 or later with plain SQL bypass the index (the loader
            # writes it itself): only an upgrade through 0011 rebuilds it from them.
            _assert_trigram_index(connection)
        # 0013: a paper loaded before has no source fields; the BibTeX export reads `raw`.
        assert connection.exec_driver_sql(
            "SELECT count(*) FROM papers WHERE source_fields IS NULL"
        ).fetchall() == [(3,)]


def _assert_trigram_index(connection: Connection) -> None:
    """0011 rebuilt the index by trigrams from the rows written before the upgrade: a
    word is found inside another, and inside a run of CJK text."""

    def found(query: str) -> list[tuple[int]]:
        sql = "SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? ORDER BY rowid"
        return connection.exec_driver_sql(sql, (query,)).fetchall()  # type: ignore[return-value]

    assert found('"bilinear"') == found('"ilinea"') == [(1,)]
    assert found('"深度学习"') == [(3,)]


def test_downgrade_from_0013_keeps_the_papers(db_url: str) -> None:
    """Down to 0012 drops the source fields and nothing else; up again leaves them NULL,
    as for any paper loaded before 0013."""
    engine = open_database(db_url)
    with engine.begin() as connection:
        for statement in _rows_at("0013"):
            connection.exec_driver_sql(statement)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0012")
    assert "source_fields" not in {c["name"] for c in inspect(engine).get_columns("papers")}
    engine.dispose()
    reopened = open_database(db_url)
    with reopened.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT id, title, raw, source_fields FROM papers ORDER BY id"
        ).fetchall()
    assert [row[0] for row in rows] == [1, 2, 3, 4]
    assert rows[3][1:] == ("Kept", "@misc{doe2021, title = {Kept}, note = {n}, year = 2021}", None)


def test_every_revision_has_a_data_case() -> None:
    versions = REPO / "migrations" / "versions"
    ids: list[str] = []
    links = {}
    for path in sorted(versions.glob("[0-9][0-9][0-9][0-9]_*.py")):
        text = path.read_text(encoding="utf-8")
        revision = re.search(r'^revision = "(\w+)"', text, re.M)
        down = re.search(r'^down_revision = "?(\w+)"?', text, re.M)
        assert revision, path
        ids.append(revision.group(1))
        links[revision.group(1)] = down.group(1) if down else None
    assert sorted(ids) == sorted(DATA_AT), "add the new revision's rows to DATA_AT"
    assert ids == CHAIN, "name the file in the order it applies and add it to CHAIN"
    # CHAIN follows the down_revision links, head last.
    assert [links[rev] for rev in CHAIN] == ["None", *CHAIN[:-1]], links


def test_file_numbers_follow_the_chain() -> None:
    """The files sort in the order the revisions apply: reading them top to bottom is
    reading the schema's history, and the head is the last file."""
    versions = REPO / "migrations" / "versions"
    numbers = [p.name[:4] for p in sorted(versions.glob("[0-9][0-9][0-9][0-9]_*.py"))]
    assert numbers == [f"{n:04d}" for n in range(1, len(numbers) + 1)]
