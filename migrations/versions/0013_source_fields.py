"""Papers: the source text of the fields kept in columns, in the entry's field order.

Why: the BibTeX export writes each entry with its fields in their order and their LaTeX
as written. `fields` holds every value but those of the columns (title, author, year,
doi, abstract, shorthand), which hold decoded text, so the export parsed every stored
entry's `raw` again with bibtexparser: at 100,000 papers that parse was most of the
export's time. `source_fields` keeps, at load time, the field names in order and the
text of the column fields; the export reads it instead. Rows loaded before this
revision keep NULL (their export parses `raw`, as before) until their entry is loaded
again.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on every backend (SQLite adds and drops a column in place since
# 3.35): a batch copy of `papers` would have to rebuild the search index and the views
# over it.


def upgrade() -> None:
    op.add_column("papers", sa.Column("source_fields", sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    op.drop_column("papers", "source_fields")
