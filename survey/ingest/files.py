"""Which stored source a file on disk is: stable file identities (ingest layer).

A survey's files are named by their path relative to its `survey.toml`, so the same
survey built from another checkout, a moved folder or a new virtualenv finds its rows
again. A file given to `survey load` alone is named by its file name, and told apart
from another file of the same name by its content and by whether the other one still
exists. A row written under an older identity (an absolute path, an old name) is
adopted when it is the same file: same location, same content, or a path ending in
the new identity.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from sqlalchemy.orm import Session

from survey.db import citations as citations_db
from survey.db import papers as papers_db
from survey.db import sources as sources_db
from survey.db import taxonomy as tx
from survey.db.annotations import detach
from survey.db.models import Source
from survey.errors import SurveyError, did_you_mean
from survey.ingest.edges import sync_field_edges
from survey.textnorm import closest
from survey.vocab import SourceKind


@dataclass(frozen=True, slots=True)
class FileRef:
    """A file as the loader sees it: how the user named it, its identity, where it is."""

    path: Path  # as given, for messages
    identity: str  # relative to survey.toml (posix), or the file name
    location: str  # absolute path
    in_survey: bool

    @property
    def display(self) -> str:
        return str(self.path)

    @property
    def short_name(self) -> str:
        """For summaries: the identity of a survey file, else the path from here."""
        if self.in_survey:
            return self.identity
        try:
            relative = os.path.relpath(self.location)
        except ValueError:
            return self.display
        return relative if len(relative) < len(self.location) else self.location


def survey_file(folder: Path, path: Path) -> FileRef:
    """A file of the survey in `folder`: its identity is its path relative to the folder."""
    location = _absolute(path)
    identity = PurePosixPath(Path(os.path.relpath(location, _absolute(folder)))).as_posix()
    return FileRef(path, identity, location, True)


def bare_file(path: Path) -> FileRef:
    """A file given to `survey load` on its own: its identity starts as its name."""
    return FileRef(path, path.name, _absolute(path), False)


def _absolute(path: Path) -> str:
    return str(path.expanduser().resolve())


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def find_source(session: Session, ref: FileRef, kind: SourceKind, sha256: str) -> Source | None:
    """The stored source that is this file, renamed to its identity; None for a new file.

    Adopts a row stored under another identity when it is the same file: read from the
    same location, or (for a survey file) stored under an absolute path that ends with
    the identity, or holding the same bytes while its own location is gone.
    """
    rows = [s for s in sources_db.all_sources(session) if s.kind == kind]
    by_identity = {s.path: s for s in rows}
    identity = ref.identity
    found = by_identity.get(identity)
    if found is not None and not ref.in_survey and not _same_file(found, ref, sha256):
        # Another live file of the same name: name this one by more of its path.
        identity = _longer_identity(ref, set(by_identity))
        found = by_identity.get(identity)
    if found is None:
        found = _adoptable(rows, ref, sha256)
    if found is None:
        return None
    if found.path != identity:
        found.path = identity
    found.location = ref.location
    session.flush()
    return found


def attach_source(
    session: Session, ref: FileRef, kind: SourceKind, sha256: str, size: int
) -> Source:
    """The source row for this file, found (or adopted) or created, with its new facts."""
    source = find_source(session, ref, kind, sha256)
    if source is None:
        identity = ref.identity
        taken = {s.path for s in sources_db.all_sources(session)}
        if identity in taken:
            identity = _longer_identity(ref, taken)
        source = sources_db.save_source(session, identity, kind, sha256, size, now())
        source.location = ref.location
    else:
        source.sha256, source.size, source.loaded_at = sha256, size, now()
    session.flush()
    return source


def _same_file(row: Source, ref: FileRef, sha256: str) -> bool:
    if row.location == ref.location or (sha256 and row.sha256 == sha256):
        return True
    return row.location is None or not Path(row.location).exists()


def _longer_identity(ref: FileRef, taken: set[str]) -> str:
    parts = Path(ref.location).parts
    for count in range(2, len(parts) + 1):
        candidate = PurePosixPath(*parts[-count:]).as_posix()
        if candidate not in taken:
            return candidate
    return ref.location


def _adoptable(rows: list[Source], ref: FileRef, sha256: str) -> Source | None:
    for row in rows:
        if row.location == ref.location:
            return row
    if ref.in_survey:
        suffix = "/" + ref.identity.lstrip("./")
        legacy = [r for r in rows if os.path.isabs(r.path) and r.path.endswith(suffix)]
        if legacy:
            return max(legacy, key=lambda r: (r.loaded_at, r.id))
    if sha256:
        moved = [
            r
            for r in rows
            if r.sha256 == sha256 and (r.location is None or not Path(r.location).exists())
        ]
        if len(moved) == 1:
            return moved[0]
    return None


def is_live(row_location: str | None, ref: FileRef) -> bool:
    """True when a source read from `row_location` is another file that still exists."""
    return row_location is not None and row_location != ref.location and Path(row_location).exists()


def shown(identity: str | None, location: str | None) -> str:
    """How messages name a stored source: where it is now, relative when that is shorter."""
    if location and Path(location).exists():
        try:
            relative = os.path.relpath(location)
        except ValueError:
            return location
        return relative if len(relative) < len(location) else location
    return identity or "the database"


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """One loaded file, as `survey sources` lists it."""

    identity: str
    kind: str
    location: str | None
    present: bool  # the file is still at its location
    entries: int  # papers (bib), edges (citations) or sections (notes) it holds
    loaded_at: datetime


@dataclass(frozen=True, slots=True)
class Forgotten:
    identity: str
    kind: str
    papers: int
    edges: int
    sections: int
    kept_orphaned: int


def list_sources(session: Session) -> list[SourceInfo]:
    """Every loaded file with how many entries it holds, by identity."""
    counts = sources_db.source_entry_counts(session)
    found: list[SourceInfo] = []
    for row in sources_db.all_sources(session):
        found.append(
            SourceInfo(
                identity=row.path,
                kind=row.kind,
                location=row.location,
                present=bool(row.location) and Path(row.location or "").exists(),
                entries=counts.get(row.id, 0),
                loaded_at=row.loaded_at,
            )
        )
    return found


def match_source(session: Session, name: str) -> Source:
    """The stored source `name` means: its identity, its location, or a unique ending."""
    rows = sources_db.all_sources(session)
    if not rows:
        raise SurveyError("no file is loaded", "load one first: survey load FILE.bib")
    wanted = name.strip()
    location = _absolute(Path(wanted))
    for matches in (
        [r for r in rows if r.path == wanted],
        [r for r in rows if r.location == location],
        [r for r in rows if r.path.endswith("/" + wanted.lstrip("./"))],
        [r for r in rows if PurePosixPath(r.path).name == Path(wanted).name],
    ):
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            names = ", ".join(r.path for r in matches)
            raise SurveyError(f"{name!r} names several loaded files: {names}", "give one of them")
    hint = did_you_mean(closest(wanted, [r.path for r in rows], cutoff=30)) or "see survey sources"
    raise SurveyError(f"no loaded file {name!r}", hint)


def forget_source(session: Session, name: str) -> Forgotten:
    """Remove a loaded file and what only it says: its entries (bib), its edges
    (citations) or its sections (notes). Manual tags and edges of the papers that remain
    are kept; a section of the notes that holds manual tags is kept, flagged orphaned."""
    source = match_source(session, name)
    papers = edges = sections = orphaned = 0
    if source.kind == SourceKind.BIB:
        ids = [paper_id for paper_id, _ in papers_db.keys_from_source(session, source.id)]
        detach(session, ids)
        papers_db.delete_papers(session, ids)
        papers = len(ids)
    elif source.kind == SourceKind.CITATIONS:
        edges = citations_db.delete_source_edges(session, source.id)
    else:
        sections, orphaned = tx.drop_source_nodes(session, source.id)
    identity, kind = source.path, source.kind
    session.delete(source)
    session.flush()
    if papers or kind == "bib":
        sync_field_edges(session)
    return Forgotten(identity, kind, papers, edges, sections, orphaned)
