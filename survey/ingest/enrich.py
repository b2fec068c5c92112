"""`survey enrich`: papers matched to OpenAlex works, their references as edges (ingest layer).

A run has three steps, so an interrupted one leaves the database as it was: read what
to do (one read transaction), ask OpenAlex through `survey.sources.openalex` (every answer is
cached on disk as it arrives, so a re-run resumes where the last one stopped), then
write everything in one write transaction.

Matching, for each paper not matched yet (every paper in scope with `refresh`):

1. its DOI, asked 100 at a time (`filter=doi:A|B|...`);
2. its arXiv id, as the DOI arXiv registers (`10.48550/arXiv.ID`), also batched;
3. a title search, each result scored with the project's resolver (`survey.ingest.match`)
   with the paper's year (within one: a preprint and its proceedings differ) and its
   authors' family names as hints; only a resolved match (score >= ACCEPT, clear of the
   runner-up) is taken, and its score is stored.

Edges: a matched work's `referenced_works` that are matched to papers of the knowledge
base become `openalex` edges; the others are external works, fetched in batches and
stored once with the papers citing them. Edges and external references are recomputed
from every stored match on each run, so they always agree with the matches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from survey.db import citations as cdb
from survey.db import openalex as oa
from survey.db import reads, session_scope
from survey.db import taxonomy as tx
from survey.ingest.match import Hints, PaperRef, Resolution, Resolver
from survey.sources.openalex import ARXIV_DOI_PREFIX, OpenAlexClient, WorkRecord, parse_work
from survey.textnorm import normalize_title
from survey.vocab import Origin, ResolutionState, is_suspect

ORIGIN = Origin.OPENALEX
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class PaperInfo:
    id: int
    key: str
    title: str
    year: int | None
    doi: str | None
    arxiv_id: str | None
    families: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Match:
    paper: PaperInfo
    work: WorkRecord
    method: str  # doi | arxiv | title
    score: float

    @property
    def doi_suggestion(self) -> str | None:
        """The work's DOI for a paper without one (not the arXiv DOI it already implies)."""
        doi = self.work.doi
        if self.paper.doi or not doi:
            return None
        if self.paper.arxiv_id and doi == ARXIV_DOI_PREFIX + self.paper.arxiv_id.lower():
            return None
        return doi


@dataclass(slots=True)
class EnrichReport:
    scope: str | None
    papers: int = 0  # papers in scope
    already: int = 0  # asked before (matched or not) and kept
    by_doi: int = 0
    by_arxiv: int = 0
    by_title: int = 0
    # Papers left unmatched: (key, best title score or None when nothing came back).
    unmatched: list[tuple[str, float | None]] = field(default_factory=list)
    external_fetched: int = 0
    external_missing: int = 0  # referenced ids OpenAlex returned nothing for
    edges: int = 0  # openalex edges in the database after the run
    external: int = 0  # external works cited by the knowledge base
    suggestions: int = 0  # DOI suggestions stored
    requests: int = 0  # requests sent to the network
    cached: int = 0  # answers read from the cache

    @property
    def matched(self) -> int:
        return self.by_doi + self.by_arxiv + self.by_title


def enrich(
    engine: Engine,
    client: OpenAlexClient,
    *,
    within: str | None = None,
    refresh: bool = False,
    progress: Progress | None = None,
) -> EnrichReport:
    """Match the papers (of one section with `within`) and store OpenAlex's citation data."""
    tick = progress or (lambda _d, _n, _t: None)
    with session_scope(engine) as session:
        scope, papers = _papers_in_scope(session, within)
        matched = oa.matched_paper_ids(session)
        stored_refs = _stored_references(session)
        fetched = set(oa.stored_work_titles(session))
    report = EnrichReport(scope, papers=len(papers))
    targets = papers if refresh else [p for p in papers if p.id not in matched]
    report.already = len(papers) - len(targets)

    matches = _match_papers(client, targets, report, tick)
    tried = dict(report.unmatched)
    kb_works = {m.work.id for m in matches}
    target_ids = {p.id for p in targets}
    kept = {pid: wid for pid, wid in stored_refs.matched.items() if pid not in target_ids}
    kb_works |= set(kept.values())
    referenced: set[str] = {r for m in matches for r in m.work.referenced_works}
    for work_id in kept.values():
        referenced |= set(stored_refs.references.get(work_id, ()))
    wanted = referenced - kb_works
    if not refresh:
        wanted -= fetched
    externals = _fetch_works(client, sorted(wanted), tick)
    report.external_fetched = len(externals)
    # Ids OpenAlex answers nothing for (merged or withdrawn works) are stored without
    # metadata, so the next run does not ask for them again.
    answered = {w.id for w in externals}
    gone = [
        WorkRecord(i, "", None, "", "", (), None, None, "", None) for i in sorted(wanted - answered)
    ]
    report.external_missing = len(gone)
    externals += gone
    report.requests = client.counts.network
    report.cached = client.counts.cached

    with session_scope(engine, write=True) as session:
        _store(session, targets, matches, externals, tried)
        report.edges, report.external = rebuild_openalex_edges(session)
        report.suggestions = sum(1 for m in matches if m.doi_suggestion)
    return report


# -- reading ------------------------------------------------------------------------------


def _papers_in_scope(session: Session, within: str | None) -> tuple[str | None, list[PaperInfo]]:
    ids: set[int] | None = None
    path = None
    if within is not None:
        node = tx.find_node(session, within)
        path = node.path
        ids = cdb.subtree_paper_ids(session, path)
    families = {
        paper_id: [normalize_title(family) for family in names]
        for paper_id, names in reads.author_families(session).items()
    }
    papers = [
        PaperInfo(
            paper_id,
            key,
            title or "",
            year,
            doi.lower() if doi else None,
            arxiv.lower() if arxiv else None,
            tuple(families.get(paper_id, ())),
        )
        for paper_id, key, title, year, doi, arxiv in reads.paper_identities(session)
        if ids is None or paper_id in ids
    ]
    return path, papers


@dataclass(slots=True)
class _Stored:
    matched: dict[int, str]  # paper id -> work id
    references: dict[str, list[str]]  # work id -> referenced work ids


def _stored_references(session: Session) -> _Stored:
    matched = dict(oa.matched_works(session))
    return _Stored(matched, dict(oa.referenced_works(session)))


# -- asking OpenAlex ------------------------------------------------------------------


def _match_papers(
    client: OpenAlexClient, targets: list[PaperInfo], report: EnrichReport, tick: Progress
) -> list[Match]:
    matches: dict[int, Match] = {}

    def by_identifier(method: str, ids: dict[str, list[PaperInfo]]) -> None:
        if not ids:
            return
        found = client.works_by_filter(
            "doi", ids, on_batch=lambda d, t: tick(f"OpenAlex: {method} batches", d, t)
        )
        for raw in found:
            work = parse_work(raw)
            if work is None or work.doi is None:
                continue
            for paper in ids.get(work.doi, []):
                if paper.id not in matches:
                    matches[paper.id] = Match(paper, work, method, 100.0)

    by_identifier("doi", _group(targets, lambda p: p.doi))
    rest = [p for p in targets if p.id not in matches]
    by_identifier(
        "arxiv", _group(rest, lambda p: ARXIV_DOI_PREFIX + p.arxiv_id if p.arxiv_id else None)
    )
    rest = [p for p in targets if p.id not in matches and normalize_title(p.title)]
    for done, paper in enumerate(rest, start=1):
        match, best = match_by_title(client, paper)
        if match is not None:
            matches[paper.id] = match
        else:
            report.unmatched.append((paper.key, best))
        tick("OpenAlex: title searches", done, len(rest))
    for match in matches.values():
        if match.method == "doi":
            report.by_doi += 1
        elif match.method == "arxiv":
            report.by_arxiv += 1
        else:
            report.by_title += 1
    report.unmatched += [
        (p.key, None) for p in targets if p.id not in matches and not normalize_title(p.title)
    ]
    report.unmatched.sort()
    return [matches[p.id] for p in targets if p.id in matches]


def _group(
    papers: Iterable[PaperInfo], value: Callable[[PaperInfo], str | None]
) -> dict[str, list[PaperInfo]]:
    grouped: dict[str, list[PaperInfo]] = {}
    for paper in papers:
        key = value(paper)
        # A comma or a bar would end the filter value: such a DOI goes to title search.
        if key and "," not in key and "|" not in key:
            grouped.setdefault(key.lower(), []).append(paper)
    return grouped


def match_by_title(client: OpenAlexClient, paper: PaperInfo) -> tuple[Match | None, float | None]:
    """The work a title search finds for `paper` if the resolver accepts it, and the best score."""
    works = [w for w in (parse_work(r) for r in client.search_titles(paper.title)) if w]
    years = (paper.year - 1, paper.year, paper.year + 1) if paper.year else ()
    resolution, by_id = resolve_against(works, paper.title, Hints(years, (), paper.families))
    best = resolution.candidates[0][1] if resolution.candidates else None
    if resolution.status == ResolutionState.RESOLVED and resolution.paper is not None:
        score = float(resolution.score or 0.0)
        return Match(paper, by_id[resolution.paper.citekey], "title", score), score
    return None, best


def resolve_against(
    works: list[WorkRecord], title: str, hints: Hints
) -> tuple[Resolution, dict[str, WorkRecord]]:
    """The resolver's verdict on `title` among `works` (keyed by work id)."""
    by_id: dict[str, WorkRecord] = {}
    refs = []
    for index, work in enumerate(works):
        if work.id in by_id or not normalize_title(work.title):
            continue
        by_id[work.id] = work
        refs.append(
            PaperRef(
                paper_id=index,
                citekey=work.id,
                title=normalize_title(work.title),
                year=work.year,
                venue=normalize_title(work.venue),
                has_arxiv=work.arxiv_id is not None,
                authors=frozenset(
                    normalize_title(name.split()[-1]) for name in work.authors if name.split()
                ),
            )
        )
    return Resolver(refs).resolve_title(title, hints), by_id


def _fetch_works(client: OpenAlexClient, ids: list[str], tick: Progress) -> list[WorkRecord]:
    if not ids:
        return []
    found = client.works_by_filter(
        "openalex_id", ids, on_batch=lambda d, t: tick("OpenAlex: cited works", d, t)
    )
    works = {w.id: w for w in (parse_work(r) for r in found) if w is not None}
    return [works[i] for i in sorted(works)]


# -- writing ------------------------------------------------------------------------------


def _store(
    session: Session,
    targets: list[PaperInfo],
    matches: list[Match],
    externals: list[WorkRecord],
    unmatched: dict[str, float | None],
) -> None:
    rows: list[oa.MatchRow] = [
        (m.paper.id, m.work.id, m.method, round(m.score, 1), m.doi_suggestion) for m in matches
    ]
    rows += [
        (p.id, None, "none", unmatched[p.key] or 0.0, None) for p in targets if p.key in unmatched
    ]
    works = {m.work.id: (m.work, True) for m in matches}
    for work in externals:
        works.setdefault(work.id, (work, False))
    # Matched works first, so a match's foreign key finds its work.
    oa.upsert_works(session, [_work_columns(w, keep) for w, keep in works.values()])
    oa.replace_matches(session, [p.id for p in targets], rows)


def _work_columns(work: WorkRecord, keep_references: bool) -> dict[str, object]:
    """A work's row: its metadata, and its reference list for works of the survey only."""
    return {
        "id": work.id,
        "title": work.title or None,
        "year": work.year,
        "venue": work.venue or None,
        "venue_type": work.venue_type or None,
        "first_author": work.first_author or None,
        "doi": work.doi,
        "kind": work.kind or None,
        "cited_by_count": work.cited_by_count,
        "referenced_works": list(work.referenced_works) if keep_references else [],
    }


def _edges_to(
    citing_id: int, cited_ids: list[int], work_id: str, ref: str, years: dict[int, int | None]
) -> dict[tuple[int, int], dict[str, object]]:
    """The edges from one paper to every paper matched to a work its work references."""
    return {
        (citing_id, cited_id): {
            "citing_id": citing_id,
            "cited_id": cited_id,
            "relation": "",
            "evidence": f"OpenAlex {work_id} references {ref}",
            "suspect": is_suspect(years.get(citing_id), years.get(cited_id)),
            "line": None,
        }
        for cited_id in cited_ids
        if cited_id != citing_id
    }


def rebuild_openalex_edges(session: Session) -> tuple[int, int]:
    """Recompute `openalex` edges and external references from the stored matches.

    Returns (edges, external works cited). Works no paper matches or cites are dropped.
    """
    papers_of: dict[str, list[int]] = {}
    for paper_id, work_id in oa.matched_works(session):
        papers_of.setdefault(work_id, []).append(paper_id)
    years = reads.paper_years(session)
    titles = oa.stored_work_titles(session)
    known = {work_id for work_id, title in titles.items() if title}  # works with metadata
    works = oa.referenced_works(session, list(papers_of))
    edges: dict[tuple[int, int], dict[str, object]] = {}
    references: set[tuple[int, str]] = set()
    referenced: set[str] = set()
    for work_id, refs in works:
        referenced.update(refs or [])
        for citing_id in papers_of[work_id]:
            for ref in refs or []:
                if ref in papers_of:
                    edges.update(_edges_to(citing_id, papers_of[ref], work_id, ref, years))
                elif ref in known:
                    references.add((citing_id, ref))
    cdb.replace_edges(session, ORIGIN, None, [edges[k] for k in sorted(edges)])
    oa.replace_references(session, sorted(references))
    cited = {w for _, w in references}
    oa.delete_works(session, sorted(set(titles) - referenced - set(papers_of)))
    return len(edges), len(cited)


__all__ = ["ORIGIN", "EnrichReport", "Match", "PaperInfo", "enrich"]
