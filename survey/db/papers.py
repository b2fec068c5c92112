"""Papers in the database (db layer; takes a session, never commits): finding one by
key, short name, identifier or title; the search and its FTS5 index; the whole-table
reads the analyses, exports and checks index in dicts; the loader's reads and writes of
changed papers (its bulk inserts are in survey.db.bulk).

Each read runs one query (or one per chunk of ids) and returns plain rows, so no caller
queries inside a loop over papers. `survey query show`'s record is read by
survey.db.papers_light, which must not import SQLAlchemy.
"""

from __future__ import annotations

import hashlib
import marshal
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, or_, select, text, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.base import ExecutableOption

from survey.db.bulk import PAPERS, chunks
from survey.db.models import Alias, Author, Paper, Source
from survey.errors import SurveyError, UnknownKeyError
from survey.identifiers import identifier_of
from survey.shapes import AuthorName, Brief, LoadedPaper
from survey.textnorm import closest, normalize_name, normalize_title
from survey.vocab import AliasOrigin

# Aliases that come from the BibTeX entry itself and are replaced when it changes.
BIB_ALIAS_ORIGINS = tuple(origin.value for origin in AliasOrigin)


# -- finding one paper -----------------------------------------------------------------

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


def count_papers(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Paper)) or 0


def year_range(session: Session) -> tuple[int | None, int | None]:
    row = session.execute(select(func.min(Paper.year), func.max(Paper.year))).one()
    return row[0], row[1]


# -- search and its index --------------------------------------------------------------

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


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


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


# -- whole-table reads -----------------------------------------------------------------

# Rows a streamed read fetches at a time.
_STREAM_BATCH = 2000


def short_name_sql(paper_id: str) -> str:
    """SQL for the short name of the paper whose id is the expression `paper_id`: its
    alias of the most preferred origin (the order of `AliasOrigin`), the alphabetically
    first among equals; '' when it has none."""
    ranks = " ".join(f"WHEN '{origin.value}' THEN {i}" for i, origin in enumerate(AliasOrigin))
    return (
        f"COALESCE((SELECT a.alias FROM aliases a WHERE a.paper_id = {paper_id}"
        f" ORDER BY CASE a.origin {ranks} ELSE {len(AliasOrigin)} END, a.alias LIMIT 1), '')"
    )


_BRIEF_SQL = text(
    f"SELECT p.id, p.citekey, p.year, COALESCE(p.title, ''), {short_name_sql('p.id')}"
    " FROM papers p WHERE p.id IN :ids"
).bindparams(bindparam("ids", expanding=True))


def briefs(session: Session, ids: Collection[int]) -> dict[int, Brief]:
    """Key, year, short name and title of these papers, by id."""
    found: dict[int, Brief] = {}
    for chunk in chunks(sorted(ids)):
        for paper_id, key, year, title, short in session.execute(_BRIEF_SQL, {"ids": chunk}):
            found[paper_id] = {"key": key, "year": year, "short": short, "title": title}
    return found


def paper_texts(session: Session, ids: Collection[int]) -> dict[int, str]:
    """Title and abstract of these papers as one text, by id."""
    found: dict[int, str] = {}
    query = select(Paper.id, Paper.title, Paper.abstract)
    for chunk in chunks(sorted(ids)):
        for paper_id, title, abstract in session.execute(query.where(Paper.id.in_(chunk))):
            found[paper_id] = f"{title or ''}\n{abstract or ''}"
    return found


def venue_years(session: Session) -> list[tuple[str, int | None]]:
    """(venue, '' when none; year) of every paper."""
    return [(venue or "", year) for venue, year in session.execute(select(Paper.venue, Paper.year))]


def authors_by_paper(session: Session) -> dict[int, list[AuthorName]]:
    """Every paper's authors in order (family, given, von, suffix), by paper id."""
    found: dict[int, list[AuthorName]] = {}
    for paper_id, family, given, von, suffix in session.execute(
        select(Author.paper_id, Author.family, Author.given, Author.von, Author.suffix).order_by(
            Author.paper_id, Author.position
        )
    ):
        found.setdefault(paper_id, []).append(
            {"family": family, "given": given, "von": von, "suffix": suffix}
        )
    return found


_SHORT_NAMES_SQL = f"SELECT p.id, {short_name_sql('p.id')} FROM papers p"


def short_names(session: Session) -> dict[int, str]:
    """Every paper's short name ('' when it has none), by paper id."""
    return {paper_id: short for paper_id, short in session.execute(text(_SHORT_NAMES_SQL))}


def papers_by_citekey(session: Session) -> list[Paper]:
    """Every paper, by citekey."""
    return list(session.scalars(select(Paper).order_by(Paper.citekey)))


def author_families(session: Session) -> dict[int, list[str]]:
    """Every paper's author family names in author order, by paper id."""
    families: dict[int, list[str]] = {}
    rows = session.execute(
        select(Author.paper_id, Author.family).order_by(Author.paper_id, Author.position)
    )
    for paper_id, family in rows:
        families.setdefault(paper_id, []).append(family)
    return families


def papers_with_source(session: Session) -> list[tuple[Paper, str | None]]:
    """Every paper with the path of the file it came from, by citekey."""
    rows = session.execute(
        select(Paper, Source.path)
        .outerjoin(Source, Paper.source_id == Source.id)
        .order_by(Paper.citekey)
    ).all()
    return [(paper, path) for paper, path in rows]


def papers_to_check(session: Session) -> Iterator[tuple[Any, ...]]:
    """Every paper as plain values, by citekey, streamed in batches: id, citekey, entry
    type, title, year, venue, DOI, arXiv id, the path of the file it came from, its line
    there, its stored fields and its BibTeX as written."""
    query = (
        select(
            Paper.id,
            Paper.citekey,
            Paper.entry_type,
            Paper.title,
            Paper.year,
            Paper.venue,
            Paper.doi,
            Paper.arxiv_id,
            Source.path,
            Paper.source_line,
            Paper.fields,
            Paper.raw,
        )
        .outerjoin(Source, Paper.source_id == Source.id)
        .order_by(Paper.citekey)
    )
    for row in session.execute(query, execution_options={"yield_per": _STREAM_BATCH}):
        yield tuple(row)


def alias_names(session: Session) -> list[str]:
    """Every alias as written."""
    return list(session.scalars(select(Alias.alias)))


def citekeys_by_id(session: Session) -> dict[int, str]:
    """Every paper's citekey, by paper id."""
    return {paper_id: key for paper_id, key in session.execute(select(Paper.id, Paper.citekey))}


def taken_citekeys(session: Session) -> set[str]:
    """Every citekey in the knowledge base, lower-cased."""
    return {key.lower() for key in session.scalars(select(Paper.citekey))}


def paper_identities(
    session: Session,
) -> list[tuple[int, str, str | None, int | None, str | None, str | None]]:
    """(id, citekey, title, year, doi, arXiv id) of every paper, by citekey."""
    rows = session.execute(
        select(
            Paper.id, Paper.citekey, Paper.title, Paper.year, Paper.doi, Paper.arxiv_id
        ).order_by(Paper.citekey)
    )
    return [(a, b, c, d, e, f) for a, b, c, d, e, f in rows]


def paper_years(session: Session) -> dict[int, int | None]:
    return {paper_id: year for paper_id, year in session.execute(select(Paper.id, Paper.year))}


@dataclass(frozen=True, slots=True)
class PaperFacts:
    """What mention resolution needs of a paper, fetched in bulk."""

    paper_id: int
    citekey: str
    title_norm: str
    year: int | None
    venue_norm: str
    has_arxiv: bool
    aliases: tuple[str, ...]
    families: frozenset[str]
    doi: str | None = None
    arxiv_id: str | None = None


@dataclass(frozen=True, slots=True)
class PaperRows:
    """Every paper's stored values that mention resolution reads, as the driver gives
    them: what `paper_facts` makes facts of and `paper_digests` digests."""

    # (id, citekey, year, title_norm, venue, arxiv_id, doi), by id
    papers: list[tuple[Any, ...]]
    # (paper id, alias), in the order stored
    aliases: list[tuple[int, str]]
    # (paper id, family name), by paper and author position
    families: list[tuple[int, str]]


def paper_rows(session: Session) -> PaperRows:
    """Three queries through the driver's own cursor (10^5 papers: no SQLAlchemy row
    each)."""
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(
            "SELECT id, citekey, year, title_norm, venue, arxiv_id, doi FROM papers ORDER BY id"
        )
        papers = [tuple(row) for row in cursor.fetchall()]
        cursor.execute("SELECT paper_id, alias FROM aliases ORDER BY id")
        aliases = [(paper_id, alias) for paper_id, alias in cursor.fetchall()]
        cursor.execute("SELECT paper_id, family FROM authors ORDER BY paper_id, position")
        families = [(paper_id, family) for paper_id, family in cursor.fetchall()]
    finally:
        cursor.close()
    return PaperRows(papers, aliases, families)


def paper_facts(session: Session, rows: PaperRows | None = None) -> list[PaperFacts]:
    """Every paper as the resolver needs it (from `rows` when already read), by id."""
    rows = rows or paper_rows(session)
    # Family names and venues repeat across papers: each distinct one is normalised once.
    normalized: dict[str, str] = {}

    def norm(text: str) -> str:
        found = normalized.get(text)
        if found is None:
            found = normalized[text] = normalize_title(text)
        return found

    aliases: dict[int, list[str]] = {}
    for paper_id, alias in rows.aliases:
        aliases.setdefault(paper_id, []).append(normalize_name(alias))
    families: dict[int, set[str]] = {}
    for paper_id, family in rows.families:
        families.setdefault(paper_id, set()).update(norm(family).split())
    return [
        PaperFacts(
            paper_id=paper_id,
            citekey=key,
            title_norm=title_norm or "",
            year=year,
            venue_norm=norm(venue or ""),
            has_arxiv=arxiv_id is not None,
            aliases=tuple(aliases.get(paper_id, ())),
            families=frozenset(families.get(paper_id, ())),
            doi=doi,
            arxiv_id=arxiv_id,
        )
        for paper_id, key, year, title_norm, venue, arxiv_id, doi in rows.papers
    ]


@dataclass(frozen=True, slots=True)
class PaperDigests:
    """Digests of the stored papers, to tell cheaply whether anything a build derives
    from them changed: `names` covers what names a paper at an edge's end (id, citekey,
    year, aliases), `facts` all that `paper_facts` reads."""

    names: str
    facts: str


def paper_digests(rows: PaperRows) -> PaperDigests:
    """The digests of the papers' stored values as they are (nothing is normalised:
    `paper_facts` derives the rest from them)."""
    # Aliases sorted: a changed entry's aliases are stored again, after everyone else's.
    aliases = sorted(rows.aliases)
    names = _serialized(([tuple(row[:3]) for row in rows.papers], aliases))
    facts = _serialized(([tuple(row) for row in rows.papers], aliases, rows.families))
    return PaperDigests(hashlib.sha256(names).hexdigest(), hashlib.sha256(facts).hexdigest())


def _serialized(value: tuple[list[Any], ...]) -> bytes:
    """`value` (lists and tuples of ints, strings and None) as bytes: marshal's version 2,
    which writes every object out (no references, so equal values give equal bytes) ten
    times faster than repr; repr for anything it cannot write."""
    try:
        return marshal.dumps(value, 2)
    except ValueError:
        return repr(value).encode()


# -- the loader's reads and writes -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredPaper:
    id: int
    citekey: str
    content_hash: str
    source_path: str | None
    source_line: int | None
    source_id: int | None = None
    source_location: str | None = None


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


def loaded_paper_record(paper: Paper) -> LoadedPaper:
    """A paper already loaded through the ORM as plain data, for search's JSON and CSV:
    the fields of `read_paper_record` before its sections (tests/cli/test_startup.py checks
    that the two agree)."""
    return {
        "citekey": paper.citekey,
        "entry_type": paper.entry_type,
        "title": paper.title,
        "authors": [
            {"family": a.family, "given": a.given, "von": a.von, "suffix": a.suffix}
            for a in paper.authors
        ],
        "more_authors": paper.more_authors,
        "year": paper.year,
        "venue": paper.venue,
        "doi": paper.doi,
        "arxiv_id": paper.arxiv_id,
        "aliases": sorted(a.alias for a in paper.aliases),
        "abstract": paper.abstract,
        "fields": dict(sorted(paper.fields.items())),
        "source": (
            {"file": paper.source.path, "line": paper.source_line} if paper.source else None
        ),
    }
