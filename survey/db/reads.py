"""Whole-table reads for the integrity check, the report and the citation indexes'
matching (database layer).

Each function runs one query and returns plain rows; callers index them in dicts, so no
caller queries inside a loop over papers or sections.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.db.models import (
    Alias,
    Author,
    Paper,
    Source,
    Tag,
    TaxonomyNode,
)
from survey.vocab import SourceKind


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


def nodes_in_order(session: Session) -> list[TaxonomyNode]:
    """Every taxonomy node, by path."""
    return list(session.scalars(select(TaxonomyNode).order_by(TaxonomyNode.path)))


def tagged_node_ids(session: Session) -> set[int]:
    """The nodes holding at least one tag."""
    return set(session.scalars(select(Tag.node_id).distinct()))


def tagged_paper_ids(session: Session) -> set[int]:
    """The papers in at least one section."""
    return set(session.scalars(select(Tag.paper_id).distinct()))


def alias_names(session: Session) -> list[str]:
    """Every alias as written."""
    return list(session.scalars(select(Alias.alias)))


def citation_file_locations(session: Session) -> list[str]:
    """Where each loaded citations file was read from (its location, else its path)."""
    return list(
        session.scalars(
            select(func.coalesce(Source.location, Source.path))
            .where(Source.kind == SourceKind.CITATIONS)
            .order_by(func.coalesce(Source.location, Source.path))
        )
    )


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
