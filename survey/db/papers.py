"""Reads of papers for the analyses and the exports (database layer): brief details,
the citation graph of a set of papers, sections, authors, short names, placements.

Each function runs one query (or one per chunk of ids) and returns plain rows or dicts;
nothing here computes on the graph.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from survey.db.models import Author, Citation, Paper, Tag, TaxonomyNode
from survey.db.store import chunks
from survey.shapes import AuthorName, Brief
from survey.vocab import AliasOrigin

# Rows fetched from the driver at a time by the streaming reads.
_ROW_BATCH = 65536


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


GraphPaper = tuple[int, str, int | None]  # id, citekey, year
GraphEdge = tuple[int, int, str]  # citing id, cited id, relation


def graph_rows(
    session: Session, ids: Collection[int] | None = None
) -> tuple[list[GraphPaper], list[GraphEdge]]:
    """The papers `ids` (default: every paper), by id, and the citations among them in
    the order they were stored; only these papers' rows and citations are read."""
    paper_query = select(Paper.id, Paper.citekey, Paper.year).order_by(Paper.id)
    edge_query = select(Citation.id, Citation.citing_id, Citation.cited_id, Citation.relation)
    papers: list[GraphPaper] = []
    found: list[tuple[int, int, int, str]] = []
    if ids is None:
        papers.extend((i, key, year) for i, key, year in session.execute(paper_query))
        found.extend(
            (i, a, b, r) for i, a, b, r in session.execute(edge_query.order_by(Citation.id))
        )
    else:
        wanted = set(ids)
        for chunk in chunks(sorted(wanted)):
            chosen = session.execute(paper_query.where(Paper.id.in_(chunk)))
            papers.extend((i, key, year) for i, key, year in chosen)
            citing = session.execute(edge_query.where(Citation.citing_id.in_(chunk)))
            found.extend((i, a, b, r) for i, a, b, r in citing if b in wanted)
        papers.sort()
        found.sort()
    return papers, [(a, b, r) for _, a, b, r in found]


def placements(session: Session) -> list[tuple[str, str, int | None]]:
    """(section path, citekey, year) of every tag."""
    rows = session.execute(
        select(TaxonomyNode.path, Paper.citekey, Paper.year)
        .join(Tag, Tag.node_id == TaxonomyNode.id)
        .join(Paper, Tag.paper_id == Paper.id)
    )
    return [(path, key, year) for path, key, year in rows]


def section_labels(session: Session) -> dict[str, str]:
    """Every section's label, by path."""
    return {
        path: label
        for path, label in session.execute(select(TaxonomyNode.path, TaxonomyNode.label))
    }


def venue_years(session: Session) -> list[tuple[str, int | None]]:
    """(venue, '' when none; year) of every paper."""
    return [(venue or "", year) for venue, year in session.execute(select(Paper.venue, Paper.year))]


def sections_by_paper(session: Session) -> dict[int, list[tuple[str, str, str, str]]]:
    """Every paper's (section path, label, provenance, annotation) tags, by paper id."""
    found: dict[int, list[tuple[str, str, str, str]]] = {}
    for paper_id, path, label, provenance, annotation in session.execute(
        select(
            Tag.paper_id, TaxonomyNode.path, TaxonomyNode.label, Tag.provenance, Tag.annotation
        ).join(TaxonomyNode, Tag.node_id == TaxonomyNode.id)
    ):
        found.setdefault(paper_id, []).append((path, label, provenance, annotation))
    return found


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


def citation_rows(session: Session) -> Iterator[tuple[int, int]]:
    """(citing id, cited id) of every citation row, unordered, a pair listed twice when
    two rows hold it: for graphs of millions of citations, read through the driver's
    own cursor in batches (no ORM rows, no list of them)."""
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute("SELECT citing_id, cited_id FROM citations")
        while batch := cursor.fetchmany(_ROW_BATCH):
            yield from batch
    finally:
        cursor.close()


def paper_keys(session: Session) -> list[tuple[int, str]]:
    """(id, citekey) of every paper (unordered: callers sort by key in Python, the same
    order on every database)."""
    return [(i, key) for i, key in session.execute(select(Paper.id, Paper.citekey))]


def paper_texts(session: Session, ids: Collection[int]) -> dict[int, str]:
    """Title and abstract of these papers as one text, by id."""
    found: dict[int, str] = {}
    query = select(Paper.id, Paper.title, Paper.abstract)
    for chunk in chunks(sorted(ids)):
        for paper_id, title, abstract in session.execute(query.where(Paper.id.in_(chunk))):
            found[paper_id] = f"{title or ''}\n{abstract or ''}"
    return found


def section_paths(session: Session) -> list[tuple[int, str]]:
    """(paper id, section path) of every tag, each pair once, sorted in Python (the same
    order on every database)."""
    rows = session.execute(
        select(Tag.paper_id, TaxonomyNode.path)
        .join(TaxonomyNode, Tag.node_id == TaxonomyNode.id)
        .distinct()
    )
    return sorted((paper_id, path) for paper_id, path in rows)
