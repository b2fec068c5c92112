"""Mentions of the notes in the database: each bullet and the paper it resolved to, or
its best candidates (db layer; takes a session, never commits).

`MentionRow` is one mention as plain data: what a build reports as open, what
`survey mentions` lists and what the taxonomy tree shows under each section.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.orm import Session, selectinload

from survey.db.bulk import bulk_insert, chunks
from survey.db.models import Mention, Paper, Source, TaxonomyNode
from survey.vocab import ResolutionState

MENTIONS = cast(Table, Mention.__table__)


@dataclass(frozen=True, slots=True)
class MentionRow:
    """One mention of the notes: where it is, what it says, how it resolved. An open
    mention (ambiguous or unresolved) names no paper yet."""

    # The notes file holding it: read back from the database, as the survey names it
    # (relative to the survey's folder); in a build's report, the file the build read.
    file: str
    line: int
    section: str  # the path of its taxonomy section
    state: ResolutionState
    title: str  # what it names, as matched against the papers
    text: str = ""  # the bullet as written
    key: str | None = None  # the paper it resolved to
    method: str | None = None  # citation | key | alias | identifier | title
    score: float | None = None
    candidates: tuple[tuple[str, float], ...] = ()  # (citekey, score), as ranked
    location: str = ""  # where the notes file was read (absolute), when known


def mention_rows(session: Session, *, open_only: bool = False) -> list[MentionRow]:
    """Every mention (or only the open ones) with its section and notes file, in line
    order: one query."""
    query = (
        select(
            Mention.line,
            TaxonomyNode.path,
            Mention.status,
            Mention.title,
            Mention.text,
            Paper.citekey,
            Mention.method,
            Mention.score,
            Mention.candidates,
            Source.path,
            Source.location,
        )
        .join(TaxonomyNode, Mention.node_id == TaxonomyNode.id)
        .outerjoin(Source, TaxonomyNode.source_id == Source.id)
        .outerjoin(Paper, Mention.paper_id == Paper.id)
        .order_by(Mention.line, Mention.id)
    )
    if open_only:
        query = query.where(Mention.status != ResolutionState.RESOLVED)
    return [
        MentionRow(
            file=file or "",
            line=line,
            section=section,
            state=ResolutionState(status),
            title=title,
            text=text,
            key=key,
            method=method,
            score=score,
            candidates=_candidates(candidates),
            location=location or file or "",
        )
        for (
            line,
            section,
            status,
            title,
            text,
            key,
            method,
            score,
            candidates,
            file,
            location,
        ) in session.execute(query)
    ]


def _candidates(stored: list[dict[str, Any]] | None) -> tuple[tuple[str, float], ...]:
    """The stored candidates ([{"key": ..., "score": ...}, ...]) as (citekey, score) pairs."""
    return tuple((str(c.get("key")), float(str(c.get("score", 0)))) for c in stored or ())


def open_mentions(session: Session) -> list[Mention]:
    """Mentions that are not resolved, in the notes' order."""
    return list(
        session.scalars(
            select(Mention)
            .where(Mention.status != ResolutionState.RESOLVED)
            .options(selectinload(Mention.node))
            .order_by(Mention.line)
        )
    )


def mention_statuses(session: Session) -> dict[str, int]:
    """How many mentions are in each state (resolved, ambiguous, unresolved)."""
    rows = session.execute(select(Mention.status, func.count()).group_by(Mention.status))
    return {str(status): int(count) for status, count in rows}


def count_mentions(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Mention)) or 0)


# The columns a mention row sets (its id comes from the table), in insert order; the
# JSON ones are written as SQLAlchemy writes them (json.dumps).
MENTION_COLUMNS = (
    "node_id",
    "line",
    "text",
    "title",
    "annotation",
    "hints",
    "status",
    "method",
    "paper_id",
    "score",
    "candidates",
)
_JSON_COLUMNS = frozenset(("hints", "candidates"))


def insert_mentions(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert mention rows (column -> value) in their order, through the backend's bulk
    insert (executemany, COPY): 10^5 of them on a large survey."""
    session.flush()
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        session.execute(insert(Mention), list(rows))
        return
    json_at = [column in _JSON_COLUMNS for column in MENTION_COLUMNS]
    values = [
        tuple(
            json.dumps(row[column]) if is_json else row[column]
            for column, is_json in zip(MENTION_COLUMNS, json_at, strict=True)
        )
        for row in rows
    ]
    bulk_insert(session, MENTIONS, MENTION_COLUMNS, values, dialect=dialect)


def delete_section_mentions(session: Session, node_ids: Sequence[int]) -> None:
    """Drop the mentions of these taxonomy sections."""
    for chunk in chunks(node_ids):
        session.execute(delete(Mention).where(Mention.node_id.in_(chunk)))
