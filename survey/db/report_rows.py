"""What the report reads of the papers, as plain rows (db layer; takes a session).

The exports read every paper whole (survey.export.collect: its BibTeX, abstract, fields
and authors); the report shows a paper's key, year, venue, title and short name, and
names it by its first author when it has no short name, so it reads only those: one
query, no ORM objects. Its citations come as ids (survey.db.citations'
`citation_details`), its sections from survey.db.taxonomy.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import and_, literal_column, select
from sqlalchemy.orm import Session

from survey.db.models import Author, Paper
from survey.db.papers import short_name_sql

# The fields that name where a paper appeared; a venue taken from `school`,
# `institution` or `publisher` (a thesis, a report, a book) is no venue to count.
PUBLISHED_IN = ("journal", "journaltitle", "booktitle")


class ReportPaperRow(NamedTuple):
    """A paper as the report shows it."""

    id: int
    key: str
    year: int | None
    title: str  # '' when it has none
    venue: str  # as the entry gives it, '' when none
    published_in: bool  # a journal, journaltitle or booktitle field that is not blank
    short: str  # its short name (survey.db.papers.short_name_sql), '' when none
    first_author: str | None  # the first author's family name, None without authors
    identified: bool  # it has a DOI or an arXiv id


def report_papers(session: Session) -> list[ReportPaperRow]:
    """Every paper as the report shows it, by id."""
    published = [Paper.fields[name].as_string() for name in PUBLISHED_IN]
    query = (
        select(
            Paper.id,
            Paper.citekey,
            Paper.year,
            Paper.title,
            Paper.venue,
            literal_column(short_name_sql("papers.id")),
            Author.family,
            Paper.doi,
            Paper.arxiv_id,
            *published,
        )
        .outerjoin(Author, and_(Author.paper_id == Paper.id, Author.position == 0))
        .order_by(Paper.id)
    )
    return [
        ReportPaperRow(
            paper_id,
            key,
            year,
            title or "",
            venue or "",
            any(value is not None and str(value).strip() for value in fields),
            short or "",
            family,
            bool(doi or arxiv_id),
        )
        for paper_id, key, year, title, venue, short, family, doi, arxiv_id, *fields in (
            session.execute(query)
        )
    ]
