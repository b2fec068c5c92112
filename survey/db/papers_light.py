"""One paper as plain data, read with plain SQL (db layer, importing no SQLAlchemy):
what `survey query show` prints.

It is apart from survey.db.papers because it must stay light. The statements run
through a `Fetch` (SQL with `:name` parameters in, rows out), so the same SQL serves a
SQLAlchemy session on any database and a bare `sqlite3` connection: `quick_paper_record`
answers `query show` on an up-to-date SQLite file without importing SQLAlchemy (about
half of that command's start-up; tests/cli/test_startup.py checks it). It answers only the
common case, a citekey or one paper's short name, and returns None whenever the general
path must decide (another database, a file to create or upgrade, an identifier, a title,
an ambiguous or unknown key, any SQLite error), so every message stays the general path's.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from survey.db.revisions import VERSION_TABLE, head_revision
from survey.db.sqlite import configure_connection
from survey.identifiers import identifier_of
from survey.shapes import PaperRecord

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

Fetch = Callable[[str, Mapping[str, Any]], list[tuple[Any, ...]]]

_PAPER = (
    "SELECT p.citekey, p.entry_type, p.title, p.more_authors, p.year, p.venue, p.doi,"
    " p.arxiv_id, p.abstract, p.fields, s.path, p.source_line"
    " FROM papers p LEFT JOIN sources s ON s.id = p.source_id WHERE p.id = :id"
)
_AUTHORS = "SELECT family, given, von, suffix FROM authors WHERE paper_id = :id ORDER BY position"
_ALIASES = "SELECT alias FROM aliases WHERE paper_id = :id"
_SECTIONS = (
    "SELECT n.path, n.label, t.provenance, t.annotation"
    " FROM tags t JOIN taxonomy_nodes n ON n.id = t.node_id"
    " WHERE t.paper_id = :id ORDER BY n.path, t.provenance"
)
_INDEXES = (
    "SELECT m.source, m.work_id, m.method, m.score, w.cited_by_count, m.doi_suggestion"
    " FROM index_matches m LEFT JOIN index_works w ON w.id = m.work_id"
    " WHERE m.paper_id = :id ORDER BY m.source"
)


def read_paper_record(fetch: Fetch, paper_id: int) -> PaperRecord:
    """The paper with id `paper_id` as `survey query show --format json` prints it: its
    metadata, authors, short names, source, sections, and what each citation index said of it."""
    row = fetch(_PAPER, {"id": paper_id})[0]
    citekey, entry_type, title, more_authors, year, venue, doi, arxiv_id, abstract = row[:9]
    fields, source_path, source_line = row[9:]
    if isinstance(fields, str | bytes):  # SQLite hands JSON back as text
        fields = json.loads(fields)
    record: PaperRecord = {
        "citekey": citekey,
        "entry_type": entry_type,
        "title": title,
        "authors": [
            {"family": family, "given": given, "von": von, "suffix": suffix}
            for family, given, von, suffix in fetch(_AUTHORS, {"id": paper_id})
        ],
        "more_authors": bool(more_authors),
        "year": year,
        "venue": venue,
        "doi": doi,
        "arxiv_id": arxiv_id,
        "aliases": sorted(alias for (alias,) in fetch(_ALIASES, {"id": paper_id})),
        "abstract": abstract,
        "fields": dict(sorted(fields.items())),
        "source": None if source_path is None else {"file": source_path, "line": source_line},
        "sections": [
            {"path": path, "label": label, "provenance": provenance, "annotation": annotation}
            for path, label, provenance, annotation in fetch(_SECTIONS, {"id": paper_id})
        ],
    }
    matches = fetch(_INDEXES, {"id": paper_id})
    if matches:
        record["indexes"] = [
            {
                "source": source,
                "work": work,
                "method": method,
                "score": score,
                "cited_by_count": cited_by_count,
                "doi_suggestion": doi_suggestion,
            }
            for source, work, method, score, cited_by_count, doi_suggestion in matches
        ]
    return record


def session_fetch(session: Session) -> Fetch:
    """A `Fetch` running its SQL in `session` (any database SQLAlchemy reaches)."""
    from sqlalchemy import text

    def fetch(sql: str, parameters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in session.execute(text(sql), dict(parameters))]

    return fetch


def quick_paper_record(url: str, key: str) -> PaperRecord | None:
    """`read_paper_record` of the paper `key` names, read with `sqlite3` alone when `url`
    is an existing SQLite file at the newest schema and `key` is a citekey or the short
    name of one paper (case-insensitive); None when the general path must answer."""
    path = _plain_sqlite_file(url)
    if path is None:
        return None
    try:
        connection = sqlite3.connect(path)
    except sqlite3.Error:
        return None
    try:
        configure_connection(connection, is_file=True, read_only=False)
        connection.execute("BEGIN")

        def fetch(sql: str, parameters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
            return connection.execute(sql, dict(parameters)).fetchall()

        if fetch(f"SELECT version_num FROM {VERSION_TABLE}", {}) != [(head_revision(),)]:
            return None  # opening it upgrades it (or refuses it): the general path's work
        paper_id = _citekey_or_one_alias(fetch, key)
        return None if paper_id is None else read_paper_record(fetch, paper_id)
    except sqlite3.Error:
        return None
    finally:
        connection.close()


def _citekey_or_one_alias(fetch: Fetch, key: str) -> int | None:
    """The paper `key` names as `survey.db.papers.find_paper` finds it first: by citekey,
    else (when `key` is no DOI or arXiv id, which come before short names) by the short
    name of exactly one paper; None otherwise."""
    wanted = key.strip().lower()
    rows = fetch("SELECT id FROM papers WHERE citekey_lower = :key", {"key": wanted})
    if rows:
        return int(rows[0][0])
    if identifier_of(key) is not None:
        return None
    ids = {
        row[0]
        for row in fetch("SELECT paper_id FROM aliases WHERE alias_lower = :key", {"key": wanted})
    }
    return int(ids.pop()) if len(ids) == 1 else None


def _plain_sqlite_file(url: str) -> str | None:
    """The path of an existing SQLite file `url` names as `survey.config.database_url`
    writes a path (`sqlite:///PATH`, no query, no escapes), else None."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    path = url[len(prefix) :]
    if not path or path == ":memory:" or path.startswith("file:") or any(c in path for c in "?%#"):
        return None
    return path if Path(path).is_file() else None
