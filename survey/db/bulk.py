"""The loader's bulk path (db layer; takes a session, never commits): rows in, the
fastest way each backend has, and ids in chunks for `IN (...)` lists.

New papers arrive as tuples (see ROW_COLUMNS). SQLite gets driver-level executemany with
ids allocated under the write lock; PostgreSQL gets COPY through psycopg 3 on the
session's own connection, so it is part of the same transaction. Other databases take
the portable SQLAlchemy Core path. `clear_database` empties the knowledge base before
`survey build --replace` loads it again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Table, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from survey.db.engine import analyze_after
from survey.db.models import (
    Alias,
    Author,
    Base,
    Citation,
    Detached,
    Mention,
    Paper,
    Setting,
    Source,
    Tag,
    TaxonomyNode,
    UnknownEdgeName,
)

# Parameters per IN (...) query: below SQLite's historic limit of 999.
IN_CHUNK = 900
T = TypeVar("T")
PAPERS = cast(Table, Paper.__table__)
AUTHORS = cast(Table, Author.__table__)
ALIASES = cast(Table, Alias.__table__)

PAPER_COLUMNS = (
    "id",
    "citekey",
    "citekey_lower",
    "entry_type",
    "title",
    "title_norm",
    "year",
    "venue",
    "doi",
    "arxiv_id",
    "abstract",
    "more_authors",
    "fields",
    "raw",
    "source_fields",
    "search_text",
    "content_hash",
    "source_id",
    "source_line",
)
# A new paper as the loader builds it: every column but `id` and `source_id`, with
# the JSON columns already JSON text.
ROW_COLUMNS = tuple(c for c in PAPER_COLUMNS if c not in ("id", "source_id"))
JSON_COLUMNS = ("fields", "source_fields")
# The order of insert_paper_rows' statements: the row's own columns between these two.
INSERT_COLUMNS = ("id", *ROW_COLUMNS, "source_id")
AUTHOR_COLUMNS = ("paper_id", "position", "family", "given", "von", "suffix")
ALIAS_COLUMNS = ("paper_id", "alias", "alias_lower", "origin")


def chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_paper_rows(
    session: Session, rows: Sequence[tuple[Any, ...]], source_id: int
) -> list[int]:
    """Insert new papers (tuples in ROW_COLUMNS order) from one source; their ids, in order."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        # The load holds SQLite's write lock (BEGIN IMMEDIATE), so no other writer can take
        # these ids; a driver executemany is many times faster than INSERT ... RETURNING,
        # which SQLite runs row by row when the order of the ids matters.
        start = (session.scalar(select(func.max(Paper.id))) or 0) + 1
        ids = list(range(start, start + len(rows)))
        params = [(i, *row, source_id) for i, row in zip(ids, rows, strict=True)]
        _sqlite_executemany(session, PAPERS, INSERT_COLUMNS, params)
        return ids
    if dialect == "postgresql":
        # Ids come from the table's own sequence (safe beside any other writer), then the
        # rows go in with COPY.
        ids = sorted(
            session.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence('papers', 'id')) "
                    "FROM generate_series(1, :n)"
                ),
                {"n": len(rows)},
            )
        )
        _pg_copy(
            session,
            PAPERS,
            INSERT_COLUMNS,
            ((i, *row, source_id) for i, row in zip(ids, rows, strict=True)),
        )
        return ids
    values = [{**dict(zip(ROW_COLUMNS, row, strict=True)), "source_id": source_id} for row in rows]
    for value in values:
        for column in JSON_COLUMNS:
            value[column] = json.loads(value[column])
    result = session.execute(
        insert(PAPERS).returning(PAPERS.c.id, sort_by_parameter_order=True), values
    )
    return list(result.scalars().all())


def insert_child_rows(
    session: Session, authors: list[tuple[Any, ...]], aliases: list[tuple[Any, ...]]
) -> None:
    """Insert author and alias rows: tuples in AUTHOR_COLUMNS and ALIAS_COLUMNS order."""
    dialect = session.get_bind().dialect.name
    for table, columns, rows in (
        (AUTHORS, AUTHOR_COLUMNS, authors),
        (ALIASES, ALIAS_COLUMNS, aliases),
    ):
        if rows:
            bulk_insert(session, table, columns, rows, dialect=dialect)


def bulk_insert(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    dialect: str | None = None,
) -> None:
    """Insert rows (tuples in `columns` order) the fastest way the backend has: the
    driver's executemany on SQLite, COPY on PostgreSQL; never one ORM object per row."""
    dialect = dialect or session.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_executemany(session, table, columns, rows)
    elif dialect == "postgresql":
        _pg_copy(session, table, columns, rows)
    else:
        session.execute(insert(table), [dict(zip(columns, r, strict=True)) for r in rows])


def _pg_copy(
    session: Session, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """COPY rows into a table on the session's connection, inside its transaction.

    psycopg's text COPY escapes tabs, newlines, backslashes and the text `\\N` itself;
    None is NULL. NUL cannot be stored in PostgreSQL text: the loader refuses such an
    entry with a diagnostic before it gets here.
    """
    analyze_after(session, table.name)
    raw = session.connection().connection.driver_connection
    assert raw is not None
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _sqlite_executemany(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    session.connection().exec_driver_sql(sql, list(rows))


def clear_database(session: Session) -> None:
    """Delete every row of the knowledge base (the schema stays), in dependency order.

    Papers are deleted through the table, so the search index's delete trigger keeps
    the FTS5 index in step.
    """
    first: tuple[type[Base], ...] = (Citation, UnknownEdgeName, Mention, Tag, Detached)
    then: tuple[type[Base], ...] = (TaxonomyNode, Alias, Author, Paper, Source, Setting)
    for model in first:
        session.execute(delete(model))
    session.execute(update(TaxonomyNode).values(parent_id=None))
    for model in then:
        session.execute(delete(model))
    session.flush()
