"""Files -> database, one transaction per load (ingest layer, above sources and db).

`load_bib_files` reads every file first (a file that cannot be read stops the load
before anything is written), then parses and writes each file piece by piece: large
files are parsed by worker processes while this process writes the pieces already
parsed. Papers are upserted by citekey; an unchanged file (same bytes) is skipped; an
edited file touches exactly the entries whose content changed. Under `strict` the
load's writes are rolled back when anything failed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from survey.config import parser_workers
from survey.db import bulk
from survey.db import papers as papers_db
from survey.db.annotations import Reattached, detach, reattach
from survey.db.citations import has_edges
from survey.errors import Diagnostic, InputFileError
from survey.gcpause import gc_paused
from survey.identifiers import work_identities
from survey.ingest.edges import FIELD_ORIGIN, sync_field_edges
from survey.ingest.files import FileRef, attach_source, bare_file, find_source, is_live, shown
from survey.sources.bibliography import BIBTEX, EXTENSIONS, NAMES, detect_format, parse_records
from survey.sources.bibtex import (
    BibParse,
    BibRecord,
    Parents,
    crossref_parents,
    defines_macros,
    entry_keys,
    iter_bibtex_pieces,
    read_bib_file,
    shared_macros,
)
from survey.sources.items import keep_stored_keys
from survey.textnorm import normalize_title
from survey.vocab import AliasOrigin, Severity, SourceKind

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
    shown: str = ""  # how a summary names it: relative to survey.toml, or to the current folder
    skipped: bool = False
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    detached: int = 0  # manual tags and edges of removed entries, kept for their return
    kept_stale: int = 0
    failed: int = 0
    duplicates: int = 0


@dataclass(slots=True)
class LoadReport:
    files: list[FileResult] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    written: bool = True
    field_edges: int | None = None  # edges from cites fields, when they were synced
    reattached: Reattached = field(default_factory=Reattached)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)

    def total(self, name: str) -> int:
        return sum(int(getattr(f, name)) for f in self.files)


@dataclass(slots=True)
class _Input:
    ref: FileRef
    display: str
    text: str
    sha256: str
    size: int
    result: FileResult
    source_id: int = 0
    has_errors: bool = False
    # Entries left to an identical copy in another file: the file keeps no hash, so it
    # is read again and takes the entry over if the other file drops it.
    deferred: bool = False
    present: set[str] = field(default_factory=set)
    kind: str = BIBTEX  # the file's format
    parsed: BibParse | None = None  # a RIS or CSL-JSON file, read whole


@dataclass(slots=True)
class _Run:
    """State shared by the files of one load."""

    session: Session
    report: LoadReport
    progress: Progress | None
    # Sources taking part in this load (read now, or skipped as unchanged).
    source_ids: set[int] = field(default_factory=set)
    # Keys each file read now holds (a quick scan before parsing), so an entry that moved
    # to another file of this load is taken over rather than reported as a duplicate.
    keys_in: dict[int, set[str]] = field(default_factory=dict)
    # lower-cased key -> (source id, display name, line, content hash) of its entry
    claimed: dict[str, tuple[int, str, int, str]] = field(default_factory=dict)
    # lower-cased key -> (source id, line) of an identical copy left to another file
    deferred: dict[str, tuple[int, int]] = field(default_factory=dict)
    # (kind, value) -> (key, display name, line) of the first entry with that identity
    identities: dict[tuple[str, str], tuple[str, str, int]] = field(default_factory=dict)
    cites_seen: bool = False
    # The database held no paper when the load began: no stored key or identity to check.
    empty: bool = False
    # What the BibTeX files of this load share: @string macros, crossref parents.
    macros: dict[str, str] = field(default_factory=dict)
    parents: Parents = field(default_factory=dict)


def load_bib_files(
    session: Session,
    paths: Iterable[Path | FileRef],
    *,
    strict: bool = False,
    progress: Progress | None = None,
    workers: int | None = None,
    field_edges: bool = True,
) -> LoadReport:
    """Load BibTeX files into the database in the caller's transaction.

    A plain `Path` is a file on its own (named by its file name); a `FileRef` from
    `survey.ingest.files.survey_file` is a file of a survey. With `field_edges`, the entries'
    `cites` fields become citation edges (origin bib-field); a cited key that names no
    paper is a warning. Raises `InputFileError`, before anything is written, for a file
    that cannot be read.
    """
    report = LoadReport()
    run = _Run(session, report, progress, empty=not papers_db.has_papers(session))
    savepoint = session.begin_nested()
    inputs = _inputs_to_read(run, paths)
    with gc_paused():
        for item in inputs:
            _load_file(run, item, workers or parser_workers())
            item.text = ""  # the text is no longer needed; let it go before the next file
        for item in inputs:
            _drop_stale(run, item)
    report.reattached = reattach(session)
    if field_edges and (run.cites_seen or (inputs and has_edges(session, FIELD_ORIGIN))):
        edges = sync_field_edges(session)
        report.diagnostics.extend(edges.diagnostics)
        report.field_edges = len(edges.rows)
    _report_duplicates_in_database(run)
    report.diagnostics.sort(key=lambda d: (d.file, d.line or 0))
    if strict and report.has_errors:
        savepoint.rollback()
        report.written = False
        for result in report.files:
            result.added = result.updated = result.removed = 0
    else:
        savepoint.commit()
    return report


def _inputs_to_read(run: _Run, paths: Iterable[Path | FileRef]) -> list[_Input]:
    """Read every file (each listed in the report, with its problems reading it) and keep
    those that changed since they were last loaded."""
    report = run.report
    files: list[tuple[FileRef, str, str, int, str, FileResult]] = []
    for given in paths:
        ref = given if isinstance(given, FileRef) else bare_file(given)
        what = NAMES[EXTENSIONS.get(ref.path.suffix.lower(), BIBTEX)]
        text, sha256, size, diagnostics = read_bib_file(ref.path, what)
        result = FileResult(ref.display, ref.short_name)
        report.files.append(result)
        report.diagnostics.extend(diagnostics)
        files.append((ref, text, sha256, size, detect_format(ref.path, text), result))
    shared = _share_between_files(run, [(f[0].display, f[1]) for f in files if f[4] == BIBTEX])
    inputs: list[_Input] = []
    for ref, text, sha256, size, kind, result in files:
        if shared and kind == BIBTEX:
            # What the other files define is part of this file's content: editing a macro
            # in one file reloads the files that may use it.
            sha256 = hashlib.sha256(f"{sha256}\x00{shared}".encode()).hexdigest()
        item = _Input(ref, ref.display, text, sha256, size, result, kind=kind)
        if _read_now(run, item):
            inputs.append(item)
    return inputs


def _load_file(run: _Run, item: _Input, workers: int) -> None:
    session, result = run.session, item.result
    source = attach_source(session, item.ref, SourceKind.BIB, "", item.size)
    item.source_id = source.id
    run.source_ids.add(source.id)
    seen_entries = 0
    estimate = item.text.count("\n@") + 1  # for the progress bar only
    for piece in _pieces(run, item, workers):
        run.report.diagnostics.extend(piece.diagnostics)
        result.failed += piece.failed
        item.has_errors = item.has_errors or piece.failed > 0
        seen_entries += len(piece.entries) + piece.failed
        stored = (
            {}
            if run.empty
            else papers_db.papers_by_keys(session, [e[0][LOWER] for e in piece.entries])
        )
        entries = _claim_keys(run, item, piece.entries, stored)
        run.cites_seen = run.cites_seen or any(e[3] for e in entries)
        _note_identities(run, item, entries)
        _write_entries(session, entries, stored, source.id, result)
        item.present.update(e[0][LOWER] for e in entries)
        if run.progress:
            done = result.added + result.updated + result.unchanged + result.failed
            run.progress(f"loading {item.display}", done, max(estimate, done))
    if seen_entries == 0 and not (item.kind == BIBTEX and defines_macros(item.text)):
        raise InputFileError(
            f"{item.display}: holds no {NAMES[item.kind]} entries",
            "check that this is the right file (survey reads BibTeX .bib, RIS .ris and "
            "CSL-JSON .json bibliographies)",
        )
    # A file with errors keeps no hash, so loading it again re-reports its problems.
    source.sha256 = "" if item.has_errors or item.deferred else item.sha256
    session.flush()


def _read_now(run: _Run, item: _Input) -> bool:
    """False for a file unchanged since its last load (skipped); else its keys are noted
    and a RIS or CSL-JSON file is parsed (keeping the keys its papers had)."""
    session, ref = run.session, item.ref
    source = find_source(session, ref, SourceKind.BIB, item.sha256)
    if source is not None:
        run.source_ids.add(source.id)
    if source is not None and source.sha256 == item.sha256:
        item.result.skipped = True
        item.result.unchanged = papers_db.count_from_source(session, source.id)
        return False
    if item.kind != BIBTEX:
        item.parsed = parse_records(item.kind, item.text, ref.display)
        if source is not None and item.parsed.made_keys:
            keep_stored_keys(item.parsed, papers_db.identities_from_source(session, source.id))
    if source is not None:
        run.keys_in[source.id] = (
            entry_keys(item.text)
            if item.parsed is None
            else {r.citekey.lower() for r in item.parsed.records}
        )
    return True


def _share_between_files(run: _Run, files: list[tuple[str, str]]) -> str:
    """The @string macros and crossref parents several BibTeX files of one load share,
    kept in `run`; a digest of them ('' when they share nothing)."""
    if len(files) < 2:
        return ""
    macros, diagnostics = shared_macros(files)
    run.report.diagnostics.extend(diagnostics)
    run.parents = crossref_parents(files, macros)
    run.macros = macros
    if not macros and not run.parents:
        return ""
    shared = json.dumps([sorted(macros.items()), sorted(run.parents.items())])
    return hashlib.sha256(shared.encode()).hexdigest()


def _pieces(run: _Run, item: _Input, workers: int) -> Iterable[_Piece]:
    """A BibTeX file's pieces as they are parsed; a RIS or CSL-JSON file in one piece."""
    if item.parsed is not None:
        return [_prepare_piece(item.parsed)]
    return iter_bibtex_pieces(
        item.text,
        item.display,
        workers,
        _prepare_piece,
        macros=run.macros or None,
        parents=run.parents or None,
    )


def _drop_stale(run: _Run, item: _Input) -> None:
    """Entries gone from the file are gone from the database, unless the file has errors
    (an entry that failed to parse this time must not be deleted). An entry that another
    file of this load holds an identical copy of moves to that file instead."""
    stale = [
        (paper_id, lower)
        for paper_id, lower in papers_db.keys_from_source(run.session, item.source_id)
        if lower not in item.present
    ]
    if stale and item.has_errors:
        item.result.kept_stale = len(stale)
        return
    handed = [(i, run.deferred[lower]) for i, lower in stale if lower in run.deferred]
    papers_db.move_papers(
        run.session,
        [{"b_id": i, "b_line": line, "b_source": source_id} for i, (source_id, line) in handed],
    )
    gone = [i for i, lower in stale if lower not in run.deferred]
    item.result.detached = detach(run.session, gone)
    papers_db.delete_papers(run.session, gone)
    item.result.removed = len(gone)
    run.session.flush()


def _claim_keys(
    run: _Run, item: _Input, entries: list[Entry], stored: dict[str, papers_db.StoredPaper]
) -> list[Entry]:
    """Drop entries whose key another entry of this load or another file holds: an error,
    or a warning when the two entries are identical (the entry is then loaded once)."""
    kept: list[Entry] = []
    for entry in entries:
        row = entry[0]
        lower = row[LOWER]
        if entry[4]:
            # PostgreSQL cannot store NUL in text; SQLite would, and then every consumer
            # of the exports chokes on it. One entry fails, not the whole load.
            _key_problem(
                run,
                item,
                row,
                Severity.ERROR,
                "holds a NUL byte (a control character no text field may hold); remove it",
            )
            continue
        other: tuple[int, str, int, str] | None = None
        if lower in run.claimed:
            other = run.claimed[lower]
            if other[0] == item.source_id:
                _key_problem(
                    run,
                    item,
                    row,
                    Severity.ERROR,
                    f"duplicate key: already used by the entry at line {other[2]} "
                    "(keys are compared ignoring case); rename one of them",
                )
                continue
        elif lower in stored and _held_elsewhere(run, item, stored[lower]):
            found = stored[lower]
            other = (
                found.source_id or 0,
                shown(found.source_path, found.source_location),
                found.source_line or 0,
                found.content_hash,
            )
        if other is not None:
            _, where, line, content_hash = other
            if content_hash == row[HASH]:
                item.deferred = True
                run.deferred.setdefault(lower, (item.source_id, row[LINE]))
                item.result.duplicates += 1
                _key_problem(
                    run,
                    item,
                    row,
                    Severity.WARNING,
                    f"the same entry is also in {where}:{line}; loaded once, from there "
                    "(delete one copy to silence this)",
                )
            else:
                _key_problem(
                    run,
                    item,
                    row,
                    Severity.ERROR,
                    f"key already loaded from {where}:{line} with other content; "
                    "rename one of the two, or make them identical",
                )
            continue
        run.claimed[lower] = (item.source_id, item.display, row[LINE], row[HASH])
        kept.append(entry)
    return kept


def _key_problem(
    run: _Run, item: _Input, row: Sequence[Any], severity: Severity, message: str
) -> None:
    run.report.diagnostics.append(Diagnostic(severity, item.display, row[LINE], row[KEY], message))
    if severity is Severity.ERROR:
        item.result.failed += 1
        item.has_errors = True


def _held_elsewhere(run: _Run, item: _Input, found: papers_db.StoredPaper) -> bool:
    """True when a stored entry belongs to another file that still holds it: one of this
    load, or another file that still exists. Entries of a file that was moved or renamed
    (its old location is gone) are taken over by the new one."""
    if found.source_id is None or found.source_id == item.source_id:
        return False
    if found.source_id in run.keys_in:  # read in this load: does it still hold the key?
        return found.citekey.lower() in run.keys_in[found.source_id]
    return found.source_id in run.source_ids or is_live(found.source_location, item.ref)


def _note_identities(run: _Run, item: _Input, entries: list[Entry]) -> None:
    """The same work under two keys of this load: same DOI, arXiv id, or title and year."""
    for entry in entries:
        row = entry[0]
        for identity in work_identities(row[DOI], row[ARXIV], row[TITLE_NORM], row[YEAR]):
            first = run.identities.get(identity)
            if first is None:
                run.identities[identity] = (row[KEY], item.display, row[LINE])
            else:
                _warn_duplicate(
                    run, item.display, item.result, row[KEY], row[LINE], identity, first
                )


def _report_duplicates_in_database(run: _Run) -> None:
    """The same check against papers already stored and not part of this load."""
    if not run.identities or run.empty:  # an empty database: every paper is of this load
        return
    results = {r.path: r for r in run.report.files}
    by_kind: dict[str, list[str]] = {"doi": [], "arxiv": [], "title": []}
    for kind, value in run.identities:
        by_kind[kind].append(value.split("\x00")[0] if kind == "title" else value)
    for kind, values in by_kind.items():
        if not values:
            continue
        for key, lower, value, year, path, line in papers_db.papers_with_identifiers(
            run.session, kind, values
        ):
            if lower in run.claimed:
                continue
            identity = (kind, value if kind != "title" else f"{value}\x00{year}")
            first = run.identities.get(identity)
            if first is None:
                continue
            this_key, display, this_line = first
            other = (key, path or "the database", line or 0)
            _warn_duplicate(run, display, results[display], this_key, this_line, identity, other)


def _warn_duplicate(
    run: _Run,
    display: str,
    result: FileResult,
    key: str,
    line: int,
    identity: tuple[str, str],
    first: tuple[str, str, int],
) -> None:
    kind, value = identity
    other_key, other_file, other_line = first
    if kind == "doi":
        what = f"same DOI {value}"
    elif kind == "arxiv":
        what = f"same arXiv id {value}"
    else:
        what = f"same title and year ({value.rsplit(chr(0), 1)[-1]})"
    where = f"{other_file}:{other_line}" if other_line else other_file
    run.report.diagnostics.append(
        Diagnostic(
            Severity.WARNING,
            display,
            line,
            key,
            f"possible duplicate of {other_key} ({where}): {what}; "
            "keep one entry, or give both if they are distinct versions",
            "possible-duplicate",
        )
    )
    result.duplicates += 1


def _write_entries(
    session: Session,
    entries: list[Entry],
    stored: dict[str, papers_db.StoredPaper],
    source_id: int,
    result: FileResult,
) -> None:
    new: list[Entry] = []
    changed: list[tuple[int, Entry]] = []
    moved: list[dict[str, Any]] = []
    for entry in entries:
        row = entry[0]
        found = stored.get(row[LOWER])
        if found is None:
            new.append(entry)
        elif found.content_hash != row[HASH]:
            changed.append((found.id, entry))
        else:
            result.unchanged += 1
            if found.source_line != row[LINE] or found.source_id != source_id:
                moved.append({"b_id": found.id, "b_line": row[LINE], "b_source": source_id})

    new_ids: list[int] = []
    for batch in bulk.chunks(new, BATCH):
        ids = bulk.insert_paper_rows(session, [e[0] for e in batch], source_id)
        new_ids.extend(ids)
        _insert_children(session, zip(ids, batch, strict=True))
        result.added += len(batch)
    papers_db.index_new_papers(session, new_ids)

    for batch_changed in bulk.chunks(changed, BATCH):
        rows = []
        for paper_id, entry in batch_changed:
            values = dict(zip(bulk.ROW_COLUMNS, entry[0], strict=True))
            for column in bulk.JSON_COLUMNS:
                values[column] = json.loads(values[column])
            rows.append({**values, "source_id": source_id, "id": paper_id})
        papers_db.replace_papers(session, rows)
        _insert_children(session, batch_changed)
        result.updated += len(batch_changed)
    papers_db.move_papers(session, moved)


# ----------------------------------------------------------- rows, built in the workers

# One entry ready for the database, as the parser workers send it: (paper row in the
# order of bulk.ROW_COLUMNS, its authors (position, family, given, von, suffix), its
# aliases (alias, lower-cased, origin), whether it has a cites field, whether it holds a
# NUL). Plain tuples of strings and numbers: pickling them is cheap.
Entry = tuple[
    tuple[Any, ...],
    tuple[tuple[int, str, str, str, str], ...],
    tuple[tuple[str, str, str], ...],
    bool,
    bool,
]
KEY, LOWER, TITLE_NORM, YEAR, DOI, ARXIV, HASH, LINE = (
    bulk.ROW_COLUMNS.index(name)
    for name in (
        "citekey",
        "citekey_lower",
        "title_norm",
        "year",
        "doi",
        "arxiv_id",
        "content_hash",
        "source_line",
    )
)


@dataclass(slots=True)
class _Piece:
    """A parsed piece of a file as rows, and its diagnostics."""

    entries: list[Entry]
    diagnostics: list[Diagnostic]
    failed: int


def _prepare_piece(piece: BibParse) -> _Piece:
    """Runs in the parser worker: a parsed piece -> rows ready to write."""
    return _Piece([_entry(r) for r in piece.records], piece.diagnostics, piece.failed)


def _entry(record: BibRecord) -> Entry:
    key = record.citekey
    row = (
        key,
        key.lower(),
        record.entry_type,
        record.title,
        record.title_norm,
        record.year,
        record.venue,
        record.doi,
        record.arxiv_id,
        record.abstract,
        record.more_authors,
        json.dumps(record.fields, ensure_ascii=False),
        record.raw,
        json.dumps(record.source_fields, ensure_ascii=False),
        _search_text(record),
        record.content_hash,
        record.line,
    )
    authors = tuple(
        (position, p.family, p.given, p.von, p.suffix) for position, p in enumerate(record.authors)
    )
    aliases = tuple((alias, alias.lower(), origin) for alias, origin in aliases_of(record))
    return row, authors, aliases, "cites" in record.fields, _holds_nul(record)


def _holds_nul(record: BibRecord) -> bool:
    """A NUL in the entry's text, or in a value it took from a macro or its crossref parent."""
    if "\x00" in record.raw or any("\x00" in v for v in record.fields.values()):
        return True
    texts = (record.title, record.abstract, record.venue, record.shorthand)
    return any(t is not None and "\x00" in t for t in texts) or any(
        "\x00" in p.family + p.given + p.von + p.suffix for p in record.authors
    )


def _search_text(record: BibRecord) -> str:
    """Words of the key, title, venue, short name, authors and year, as the search sees them.

    Lower-case, accents and punctuation removed, with a leading space so that the
    portable search can match word prefixes with `LIKE '% word%'`.
    """
    parts = [record.citekey, record.title or "", record.venue or "", record.shorthand or ""]
    parts.extend(p.display for p in record.authors)
    if record.year is not None:
        parts.append(str(record.year))
    return " " + normalize_title(" ".join(parts))


def aliases_of(record: BibRecord) -> list[tuple[str, str]]:
    """(alias, origin) pairs a BibTeX entry gives its paper: its shorthand, its title prefix."""
    found: list[tuple[str, str]] = []
    if record.shorthand:
        found.append((record.shorthand, AliasOrigin.SHORTHAND.value))
    if record.title and ":" in record.title:
        prefix = record.title.split(":", 1)[0].strip()
        if (
            prefix
            and len(prefix) <= TITLE_ALIAS_MAX_CHARS
            and len(prefix.split()) <= TITLE_ALIAS_MAX_WORDS
            and all(prefix.lower() != alias.lower() for alias, _ in found)
        ):
            found.append((prefix, AliasOrigin.TITLE.value))
    return found


def _insert_children(session: Session, pairs: Iterable[tuple[int, Entry]]) -> None:
    authors: list[tuple[Any, ...]] = []
    aliases: list[tuple[Any, ...]] = []
    for paper_id, entry in pairs:
        authors.extend((paper_id, *author) for author in entry[1])
        aliases.extend((paper_id, *alias) for alias in entry[2])
    bulk.insert_child_rows(session, authors, aliases)
