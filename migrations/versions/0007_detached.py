"""Detached annotations: manual tags and edges of papers that left the bibliography.

Why: when an entry leaves a .bib file (for one build, or on its way to another file),
its paper row goes, and with it the manual tags and manual citations the user made from
the command line: work the files do not hold. They are kept here, by citekey and
section path, reported by `survey check`, and put back when the key returns.

Revision ID: 0009 (the seventh file: written after 0007 and 0008, applied before them)
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "detached",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("citekey", sa.String(length=255), nullable=False),
        sa.Column("other_key", sa.String(length=255), nullable=True),
        sa.Column("node_path", sa.String(length=1024), nullable=True),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("annotation", sa.Text(), nullable=False),
        sa.Column("detached_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detached")),
    )
    with op.batch_alter_table("detached") as batch:
        batch.create_index(batch.f("ix_detached_citekey"), ["citekey"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("detached") as batch:
        batch.drop_index(batch.f("ix_detached_citekey"))
    op.drop_table("detached")
