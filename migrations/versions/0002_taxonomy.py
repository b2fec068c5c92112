"""Taxonomy nodes (the notes' headings), tags with provenance, and mentions.

Why: the survey's notes become its taxonomy. Nodes are identified by their slug path so
that manual tags survive rebuilds; mentions keep every bullet with what it resolved to,
or its best candidates, so unresolved bullets can be reported.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "taxonomy_nodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("slug", sa.String(length=255), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("flag", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["taxonomy_nodes.id"],
            name=op.f("fk_taxonomy_nodes_parent_id_taxonomy_nodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_taxonomy_nodes_source_id_sources"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxonomy_nodes")),
        sa.UniqueConstraint("path", name=op.f("uq_taxonomy_nodes_path")),
    )
    op.create_index(op.f("ix_taxonomy_nodes_parent_id"), "taxonomy_nodes", ["parent_id"])
    op.create_index(op.f("ix_taxonomy_nodes_source_id"), "taxonomy_nodes", ["source_id"])
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("provenance", sa.String(length=16), nullable=False),
        sa.Column("annotation", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["node_id"],
            ["taxonomy_nodes.id"],
            name=op.f("fk_tags_node_id_taxonomy_nodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.id"], name=op.f("fk_tags_paper_id_papers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("paper_id", "node_id", "provenance", name=op.f("uq_tags_paper_id")),
    )
    op.create_index(op.f("ix_tags_paper_id"), "tags", ["paper_id"])
    op.create_index(op.f("ix_tags_node_id"), "tags", ["node_id"])
    op.create_table(
        "mentions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("annotation", sa.Text(), nullable=False),
        sa.Column("hints", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=True),
        sa.Column("paper_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["node_id"],
            ["taxonomy_nodes.id"],
            name=op.f("fk_mentions_node_id_taxonomy_nodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["papers.id"],
            name=op.f("fk_mentions_paper_id_papers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentions")),
    )
    op.create_index(op.f("ix_mentions_node_id"), "mentions", ["node_id"])
    op.create_index(op.f("ix_mentions_paper_id"), "mentions", ["paper_id"])


def downgrade() -> None:
    op.drop_table("mentions")
    op.drop_table("tags")
    op.drop_table("taxonomy_nodes")
