"""SQLAlchemy 2 typed models (db layer). The schema changes only through Alembic revisions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from survey.naming import person_name

# Named constraints keep SQLite batch migrations and PostgreSQL migrations stable.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Source(Base):
    """A loaded input file and the hash of its bytes, so an unchanged file is skipped.

    `path` is the file's identity: its path relative to the survey's survey.toml (a
    survey file), or its name (a file given to `survey load`), never the absolute path,
    so another checkout or a moved folder names the same source. `location` is the
    absolute path the file was last read from, for messages and for adopting moves.
    """

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(1024), unique=True)
    location: Mapped[str | None] = mapped_column(String(1024))
    kind: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    loaded_at: Mapped[datetime] = mapped_column(DateTime)


class Paper(Base):
    """One BibTeX entry."""

    __tablename__ = "papers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citekey: Mapped[str] = mapped_column(String(255), unique=True)
    # Keys are looked up ignoring case; the unique index also forbids `Lin2015` beside `lin2015`.
    citekey_lower: Mapped[str] = mapped_column(String(255), unique=True)
    entry_type: Mapped[str] = mapped_column(String(32))
    title: Mapped[str | None] = mapped_column(Text)
    title_norm: Mapped[str | None] = mapped_column(Text, index=True)
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    venue: Mapped[str | None] = mapped_column(Text)
    doi: Mapped[str | None] = mapped_column(String(255), index=True)
    arxiv_id: Mapped[str | None] = mapped_column(String(64), index=True)
    abstract: Mapped[str | None] = mapped_column(Text)
    more_authors: Mapped[bool] = mapped_column(Boolean, default=False)
    fields: Mapped[dict[str, str]] = mapped_column(JSON)
    raw: Mapped[str] = mapped_column(Text)
    # The entry's field names in its order, each with its text as written (`#` joined,
    # macros left as their names) when the value went to a column (title, author, year,
    # doi, abstract, shorthand), else null: `fields` holds it. The BibTeX export writes
    # the entry back from these and `fields` without parsing `raw`. {} for an entry of
    # RIS or CSL-JSON (no `raw`); NULL for one loaded before revision 0013.
    source_fields: Mapped[dict[str, str | None] | None] = mapped_column(JSON(none_as_null=True))
    # Lower-cased title, authors, venue and key: the portable search column (LIKE).
    search_text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("sources.id", ondelete="SET NULL"), index=True
    )
    source_line: Mapped[int | None] = mapped_column(Integer)

    authors: Mapped[list[Author]] = relationship(
        back_populates="paper", order_by="Author.position", cascade="all, delete-orphan"
    )
    aliases: Mapped[list[Alias]] = relationship(
        back_populates="paper", order_by="Alias.alias", cascade="all, delete-orphan"
    )
    source: Mapped[Source | None] = relationship()


class Author(Base):
    """A person in the author list of one paper, at a position (0-based)."""

    __tablename__ = "authors"
    __table_args__ = (UniqueConstraint("paper_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    family: Mapped[str] = mapped_column(String(255))
    given: Mapped[str] = mapped_column(String(255), default="")
    von: Mapped[str] = mapped_column(String(64), default="")
    suffix: Mapped[str] = mapped_column(String(64), default="")

    paper: Mapped[Paper] = relationship(back_populates="authors")

    @property
    def display(self) -> str:
        return person_name(self.family, self.given, self.von, self.suffix)


Index("ix_authors_family", Author.family)


class Alias(Base):
    """A short name a paper is called by (RA-CNN, B-CNN), with where it came from."""

    __tablename__ = "aliases"
    __table_args__ = (UniqueConstraint("paper_id", "alias_lower"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(255))
    alias_lower: Mapped[str] = mapped_column(String(255), index=True)
    # shorthand | title | notes | manifest
    origin: Mapped[str] = mapped_column(String(16))

    paper: Mapped[Paper] = relationship(back_populates="aliases")


class TaxonomyNode(Base):
    """One heading of the notes: a section of the survey's taxonomy."""

    __tablename__ = "taxonomy_nodes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Slug path from the top, e.g. fine-grained/localization-classification: stable across
    # rebuilds, so manual tags keep pointing at the same section.
    path: Mapped[str] = mapped_column(String(1024), unique=True)
    slug: Mapped[str] = mapped_column(String(255))
    label: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("taxonomy_nodes.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[int] = mapped_column(Integer)
    # Order among siblings (the notes' order; numbered headings by their number).
    position: Mapped[int] = mapped_column(Integer)
    number: Mapped[int | None] = mapped_column(Integer)
    # normal | empty | images-only | orphaned (gone from the notes, kept for manual tags)
    flag: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="")
    line: Mapped[int | None] = mapped_column(Integer)
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("sources.id", ondelete="SET NULL"), index=True
    )

    children: Mapped[list[TaxonomyNode]] = relationship(
        back_populates="parent", order_by="TaxonomyNode.position", cascade="all, delete-orphan"
    )
    parent: Mapped[TaxonomyNode | None] = relationship(
        back_populates="children", remote_side="TaxonomyNode.id"
    )


class Tag(Base):
    """A paper filed under a taxonomy node, and why: notes, curated or manual."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("paper_id", "node_id", "provenance"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), index=True)
    node_id: Mapped[int] = mapped_column(
        ForeignKey("taxonomy_nodes.id", ondelete="CASCADE"), index=True
    )
    # notes | curated | manual
    provenance: Mapped[str] = mapped_column(String(16))
    annotation: Mapped[str] = mapped_column(Text, default="")

    paper: Mapped[Paper] = relationship()
    node: Mapped[TaxonomyNode] = relationship()


class Mention(Base):
    """One bullet of the notes and what it was resolved to (or the best candidates)."""

    __tablename__ = "mentions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[int] = mapped_column(
        ForeignKey("taxonomy_nodes.id", ondelete="CASCADE"), index=True
    )
    line: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    annotation: Mapped[str] = mapped_column(Text, default="")
    hints: Mapped[list[str]] = mapped_column(JSON)
    # resolved | ambiguous | unresolved
    status: Mapped[str] = mapped_column(String(16))
    # citation | key | alias | identifier | title (how it was resolved)
    method: Mapped[str | None] = mapped_column(String(16))
    paper_id: Mapped[int | None] = mapped_column(
        ForeignKey("papers.id", ondelete="SET NULL"), index=True
    )
    score: Mapped[float | None] = mapped_column(Float)
    # The best candidates: [{"key": ..., "score": ...}, ...]
    candidates: Mapped[list[dict[str, object]]] = mapped_column(JSON)

    node: Mapped[TaxonomyNode] = relationship()
    paper: Mapped[Paper | None] = relationship()


class Citation(Base):
    """Citing paper -> cited paper, with where the edge came from and why it is believed."""

    __tablename__ = "citations"
    __table_args__ = (UniqueConstraint("citing_id", "cited_id", "origin"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citing_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), index=True)
    cited_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), index=True)
    # bib-field | file | manual | openalex
    origin: Mapped[str] = mapped_column(String(16))
    # extends | baseline | compares | uses-dataset | related, or empty
    relation: Mapped[str] = mapped_column(String(16), default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    # Set when the cited paper is more than a year younger than the citing one.
    suspect: Mapped[bool] = mapped_column(Boolean, default=False)
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("sources.id", ondelete="SET NULL"), index=True
    )
    line: Mapped[int | None] = mapped_column(Integer)

    citing: Mapped[Paper] = relationship(foreign_keys=[citing_id])
    cited: Mapped[Paper] = relationship(foreign_keys=[cited_id])


# Walks towards the citing papers (descendants) read the citing id from the index itself.
Index("ix_citations_cited_id_citing_id", Citation.cited_id, Citation.citing_id)


class UnknownEdgeName(Base):
    """A name on one end of a citations file's edge that named no paper (no citekey, no
    alias) when the build read the file: `survey check` reports it from here rather than
    reading the file again. Replaced whenever the build reads the citations files."""

    __tablename__ = "unknown_edge_names"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)


class Setting(Base):
    """A named value of the knowledge base, e.g. the built survey's title."""

    __tablename__ = "settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Detached(Base):
    """A manual tag or manual citation whose paper left the bibliography, kept by citekey.

    `kind` is tag (citekey, node_path, annotation) or citation (citekey cites other_key,
    relation, evidence). Put back when every key it names is a paper again.
    """

    __tablename__ = "detached"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    citekey: Mapped[str] = mapped_column(String(255), index=True)
    other_key: Mapped[str | None] = mapped_column(String(255))
    node_path: Mapped[str | None] = mapped_column(String(1024))
    relation: Mapped[str] = mapped_column(String(16), default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    annotation: Mapped[str] = mapped_column(Text, default="")
    detached_at: Mapped[datetime] = mapped_column(DateTime)


class IndexWork(Base):
    """A work of a citation index: one a paper matched, or one the papers reference
    (stored once). The id is qualified by the index: OpenAlex `W…`, Semantic Scholar
    `S2:…`, OpenCitations `doi:…` or `omid:…`."""

    __tablename__ = "index_works"

    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    # openalex | semanticscholar | opencitations (a citation Origin)
    source: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    venue: Mapped[str | None] = mapped_column(Text)
    # The index's type of the venue (journal, conference, repository): the BibTeX entry type.
    venue_type: Mapped[str | None] = mapped_column(String(32))
    first_author: Mapped[str | None] = mapped_column(Text)
    doi: Mapped[str | None] = mapped_column(String(255))  # normalised, as papers store DOIs
    arxiv_id: Mapped[str | None] = mapped_column(String(64))
    # The index's type of the work: article, preprint, book-chapter, ...
    kind: Mapped[str | None] = mapped_column(String(32))
    # Global citation count, as the index reported it when fetched.
    cited_by_count: Mapped[int | None] = mapped_column(Integer)
    # Ids of the works this work cites (kept for matched works); None: the index gave no
    # reference list.
    referenced_works: Mapped[list[str] | None] = mapped_column(JSON)


class IndexMatch(Base):
    """The work of one index a paper was matched to, how, and how sure (never a user
    field)."""

    __tablename__ = "index_matches"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    # None when the index had nothing for the paper (method "none"): not asked again
    # until `survey enrich --refresh`.
    work_id: Mapped[str | None] = mapped_column(
        ForeignKey("index_works.id", ondelete="CASCADE"), index=True
    )
    # doi | arxiv | title | none
    method: Mapped[str] = mapped_column(String(16))
    # 100 for an identifier match; the resolver's score for a title match; for "none",
    # the best title score seen (0 when the search found nothing).
    score: Mapped[float] = mapped_column(Float)
    # The work's DOI when the paper has none: shown by `survey check`, never written to it.
    doi_suggestion: Mapped[str | None] = mapped_column(String(255))

    work: Mapped[IndexWork | None] = relationship()


class IndexReference(Base):
    """A paper of the knowledge base cites a work that is not in it (an external work)."""

    __tablename__ = "index_references"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    work_id: Mapped[str] = mapped_column(
        ForeignKey("index_works.id", ondelete="CASCADE"), primary_key=True, index=True
    )
