"""Query helpers over papers (db layer). They take a session and never commit."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.base import ExecutableOption

from survey.db.models import Alias, Paper
from survey.db.store import has_search_index
from survey.errors import SurveyError, UnknownKeyError
from survey.identifiers import identifier_of
from survey.textnorm import closest, normalize_title

SUGGESTIONS = 3


def find_paper(session: Session, key: str) -> Paper:
    """The paper with citekey or alias `key` (case-insensitive), DOI or arXiv id (in any
    of their usual forms), or whose title starts with `key`.

    Raises `UnknownKeyError` with the closest keys, or `SurveyError` when an alias or a
    title beginning names several papers.
    """
    wanted = key.strip().lower()
    paper = session.scalar(
        select(Paper).where(Paper.citekey_lower == wanted).options(*_paper_loads())
    )
    if paper is not None:
        return paper
    identified = papers_by_identifier(session, key)
    if identified is not None:
        if len(identified) == 1:
            return identified[0]
        if identified:
            keys = ", ".join(p.citekey for p in identified)
            raise SurveyError(f"{key!r} names several papers: {keys}", "use one of the citekeys")
    # No DISTINCT over papers: PostgreSQL cannot compare their JSON column.
    ids = sorted(set(session.scalars(select(Alias.paper_id).where(Alias.alias_lower == wanted))))
    by_alias = (
        session.scalars(
            select(Paper).where(Paper.id.in_(ids)).options(*_paper_loads()).order_by(Paper.citekey)
        ).all()
        if ids
        else []
    )
    if len(by_alias) == 1:
        return by_alias[0]
    if len(by_alias) > 1:
        keys = ", ".join(p.citekey for p in by_alias)
        raise SurveyError(f"alias {key!r} names several papers: {keys}", "use one of the citekeys")
    by_title = _papers_by_title_start(session, key)
    if len(by_title) == 1:
        return by_title[0]
    if len(by_title) > 1:
        keys = ", ".join(p.citekey for p in by_title[:SUGGESTIONS])
        more = f" and {len(by_title) - SUGGESTIONS} more" if len(by_title) > SUGGESTIONS else ""
        raise SurveyError(
            f"{key!r} begins the titles of several papers: {keys}{more}",
            "give more of the title, or a citekey",
        )
    if count_papers(session) == 0:
        raise SurveyError(
            f"no paper with key or alias {key!r}: the database is empty",
            "load a bibliography first: survey load FILE.bib",
        )
    raise UnknownKeyError(key, suggest_keys(session, key))


def papers_by_identifier(session: Session, text: str) -> list[Paper] | None:
    """Papers with the DOI or arXiv id `text` names (its usual forms: `10.x/y`, `doi:`,
    a doi.org URL, `arXiv:1504.07889v2`, an arXiv URL); None when `text` is neither."""
    identifier = identifier_of(text)
    if identifier is None:
        return None
    kind, value = identifier
    if kind == "doi":
        condition = func.lower(Paper.doi) == value
    else:
        condition = or_(Paper.arxiv_id == value, func.lower(Paper.doi) == f"10.48550/arxiv.{value}")
    return list(
        session.scalars(
            select(Paper).where(condition).options(*_paper_loads()).order_by(Paper.citekey)
        ).all()
    )


# A title beginning shorter than this is too unspecific to name a paper.
TITLE_START_MIN_CHARS = 8


def _papers_by_title_start(session: Session, text: str) -> list[Paper]:
    start = normalize_title(text)
    if len(start) < TITLE_START_MIN_CHARS:
        return []
    pattern = _escape_like(start) + "%"
    return list(
        session.scalars(
            select(Paper)
            .where(Paper.title_norm.like(pattern, escape="\\"))
            .options(*_paper_loads())
            .order_by(Paper.year, Paper.citekey)
            .limit(50)
        ).all()
    )


def find_paper_id(session: Session, key: str) -> tuple[int, str]:
    """(id, citekey) of the paper with citekey or alias `key`: one query in the common case."""
    row = session.execute(
        select(Paper.id, Paper.citekey).where(Paper.citekey_lower == key.strip().lower())
    ).first()
    if row is not None:
        return row[0], row[1]
    paper = find_paper(session, key)
    return paper.id, paper.citekey


def _paper_loads() -> tuple[ExecutableOption, ...]:
    return (selectinload(Paper.authors), selectinload(Paper.aliases), selectinload(Paper.source))


def suggest_keys(session: Session, key: str, limit: int = SUGGESTIONS) -> list[str]:
    """The citekeys and aliases closest to `key`, best first."""
    names = list(session.scalars(select(Paper.citekey)))
    names.extend(session.scalars(select(Alias.alias)))
    if not names:
        return []
    return closest(key, names, limit=limit)


def search_papers(session: Session, query: str, limit: int = 50) -> Sequence[Paper]:
    """Papers whose title, authors, venue, key or short name have words starting with every
    word of `query` (case, accents and punctuation ignored).

    SQLite uses its FTS5 index (ranked by relevance); other databases, or SQLite without
    FTS5, use a portable `LIKE '% word%'` over the same normalised text.
    """
    identified = papers_by_identifier(session, query)
    if identified:
        return identified[:limit]
    words = normalize_title(query).split()
    if not words:
        raise SurveyError("the search text has no words", "e.g. survey query search bilinear")
    if has_search_index(session):
        match = " AND ".join('"' + w.replace('"', '""') + '"*' for w in words)
        ids = [
            row[0]
            for row in session.execute(
                text(
                    "SELECT rowid FROM papers_fts WHERE papers_fts MATCH :match "
                    "ORDER BY rank, rowid LIMIT :limit"
                ),
                {"match": match, "limit": limit},
            )
        ]
        if not ids:
            return []
        found = {
            p.id: p
            for p in session.scalars(
                select(Paper).where(Paper.id.in_(ids)).options(*_paper_loads())
            )
        }
        return [found[i] for i in ids if i in found]
    conditions = [Paper.search_text.like(f"% {_escape_like(w)}%", escape="\\") for w in words]
    return session.scalars(
        select(Paper)
        .where(and_(*conditions))
        .options(*_paper_loads())
        .order_by(Paper.year.desc(), Paper.citekey)
        .limit(limit)
    ).all()


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def count_papers(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Paper)) or 0


def year_range(session: Session) -> tuple[int | None, int | None]:
    row = session.execute(select(func.min(Paper.year), func.max(Paper.year))).one()
    return row[0], row[1]


__all__ = ["count_papers", "find_paper", "search_papers", "suggest_keys", "year_range"]
