"""`survey enrich`: papers matched to the works of the citation indexes, their references
as edges (ingest layer).

A run has three steps, so an interrupted one leaves the database as it was: read what
to do (one read transaction), ask each index through its client in
`survey.sources.indexes` (every answer is cached on disk as it arrives, so a re-run
resumes where the last one stopped), then write everything in one write transaction.
An index that fails (down, out of budget, answering garbage) is named in the report and
its part is left out; the other indexes' edges still land.

Matching, per index, for each paper not matched in it yet (every paper in scope with
`refresh`):

1. its DOI, asked in batches;
2. its arXiv id, also batched;
3. the index's title candidates, each scored with the project's resolver
   (`survey.ingest.match`) with the paper's year (within one: a preprint and its
   proceedings differ) and its authors' family names as hints; only a resolved match
   (score >= ACCEPT, clear of the runner-up) is taken, and its score is stored.

Edges: a matched work's references that are matched to papers of the knowledge base
become edges of the index's origin (`openalex`, `semanticscholar`, `opencitations`); an
edge several indexes witness is one citation with every origin. The other references
are external works, stored once with the papers citing them. Edges and external
references are recomputed from every stored match on each run, so they always agree
with the matches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from survey.db import citations as cdb
from survey.db import indexes as idx
from survey.db import papers as papers_db
from survey.db import session_scope
from survey.db import taxonomy as tx
from survey.ingest.match import Hints, PaperRef, Resolution, Resolver
from survey.sources.indexes.http import IndexSourceError
from survey.sources.indexes.records import (
    ARXIV_DOI_PREFIX,
    IndexClient,
    PlannedCalls,
    WorkRecord,
    in_parallel,
)
from survey.textnorm import normalize_title
from survey.vocab import ResolutionState, index_label, is_suspect

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
class SourceReport:
    """What one index gave in a run."""

    source: str
    label: str
    already: int = 0  # asked before (matched or not) and kept
    by_doi: int = 0
    by_arxiv: int = 0
    by_title: int = 0
    # Papers left unmatched: (key, best title score or None when nothing came back).
    unmatched: list[tuple[str, float | None]] = field(default_factory=list)
    external_fetched: int = 0
    external_missing: int = 0  # referenced ids the index returned nothing for
    edges: int = 0  # edges of this origin in the database after the run
    external: int = 0  # external works cited by the knowledge base
    suggestions: int = 0  # DOI suggestions stored
    requests: int = 0  # requests sent to the network
    cached: int = 0  # answers read from the cache
    by_kind: dict[str, int] = field(default_factory=dict)  # requests sent, by kind
    limits: dict[str, str] = field(default_factory=dict)  # the last rate/cost headers
    failure: str | None = None  # why the index's part was left out

    @property
    def matched(self) -> int:
        return self.by_doi + self.by_arxiv + self.by_title


@dataclass(slots=True)
class EnrichReport:
    scope: str | None
    papers: int = 0  # papers in scope
    sources: list[SourceReport] = field(default_factory=list)


@dataclass(slots=True)
class _Plan:
    """What the database says before a run: the papers, and per index what is stored."""

    scope: str | None
    papers: list[PaperInfo]
    matched: dict[str, set[int]]  # index -> papers asked before
    kept: dict[str, dict[int, str]]  # index -> paper id -> work id
    references: dict[str, dict[str, list[str] | None]]  # index -> work id -> its references
    fetched: dict[str, set[str]]  # index -> works stored


@dataclass(slots=True)
class _Outcome:
    """What asking one index brought back (written in the final transaction)."""

    targets: list[PaperInfo]
    matches: list[Match]
    unmatched: dict[str, float | None]
    externals: list[WorkRecord]


def enrich(
    engine: Engine,
    clients: Sequence[IndexClient],
    *,
    within: str | None = None,
    refresh: bool = False,
    progress: Progress | None = None,
) -> EnrichReport:
    """Match the papers (of one section with `within`) in each index and store their
    citation data; an index that fails is reported and left out."""
    tick = progress or (lambda _d, _n, _t: None)
    sources = [c.source for c in clients]
    with session_scope(engine) as session:
        plan = _read_plan(session, within, sources)
    report = EnrichReport(plan.scope, papers=len(plan.papers))
    outcomes: dict[str, _Outcome] = {}

    def ask(client: IndexClient) -> SourceReport:
        part = SourceReport(client.source, client.label)
        try:
            outcomes[client.source] = _ask(client, plan, part, refresh, tick)
        except IndexSourceError as exc:
            part.failure = str(exc)
        part.requests = client.counts.network
        part.cached = client.counts.cached
        part.by_kind = dict(sorted(client.counts.by_kind.items()))
        part.limits = dict(client.last_limits)
        return part

    # The indexes are asked at once (each keeps its own pacing); the database is written
    # only when every one has answered or failed.
    def stop() -> None:
        for client in clients:
            client.cancel()

    report.sources = in_parallel(ask, list(clients), workers=len(clients), stop=stop)
    with session_scope(engine, write=True) as session:
        for part in report.sources:
            outcome = outcomes.get(part.source)
            if outcome is not None:
                _store(session, part.source, outcome)
                part.suggestions = sum(1 for m in outcome.matches if m.doi_suggestion)
            part.edges, part.external = rebuild_index_edges(session, part.source)
    return report


def planned_calls(
    engine: Engine,
    clients: Sequence[IndexClient],
    *,
    within: str | None = None,
    refresh: bool = False,
) -> list[tuple[str, list[PlannedCalls]]]:
    """What a run would ask each index, by kind of call and documented cost; asks nothing."""
    sources = [c.source for c in clients]
    with session_scope(engine) as session:
        plan = _read_plan(session, within, sources)
    planned = []
    for client in clients:
        targets = _targets(plan, client.source, refresh)
        dois = len({p.doi for p in targets if p.doi})
        arxiv = len({p.arxiv_id for p in targets if not p.doi and p.arxiv_id})
        titles = sum(
            1 for p in targets if not p.doi and not p.arxiv_id and normalize_title(p.title)
        )
        planned.append((client.label, client.plan(dois, arxiv, titles)))
    return planned


# -- reading ------------------------------------------------------------------------------


def _read_plan(session: Session, within: str | None, sources: Iterable[str]) -> _Plan:
    scope, papers = _papers_in_scope(session, within)
    plan = _Plan(scope, papers, {}, {}, {}, {})
    for source in sources:
        plan.matched[source] = idx.matched_paper_ids(session, source)
        plan.kept[source] = dict(idx.matched_works(session, source))
        plan.references[source] = dict(idx.referenced_works(session, source))
        plan.fetched[source] = set(idx.stored_work_titles(session, source))
    return plan


def _papers_in_scope(session: Session, within: str | None) -> tuple[str | None, list[PaperInfo]]:
    ids: set[int] | None = None
    path = None
    if within is not None:
        node = tx.find_node(session, within)
        path = node.path
        ids = tx.subtree_paper_ids(session, path)
    families = {
        paper_id: [normalize_title(family) for family in names]
        for paper_id, names in papers_db.author_families(session).items()
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
        for paper_id, key, title, year, doi, arxiv in papers_db.paper_identities(session)
        if ids is None or paper_id in ids
    ]
    return path, papers


def _targets(plan: _Plan, source: str, refresh: bool) -> list[PaperInfo]:
    if refresh:
        return list(plan.papers)
    asked = plan.matched.get(source, set())
    return [p for p in plan.papers if p.id not in asked]


# -- asking one index ---------------------------------------------------------------------


def _ask(
    client: IndexClient, plan: _Plan, part: SourceReport, refresh: bool, tick: Progress
) -> _Outcome:
    source = client.source
    targets = _targets(plan, source, refresh)
    part.already = len(plan.papers) - len(targets)
    matches, also = _match_papers(client, targets, part, tick)
    target_ids = {p.id for p in targets}
    kept = {pid: wid for pid, wid in plan.kept[source].items() if pid not in target_ids}
    kb_works = {m.work.id for m in matches} | set(kept.values())
    referenced: set[str] = {r for m in matches for r in m.work.references or ()}
    for work_id in kept.values():
        referenced |= set(plan.references[source].get(work_id) or ())
    wanted = referenced - kb_works
    if not refresh:
        wanted -= plan.fetched[source]
    came_along = {i: also[i] for i in sorted(wanted & set(also))}
    asked = sorted(wanted - set(came_along))
    fetched = {w.id: w for w in client.by_id(asked, tick)} if asked else {}
    part.external_fetched = len(fetched) + len(came_along)
    externals = list(came_along.values()) + [fetched[i] for i in sorted(fetched)]
    # Ids an index answers nothing for (merged or withdrawn works) are stored without
    # metadata, so the next run does not ask for them again.
    gone = [WorkRecord(source, i, "") for i in asked if i not in fetched]
    part.external_missing = len(gone)
    return _Outcome(targets, matches, dict(part.unmatched), externals + gone)


def _match_papers(
    client: IndexClient, targets: list[PaperInfo], part: SourceReport, tick: Progress
) -> tuple[list[Match], dict[str, WorkRecord]]:
    matches: dict[int, Match] = {}
    also: dict[str, WorkRecord] = {}
    # DOIs, and the arXiv ids of papers without one, asked together where the index can.
    by_doi = _group(targets, lambda p: p.doi)
    by_arxiv = _group([p for p in targets if not p.doi], lambda p: p.arxiv_id)
    if by_doi or by_arxiv:
        found_doi, found_arxiv = client.by_identifiers(sorted(by_doi), sorted(by_arxiv), tick)
        also.update(found_doi.also)
        also.update(found_arxiv.also)
        _take(matches, by_doi, found_doi.works, "doi")
        _take(matches, by_arxiv, found_arxiv.works, "arxiv")
    # A paper whose DOI the index does not know: its arXiv id, if it has one.
    second = _group([p for p in targets if p.id not in matches and p.doi], lambda p: p.arxiv_id)
    if second:
        found = client.by_arxiv(sorted(second), tick)
        also.update(found.also)
        _take(matches, second, found.works, "arxiv")
    rest = [p for p in targets if p.id not in matches and normalize_title(p.title)]
    candidates = in_parallel(
        client.title_candidates,
        [p.title for p in rest],
        lambda n: tick(f"{client.label}: titles", n, len(rest)),
    )
    for paper, works in zip(rest, candidates, strict=True):
        match, best = match_by_title(works, paper)
        if match is not None:
            matches[paper.id] = match
        else:
            part.unmatched.append((paper.key, best))
    for match in matches.values():
        if match.method == "doi":
            part.by_doi += 1
        elif match.method == "arxiv":
            part.by_arxiv += 1
        else:
            part.by_title += 1
    part.unmatched += [
        (p.key, None) for p in targets if p.id not in matches and not normalize_title(p.title)
    ]
    part.unmatched.sort(key=lambda item: item[0])
    return [matches[p.id] for p in targets if p.id in matches], also


def _take(
    matches: dict[int, Match],
    papers_by_value: dict[str, list[PaperInfo]],
    works: dict[str, WorkRecord],
    method: str,
) -> None:
    for value, work in sorted(works.items()):
        for paper in papers_by_value.get(value, []):
            if paper.id not in matches:
                matches[paper.id] = Match(paper, work, method, 100.0)


def _group(
    papers: Iterable[PaperInfo], value: Callable[[PaperInfo], str | None]
) -> dict[str, list[PaperInfo]]:
    grouped: dict[str, list[PaperInfo]] = {}
    for paper in papers:
        key = value(paper)
        if key:
            grouped.setdefault(key.lower(), []).append(paper)
    return grouped


def match_by_title(works: list[WorkRecord], paper: PaperInfo) -> tuple[Match | None, float | None]:
    """The work among `works` the resolver accepts for `paper`, and the best score."""
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


# -- writing ------------------------------------------------------------------------------


def _store(session: Session, source: str, outcome: _Outcome) -> None:
    rows: list[idx.MatchRow] = [
        (m.paper.id, m.work.id, m.method, round(m.score, 1), m.doi_suggestion)
        for m in outcome.matches
    ]
    rows += [
        (p.id, None, "none", outcome.unmatched[p.key] or 0.0, None)
        for p in outcome.targets
        if p.key in outcome.unmatched
    ]
    works = {m.work.id: (m.work, True) for m in outcome.matches}
    for work in outcome.externals:
        works.setdefault(work.id, (work, False))
    # Matched works first, so a match's foreign key finds its work.
    idx.upsert_works(session, [_work_columns(w, keep) for w, keep in works.values()])
    idx.replace_matches(session, source, [p.id for p in outcome.targets], rows)


def _work_columns(work: WorkRecord, keep_references: bool) -> dict[str, object]:
    """A work's row: its metadata, and its reference list for works of the survey only."""
    references = list(work.references) if keep_references and work.references is not None else None
    return {
        "id": work.id,
        "source": work.source,
        "title": work.title or None,
        "year": work.year,
        "venue": work.venue or None,
        "venue_type": work.venue_type or None,
        "first_author": work.first_author or None,
        "doi": work.doi,
        "arxiv_id": work.arxiv_id,
        "kind": work.kind or None,
        "cited_by_count": work.cited_by_count,
        "referenced_works": references,
    }


def _edges_to(
    citing_id: int,
    cited_ids: list[int],
    evidence: str,
    years: dict[int, int | None],
) -> dict[tuple[int, int], dict[str, object]]:
    """The edges from one paper to every paper matched to a work its work references."""
    return {
        (citing_id, cited_id): {
            "citing_id": citing_id,
            "cited_id": cited_id,
            "relation": "",
            "evidence": evidence,
            "suspect": is_suspect(years.get(citing_id), years.get(cited_id)),
            "line": None,
        }
        for cited_id in cited_ids
        if cited_id != citing_id
    }


def rebuild_index_edges(session: Session, source: str) -> tuple[int, int]:
    """Recompute one index's edges and external references from its stored matches.

    Returns (edges, external works cited). Works no paper matches or cites are dropped.
    """
    label = index_label(source)
    papers_of: dict[str, list[int]] = {}
    for paper_id, work_id in idx.matched_works(session, source):
        papers_of.setdefault(work_id, []).append(paper_id)
    years = papers_db.paper_years(session)
    titles = idx.stored_work_titles(session, source)
    known = {work_id for work_id, title in titles.items() if title}  # works with metadata
    edges: dict[tuple[int, int], dict[str, object]] = {}
    references: set[tuple[int, str]] = set()
    referenced: set[str] = set()
    for work_id, refs in idx.referenced_works(session, source, list(papers_of)):
        referenced.update(refs or [])
        for citing_id in papers_of[work_id]:
            for ref in refs or []:
                if ref in papers_of:
                    evidence = f"{label} {work_id} references {ref}"
                    edges.update(_edges_to(citing_id, papers_of[ref], evidence, years))
                elif ref in known:
                    references.add((citing_id, ref))
    cdb.replace_edges(session, source, None, [edges[k] for k in sorted(edges)])
    idx.replace_references(session, source, sorted(references))
    cited = {w for _, w in references}
    idx.delete_works(session, sorted(set(titles) - referenced - set(papers_of)))
    return len(edges), len(cited)


__all__ = ["EnrichReport", "Match", "PaperInfo", "SourceReport", "enrich", "planned_calls"]
