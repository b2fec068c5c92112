"""Full-text index by trigrams, so that other tools find words in CJK text.

Why: the FTS5 index of 0007 splits text into words with the `unicode61` tokenizer, which
keeps a run of Chinese or Japanese characters as one token: Datasette's `?_search=深度学习`
and sqlite-utils' `.search()` found nothing inside `基于深度学习的方法`, while
`survey query search` (which now also matches CJK words anywhere in the text) did. The
`trigram` tokenizer (SQLite 3.34) indexes every three characters, so a query of three
characters or more matches anywhere in the text, in any script, case-insensitively. The
index keeps its name, columns, `content="papers"` spelling and triggers, and is rebuilt
from `papers`. Where SQLite has no trigram tokenizer the index stays as it was
(`survey query search` reads which tokenizer the index has).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_TRIGGERS = ("papers_fts_delete", "papers_fts_update")


def _fts_sql(tokenizer: str) -> list[str]:
    return [
        "CREATE VIRTUAL TABLE papers_fts USING fts5("
        f"search_text, content=\"papers\", content_rowid='id', tokenize='{tokenizer}')",
        "CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN "
        "INSERT INTO papers_fts(papers_fts, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); END",
        "CREATE TRIGGER papers_fts_update AFTER UPDATE OF search_text ON papers BEGIN "
        "INSERT INTO papers_fts(papers_fts, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); "
        "INSERT INTO papers_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
        "INSERT INTO papers_fts(papers_fts) VALUES ('rebuild')",
    ]


def _has_fts_table(bind: sa.engine.Connection) -> bool:
    found = bind.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'papers_fts'"
    ).first()
    return found is not None


def _has_trigram(bind: sa.engine.Connection) -> bool:
    try:
        bind.exec_driver_sql(
            "CREATE VIRTUAL TABLE temp.trigram_probe USING fts5(a, tokenize='trigram')"
        )
    except sa.exc.OperationalError:
        return False
    bind.exec_driver_sql("DROP TABLE temp.trigram_probe")
    return True


def _recreate_fts(tokenizer: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite" or not _has_fts_table(bind):
        return
    for trigger in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE papers_fts")
    for statement in _fts_sql(tokenizer):
        op.execute(statement)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and _has_trigram(bind):
        _recreate_fts("trigram")


def downgrade() -> None:
    _recreate_fts("unicode61 remove_diacritics 2")
