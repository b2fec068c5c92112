"""Sources: a file's identity is no longer its absolute path; `location` is where it was seen.

Why: a survey built from a second checkout, a moved folder or a new virtualenv named
every file by another absolute path, so the same file became a second source and its
citation edges collided with the first one's. From this revision `sources.path` holds
the file's identity (its path relative to the survey's `survey.toml`, or a bare file's
name) and `location` the absolute path it was last read from. Rows written before keep
their absolute path as both; the next build adopts them under their new identity.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("location", sa.String(length=1024), nullable=True))
    op.execute("UPDATE sources SET location = path")


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("location")
