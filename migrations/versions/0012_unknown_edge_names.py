"""The names of citations-file edges that named no paper, as the build read them.

Why: `survey check` reported an edge line naming no paper by reading every citations
file again (and could then disagree with the build: a manifest alias the build resolved
was no paper to it). The build now records each such name with its file and line, and
check reads them here. Empty until the next build reads the citations files; a file's
names go with its source.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unknown_edge_names",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_unknown_edge_names_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unknown_edge_names")),
    )
    with op.batch_alter_table("unknown_edge_names") as batch:
        batch.create_index(batch.f("ix_unknown_edge_names_source_id"), ["source_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("unknown_edge_names") as batch:
        batch.drop_index(batch.f("ix_unknown_edge_names_source_id"))
    op.drop_table("unknown_edge_names")
