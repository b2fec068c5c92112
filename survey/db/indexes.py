"""The citation indexes' tables: works, each paper's match per index, and the external
works the papers cite (database layer)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from survey.db.bulk import chunks
from survey.db.models import IndexMatch, IndexReference, IndexWork, Paper

# One stored match: paper id, work id (None: no work found), method, score, DOI suggestion.
MatchRow = tuple[int, str | None, str, float, str | None]


def external_references(session: Session) -> list[tuple[int, str]]:
    """(paper id, work id) for each work outside the survey that a paper references."""
    rows = session.execute(
        select(IndexReference.paper_id, IndexReference.work_id).order_by(
            IndexReference.paper_id, IndexReference.work_id
        )
    )
    return [(paper_id, work_id) for paper_id, work_id in rows]


def works(session: Session, ids: Sequence[str] | None = None) -> dict[str, IndexWork]:
    """The stored works with these ids (every stored work without `ids`), by id."""
    if ids is None:
        return {w.id: w for w in session.scalars(select(IndexWork))}
    found: dict[str, IndexWork] = {}
    for chunk in chunks(list(ids)):
        for work in session.scalars(select(IndexWork).where(IndexWork.id.in_(chunk))):
            found[work.id] = work
    return found


def matched_works(session: Session, source: str | None = None) -> list[tuple[int, str]]:
    """(paper id, work id) for each paper matched to a work (of one index with `source`)."""
    query = select(IndexMatch.paper_id, IndexMatch.work_id).where(IndexMatch.work_id.is_not(None))
    if source is not None:
        query = query.where(IndexMatch.source == source)
    rows = session.execute(query.order_by(IndexMatch.paper_id, IndexMatch.source))
    return [(paper_id, work_id) for paper_id, work_id in rows if work_id is not None]


def matches_with_references(
    session: Session,
) -> list[tuple[int, str, str, str, float, str | None, list[str] | None]]:
    """Each paper's matches: paper id, index, work id, method, score, DOI suggestion and
    the work's referenced works (None: the index gave no reference list)."""
    rows = session.execute(
        select(
            IndexMatch.paper_id,
            IndexMatch.source,
            IndexMatch.work_id,
            IndexMatch.method,
            IndexMatch.score,
            IndexMatch.doi_suggestion,
            IndexWork.referenced_works,
        )
        .join(IndexWork, IndexMatch.work_id == IndexWork.id)
        .order_by(IndexMatch.paper_id, IndexMatch.source)
    )
    return [(a, b, str(c), d, e, f, g) for a, b, c, d, e, f, g in rows]


def matched_work_records(session: Session) -> list[tuple[int, str, IndexWork]]:
    """(paper id, index, work) for each paper's match to a work, by paper and index."""
    rows = session.execute(
        select(IndexMatch.paper_id, IndexMatch.source, IndexWork)
        .join(IndexWork, IndexMatch.work_id == IndexWork.id)
        .order_by(IndexMatch.paper_id, IndexMatch.source)
    )
    return [(paper_id, source, work) for paper_id, source, work in rows]


def coverage(session: Session) -> dict[str, tuple[int, int, int]]:
    """Per index: (papers asked, papers matched, external works the papers cite)."""
    counts: dict[str, list[int]] = {}
    for source, work_id in session.execute(select(IndexMatch.source, IndexMatch.work_id)):
        row = counts.setdefault(source, [0, 0, 0])
        row[0] += 1
        row[1] += work_id is not None
    cited = session.execute(
        select(IndexWork.source, IndexReference.work_id)
        .join(IndexWork, IndexWork.id == IndexReference.work_id)
        .distinct()
    )
    for source, _ in cited:
        counts.setdefault(source, [0, 0, 0])[2] += 1
    return {source: (a, m, e) for source, (a, m, e) in sorted(counts.items())}


def cited_by_counts(session: Session) -> dict[str, int]:
    """Each matched paper's global citation count (the highest any index reported), by
    citekey; papers no index matched or counted are left out."""
    rows = session.execute(
        select(Paper.citekey, func.max(IndexWork.cited_by_count))
        .join(IndexMatch, IndexMatch.paper_id == Paper.id)
        .join(IndexWork, IndexWork.id == IndexMatch.work_id)
        .where(IndexWork.cited_by_count.is_not(None))
        .group_by(Paper.citekey)
    )
    return {key: int(count) for key, count in rows if count is not None}


def matched_paper_ids(session: Session, source: str) -> set[int]:
    """Papers `survey enrich` has looked up in one index (found or not)."""
    return set(session.scalars(select(IndexMatch.paper_id).where(IndexMatch.source == source)))


def stored_work_titles(session: Session, source: str) -> dict[str, str | None]:
    """Every stored work of one index and its title (None: the index answered nothing
    for its id), by id."""
    rows = session.execute(select(IndexWork.id, IndexWork.title).where(IndexWork.source == source))
    return {w: title for w, title in rows}


def referenced_works(
    session: Session, source: str, work_ids: Sequence[str] | None = None
) -> list[tuple[str, list[str] | None]]:
    """(work id, its referenced works) for these works of one index (for every matched
    work of it without `work_ids`), by work id."""
    query = (
        select(IndexWork.id, IndexWork.referenced_works)
        .where(IndexWork.source == source)
        .order_by(IndexWork.id)
    )
    if work_ids is None:
        query = query.where(IndexWork.id.in_(select(IndexMatch.work_id)))
        return [(w, _refs(refs)) for w, refs in session.execute(query)]
    found: list[tuple[str, list[str] | None]] = []
    for chunk in chunks(list(work_ids)):
        rows = session.execute(query.where(IndexWork.id.in_(chunk)))
        found += [(w, _refs(refs)) for w, refs in rows]
    return sorted(found, key=lambda row: row[0])


def _refs(value: object) -> list[str] | None:
    return [str(v) for v in value] if isinstance(value, list) else None


def replace_matches(
    session: Session, source: str, paper_ids: Sequence[int], rows: Sequence[MatchRow]
) -> None:
    """Drop one index's stored matches of `paper_ids` and store `rows` (papers since
    removed by another command are left out)."""
    alive = set(session.scalars(select(Paper.id)))
    for chunk in chunks(list(paper_ids)):
        session.execute(
            delete(IndexMatch).where(IndexMatch.source == source, IndexMatch.paper_id.in_(chunk))
        )
    for paper_id, work_id, method, score, suggestion in rows:
        if paper_id in alive:
            session.add(
                IndexMatch(
                    paper_id=paper_id,
                    source=source,
                    work_id=work_id,
                    method=method,
                    score=score,
                    doi_suggestion=suggestion,
                )
            )
    session.flush()


def upsert_works(session: Session, rows: Sequence[dict[str, object]]) -> None:
    """Insert or update works given as column values (`id`, `source` and the metadata)."""
    existing = works(session, [str(w["id"]) for w in rows])
    for values in rows:
        work_id = str(values["id"])
        row = existing.get(work_id)
        if row is None:
            row = existing[work_id] = IndexWork(id=work_id)
            session.add(row)
        for column, value in values.items():
            if column != "id":
                setattr(row, column, value)
    session.flush()


def replace_references(session: Session, source: str, pairs: Sequence[tuple[int, str]]) -> None:
    """One index's external references are exactly `pairs` of (paper id, work id)."""
    ids = select(IndexWork.id).where(IndexWork.source == source)
    session.execute(delete(IndexReference).where(IndexReference.work_id.in_(ids)))
    rows = [{"paper_id": p, "work_id": w} for p, w in sorted(set(pairs))]
    if rows:
        session.execute(insert(IndexReference), rows)


def delete_works(session: Session, ids: Sequence[str]) -> None:
    for chunk in chunks(sorted(ids)):
        session.execute(delete(IndexWork).where(IndexWork.id.in_(chunk)))
    session.flush()
