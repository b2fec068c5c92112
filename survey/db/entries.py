"""Papers as the BibTeX export writes them (db layer; takes a session, never commits):
plain rows read one chunk of ids at a time, so an export of any size holds one chunk of
papers in memory, never an ORM object per paper.

`citekey_order` gives the papers in the order the export writes them; the other reads
take a chunk of their ids (at most CHUNK, one `IN (...)` list). The statements run on the
session's connection as Core statements: rows come back as tuples, without the ORM's
result processing (a million edges' worth of it is seconds).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.db.bulk import AUTHORS, IN_CHUNK, PAPERS
from survey.db.citations import CITATIONS
from survey.shapes import AuthorName

# Papers per read: one `IN (...)` list.
CHUNK = IN_CHUNK


class EntryRow(NamedTuple):
    """What an entry is written from: the paper's columns, its `fields`, and the source
    text of the fields kept in columns, in the entry's order (None for a paper loaded
    before revision 0013: then its `raw` is read; see entry_texts)."""

    id: int
    citekey: str
    entry_type: str
    title: str | None
    year: int | None
    doi: str | None
    fields: dict[str, str]
    source_fields: dict[str, str | None] | None


def citekey_order(session: Session, ids: Collection[int] | None = None) -> list[tuple[str, int]]:
    """(citekey, id) of every paper (or of those in `ids`), by citekey as Python orders
    strings (code points): the same on every backend, whatever its collation."""
    rows = session.connection().execute(select(PAPERS.c.citekey, PAPERS.c.id)).all()
    wanted = None if ids is None else set(ids)
    return sorted((key, i) for key, i in rows if wanted is None or i in wanted)


_ENTRY_COLUMNS = tuple(PAPERS.c[name] for name in EntryRow._fields)


def entry_rows(session: Session, ids: Sequence[int]) -> list[EntryRow]:
    """The papers with these ids (one chunk), in the order of `ids`."""
    found = {
        row[0]: EntryRow(*row)
        for row in session.connection().execute(select(*_ENTRY_COLUMNS).where(PAPERS.c.id.in_(ids)))
    }
    return [found[paper_id] for paper_id in ids]


def entry_texts(session: Session, ids: Collection[int]) -> dict[int, str]:
    """The stored entry text (`raw`) of these papers, by id."""
    if not ids:
        return {}
    rows = session.connection().execute(
        select(PAPERS.c.id, PAPERS.c.raw).where(PAPERS.c.id.in_(ids))
    )
    return {paper_id: raw for paper_id, raw in rows}


def authors_of(session: Session, ids: Collection[int]) -> dict[int, list[AuthorName]]:
    """These papers' authors in order, by id (a paper without authors is left out)."""
    found: dict[int, list[AuthorName]] = {}
    if not ids:
        return found
    authors = AUTHORS.c
    rows = session.connection().execute(
        select(authors.paper_id, authors.family, authors.given, authors.von, authors.suffix)
        .where(authors.paper_id.in_(ids))
        .order_by(authors.paper_id, authors.position)
    )
    for paper_id, family, given, von, suffix in rows:
        found.setdefault(paper_id, []).append(
            {"family": family, "given": given, "von": von, "suffix": suffix}
        )
    return found


def cited_by(session: Session, citing_ids: Collection[int]) -> dict[int, list[int]]:
    """The ids each of these papers cites, one per stored edge (a pair linked by two
    origins is there twice), by citing id."""
    found: dict[int, list[int]] = {}
    edges = CITATIONS.c
    rows = (
        session.connection()
        .execute(select(edges.citing_id, edges.cited_id).where(edges.citing_id.in_(citing_ids)))
        .all()
    )
    for citing_id, cited_id in rows:
        found.setdefault(citing_id, []).append(cited_id)
    return found
