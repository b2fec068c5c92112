"""Citation indexes beside OpenAlex: works, matches and external references per index.

Why: `survey enrich` now asks Semantic Scholar and OpenCitations as well as OpenAlex. A
paper can match a work in each index, so a match is keyed by (paper, index); works of
every index live in one table, their ids qualified by the index (OpenAlex `W…`, Semantic
Scholar `S2:…`, OpenCitations `doi:…`/`omid:…`), with the arXiv id that lets a work count
once across indexes and a reference list that may be unknown (NULL) rather than empty.
The OpenAlex rows are copied over unchanged, marked `openalex`.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "index_works",
        sa.Column("id", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("venue", sa.Text(), nullable=True),
        sa.Column("venue_type", sa.String(length=32), nullable=True),
        sa.Column("first_author", sa.Text(), nullable=True),
        sa.Column("doi", sa.String(length=255), nullable=True),
        sa.Column("arxiv_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("cited_by_count", sa.Integer(), nullable=True),
        sa.Column("referenced_works", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_works")),
    )
    op.create_index(op.f("ix_index_works_source"), "index_works", ["source"])
    op.create_table(
        "index_matches",
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("work_id", sa.String(length=300), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("doi_suggestion", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["papers.id"],
            name=op.f("fk_index_matches_paper_id_papers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["work_id"],
            ["index_works.id"],
            name=op.f("fk_index_matches_work_id_index_works"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("paper_id", "source", name=op.f("pk_index_matches")),
    )
    op.create_index(op.f("ix_index_matches_work_id"), "index_matches", ["work_id"])
    op.create_table(
        "index_references",
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("work_id", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["papers.id"],
            name=op.f("fk_index_references_paper_id_papers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["work_id"],
            ["index_works.id"],
            name=op.f("fk_index_references_work_id_index_works"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("paper_id", "work_id", name=op.f("pk_index_references")),
    )
    op.create_index(op.f("ix_index_references_work_id"), "index_references", ["work_id"])
    op.execute(
        "INSERT INTO index_works (id, source, title, year, venue, venue_type, first_author,"
        " doi, kind, cited_by_count, referenced_works)"
        " SELECT id, 'openalex', title, year, venue, venue_type, first_author, doi, kind,"
        " cited_by_count, referenced_works FROM openalex_works"
    )
    op.execute(
        "INSERT INTO index_matches (paper_id, source, work_id, method, score, doi_suggestion)"
        " SELECT paper_id, 'openalex', work_id, method, score, doi_suggestion"
        " FROM openalex_matches"
    )
    op.execute(
        "INSERT INTO index_references (paper_id, work_id)"
        " SELECT paper_id, work_id FROM openalex_references"
    )
    op.drop_table("openalex_references")
    op.drop_table("openalex_matches")
    op.drop_table("openalex_works")


def downgrade() -> None:
    """Back to OpenAlex only: the other indexes' works and matches are dropped."""
    op.create_table(
        "openalex_works",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("venue", sa.Text(), nullable=True),
        sa.Column("venue_type", sa.String(length=32), nullable=True),
        sa.Column("first_author", sa.Text(), nullable=True),
        sa.Column("doi", sa.String(length=255), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("cited_by_count", sa.Integer(), nullable=True),
        sa.Column("referenced_works", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_openalex_works")),
    )
    op.create_table(
        "openalex_matches",
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("work_id", sa.String(length=32), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("doi_suggestion", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["papers.id"],
            name=op.f("fk_openalex_matches_paper_id_papers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["work_id"],
            ["openalex_works.id"],
            name=op.f("fk_openalex_matches_work_id_openalex_works"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("paper_id", name=op.f("pk_openalex_matches")),
    )
    op.create_index(op.f("ix_openalex_matches_work_id"), "openalex_matches", ["work_id"])
    op.create_table(
        "openalex_references",
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("work_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["papers.id"],
            name=op.f("fk_openalex_references_paper_id_papers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["work_id"],
            ["openalex_works.id"],
            name=op.f("fk_openalex_references_work_id_openalex_works"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("paper_id", "work_id", name=op.f("pk_openalex_references")),
    )
    op.execute(
        "INSERT INTO openalex_works (id, title, year, venue, venue_type, first_author, doi,"
        " kind, cited_by_count, referenced_works)"
        " SELECT id, title, year, venue, venue_type, first_author, doi, kind, cited_by_count,"
        " COALESCE(referenced_works, '[]') FROM index_works WHERE source = 'openalex'"
    )
    op.execute(
        "INSERT INTO openalex_matches (paper_id, work_id, method, score, doi_suggestion)"
        " SELECT paper_id, work_id, method, score, doi_suggestion FROM index_matches"
        " WHERE source = 'openalex'"
    )
    op.execute(
        "INSERT INTO openalex_references (paper_id, work_id) SELECT r.paper_id, r.work_id"
        " FROM index_references r JOIN index_works w ON w.id = r.work_id"
        " WHERE w.source = 'openalex'"
    )
    op.drop_table("index_references")
    op.drop_table("index_matches")
    op.drop_table("index_works")
