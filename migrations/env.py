"""Alembic environment: runs revisions on the connection survey hands over.

Revisions use `op`/`sa` only; `target_metadata` is today's models and serves only the
autogenerate comparison in the tests, never the revisions themselves.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from survey.db.models import Base

config = context.config
target_metadata = Base.metadata

# Tables that exist only on one dialect (SQLite's FTS5 index) are not in the models.
_UNMODELLED_PREFIXES = ("papers_fts",)


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    return not (type_ == "table" and name is not None and name.startswith(_UNMODELLED_PREFIXES))


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as own_connection:
            _run(own_connection)
        return
    _run(connection)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        include_object=include_object,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("survey's migrations run online only: use `survey db upgrade`")
run_migrations_online()
