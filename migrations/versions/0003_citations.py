"""Citation edges between papers, with their origin, relation and evidence.

Why: lineage, paths, main paths and influence all run on the citation graph. Each edge
keeps where it came from (a BibTeX `cites` field, a citations file, or the CLI) so a
rebuild can replace file edges without touching manual ones, and a `suspect` flag for
edges whose cited paper is more than a year younger than the citing one.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "citations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citing_id", sa.Integer(), nullable=False),
        sa.Column("cited_id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("suspect", sa.Boolean(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cited_id"],
            ["papers.id"],
            name=op.f("fk_citations_cited_id_papers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["citing_id"],
            ["papers.id"],
            name=op.f("fk_citations_citing_id_papers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_citations_source_id_sources"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citations")),
        sa.UniqueConstraint("citing_id", "cited_id", "origin", name=op.f("uq_citations_citing_id")),
    )
    op.create_index(op.f("ix_citations_citing_id"), "citations", ["citing_id"])
    op.create_index(op.f("ix_citations_cited_id"), "citations", ["cited_id"])
    op.create_index(op.f("ix_citations_source_id"), "citations", ["source_id"])


def downgrade() -> None:
    op.drop_table("citations")
