"""A survey folder -> database: bibliography, taxonomy, mentions and tags (ingest layer).

`build_survey` runs in the caller's transaction: it loads the manifest's BibTeX files,
parses the notes into taxonomy nodes (kept by slug path, so manual tags survive),
resolves every mention, and replaces the notes and curated tags. Building the same
folder twice changes nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sqlalchemy.orm import Session

from survey.db import bulk
from survey.db import citations as citations_db
from survey.db import mentions as mentions_db
from survey.db import papers as papers_db
from survey.db import settings as settings_db
from survey.db import taxonomy as tx
from survey.db.annotations import Reattached, reattach
from survey.db.mentions import MentionRow
from survey.db.models import TaxonomyNode
from survey.errors import Diagnostic, InputFileError, SurveyError, did_you_mean
from survey.gcpause import gc_paused
from survey.ingest.built_from import SURVEY_MANIFEST, built_manifest, remembered_path
from survey.ingest.edges import (
    FILE_ORIGIN,
    EdgeNames,
    EdgeResult,
    NamedEdge,
    resolve_edges,
    sync_field_edges,
)
from survey.ingest.files import attach_source, survey_file
from survey.ingest.load import LoadReport, Progress, load_bib_files
from survey.ingest.match import PaperRef, Resolution, Resolver
from survey.inputs import read_input
from survey.sources.citations import read_citations
from survey.sources.manifest import Manifest, read_manifest
from survey.sources.notes import NoteMention, Notes, load_notes, parse_notes, slugify
from survey.sources.notes.files import read_notes_file
from survey.textnorm import closest
from survey.vocab import Severity, SourceKind

# Settings naming the survey a database holds: its identity (SURVEY_MANIFEST, its
# manifest, is shared with survey.ingest.built_from).
SURVEY_ID = "survey.id"


def open_mention_warning(mention: MentionRow) -> Diagnostic:
    """The warning a build gives for a mention that names no paper yet: unresolved or
    ambiguous, with its candidates and how to settle it."""
    named = ", ".join(f"{k} ({s:g})" for k, s in mention.candidates) or "no candidates"
    fix = (
        f"survey mentions accept {Path(mention.file).name}:{mention.line} "
        f"{mention.candidates[0][0]}"
        if mention.candidates
        else "add the paper to a .bib file"
    )
    return Diagnostic(
        Severity.WARNING,
        mention.file,
        mention.line,
        None,
        f"{mention.state} mention {mention.title!r} in {mention.section}: {named}; "
        f"cite it as [@key], or {fix}",
    )


@dataclass(slots=True)
class BuildReport:
    manifest: Manifest
    load: LoadReport
    diagnostics: list[Diagnostic] = field(default_factory=list)
    nodes: int = 0
    orphaned: int = 0
    mentions: int = 0
    resolved: int = 0
    ambiguous: int = 0
    unresolved: int = 0
    notes_tags: int = 0
    curated_tags: int = 0
    manual_tags: int = 0
    edges: int = 0
    suspect_edges: int = 0
    open_mentions: list[MentionRow] = field(default_factory=list)
    reattached: Reattached = field(default_factory=Reattached)

    @property
    def all_diagnostics(self) -> list[Diagnostic]:
        return sorted(
            [*self.load.diagnostics, *self.diagnostics], key=lambda d: (d.file, d.line or 0)
        )

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.all_diagnostics)

    def mention_counts(self) -> dict[str, int]:
        """Open mentions per section, in the order they first appear."""
        counts: dict[str, int] = {}
        for item in self.open_mentions:
            counts[item.section] = counts.get(item.section, 0) + 1
        return counts


# Notes, mentions and citation lines make 10^5-10^6 small objects and no cycles to speak
# of: no collection of the whole heap every few thousand of them.
@gc_paused()
def build_survey(
    session: Session,
    folder: Path,
    *,
    strict: bool = False,
    progress: Progress | None = None,
    notes_path: Path | None = None,
    replace: bool = False,
    allow_outside: Sequence[Path] = (),
) -> BuildReport:
    """Build the survey in `folder` (its survey.toml) into the database.

    `notes_path` replaces the manifest's notes file (to build other notes against the
    same bibliography). Paths of the manifest leaving `folder` are refused unless inside
    one of `allow_outside`. A database holds one survey: building another one raises
    `SurveyError` unless `replace`, which empties the database first. Raises
    `InputFileError` for an unreadable manifest, notes or bibliography, and for curated
    or alias keys that name no paper.
    """
    manifest = read_manifest(folder, allow_outside)
    notes = _NotesRead.start(session, manifest, notes_path or manifest.notes)
    if not manifest.title:
        manifest.title = notes.title or manifest.folder.resolve().name
    _claim_database(session, manifest, replace=replace)
    load = load_bib_files(
        session,
        [survey_file(manifest.folder, path) for path in manifest.bibliography],
        strict=strict,
        progress=progress,
        field_edges=False,
    )
    report = BuildReport(manifest, load)
    if not load.written:
        return report

    papers = _Papers(session, manifest.aliases)
    if manifest.aliases or manifest.curated:
        _check_manifest_keys(manifest, papers_db.taken_citekeys(session))
    _notes_into_database(session, manifest, notes, papers, report)
    _load_citations(session, manifest, papers, report)
    settings_db.set_setting(session, "survey.title", manifest.title)
    settings_db.set_setting(session, "survey.description", manifest.description)
    back = reattach(session)  # sections exist now: manual tags whose paper returned
    report.reattached = Reattached(
        load.reattached.tags + back.tags, load.reattached.citations + back.citations
    )
    report.manual_tags = tx.count_manual_tags(session)
    session.flush()
    return report


class _Papers:
    """The papers as the build reads them, each form fetched once and only when needed:
    an unchanged survey is told from the digests, without normalising every paper."""

    def __init__(self, session: Session, aliases: Mapping[str, str]) -> None:
        self._session = session
        self._aliases = aliases

    @cached_property
    def rows(self) -> papers_db.PaperRows:
        return papers_db.paper_rows(self._session)

    @cached_property
    def digests(self) -> papers_db.PaperDigests:
        digests = papers_db.paper_digests(self.rows)
        self._made_of_rows("facts")
        return digests

    @cached_property
    def facts(self) -> list[papers_db.PaperFacts]:
        facts = papers_db.paper_facts(self._session, self.rows)
        self._made_of_rows("digests")
        return facts

    def _made_of_rows(self, other: str) -> None:
        """Let the rows go once the other form is made of them too (10^5 papers: about
        100 MB)."""
        if other in self.__dict__:
            self.__dict__.pop("rows", None)

    @cached_property
    def names(self) -> EdgeNames:
        """What names a paper at an edge's end, the manifest's aliases included."""
        return EdgeNames(self.facts, self._aliases)


@dataclass(slots=True)
class _NotesRead:
    """A build's notes file as far as it is known before the papers load: the digest of
    its inputs, and either what the last build recorded of the same inputs (`built`) or
    the notes parsed now (`notes`)."""

    file: Path | None
    inputs: str
    built: dict[str, object] | None
    notes: Notes | None
    size: int
    title: str

    @classmethod
    def start(cls, session: Session, manifest: Manifest, notes_file: Path | None) -> _NotesRead:
        # Markdown notes whose text and manifest are those of the last build are not
        # parsed again unless the papers changed too (see _built_notes).
        inputs = _notes_inputs(manifest, notes_file)
        built = _built_notes(session, inputs)
        if built is None:
            notes, size = _read_notes(manifest, notes_file)
            return cls(notes_file, inputs, None, notes, size, notes.title)
        return cls(notes_file, inputs, built, None, _count(built["size"]), str(built["title"]))


def _claim_database(session: Session, manifest: Manifest, *, replace: bool) -> None:
    """Name the database's survey after the manifest: one survey per database, so another
    survey is refused unless `replace`, which empties the database first."""
    survey_id = manifest.survey_id or slugify(manifest.title)
    if replace:
        bulk.clear_database(session)
    else:
        _check_same_survey(session, manifest, survey_id)
    settings_db.set_setting(session, SURVEY_ID, survey_id)
    settings_db.set_setting(session, SURVEY_MANIFEST, remembered_path(session, manifest.path))


def _notes_into_database(
    session: Session,
    manifest: Manifest,
    read: _NotesRead,
    papers: _Papers,
    report: BuildReport,
) -> None:
    """Sections, mentions and tags from the notes: kept as the last build wrote them when
    neither the notes nor the papers changed since, built again otherwise."""
    source_id: int | None = None
    notes_name = str(read.file or manifest.path)
    if read.file is not None:
        notes_ref = survey_file(manifest.folder, read.file)
        source_id = attach_source(session, notes_ref, SourceKind.NOTES, "", read.size).id
    fingerprint = _notes_fingerprint(session, read.inputs, papers, source_id)
    if read.built is not None and fingerprint and read.built["fingerprint"] == fingerprint:
        _report_built_notes(session, report, read.built, notes_name)
        return
    if read.notes is None:
        notes, size = _read_notes(manifest, read.file)
    else:
        notes, size = read.notes, read.size
    before = len(report.diagnostics)
    _build_notes(session, manifest, notes, papers.facts, source_id, notes_name, report)
    found = report.diagnostics[before:]
    _remember_notes(session, report, read.inputs, notes, size, papers, source_id, found)


def _count(value: object) -> int:
    return value if isinstance(value, int) else 0


def _read_notes(manifest: Manifest, notes_file: Path | None) -> tuple[Notes, int]:
    if notes_file is None:
        return parse_notes("", str(manifest.path)), 0
    return load_notes(notes_file, manifest.folder, manifest.slugs, exclude=manifest.exclude)


# Setting: what the last build made of the notes (JSON, see _remember_notes).
NOTES_BUILT = "notes.built"


def _notes_inputs(manifest: Manifest, notes_file: Path | None) -> str:
    """A digest of the notes' text, their path and the manifest; "" for notes that may
    read other files (LaTeX `\\input`), which are always parsed."""
    if notes_file is None or notes_file.suffix.lower() == ".tex":
        return ""
    text = read_notes_file(notes_file)
    digest = hashlib.sha256()
    for part in (str(notes_file), manifest.text, text):
        digest.update(part.encode())
        digest.update(b"\x00")
    return digest.hexdigest()


def _built_notes(session: Session, inputs: str) -> dict[str, object] | None:
    """What the last build recorded of these same notes, or None."""
    if not inputs:
        return None
    stored = settings_db.get_setting(session, NOTES_BUILT)
    if not stored:
        return None
    built: dict[str, object] = json.loads(stored)
    return built if built.get("inputs") == inputs else None


def _notes_fingerprint(
    session: Session, inputs: str, papers: _Papers, source_id: int | None
) -> str:
    """The notes' inputs, everything of the papers that resolving mentions reads, the
    notes' source row and the rows the build wrote from them (sections, mentions, tags
    from the notes and curated): equal only when building again would write the same."""
    if not inputs:
        return ""
    digest = hashlib.sha256(f"{inputs}\x00{source_id}\x00{papers.digests.facts}\x00".encode())
    digest.update(json.dumps(tx.derived_counts(session)).encode())
    return digest.hexdigest()


def _remember_notes(
    session: Session,
    report: BuildReport,
    inputs: str,
    notes: Notes,
    size: int,
    papers: _Papers,
    source_id: int | None,
    found: Sequence[Diagnostic],
) -> None:
    """Record what this build made of the notes (and the warnings it gave), so the next
    build of the same notes and papers skips them; notes with an error are built every
    time."""
    if not inputs or any(d.is_error for d in found):
        settings_db.set_setting(session, NOTES_BUILT, "")
        return
    session.flush()
    built = {
        "inputs": inputs,
        "fingerprint": _notes_fingerprint(session, inputs, papers, source_id),
        "title": notes.title,
        "size": size,
        "nodes": report.nodes,
        "notes_tags": report.notes_tags,
        "curated_tags": report.curated_tags,
        "diagnostics": _dump_diagnostics(found),
    }
    settings_db.set_setting(session, NOTES_BUILT, json.dumps(built, sort_keys=True))


def _report_built_notes(
    session: Session, report: BuildReport, built: dict[str, object], notes_name: str
) -> None:
    """The report of notes skipped as unchanged, from what the database holds."""
    report.diagnostics.extend(_load_diagnostics(built.get("diagnostics")))
    report.nodes = _count(built["nodes"])
    report.notes_tags = _count(built["notes_tags"])
    report.curated_tags = _count(built["curated_tags"])
    statuses = mentions_db.mention_statuses(session)
    report.mentions = sum(statuses.values())
    report.resolved = statuses.get("resolved", 0)
    report.ambiguous = statuses.get("ambiguous", 0)
    report.unresolved = report.mentions - report.resolved - report.ambiguous
    # Each names the notes file as a build that reads them does (not as the survey does).
    report.open_mentions.extend(
        dataclasses.replace(mention, file=notes_name, location="")
        for mention in mentions_db.mention_rows(session, open_only=True)
    )


def _build_notes(
    session: Session,
    manifest: Manifest,
    notes: Notes,
    facts: Sequence[papers_db.PaperFacts],
    source_id: int | None,
    notes_name: str,
    report: BuildReport,
) -> None:
    """Sections, mentions and tags from the notes (and curated in the manifest)."""
    report.diagnostics.extend(notes.diagnostics)
    nodes = _sync_nodes(session, notes, source_id, report)
    tx.clear_derived(session, [n.id for n in nodes.values()])

    refs = [
        PaperRef(
            paper_id=f.paper_id,
            citekey=f.citekey,
            title=f.title_norm,
            year=f.year,
            venue=f.venue_norm,
            has_arxiv=f.has_arxiv,
            aliases=f.aliases,
            authors=f.families,
            doi=f.doi,
            arxiv_id=f.arxiv_id,
        )
        for f in facts
    ]
    resolver = Resolver(refs, manifest.aliases)
    # Mentions and tags go in as plain rows, in one bulk insert each (10^5 of them on a
    # large survey: one ORM object each cost more than the rest of the build).
    mention_rows: list[dict[str, object]] = []
    tagged: dict[tuple[int, int], dict[str, object]] = {}
    for node in notes.nodes:
        row = nodes[node.path]
        for mention in node.mentions:
            for resolution in resolver.resolve(mention):
                mention_rows.append(_record_mention(report, row, mention, resolution, notes_name))
                if resolution.paper is not None:
                    _tag_from_notes(tagged, row, resolution.paper, mention.annotation)
    report.notes_tags = len(tagged)
    mentions_db.insert_mentions(session, mention_rows)
    del mention_rows
    tag_rows = list(tagged.values())
    tag_rows += _tag_curated(
        manifest, nodes, {f.citekey.lower(): f.paper_id for f in facts}, report
    )
    tx.insert_tags(session, tag_rows)


def _check_same_survey(session: Session, manifest: Manifest, survey_id: str) -> None:
    """One survey per database: refuse to merge another survey into this one."""
    title = settings_db.get_setting(session, "survey.title")
    stored = settings_db.get_setting(session, SURVEY_ID) or (slugify(title) if title else "")
    if not stored or stored == survey_id:
        return
    built_from = built_manifest(session)
    where = f" (built from {built_from})" if built_from else ""
    raise SurveyError(
        f"this database holds the survey {title or stored!r}{where}; {manifest.path} is "
        f"another survey, {manifest.title!r}",
        "build it into its own database with --db other.db, or start this one over with "
        "survey build --replace (it keeps nothing but what the new files say); if it is "
        f"the same survey renamed, add id = {stored!r} to its survey.toml",
    )


def _check_manifest_keys(manifest: Manifest, keys: set[str]) -> None:
    listed = [(alias, key) for alias, key in manifest.aliases.items()]
    listed += [(node, key) for node, node_keys in manifest.curated.items() for key in node_keys]
    for where, key in listed:
        if key.lower() not in keys:
            line = manifest.line_of(f'"{key}"')
            hint = did_you_mean(closest(key, keys)) or "add the paper to a .bib file"
            location = f"{manifest.path}:{line}" if line else str(manifest.path)
            raise InputFileError(f"{location}: {where}: no paper with key {key!r}", hint)


def _sync_nodes(
    session: Session, notes: Notes, source_id: int | None, report: BuildReport
) -> dict[str, TaxonomyNode]:
    """Upsert one row per heading, by slug path; drop rows of headings gone from the notes
    (those holding manual tags stay, flagged orphaned)."""
    existing = tx.nodes_by_path(session)
    rows: dict[str, TaxonomyNode] = {}
    positions = {
        id(child): index
        for node in notes.root.walk()
        for index, child in enumerate(node.children, start=1)
    }
    for position_node in notes.nodes:
        row = existing.get(position_node.path)
        if row is None:
            row = TaxonomyNode(path=position_node.path)
            session.add(row)
        parent = position_node.parent
        row.slug = position_node.slug
        row.label = position_node.label
        row.level = position_node.level
        row.number = position_node.number
        row.position = positions[id(position_node)]
        row.flag = position_node.flag
        row.description = "\n\n".join(position_node.text)
        row.line = position_node.line
        row.source_id = source_id
        row.parent = rows[parent.path] if parent is not None and parent.level > 0 else None
        rows[position_node.path] = row
    session.flush()
    report.nodes = len(rows)
    keep_for_manual = tx.manual_tag_nodes(session)
    for path, row in sorted(existing.items(), key=lambda item: -item[0].count("/")):
        if path in rows:
            continue
        if row.id in keep_for_manual:
            row.flag = tx.ORPHANED
            report.orphaned += 1
            report.diagnostics.append(
                Diagnostic(
                    Severity.WARNING,
                    str(report.manifest.notes or report.manifest.path),
                    None,
                    None,
                    f"section {path} is gone from the notes but has manual tags: kept as "
                    "orphaned (remove them with survey tag rm, or restore the heading)",
                )
            )
        else:
            session.delete(row)
    session.flush()
    return rows


def _record_mention(
    report: BuildReport,
    node: TaxonomyNode,
    mention: NoteMention,
    resolution: Resolution,
    filename: str,
) -> dict[str, object]:
    """The mention's row, counted (and listed when open) in the report."""
    report.mentions += 1
    row: dict[str, object] = {
        "node_id": node.id,
        "line": mention.line,
        "text": mention.text,
        "title": mention.title,
        "annotation": mention.annotation,
        "hints": list(mention.hints),
        "status": resolution.status,
        "method": resolution.method,
        "paper_id": resolution.paper.paper_id if resolution.paper else None,
        "score": resolution.score,
        "candidates": [{"key": k, "score": s} for k, s in resolution.candidates],
    }
    if resolution.status == "resolved":
        report.resolved += 1
        return row
    if resolution.status == "ambiguous":
        report.ambiguous += 1
    else:
        report.unresolved += 1
    report.open_mentions.append(
        MentionRow(
            file=mention.file or filename,
            line=mention.line,
            section=node.path,
            state=resolution.status,
            title=mention.title,
            text=mention.text,
            method=resolution.method,
            score=resolution.score,
            candidates=tuple(resolution.candidates),
        )
    )
    return row


def _tag_from_notes(
    tagged: dict[tuple[int, int], dict[str, object]],
    node: TaxonomyNode,
    paper: PaperRef,
    annotation: str,
) -> None:
    existing = tagged.get((paper.paper_id, node.id))
    if existing is not None:
        before = str(existing["annotation"])
        if annotation and annotation not in before:
            existing["annotation"] = "; ".join(a for a in (before, annotation) if a)
        return
    tagged[(paper.paper_id, node.id)] = {
        "paper_id": paper.paper_id,
        "node_id": node.id,
        "provenance": tx.NOTES,
        "annotation": annotation,
    }


def _tag_curated(
    manifest: Manifest,
    nodes: dict[str, TaxonomyNode],
    ids: dict[str, int],
    report: BuildReport,
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for path, keys in manifest.curated.items():
        node = nodes.get(path)
        if node is None:
            near = did_you_mean(closest(path, nodes))
            hint = f" ({near})" if near else ""
            report.diagnostics.append(
                Diagnostic(
                    Severity.WARNING,
                    str(manifest.path),
                    manifest.line_of(f'"{path}"'),
                    None,
                    f"curated section {path} is not in the notes{hint}; "
                    f"its {len(keys)} papers are not tagged",
                    code="curated-section",
                )
            )
            continue
        for key in dict.fromkeys(k.lower() for k in keys):
            rows.append(
                {
                    "paper_id": ids[key],
                    "node_id": node.id,
                    "provenance": tx.CURATED,
                    "annotation": "",
                }
            )
            report.curated_tags += 1
    return rows


def _load_citations(
    session: Session, manifest: Manifest, papers: _Papers, report: BuildReport
) -> None:
    """Edges from the citations files and from BibTeX `cites` fields, replacing the old ones.

    Every file edge is replaced at once, so an edge that moves from one citations file to
    another (or a file that leaves the manifest) cannot collide with its old row. When
    nothing the file edges depend on changed since the last build (the files' bytes, the
    papers' keys, aliases and years, the manifest's aliases) and the last build stored
    them without an error, the files are not read again; their warnings are given again.
    The names of the files' edges that name no paper are recorded for `survey check`.
    """
    files = _attach_citation_files(session, manifest)
    stored_edges = citations_db.edge_counts(session, FILE_ORIGIN)
    fingerprint = _citations_fingerprint(files, papers, manifest.aliases, stored_edges[0])
    stored = json.loads(settings_db.get_setting(session, CITATIONS_BUILT) or "{}")
    if fingerprint == stored.get("fingerprint"):
        report.diagnostics.extend(_load_diagnostics(stored.get("diagnostics")))
    else:
        found, from_files = _file_edges(files, papers.names)
        citations_db.replace_edge_values(session, FILE_ORIGIN, from_files.rows)
        citations_db.replace_unknown_edge_names(session, _unknown_names(from_files))
        report.diagnostics.extend(found)
        stored_edges = (len(from_files.rows), from_files.suspect)
        # A file with errors is read again next time, as a BibTeX file with errors is.
        built = {
            "fingerprint": _citations_fingerprint(files, papers, manifest.aliases, stored_edges[0]),
            "diagnostics": _dump_diagnostics(found),
        }
        failed = any(d.is_error for d in found)
        settings_db.set_setting(session, CITATIONS_BUILT, "" if failed else json.dumps(built))
    report.edges += stored_edges[0]
    report.suspect_edges += stored_edges[1]
    from_fields = sync_field_edges(session, lambda: papers.names)
    report.diagnostics.extend(from_fields.diagnostics)
    report.edges += len(from_fields.rows)
    report.suspect_edges += from_fields.suspect


# A citations file as the build read it: its path, source id, SHA-256 and bytes.
_CitationFile = tuple[Path, int, str, bytes]


def _attach_citation_files(session: Session, manifest: Manifest) -> list[_CitationFile]:
    """Read each citations file of the manifest and record it as a source."""
    files: list[_CitationFile] = []
    for path in manifest.citations:
        data = read_input(path, "citations CSV file", "check the citations path in survey.toml")
        sha256 = hashlib.sha256(data).hexdigest()
        ref = survey_file(manifest.folder, path)
        source = attach_source(session, ref, SourceKind.CITATIONS, sha256, len(data))
        files.append((path, source.id, sha256, data))
    return files


def _file_edges(
    files: Sequence[_CitationFile], names: EdgeNames
) -> tuple[list[Diagnostic], EdgeResult]:
    """The edges of the citations files' lines, and every problem of their lines: a
    malformed line, a name that is no paper, a repeated or suspect edge."""
    lines: list[NamedEdge] = []
    found: list[Diagnostic] = []
    for path, source_id, _, data in files:
        edge_lines, diagnostics = read_citations(path, data)
        found.extend(diagnostics)
        lines.extend(
            NamedEdge(str(path), e.line, e.citing, e.cited, e.relation, e.evidence, source_id)
            for e in edge_lines
        )
    resolved = resolve_edges(lines, names)
    found.extend(resolved.diagnostics)
    return found, resolved


def _unknown_names(resolved: EdgeResult) -> list[tuple[int, int, str]]:
    """(source id, line, name) of each end of a file's line that named no paper."""
    rows: list[tuple[int, int, str]] = []
    for line, name in resolved.unknown:
        assert line.source_id is not None and line.line is not None  # a file's line has both
        rows.append((line.source_id, line.line, name))
    return rows


# Setting: what the stored file edges were resolved from (see _citations_fingerprint),
# and the warnings resolving them gave, shown again when the files are skipped.
CITATIONS_BUILT = "citations.built"


def _dump_diagnostics(found: Sequence[Diagnostic]) -> list[list[object]]:
    return [[d.severity.value, d.file, d.line, d.key, d.message, d.code, d.fix] for d in found]


def _load_diagnostics(stored: object) -> list[Diagnostic]:
    rows = stored if isinstance(stored, list) else []
    return [
        Diagnostic(Severity(severity), file, line, key, message, code, fix)
        for severity, file, line, key, message, code, fix in rows
    ]


def _citations_fingerprint(
    files: Sequence[_CitationFile],
    papers: _Papers,
    aliases: Mapping[str, str],
    edges: int,
) -> str:
    """A digest of everything the file edges are resolved from: each file (path, source,
    bytes), each paper's id, key, year and aliases, the manifest's aliases, and the
    number of file edges stored from them."""
    digest = hashlib.sha256()
    for path, source_id, sha256, _ in files:
        digest.update(f"{path}\x00{source_id}\x00{sha256}\n".encode())
    digest.update(json.dumps(sorted(aliases.items()), ensure_ascii=False).encode())
    digest.update(f"papers {papers.digests.names}\n".encode())
    digest.update(f"edges {edges}".encode())
    return digest.hexdigest()
