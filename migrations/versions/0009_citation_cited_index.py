"""Citations: an index on (cited_id, citing_id), for walks towards the citing papers.

Why: lineage walks one generation at a time, looking up the links of each paper it
reaches. Going back to what a paper builds on (citing -> cited) reads the unique index
on (citing_id, cited_id, origin) alone. Going forward to what builds on a paper had only
the index on cited_id, so each link also cost a lookup into the table for its citing_id:
on a million edges the descendants of a much-cited paper spent most of their time there.
With (cited_id, citing_id) that direction is index lookups too.

Revision ID: 0008 (the ninth file: it applies after 0007)
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_citations_cited_id_citing_id", "citations", ["cited_id", "citing_id"])


def downgrade() -> None:
    op.drop_index("ix_citations_cited_id_citing_id", table_name="citations")
