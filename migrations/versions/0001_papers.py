"""Papers, their ordered authors, aliases and the loaded source files.

Why: the foundation of the knowledge base. On SQLite an FTS5 index over
`papers.search_text` serves `survey query search` (updates and deletes are kept in
sync by triggers, inserts are indexed in bulk by the loader); other databases fall
back to a portable LIKE search over the same column.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
        sa.UniqueConstraint("path", name=op.f("uq_sources_path")),
    )
    op.create_table(
        "papers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citekey", sa.String(length=255), nullable=False),
        sa.Column("citekey_lower", sa.String(length=255), nullable=False),
        sa.Column("entry_type", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("title_norm", sa.Text(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("venue", sa.Text(), nullable=True),
        sa.Column("doi", sa.String(length=255), nullable=True),
        sa.Column("arxiv_id", sa.String(length=64), nullable=True),
        sa.Column("abstract", sa.Text(), nullable=True),
        sa.Column("more_authors", sa.Boolean(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_papers_source_id_sources"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_papers")),
        sa.UniqueConstraint("citekey", name=op.f("uq_papers_citekey")),
        sa.UniqueConstraint("citekey_lower", name=op.f("uq_papers_citekey_lower")),
    )
    with op.batch_alter_table("papers") as batch:
        batch.create_index(batch.f("ix_papers_title_norm"), ["title_norm"])
        batch.create_index(batch.f("ix_papers_year"), ["year"])
        batch.create_index(batch.f("ix_papers_doi"), ["doi"])
        batch.create_index(batch.f("ix_papers_arxiv_id"), ["arxiv_id"])
        batch.create_index(batch.f("ix_papers_source_id"), ["source_id"])
    op.create_table(
        "authors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("family", sa.String(length=255), nullable=False),
        sa.Column("given", sa.String(length=255), nullable=False),
        sa.Column("von", sa.String(length=64), nullable=False),
        sa.Column("suffix", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.id"], name=op.f("fk_authors_paper_id_papers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authors")),
        sa.UniqueConstraint("paper_id", "position", name=op.f("uq_authors_paper_id")),
    )
    op.create_index("ix_authors_family", "authors", ["family"])
    op.create_table(
        "aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=255), nullable=False),
        sa.Column("alias_lower", sa.String(length=255), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.id"], name=op.f("fk_aliases_paper_id_papers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aliases")),
        sa.UniqueConstraint("paper_id", "alias_lower", name=op.f("uq_aliases_paper_id")),
    )
    op.create_index(op.f("ix_aliases_alias_lower"), "aliases", ["alias_lower"])

    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and _has_fts5(bind):
        op.execute(
            "CREATE VIRTUAL TABLE papers_fts USING fts5("
            "search_text, content='papers', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        # No insert trigger: a load indexes its new rows in one INSERT ... SELECT, which is
        # several times faster than a trigger per row (survey.db.papers.index_new_papers).
        op.execute(
            "CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN "
            "INSERT INTO papers_fts(papers_fts, rowid, search_text) "
            "VALUES ('delete', old.id, old.search_text); END"
        )
        op.execute(
            "CREATE TRIGGER papers_fts_update AFTER UPDATE OF search_text ON papers BEGIN "
            "INSERT INTO papers_fts(papers_fts, rowid, search_text) "
            "VALUES ('delete', old.id, old.search_text); "
            "INSERT INTO papers_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
        )


def _has_fts5(bind: sa.engine.Connection) -> bool:
    options = {row[0] for row in bind.exec_driver_sql("PRAGMA compile_options")}
    return "ENABLE_FTS5" in options


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("papers_fts_delete", "papers_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS papers_fts")
    op.drop_table("aliases")
    op.drop_table("authors")
    op.drop_table("papers")
    op.drop_table("sources")
