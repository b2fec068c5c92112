"""Reads of the OpenAlex tables and of the papers they point at (database layer)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from survey.db.models import OpenAlexMatch, OpenAlexReference, OpenAlexWork, Paper
from survey.db.store import chunks


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


# -- what `survey enrich` reads and writes ------------------------------------------------

# One stored match: paper id, work id (None: no work found), method, score, DOI suggestion.
MatchRow = tuple[int, str | None, str, float, str | None]


def matched_paper_ids(session: Session) -> set[int]:
    """Papers `survey enrich` has looked up (found or not)."""
    return set(session.scalars(select(OpenAlexMatch.paper_id)))


def stored_work_titles(session: Session) -> dict[str, str | None]:
    """Every stored work's title (None: OpenAlex answered nothing for its id), by id."""
    return {w: title for w, title in session.execute(select(OpenAlexWork.id, OpenAlexWork.title))}


def referenced_works(
    session: Session, work_ids: Sequence[str] | None = None
) -> list[tuple[str, list[str]]]:
    """(work id, its referenced works) for these works (for every matched work without
    `work_ids`), by work id."""
    query = select(OpenAlexWork.id, OpenAlexWork.referenced_works).order_by(OpenAlexWork.id)
    if work_ids is None:
        query = query.where(OpenAlexWork.id.in_(select(OpenAlexMatch.work_id)))
        return [(w, list(refs or [])) for w, refs in session.execute(query)]
    found: list[tuple[str, list[str]]] = []
    for chunk in chunks(list(work_ids)):
        rows = session.execute(query.where(OpenAlexWork.id.in_(chunk)))
        found += [(w, list(refs or [])) for w, refs in rows]
    return sorted(found)


def replace_matches(session: Session, paper_ids: Sequence[int], rows: Sequence[MatchRow]) -> None:
    """Drop the stored matches of `paper_ids` and store `rows` (papers since removed by
    another command are left out)."""
    alive = set(session.scalars(select(Paper.id)))
    for chunk in chunks(list(paper_ids)):
        session.execute(delete(OpenAlexMatch).where(OpenAlexMatch.paper_id.in_(chunk)))
    for paper_id, work_id, method, score, suggestion in rows:
        if paper_id in alive:
            session.add(
                OpenAlexMatch(
                    paper_id=paper_id,
                    work_id=work_id,
                    method=method,
                    score=score,
                    doi_suggestion=suggestion,
                )
            )
    session.flush()


def upsert_works(session: Session, rows: Sequence[dict[str, object]]) -> None:
    """Insert or update works given as column values (`id` and the metadata columns)."""
    existing = works(session, [str(w["id"]) for w in rows])
    for values in rows:
        work_id = str(values["id"])
        row = existing.get(work_id)
        if row is None:
            row = existing[work_id] = OpenAlexWork(id=work_id)
            session.add(row)
        for column, value in values.items():
            if column != "id":
                setattr(row, column, value)
    session.flush()


def replace_references(session: Session, pairs: Sequence[tuple[int, str]]) -> None:
    """The external references are exactly `pairs` of (paper id, work id)."""
    session.execute(delete(OpenAlexReference))
    rows = [{"paper_id": p, "work_id": w} for p, w in sorted(pairs)]
    if rows:
        session.execute(insert(OpenAlexReference), rows)


def delete_works(session: Session, ids: Sequence[str]) -> None:
    for chunk in chunks(sorted(ids)):
        session.execute(delete(OpenAlexWork).where(OpenAlexWork.id.in_(chunk)))
    session.flush()
