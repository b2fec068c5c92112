"""Reads of the OpenAlex tables and of the papers they point at (database layer)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.db.models import OpenAlexMatch, OpenAlexReference, OpenAlexWork, Paper
from survey.db.store import chunks


def citekeys_by_id(session: Session) -> dict[int, str]:
    """Every paper's citekey, by paper id."""
    return {paper_id: key for paper_id, key in session.execute(select(Paper.id, Paper.citekey))}


def taken_citekeys(session: Session) -> set[str]:
    """Every citekey in the knowledge base, lower-cased."""
    return {key.lower() for key in session.scalars(select(Paper.citekey))}


def external_references(session: Session) -> list[tuple[int, str]]:
    """(paper id, work id) for each work outside the survey that a paper references."""
    rows = session.execute(
        select(OpenAlexReference.paper_id, OpenAlexReference.work_id).order_by(
            OpenAlexReference.paper_id, OpenAlexReference.work_id
        )
    )
    return [(paper_id, work_id) for paper_id, work_id in rows]


def works(session: Session, ids: Sequence[str] | None = None) -> dict[str, OpenAlexWork]:
    """The stored works with these ids (every stored work without `ids`), by id."""
    if ids is None:
        return {w.id: w for w in session.scalars(select(OpenAlexWork))}
    found: dict[str, OpenAlexWork] = {}
    for chunk in chunks(list(ids)):
        for work in session.scalars(select(OpenAlexWork).where(OpenAlexWork.id.in_(chunk))):
            found[work.id] = work
    return found


def matched_works(session: Session) -> list[tuple[int, str]]:
    """(paper id, work id) for each paper matched to an OpenAlex work."""
    rows = session.execute(
        select(OpenAlexMatch.paper_id, OpenAlexMatch.work_id)
        .where(OpenAlexMatch.work_id.is_not(None))
        .order_by(OpenAlexMatch.paper_id)
    )
    return [(paper_id, work_id) for paper_id, work_id in rows if work_id is not None]


def matches_with_references(
    session: Session,
) -> list[tuple[int, str | None, str, float, str | None, list[str] | None]]:
    """Each paper's OpenAlex match: paper id, work id, method, score, DOI suggestion and
    the work's referenced works."""
    rows = session.execute(
        select(
            OpenAlexMatch.paper_id,
            OpenAlexMatch.work_id,
            OpenAlexMatch.method,
            OpenAlexMatch.score,
            OpenAlexMatch.doi_suggestion,
            OpenAlexWork.referenced_works,
        )
        .join(OpenAlexWork, OpenAlexMatch.work_id == OpenAlexWork.id)
        .order_by(OpenAlexMatch.paper_id)
    )
    return [(a, b, c, d, e, f) for a, b, c, d, e, f in rows]
