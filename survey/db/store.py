"""Bulk reads and writes of papers for the loader (db layer; takes a session, never commits).

New rows arrive as tuples (see ROW_COLUMNS). SQLite gets driver-level executemany, ids
allocated under the write lock and one bulk FTS5 insert; PostgreSQL gets COPY through
psycopg 3 on the session's own connection, so it is part of the same transaction.
Other updates take the portable SQLAlchemy Core path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, text, update
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
)
from survey.vocab import AliasOrigin

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
    "search_text",
    "content_hash",
    "source_id",
    "source_line",
)
# A new paper as the loader builds it: every column but `id` and `source_id`, with
# `fields` already JSON text.
ROW_COLUMNS = tuple(c for c in PAPER_COLUMNS if c not in ("id", "source_id"))
# The order of insert_paper_rows' statements: the row's own columns between these two.
INSERT_COLUMNS = ("id", *ROW_COLUMNS, "source_id")
AUTHOR_COLUMNS = ("paper_id", "position", "family", "given", "von", "suffix")
ALIAS_COLUMNS = ("paper_id", "alias", "alias_lower", "origin")
# Aliases that come from the BibTeX entry itself and are replaced when it changes.
BIB_ALIAS_ORIGINS = tuple(origin.value for origin in AliasOrigin)


def chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


@dataclass(frozen=True, slots=True)
class StoredPaper:
    id: int
    citekey: str
    content_hash: str
    source_path: str | None
    source_line: int | None
    source_id: int | None = None
    source_location: str | None = None


def all_sources(session: Session) -> list[Source]:
    """Every stored source, by identity."""
    return list(session.scalars(select(Source).order_by(Source.path)))


def source_entry_counts(session: Session) -> dict[int, int]:
    """Source id -> how many rows it gave: papers, citation edges or taxonomy sections."""
    counts: dict[int, int] = {}
    for column in (Paper.source_id, Citation.source_id, TaxonomyNode.source_id):
        rows = session.execute(
            select(column, func.count()).where(column.is_not(None)).group_by(column)
        )
        for source_id, count in rows:
            counts[int(source_id or 0)] = counts.get(int(source_id or 0), 0) + int(count)
    return counts


def source_by_path(session: Session, path: str) -> Source | None:
    return session.scalar(select(Source).where(Source.path == path))


def save_source(
    session: Session, path: str, kind: str, sha256: str, size: int, now: datetime
) -> Source:
    source = source_by_path(session, path)
    if source is None:
        source = Source(path=path, kind=kind, sha256=sha256, size=size, loaded_at=now)
        session.add(source)
        session.flush()
    else:
        source.sha256, source.size, source.loaded_at = sha256, size, now
    return source


def count_from_source(session: Session, source_id: int) -> int:
    return (
        session.scalar(select(func.count()).select_from(Paper).where(Paper.source_id == source_id))
        or 0
    )


def papers_by_keys(session: Session, lowered_keys: Sequence[str]) -> dict[str, StoredPaper]:
    """The stored papers among these lower-cased citekeys."""
    found: dict[str, StoredPaper] = {}
    for chunk in chunks(lowered_keys):
        rows = session.execute(
            select(
                Paper.citekey_lower,
                Paper.id,
                Paper.citekey,
                Paper.content_hash,
                Source.path,
                Paper.source_line,
                Paper.source_id,
                Source.location,
            )
            .outerjoin(Source, Paper.source_id == Source.id)
            .where(Paper.citekey_lower.in_(chunk))
        )
        for lower, paper_id, key, content_hash, path, line, source_id, location in rows:
            found[lower] = StoredPaper(paper_id, key, content_hash, path, line, source_id, location)
    return found


def papers_with_identifiers(
    session: Session, kind: str, values: Sequence[str]
) -> list[tuple[str, str, str, int | None, str | None, int | None]]:
    """(citekey, lowered key, value, year, file, line) of papers with these DOIs / arXiv ids /
    normalised titles (`kind` is doi, arxiv or title)."""
    column = {"doi": Paper.doi, "arxiv": Paper.arxiv_id, "title": Paper.title_norm}[kind]
    found: list[tuple[str, str, str, int | None, str | None, int | None]] = []
    for chunk in chunks(sorted(set(values))):
        rows = session.execute(
            select(
                Paper.citekey,
                Paper.citekey_lower,
                column,
                Paper.year,
                Source.path,
                Paper.source_line,
            )
            .outerjoin(Source, Paper.source_id == Source.id)
            .where(column.in_(chunk))
        )
        found.extend((r[0], r[1], r[2] or "", r[3], r[4], r[5]) for r in rows)
    return found


def keys_from_source(session: Session, source_id: int) -> list[tuple[int, str]]:
    return [
        (paper_id, lower)
        for paper_id, lower in session.execute(
            select(Paper.id, Paper.citekey_lower).where(Paper.source_id == source_id)
        )
    ]


def identities_from_source(
    session: Session, source_id: int
) -> list[tuple[str, str | None, str | None, str | None]]:
    """(citekey, DOI, arXiv id, normalised title) of each paper loaded from a source."""
    rows = session.execute(
        select(Paper.citekey, Paper.doi, Paper.arxiv_id, Paper.title_norm).where(
            Paper.source_id == source_id
        )
    )
    return [(key, doi, arxiv, title) for key, doi, arxiv, title in rows]


def has_papers(session: Session) -> bool:
    return session.execute(select(Paper.id).limit(1)).first() is not None


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
        value["fields"] = json.loads(value["fields"])
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


def replace_papers(session: Session, rows: list[dict[str, Any]]) -> None:
    """Overwrite changed papers (rows carry their `id`) and drop their BibTeX-derived children."""
    ids = [row["id"] for row in rows]
    for chunk in chunks(ids):
        session.execute(delete(Author).where(Author.paper_id.in_(chunk)))
        session.execute(
            delete(Alias).where(Alias.paper_id.in_(chunk), Alias.origin.in_(BIB_ALIAS_ORIGINS))
        )
    table = PAPERS
    for row in rows:
        values = {k: v for k, v in row.items() if k != "id"}
        session.execute(update(table).where(table.c.id == row["id"]).values(values))


def move_papers(session: Session, moves: list[dict[str, Any]]) -> None:
    """Record where unchanged entries now are: dicts of b_id, b_line, b_source."""
    if not moves:
        return
    table = PAPERS
    session.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(source_line=bindparam("b_line"), source_id=bindparam("b_source")),
        moves,
    )


def delete_papers(session: Session, ids: Sequence[int]) -> None:
    for chunk in chunks(ids):
        session.execute(delete(Paper).where(Paper.id.in_(chunk)))


def has_search_index(session: Session) -> bool:
    return search_index_tokenizer(session) is not None


def search_index_tokenizer(session: Session) -> str | None:
    """`trigram` or `unicode61` (the tokenizer of the FTS5 index), None without one."""
    if not _is_sqlite(session):
        return None
    found = session.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'papers_fts'")
    ).first()
    if found is None:
        return None
    return "trigram" if "trigram" in str(found[0]) else "unicode61"


def index_new_papers(session: Session, ids: Sequence[int]) -> None:
    """Add freshly inserted papers to the FTS5 index in bulk (updates use triggers)."""
    if not ids or not has_search_index(session):
        return
    session.execute(
        text(
            "INSERT INTO papers_fts(rowid, search_text) "
            "SELECT id, search_text FROM papers WHERE id BETWEEN :low AND :high"
        ),
        {"low": min(ids), "high": max(ids)},
    )


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
    first: tuple[type[Base], ...] = (Citation, Mention, Tag, Detached)
    then: tuple[type[Base], ...] = (TaxonomyNode, Alias, Author, Paper, Source, Setting)
    for model in first:
        session.execute(delete(model))
    session.execute(update(TaxonomyNode).values(parent_id=None))
    for model in then:
        session.execute(delete(model))
    session.flush()
