"""The files the loader read, as it recorded them (db layer; takes a session, never
commits): each source's identity, kind, hash and size, and where it was read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.db.models import Citation, Paper, Source, TaxonomyNode
from survey.vocab import SourceKind


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


def citation_file_locations(session: Session) -> list[str]:
    """Where each loaded citations file was read from (its location, else its path)."""
    return list(
        session.scalars(
            select(func.coalesce(Source.location, Source.path))
            .where(Source.kind == SourceKind.CITATIONS)
            .order_by(func.coalesce(Source.location, Source.path))
        )
    )
