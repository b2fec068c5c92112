"""SQLAlchemy 2 typed models (db layer). The schema changes only through Alembic revisions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

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
    """A loaded input file and the hash of its bytes, so an unchanged file is skipped."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(1024), unique=True)
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
        name = " ".join(p for p in (self.given, self.von, self.family) if p)
        return f"{name}, {self.suffix}" if self.suffix else name


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
