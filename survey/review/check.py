"""`survey check`: an integrity report over the knowledge base (review layer).

Each finding has a severity (error, warning, info), the key it is about, the file and
line when known, what is wrong and how to fix it. Errors are things BibTeX or the
graph cannot live with; warnings are likely mistakes; info is worth a look.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from survey.db import citations as cdb
from survey.db import indexes as idx
from survey.db import mentions as mentions_db
from survey.db import papers as papers_db
from survey.db import sources as sources_db
from survey.db import taxonomy as tx
from survey.db.annotations import TAG, detached
from survey.db.citations import EdgeRow
from survey.db.models import IndexWork
from survey.errors import Diagnostic
from survey.graph import matrix as gm
from survey.graph import network as g
from survey.identifiers import (
    normalize_arxiv_id,
    normalize_doi,
    same_work_by_title,
    work_identities,
)
from survey.ingest.edges import field_lines
from survey.sources.bibtex import VERBATIM_FIELDS, has_raw_percent, parse_year, raw_field_values
from survey.sources.indexes.records import arxiv_of_doi
from survey.textnorm import normalize_name, normalize_title
from survey.vocab import INDEX_ORIGINS, SectionFlag, Severity, index_label

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

# Required fields per entry type, as BibTeX's standard styles expect them.
REQUIRED: dict[str, tuple[str, ...]] = {
    "article": ("author", "title", "journal", "year"),
    "inproceedings": ("author", "title", "booktitle", "year"),
    "conference": ("author", "title", "booktitle", "year"),
    "incollection": ("author", "title", "booktitle", "publisher", "year"),
    "book": ("title", "publisher", "year"),
    "inbook": ("title", "publisher", "year"),
    "phdthesis": ("author", "title", "school", "year"),
    "mastersthesis": ("author", "title", "school", "year"),
    "techreport": ("author", "title", "institution", "year"),
    "proceedings": ("title", "year"),
    "unpublished": ("author", "title", "note"),
    "misc": ("title",),
}


@dataclass(slots=True)
class _Paper:
    id: int
    key: str
    entry_type: str
    title: str
    year: int | None
    venue: str
    doi: str | None
    arxiv: str | None
    file: str | None
    line: int | None
    values: dict[str, str]
    families: set[str]


def check(session: Session) -> list[Diagnostic]:
    """Every finding, errors first, then by file, line and key."""
    papers = _papers(session)
    findings: list[Diagnostic] = []
    findings += _fields(papers)
    findings += _duplicates(papers)
    findings += _taxonomy(session, papers)
    findings += _citations(session, papers)
    findings += _detached(session)
    findings += _indexes(session, papers)
    findings += _raw_percents(papers)
    order = {ERROR: 0, WARNING: 1, INFO: 2}
    return sorted(
        findings,
        key=lambda f: (order[f.severity], f.file or "", f.line or 0, f.key or "", f.code),
    )


def _detached(session: Session) -> list[Diagnostic]:
    """Manual annotations kept for papers that left the bibliography."""
    found: list[Diagnostic] = []
    for row in detached(session):
        if row.kind == TAG:
            what = f"manual tag of {row.citekey} in {row.node_path}"
        else:
            what = f"manual edge {row.citekey} -> {row.other_key}"
        found.append(
            _found(
                WARNING,
                "detached",
                row.citekey,
                None,
                None,
                f"{what} is detached: a paper it names left the bibliography",
                "it comes back when the entry does; to drop it for good, add the entry "
                "again and remove it with survey tag rm / survey cite rm",
            )
        )
    return found


def _papers(session: Session) -> list[_Paper]:
    """Every paper, read as plain rows (its BibTeX kept only while it is checked)."""
    families = {
        paper_id: {normalize_title(family) for family in names}
        for paper_id, names in papers_db.author_families(session).items()
    }
    found: list[_Paper] = []
    # The stored columns and fields answer the field checks for almost every entry; the
    # stored BibTeX is parsed again only for entries whose year, DOI or authors the
    # build could not store (an invalid or missing value the message must quote).
    again: list[str] = []
    for row in papers_db.papers_to_check(session):
        paper, raw = _paper_of(row, families)
        found.append(paper)
        if raw and _needs_raw(paper.year, paper.doi, raw, bool(paper.families)):
            again.append(raw)
    originals = raw_field_values(again)
    for paper in found:
        if paper.key in originals:
            paper.values = {**originals[paper.key], **paper.values}
    return found


def _paper_of(row: tuple[Any, ...], families: dict[int, set[str]]) -> tuple[_Paper, str]:
    """A row of `papers_to_check` as the checks read it, and its BibTeX as written."""
    paper_id, key, entry_type, title, year, venue, doi, arxiv, path, line, fields, raw = row
    paper = _Paper(
        paper_id,
        key,
        entry_type,
        title or "",
        year,
        venue or "",
        doi,
        arxiv,
        path,
        line,
        dict(fields),
        families.get(paper_id, set()),
    )
    return paper, raw


def _needs_raw(year: int | None, doi: str | None, raw: str, has_authors: bool) -> bool:
    """True when the checks need a value of the stored entry that no column holds: a
    year or DOI that did not parse, an author field that gave no names, or a `%` (the
    stored values are decoded, so only the entry as written tells `50%` from `50\\%`)."""
    if year is None or not has_authors or "%" in raw:
        return True
    return doi is None and "doi" in raw.lower()


def _found(
    severity: Severity,
    code: str,
    key: str | None,
    file: str | None,
    line: int | None,
    message: str,
    fix: str,
) -> Diagnostic:
    """A finding, from its parts in the order the checks below write them."""
    return Diagnostic(severity, file or "", line, key, message, code, fix)


def _finding(
    severity: Severity, code: str, paper: _Paper | None, message: str, fix: str
) -> Diagnostic:
    if paper is None:
        return _found(severity, code, None, None, None, message, fix)
    return _found(severity, code, paper.key, paper.file, paper.line, message, fix)


def _fields(papers: Iterable[_Paper]) -> list[Diagnostic]:
    found = []
    for paper in papers:
        present = {k for k, v in paper.values.items() if str(v).strip()}
        if paper.title:
            present.add("title")
        if paper.year is not None:
            present.add("year")
        if paper.families:
            present.add("author")
        for name in REQUIRED.get(paper.entry_type, ("title",)):
            if name not in present and not (name == "author" and "editor" in present):
                found.append(
                    _finding(
                        ERROR,
                        "missing-field",
                        paper,
                        f"@{paper.entry_type} without {name}",
                        f"add {name} = {{...}} to the entry",
                    )
                )
        year = paper.values.get("year")
        if year is not None and parse_year(year) is None:
            found.append(
                _finding(
                    ERROR,
                    "invalid-year",
                    paper,
                    f"year {year!r} is not a year",
                    "write the four-digit year of publication",
                )
            )
        doi = paper.values.get("doi")
        if doi and normalize_doi(doi) is None:
            found.append(
                _finding(
                    ERROR,
                    "invalid-doi",
                    paper,
                    f"doi {doi!r} is not a DOI",
                    "write it as 10.NNNN/suffix, or remove it",
                )
            )
        for name in ("arxiv", "eprint"):
            value = paper.values.get(name)
            archive = paper.values.get("archiveprefix", paper.values.get("eprinttype", "arxiv"))
            if (
                value
                and (name == "arxiv" or archive.lower() == "arxiv")
                and normalize_arxiv_id(value) is None
            ):
                found.append(
                    _finding(
                        ERROR,
                        "invalid-arxiv",
                        paper,
                        f"{name} {value!r} is not an arXiv identifier",
                        "write it as NNNN.NNNNN (or archive/NNNNNNN)",
                    )
                )
    return found


def _raw_percents(papers: Iterable[_Paper]) -> list[Diagnostic]:
    """A `%` not written `\\%`: read here as a character, but pandoc's BibTeX reader takes
    it for a comment and cuts the field there (the export writes `\\%`)."""
    found = []
    for paper in papers:
        for name, value in paper.values.items():
            if name not in VERBATIM_FIELDS and has_raw_percent(str(value)):
                found.append(
                    _finding(
                        WARNING,
                        "raw-percent",
                        paper,
                        f"{name} has a raw % (pandoc reads the rest of the line as a comment)",
                        f"write \\% in {name}",
                    )
                )
    return found


def _is_preprint(paper: _Paper) -> bool:
    venue = normalize_title(paper.venue)
    return paper.entry_type in ("misc", "unpublished", "online") or not venue or "arxiv" in venue


# A pair of entries that look like one paper: the two, the finding's code and severity,
# why, and the fix.
_Pair = tuple[_Paper, _Paper, str, Severity, str, str]


def _duplicates(papers: list[_Paper]) -> list[Diagnostic]:
    """One finding per pair of entries that look like one paper: the same DOI or arXiv
    id first, then the same title (see `_same_title`)."""
    found: list[Diagnostic] = []
    seen: set[tuple[str, str]] = set()
    for a, b, code, severity, why, fix in [*_same_identifier(papers), *_same_title(papers)]:
        first, second = sorted((a, b), key=lambda p: p.key)
        if (first.key, second.key) in seen:
            continue
        seen.add((first.key, second.key))
        message = f"{second.key} and {first.key} ({first.file}:{first.line}): {why}"
        found.append(_finding(severity, code, second, message, fix))
    return found


def _same_identifier(papers: list[_Paper]) -> list[_Pair]:
    pairs: list[_Pair] = []
    by_identity: dict[tuple[str, str], list[_Paper]] = {}
    for paper in papers:
        for identity in work_identities(paper.doi, paper.arxiv, None, None):
            by_identity.setdefault(identity, []).append(paper)
    for name in ("doi", "arxiv"):
        groups = {value: group for (kind, value), group in by_identity.items() if kind == name}
        for value, group in sorted(groups.items()):
            pairs += [
                (
                    group[0],
                    other,
                    "duplicate",
                    WARNING,
                    f"same {name} {value}",
                    "keep one entry, or mark them as versions if they are distinct",
                )
                for other in group[1:]
            ]
    return pairs


def _same_title(papers: list[_Paper]) -> list[_Pair]:
    """The same normalised title, years within one and a shared author family: versions
    when one is a preprint and the other not, duplicates otherwise."""
    by_title: dict[str, list[_Paper]] = {}
    for paper in papers:
        if paper.title:
            by_title.setdefault(normalize_title(paper.title), []).append(paper)
    pairs: list[_Pair] = []
    for group in by_title.values():
        for index, a in enumerate(group):
            for b in group[index + 1 :]:
                if not same_work_by_title(a.year, b.year, a.families, b.families):
                    continue
                if _is_preprint(a) != _is_preprint(b):
                    pairs.append(
                        (
                            a,
                            b,
                            "versions",
                            INFO,
                            "a preprint and its published version",
                            "keep both; cite the published one (they are linked as versions)",
                        )
                    )
                else:
                    pairs.append(
                        (
                            a,
                            b,
                            "duplicate",
                            WARNING,
                            "same title, years within one, a shared author",
                            "keep one entry, or merge their fields into it",
                        )
                    )
    return pairs


def _taxonomy(session: Session, papers: list[_Paper]) -> list[Diagnostic]:
    found = []
    for mention in mentions_db.open_mentions(session):
        best = sorted(
            mention.candidates, key=lambda c: (-float(str(c.get("score") or 0)), str(c.get("key")))
        )
        candidates = ", ".join(str(c.get("key")) for c in best) or "none"
        found.append(
            _found(
                WARNING,
                f"{mention.status}-mention",
                None,
                str(mention.node.path),
                mention.line,
                f"{mention.text!r} in {mention.node.path} is {mention.status} "
                f"(candidates: {candidates})",
                "cite it as [@key] in the notes, or add an alias in survey.toml",
            )
        )
    nodes = tx.nodes_in_order(session)
    tagged_nodes = tx.tagged_node_ids(session)
    for node in nodes:
        if (
            node.flag in (SectionFlag.EMPTY, SectionFlag.IMAGES_ONLY)
            and node.id not in tagged_nodes
        ):
            found.append(
                _found(
                    INFO,
                    f"{node.flag}-section",
                    None,
                    None,
                    node.line,
                    f"section {node.path} is {node.flag} and has no papers",
                    "add bullets to the notes or curated papers in survey.toml",
                )
            )
        if node.flag == SectionFlag.ORPHANED:
            found.append(
                _found(
                    WARNING,
                    "orphaned-section",
                    None,
                    None,
                    None,
                    f"section {node.path} is gone from the notes but has manual tags",
                    "restore the heading, or remove the tags with survey tag rm",
                )
            )
    tagged_ids = tx.tagged_paper_ids(session)
    if nodes:
        for paper in papers:
            if paper.id not in tagged_ids:
                found.append(
                    _finding(
                        INFO,
                        "no-section",
                        paper,
                        f"{paper.key} is in no section",
                        "name it in the notes, curate it, or survey tag add it",
                    )
                )
    return found


def _citations(session: Session, papers: list[_Paper]) -> list[Diagnostic]:
    """Papers no edge touches, edges to a much younger paper, citation cycles, and names
    of the citations files and cites fields that are no paper."""
    keys = {p.key.lower() for p in papers}
    aliases = {normalize_name(a) for a in papers_db.alias_names(session)}

    def is_paper(name: str) -> bool:
        return name.lower() in keys or normalize_name(name) in aliases

    citing, cited = _links(session, papers)
    return [
        *_uncited(papers, citing, cited),
        *_younger_citations(session, papers),
        *_cycles(session, papers, citing, cited),
        *_missing_citation_files(session),
        *_unknown_papers(session, is_paper),
        *_dangling_cites(session, is_paper),
    ]


def _links(session: Session, papers: list[_Paper]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Every edge as (citing, cited) positions in `papers`, read as plain ids."""
    ids = np.array([p.id for p in papers], dtype=np.int64)
    by_id = np.argsort(ids)
    flat = np.fromiter(itertools.chain.from_iterable(cdb.citation_rows(session)), dtype=np.int64)
    citing = by_id[np.searchsorted(ids, flat[0::2], sorter=by_id)]
    cited = by_id[np.searchsorted(ids, flat[1::2], sorter=by_id)]
    return citing.astype(np.int64), cited.astype(np.int64)


def _younger_citations(session: Session, papers: list[_Paper]) -> list[Diagnostic]:
    """Edges the build flagged suspect: the cited paper is more than a year younger."""
    by_key = {p.key: p for p in papers}
    return [
        _found(
            WARNING,
            "younger-citation",
            edge.citing,
            edge.file,
            edge.line,
            f"{edge.citing} ({by_key[edge.citing].year}) cites {edge.cited} "
            f"({by_key[edge.cited].year}), more than a year younger"
            + (f" (origin {edge.origin}: {edge.evidence})" if edge.origin in INDEX_ORIGINS else ""),
            "check the edge; cite the preprint if that is what was read",
        )
        for edge in cdb.suspect_edges(session)
    ]


def _cycles(
    session: Session, papers: list[_Paper], citing: NDArray[np.int64], cited: NDArray[np.int64]
) -> list[Diagnostic]:
    """Each citation cycle, with where each of its edges comes from. Only the papers on
    some cycle (a strongly connected group, found on the whole graph as a sparse
    matrix) are searched for cycles, and only their edges are read in full; when they
    hold more cycles than are listed, the whole graph is searched, so the cycles listed
    are those a search of the whole graph lists."""
    cyclic = gm.on_cycles(gm.citation_matrix(len(papers), citing, cited)).tolist()
    if not cyclic:
        return []
    rows = cdb.edges_among(session, [papers[i].id for i in cyclic])
    graph = g.citation_graph(
        [(papers[i].key, {}) for i in cyclic], [(e.citing, e.cited, {}) for e in rows]
    )
    cycles = g.find_cycles(graph)
    if len(cycles) >= g.CYCLES_LISTED:
        rows = cdb.edges(session)
        graph = g.citation_graph(
            [(p.key, {}) for p in papers], [(e.citing, e.cited, {}) for e in rows]
        )
        cycles = g.find_cycles(graph)
    found: list[Diagnostic] = []
    for cycle in cycles:
        message, fix = cdb.describe_cycle(cycle, [e for e in rows if e.citing in cycle])
        found.append(_found(ERROR, "citation-cycle", cycle[0], None, None, message, fix))
    return found


def _missing_citation_files(session: Session) -> list[Diagnostic]:
    """Citations files loaded before that are not there now."""
    return [
        _found(
            WARNING,
            "missing-file",
            None,
            path,
            None,
            f"citations file {path} was loaded before but is not there now: its edges "
            "are those the last build read from it",
            "restore the file, or run survey sources forget with its name",
        )
        for path in sources_db.citation_file_locations(session)
        if not Path(path).is_file()
    ]


def _unknown_papers(session: Session, is_paper: Callable[[str], bool]) -> list[Diagnostic]:
    """Names of the citations files' edges that named no paper when the build read them
    (as it recorded them) and still name none."""
    return [
        _found(
            ERROR,
            "unknown-paper",
            name,
            path,
            line,
            f"edge names {name!r}, which is no paper",
            "fix the key, or add the paper to a .bib file",
        )
        for path, line, name in cdb.unknown_edge_names(session)
        if not is_paper(name)
    ]


def _dangling_cites(session: Session, is_paper: Callable[[str], bool]) -> list[Diagnostic]:
    """Keys of the stored entries' cites fields that name no paper."""
    return [
        _found(
            WARNING,
            "dangling-cite",
            edge_line.citing,
            edge_line.file,
            edge_line.line,
            f"its cites field names {edge_line.cited!r}, which is no paper",
            "fix the key in the cites field, or add the cited paper to a .bib file",
        )
        for edge_line in field_lines(session)
        if not is_paper(edge_line.cited)
    ]


def _uncited(
    papers: list[_Paper], citing: NDArray[np.int64], cited: NDArray[np.int64]
) -> list[Diagnostic]:
    """Papers no edge touches, once the survey has any edges (before that, every paper
    would be reported and none of it would help)."""
    if not citing.size:
        return []
    linked = np.zeros(len(papers), dtype=bool)
    linked[citing] = True
    linked[cited] = True
    return [
        _finding(
            WARNING,
            "no-citation",
            paper,
            f"{paper.key} has no citation edge: it cites no paper of the survey and none cites it",
            "add the edges its text shows to a citations file (or survey cite add "
            "CITING CITED); survey enrich adds those the indexes know",
        )
        for paper, touched in zip(papers, linked.tolist(), strict=True)
        if not touched
    ]


def _indexes(session: Session, papers: list[_Paper]) -> list[Diagnostic]:
    """DOI suggestions, curated edges no citation index confirms, and how far the
    indexes agree with each other."""
    by_id = {p.id: p for p in papers}
    by_key = {p.key: p for p in papers}
    found: list[Diagnostic] = []
    # index -> paper key -> (work id, its references or None)
    work_of: dict[str, dict[str, tuple[str, list[str] | None]]] = {}
    suggested: dict[tuple[str, str], list[str]] = {}
    matched: set[int] = set()
    for paper_id, source, work_id, method, score, suggestion, refs in idx.matches_with_references(
        session
    ):
        paper = by_id[paper_id]
        matched.add(paper_id)
        work_of.setdefault(source, {})[paper.key] = (work_id, refs)
        if suggestion and not paper.doi:
            label = f"{index_label(source)} {work_id} ({method} match, confidence {score:g}/100)"
            suggested.setdefault((paper.key, suggestion), []).append(label)
    for (key, suggestion), labels in sorted(suggested.items()):
        found.append(
            _finding(
                INFO,
                "doi-suggestion",
                by_key[key],
                f"{'; '.join(labels)} suggests doi {suggestion} for {key}",
                f"check it, then add doi = {{{suggestion}}} to the entry",
            )
        )
    found += _published_versions(session, papers, by_id)
    # Only an edge between two papers an index matched can be confirmed or compared.
    edges = cdb.edges_among(session, matched) if matched else []
    found += _unconfirmed_edges(edges, work_of)
    found += _agreement(edges, work_of)
    return found


# Venue types and work kinds of the indexes that say "not a publication of its own".
_PREPRINT_VENUE_TYPES = frozenset({"repository"})
_PREPRINT_KINDS = frozenset({"preprint", "posted-content"})


def _published_as(work: IndexWork) -> str | None:
    """How an index's work says it was published (venue, year, DOI); None when it reads
    as a preprint: an arXiv DOI or none, and no journal or conference venue."""
    venue = (work.venue or "").strip()
    doi = work.doi if work.doi and arxiv_of_doi(work.doi) is None else None
    in_venue = (
        bool(venue)
        and "arxiv" not in venue.lower()
        and (work.venue_type or "").lower() in ("journal", "conference")
    )
    if (work.kind or "").lower() in _PREPRINT_KINDS and not doi:
        return None
    if (work.venue_type or "").lower() in _PREPRINT_VENUE_TYPES and not doi:
        return None
    if not in_venue and not doi:
        return None
    parts = [f"{venue} ({work.venue_type})" if in_venue else ""]
    parts += [str(work.year) if work.year else "", f"doi {doi}" if doi else ""]
    return ", ".join(part for part in parts if part)


def _published_versions(
    session: Session, papers: list[_Paper], by_id: dict[int, _Paper]
) -> list[Diagnostic]:
    """Preprint entries (@misc and the like, or an arXiv venue) for which an index's
    matched work names a journal, a conference or a publisher's DOI."""
    seen: dict[str, list[str]] = {}
    for paper_id, source, work in idx.matched_work_records(session):
        paper = by_id[paper_id]
        if not _is_preprint_entry(paper):
            continue
        published = _published_as(work)
        if published is not None:
            seen.setdefault(paper.key, []).append(f"{index_label(source)} {work.id}: {published}")
    by_key = {p.key: p for p in papers}
    return [
        _finding(
            INFO,
            "published-version",
            by_key[key],
            f"{key} is entered as a preprint but an index lists a published version "
            f"({'; '.join(labels)})",
            "check the venue's own record; if it is the same paper, make the entry "
            "@inproceedings or @article with its booktitle or journal, pages and DOI",
        )
        for key, labels in sorted(seen.items())
    ]


def _is_preprint_entry(paper: _Paper) -> bool:
    """Entered as a preprint: a @misc-like type, or a venue that is arXiv."""
    return paper.entry_type in ("misc", "unpublished", "online") or ("arxiv" in paper.venue.lower())


def _confirms(
    works: dict[str, tuple[str, list[str] | None]], citing: str, cited: str
) -> bool | None:
    """Whether one index's references of `citing` hold `cited`; None when it cannot say
    (it lacks either work, or a reference list for the citing one)."""
    citing_work, cited_work = works.get(citing), works.get(cited)
    if citing_work is None or cited_work is None or not citing_work[1]:
        return None
    return cited_work[0] in citing_work[1]


def _unconfirmed_edges(
    edges: list[EdgeRow], work_of: dict[str, dict[str, tuple[str, list[str] | None]]]
) -> list[Diagnostic]:
    found = []
    seen: set[tuple[str, str]] = set()
    for edge in edges:
        pair = (edge.citing, edge.cited)
        if edge.origin in INDEX_ORIGINS or pair in seen:
            continue
        seen.add(pair)
        verdicts = {
            source: _confirms(works, edge.citing, edge.cited)
            for source, works in sorted(work_of.items())
        }
        able = [source for source, verdict in verdicts.items() if verdict is not None]
        if not able or any(verdicts[source] for source in able):
            continue
        names = ", ".join(index_label(source) for source in able)
        found.append(
            _found(
                INFO,
                "index-lacks-edge",
                edge.citing,
                edge.file,
                edge.line,
                f"{edge.citing} -> {edge.cited} ({edge.origin}) is in no index's references "
                f"({names} know both papers)",
                "nothing to do if the edge is right (the indexes' reference lists are "
                "incomplete); otherwise remove it",
            )
        )
    return found


def _agreement(
    edges: list[EdgeRow], work_of: dict[str, dict[str, tuple[str, list[str] | None]]]
) -> list[Diagnostic]:
    """Per pair of indexes: of the edges among papers both matched (with a reference list
    for the citing one in both), how many both have and how many only one has."""
    witnessed: dict[str, set[tuple[str, str]]] = {}
    for edge in edges:
        if edge.origin in INDEX_ORIGINS:
            witnessed.setdefault(edge.origin, set()).add((edge.citing, edge.cited))
    found = []
    for first, second in itertools.combinations(sorted(work_of), 2):
        both_know = {
            key
            for key, (_, refs) in work_of[first].items()
            if refs and key in work_of[second] and work_of[second][key][1]
        }
        if not both_know:
            continue
        mine = {e for e in witnessed.get(first, set()) if e[0] in both_know and e[1] in both_know}
        theirs = {
            e for e in witnessed.get(second, set()) if e[0] in both_know and e[1] in both_know
        }
        shared = len(mine & theirs)
        total = len(mine | theirs)
        a, b = index_label(first), index_label(second)
        found.append(
            _found(
                INFO,
                "index-agreement",
                None,
                None,
                None,
                f"{a} and {b} agree on {shared} of {total} edges among the {len(both_know)} "
                f"papers both matched ({len(mine - theirs)} only in {a}, "
                f"{len(theirs - mine)} only in {b})",
                "",
            )
        )
    return found
