"""Files -> database, one transaction per load (load layer, above bib and db).

`load_bib_files` parses every file first, then writes: under `strict` nothing is
written when any file has an error. Papers are upserted by citekey; an unchanged file
(same bytes) is skipped; an edited file touches exactly the entries whose text changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from survey.bib import BibRecord, parse_bibtex, read_bib_file
from survey.db import store
from survey.errors import Diagnostic, InputFileError, Severity

# Rows per INSERT batch; also the granularity of progress updates.
BATCH = 2000
# The part of a title before a colon becomes an alias when it is this short.
TITLE_ALIAS_MAX_WORDS = 5
TITLE_ALIAS_MAX_CHARS = 40

Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class FileResult:
    """What happened to one file."""

    path: str
    skipped: bool = False
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    kept_stale: int = 0
    failed: int = 0
    duplicates: int = 0


@dataclass(slots=True)
class LoadReport:
    files: list[FileResult] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    written: bool = True

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)

    def total(self, name: str) -> int:
        return sum(int(getattr(f, name)) for f in self.files)


@dataclass(slots=True)
class _Parsed:
    path: Path
    display: str
    sha256: str
    size: int
    records: list[BibRecord]
    result: FileResult
    has_errors: bool = False


def load_bib_files(
    session: Session,
    paths: Iterable[Path],
    *,
    strict: bool = False,
    progress: Progress | None = None,
) -> LoadReport:
    """Load BibTeX files into the database in the caller's transaction.

    Raises `InputFileError` (before writing anything) for a file that cannot be read.
    """
    report = LoadReport()
    parsed: list[_Parsed] = []
    for path in paths:
        text, sha256, size, diagnostics = read_bib_file(path)
        display = str(path)
        result = FileResult(display)
        report.files.append(result)
        report.diagnostics.extend(diagnostics)
        source = store.source_by_path(session, _source_key(path))
        if source is not None and source.sha256 == sha256:
            result.skipped = True
            result.unchanged = store.count_from_source(session, source.id)
            continue
        if progress:
            progress(f"parsing {display}", 0, 0)
        bib = parse_bibtex(text, display)
        if not bib.records and not bib.failed:
            raise InputFileError(
                f"{display}: holds no BibTeX entries", "check that this is the right file"
            )
        report.diagnostics.extend(bib.diagnostics)
        result.failed = bib.failed
        parsed.append(
            _Parsed(path, display, sha256, size, bib.records, result, has_errors=bib.failed > 0)
        )

    _reject_keys_of_other_files(session, parsed, report)
    _report_duplicates(session, parsed, report)
    report.diagnostics.sort(key=lambda d: (d.file, d.line or 0))

    if strict and report.has_errors:
        report.written = False
        for result in report.files:
            result.added = result.updated = result.removed = 0
        return report

    for item in parsed:
        _write_file(session, item, progress)
    return report


def _source_key(path: Path) -> str:
    return str(path.expanduser().resolve())


def _reject_keys_of_other_files(
    session: Session, parsed: list[_Parsed], report: LoadReport
) -> None:
    """A key already loaded from another file (or earlier in this load) is an error."""
    claimed: dict[str, str] = {}
    for item in parsed:
        source_key = _source_key(item.path)
        stored = store.papers_by_keys(session, [r.citekey.lower() for r in item.records])
        kept: list[BibRecord] = []
        for record in item.records:
            lower = record.citekey.lower()
            other: str | None = None
            if lower in claimed and claimed[lower] != source_key:
                other = claimed[lower]
            elif lower in stored and stored[lower].source_path not in (None, source_key):
                found = stored[lower]
                other = f"{found.source_path}:{found.source_line}"
            if other is not None:
                report.diagnostics.append(
                    Diagnostic(
                        Severity.ERROR,
                        item.display,
                        record.line,
                        record.citekey,
                        f"key already loaded from {other}; rename one of the two entries",
                    )
                )
                item.result.failed += 1
                item.has_errors = True
                continue
            claimed[lower] = source_key
            kept.append(record)
        item.records = kept


def _report_duplicates(session: Session, parsed: list[_Parsed], report: LoadReport) -> None:
    """The same work under two keys: same DOI, same arXiv id, or same title and year."""
    loading = {r.citekey.lower() for item in parsed for r in item.records}
    seen: dict[tuple[str, str], tuple[str, str, int | None]] = {}
    for item in parsed:
        for record in item.records:
            for kind, value in _identities(record):
                first = seen.get((kind, value))
                if first is None:
                    seen[(kind, value)] = (record.citekey, item.display, record.line)
                    continue
                _warn_duplicate(report, item, record, kind, value, first)

    # Against papers already in the database and not being reloaded now.
    wanted: dict[str, list[str]] = {"doi": [], "arxiv": [], "title": []}
    for kind, value in seen:
        wanted[kind].append(value)
    wanted["title"] = [v.split("\x00")[0] for v in wanted["title"]]
    by_key = {r.citekey: (item, r) for item in parsed for r in item.records}
    for kind, values in wanted.items():
        if values:
            for key, lower, value, year, path, line in store.papers_with_identifiers(
                session, kind, values
            ):
                if lower in loading:
                    continue
                identity = value if kind != "title" else f"{value}\x00{year}"
                first = seen.get((kind, identity))
                if first is None:
                    continue
                item, record = by_key[first[0]]
                _warn_duplicate(
                    report, item, record, kind, identity, (key, path or "database", line)
                )


def _identities(record: BibRecord) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if record.doi:
        found.append(("doi", record.doi))
    if record.arxiv_id:
        found.append(("arxiv", record.arxiv_id))
    if record.title_norm and record.year is not None:
        found.append(("title", f"{record.title_norm}\x00{record.year}"))
    return found


def _warn_duplicate(
    report: LoadReport,
    item: _Parsed,
    record: BibRecord,
    kind: str,
    value: str,
    first: tuple[str, str, int | None],
) -> None:
    other_key, other_file, other_line = first
    if kind == "doi":
        what = f"same DOI {value}"
    elif kind == "arxiv":
        what = f"same arXiv id {value}"
    else:
        what = f"same title and year ({value.rsplit(chr(0), 1)[-1]})"
    where = f"{other_file}:{other_line}" if other_line else other_file
    report.diagnostics.append(
        Diagnostic(
            Severity.WARNING,
            item.display,
            record.line,
            record.citekey,
            f"possible duplicate of {other_key} ({where}): {what}; "
            "keep one entry, or give both if they are distinct versions",
        )
    )
    item.result.duplicates += 1


def _search_text(record: BibRecord) -> str:
    parts = [record.citekey, record.title or "", record.venue or "", record.shorthand or ""]
    parts.extend(p.display for p in record.authors)
    if record.year is not None:
        parts.append(str(record.year))
    return " ".join(p for p in parts if p).casefold()


def _paper_row(record: BibRecord, source_id: int) -> dict[str, Any]:
    return {
        "citekey": record.citekey,
        "citekey_lower": record.citekey.lower(),
        "entry_type": record.entry_type,
        "title": record.title,
        "title_norm": record.title_norm,
        "year": record.year,
        "venue": record.venue,
        "doi": record.doi,
        "arxiv_id": record.arxiv_id,
        "abstract": record.abstract,
        "more_authors": record.more_authors,
        "fields": record.fields,
        "raw": record.raw,
        "search_text": _search_text(record),
        "content_hash": record.content_hash,
        "source_id": source_id,
        "source_line": record.line,
    }


def aliases_of(record: BibRecord) -> list[tuple[str, str]]:
    """(alias, origin) pairs a BibTeX entry gives its paper: its shorthand, its title prefix."""
    found: list[tuple[str, str]] = []
    if record.shorthand:
        found.append((record.shorthand, "shorthand"))
    if record.title and ":" in record.title:
        prefix = record.title.split(":", 1)[0].strip()
        if (
            prefix
            and len(prefix) <= TITLE_ALIAS_MAX_CHARS
            and len(prefix.split()) <= TITLE_ALIAS_MAX_WORDS
            and all(prefix.lower() != alias.lower() for alias, _ in found)
        ):
            found.append((prefix, "title"))
    return found


def _child_rows(
    record: BibRecord, paper_id: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    authors = [
        {
            "paper_id": paper_id,
            "position": position,
            "family": person.family,
            "given": person.given,
            "von": person.von,
            "suffix": person.suffix,
        }
        for position, person in enumerate(record.authors)
    ]
    aliases = [
        {"paper_id": paper_id, "alias": alias, "alias_lower": alias.lower(), "origin": origin}
        for alias, origin in aliases_of(record)
    ]
    return authors, aliases


def _write_file(session: Session, item: _Parsed, progress: Progress | None) -> None:
    result = item.result
    now = datetime.now(UTC).replace(tzinfo=None)
    # A file with errors keeps no hash, so loading it again re-reports its problems.
    sha256 = "" if item.has_errors else item.sha256
    source = store.save_source(session, _source_key(item.path), "bib", sha256, item.size, now)

    stored = store.papers_by_keys(session, [r.citekey.lower() for r in item.records])
    new: list[BibRecord] = []
    changed: list[tuple[int, BibRecord]] = []
    moved: list[dict[str, Any]] = []
    for record in item.records:
        found = stored.get(record.citekey.lower())
        if found is None:
            new.append(record)
        elif found.content_hash != record.content_hash:
            changed.append((found.id, record))
        else:
            result.unchanged += 1
            if found.source_line != record.line:
                moved.append({"b_id": found.id, "b_line": record.line, "b_source": source.id})

    total = len(new) + len(changed)
    done = 0
    new_ids: list[int] = []
    for batch in store.chunks(new, BATCH):
        ids = store.insert_papers(session, [_paper_row(r, source.id) for r in batch])
        new_ids.extend(ids)
        _insert_children(session, zip(ids, batch, strict=True))
        result.added += len(batch)
        done += len(batch)
        if progress:
            progress(f"loading {item.display}", done, total)
    store.index_new_papers(session, new_ids)

    for batch_changed in store.chunks(changed, BATCH):
        rows = [{**_paper_row(r, source.id), "id": paper_id} for paper_id, r in batch_changed]
        store.replace_papers(session, rows)
        _insert_children(session, batch_changed)
        result.updated += len(batch_changed)
        done += len(batch_changed)
        if progress:
            progress(f"loading {item.display}", done, total)
    store.move_papers(session, moved)

    # Entries gone from the file are gone from the database, unless the file has errors
    # (an entry that failed to parse this time must not be deleted).
    present = {r.citekey.lower() for r in item.records}
    stale = [i for i, lower in store.keys_from_source(session, source.id) if lower not in present]
    if stale and item.has_errors:
        result.kept_stale = len(stale)
    elif stale:
        store.delete_papers(session, stale)
        result.removed = len(stale)
    session.flush()


def _insert_children(session: Session, pairs: Iterable[tuple[int, BibRecord]]) -> None:
    author_rows: list[dict[str, Any]] = []
    alias_rows: list[dict[str, Any]] = []
    for paper_id, record in pairs:
        authors, aliases = _child_rows(record, paper_id)
        author_rows.extend(authors)
        alias_rows.extend(aliases)
    store.insert_children(session, author_rows, alias_rows)
