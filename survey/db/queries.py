"""Query helpers over papers (db layer). They take a session and never commit."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.base import ExecutableOption

from survey.db.models import Alias, Paper
from survey.db.store import search_index_tokenizer
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


# Chinese, Japanese and Korean characters: text in these scripts has no spaces between
# words, so a CJK word of the query matches anywhere, not only at a word's start.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# The trigram index matches substrings of at least three characters.
_TRIGRAM = 3


def search_papers(session: Session, query: str, limit: int = 50) -> Sequence[Paper]:
    """Papers whose title, authors, venue, key or short name have words starting with every
    word of `query` (case, accents and punctuation ignored); a word in a CJK script matches
    anywhere in the text.

    SQLite uses its FTS5 index (ranked by relevance): with the trigram index (0011) the
    words of three characters or more select the candidates and the word-start rule is
    checked on them. Other databases, or SQLite without FTS5, use a portable
    `LIKE '% word%'` over the same normalised text.
    """
    identified = papers_by_identifier(session, query)
    if identified:
        return identified[:limit]
    words = normalize_title(query).split()
    if not words:
        raise SurveyError("the search text has no words", "e.g. survey query search bilinear")
    tokenizer = search_index_tokenizer(session)
    long_words = [w for w in words if len(w) >= _TRIGRAM]
    if tokenizer == "unicode61" or (tokenizer == "trigram" and long_words):
        if tokenizer == "trigram":
            match = " AND ".join(_fts_string(w) for w in long_words)
        else:
            match = " AND ".join(_fts_string(w) + "*" for w in words)
        ids = _ranked_matches(session, match, _word_patterns(words), limit)
        if not ids:
            return []
        found = {
            p.id: p
            for p in session.scalars(
                select(Paper).where(Paper.id.in_(ids)).options(*_paper_loads())
            )
        }
        return [found[i] for i in ids if i in found]
    conditions = [Paper.search_text.like(pattern, escape="\\") for pattern in _word_patterns(words)]
    return session.scalars(
        select(Paper)
        .where(and_(*conditions))
        .options(*_paper_loads())
        .order_by(Paper.year.desc(), Paper.citekey)
        .limit(limit)
    ).all()


def _fts_string(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _word_patterns(words: list[str]) -> list[str]:
    """A `LIKE` pattern per word: at a word's start, or anywhere for a CJK word."""
    return [f"%{_escape_like(w)}%" if _CJK.search(w) else f"% {_escape_like(w)}%" for w in words]


def _ranked_matches(session: Session, match: str, patterns: list[str], limit: int) -> list[int]:
    """Ids of the papers the FTS5 index matches and every pattern confirms, best first."""
    likes = "".join(
        f" AND papers.search_text LIKE :p{index} ESCAPE '\\'" for index in range(len(patterns))
    )
    rows = session.execute(
        text(
            "SELECT papers_fts.rowid FROM papers_fts JOIN papers ON papers.id = papers_fts.rowid "
            f"WHERE papers_fts MATCH :match{likes} ORDER BY papers_fts.rank, papers_fts.rowid "
            "LIMIT :limit"
        ),
        {"match": match, "limit": limit, **{f"p{i}": p for i, p in enumerate(patterns)}},
    )
    return [row[0] for row in rows]


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def count_papers(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Paper)) or 0


def year_range(session: Session) -> tuple[int | None, int | None]:
    row = session.execute(select(func.min(Paper.year), func.max(Paper.year))).one()
    return row[0], row[1]


__all__ = ["count_papers", "find_paper", "search_papers", "suggest_keys", "year_range"]
