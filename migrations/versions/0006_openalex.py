"""OpenAlex: the work each paper matches, the works it references, and who cites them.

Why: `survey enrich` fetches citation data from OpenAlex. A paper's match (the work id,
how it was found, the resolver's score, a DOI suggested for a paper without one; or that
nothing was found, so a re-run does not ask again) lives in its own table, so the user's
BibTeX fields are never overwritten. Works referenced by the knowledge base but missing
from it are stored once, with the papers that cite them, so `survey discover` can rank a
section's missing classics without asking OpenAlex again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
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
    op.create_index(op.f("ix_openalex_references_work_id"), "openalex_references", ["work_id"])


def downgrade() -> None:
    op.drop_table("openalex_references")
    op.drop_table("openalex_matches")
    op.drop_table("openalex_works")
