"""Full-text index and views that Datasette and sqlite-utils understand.

Why: the FTS5 index of 0001 names its content table as `content='papers'`; Datasette and
sqlite-utils find a table's index by the text `content="papers"` (or `content=[papers]`)
in its CREATE statement, so Datasette's `?_search=` silently returned every row and
sqlite-utils' `.search()` raised. The index is recreated, with the same columns, tokenizer
and triggers, under the spelling they detect, and rebuilt from `papers`. Two views give
people browsing the database the joins they want first: `paper_sections` (each paper with
its sections) and `edges_named` (citations by citekey).

Revision ID: 0007 (the eighth file: it applies after 0009)
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0009"
branch_labels = None
depends_on = None

_TRIGGERS = ("papers_fts_delete", "papers_fts_update")


def _fts_sql(content: str) -> list[str]:
    return [
        "CREATE VIRTUAL TABLE papers_fts USING fts5("
        f"search_text, content={content}, content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')",
        "CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN "
        "INSERT INTO papers_fts(papers_fts, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); END",
        "CREATE TRIGGER papers_fts_update AFTER UPDATE OF search_text ON papers BEGIN "
        "INSERT INTO papers_fts(papers_fts, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); "
        "INSERT INTO papers_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
        "INSERT INTO papers_fts(papers_fts) VALUES ('rebuild')",
    ]


def _has_fts_table(bind: sa.engine.Connection) -> bool:
    found = bind.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'papers_fts'"
    ).first()
    return found is not None


def _recreate_fts(content: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite" or not _has_fts_table(bind):
        return
    for trigger in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE papers_fts")
    for statement in _fts_sql(content):
        op.execute(statement)


def upgrade() -> None:
    _recreate_fts('"papers"')
    op.execute(
        "CREATE VIEW paper_sections AS "
        "SELECT papers.citekey AS citekey, papers.year AS year, papers.title AS title, "
        "taxonomy_nodes.path AS section_path, taxonomy_nodes.label AS section_label, "
        "tags.provenance AS provenance, tags.annotation AS annotation "
        "FROM tags JOIN papers ON papers.id = tags.paper_id "
        "JOIN taxonomy_nodes ON taxonomy_nodes.id = tags.node_id"
    )
    op.execute(
        "CREATE VIEW edges_named AS "
        "SELECT citing.citekey AS citing, cited.citekey AS cited, citations.relation AS relation, "
        "citations.origin AS origin, citations.suspect AS suspect, "
        "citations.evidence AS evidence "
        "FROM citations JOIN papers AS citing ON citing.id = citations.citing_id "
        "JOIN papers AS cited ON cited.id = citations.cited_id"
    )


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS edges_named")
    op.execute("DROP VIEW IF EXISTS paper_sections")
    _recreate_fts("'papers'")
