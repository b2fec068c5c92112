"""`survey discover` and `survey enrich --mentions`: what the survey is missing (review layer).

`missing_works` ranks the external works stored by `survey enrich` by how many papers of
a section cite them: the section's classics that the survey lacks. `citing_works` asks
the citation indexes (through their caches) for works citing the section's papers and
ranks them by how many of those papers each cites: recent follow-ups. `propose_mentions`
searches the indexes for the notes' open mentions. A work several indexes know (the same
DOI, arXiv id, or normalised title and year) counts once. Nothing here writes to the
database; proposals go to a BibTeX file for the user to review, its entries written by
survey.export.bibtex.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from survey.config import DEFAULT_MIN_CITING
from survey.db import indexes as idx
from survey.db import mentions as mentions_db
from survey.db import papers as papers_db
from survey.db import taxonomy as tx
from survey.db.models import IndexWork
from survey.export.bibtex import bibtex_entry, citekey_for
from survey.identifiers import work_identities
from survey.ingest.enrich import resolve_against
from survey.ingest.match import parse_hints
from survey.review.suggest import pointed_section
from survey.shapes import MissingWork
from survey.sources.indexes.records import IndexClient, WorkRecord
from survey.textnorm import normalize_title
from survey.vocab import INDEX_ORIGINS, ResolutionState, index_label

Progress = Callable[[str, int, int], None]
# Citing works asked per cited work (OpenAlex: of each batch of 100), most cited first.
CITING_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Candidate:
    """A work outside the knowledge base and the section's papers linked to it."""

    work_id: str
    title: str
    year: int | None
    venue: str
    first_author: str
    doi: str | None
    cited_by_count: int | None
    keys: tuple[str, ...]  # the section's papers that cite it (or that it cites)
    venue_type: str = ""  # the index's venue type: journal, conference, repository, ...
    source: str = "openalex"  # the index the work's record came from
    # The section its citing papers point to (survey suggest's rule), and the share of
    # them it holds; None when none of them is filed.
    suggested: str | None = None
    confidence: float | None = None

    @property
    def count(self) -> int:
        return len(self.keys)

    def as_dict(self) -> MissingWork:
        return {
            "work": self.work_id,
            "count": self.count,
            "title": self.title,
            "year": self.year,
            "venue": self.venue,
            "first_author": self.first_author,
            "doi": self.doi,
            "cited_by_count": self.cited_by_count,
            "papers": list(self.keys),
            "suggested": self.suggested,
            "confidence": self.confidence,
        }


def _scope(session: Session, within: str | None) -> tuple[str | None, dict[int, str]]:
    """The section's path and its papers (id -> citekey); every paper without `within`."""
    keys = papers_db.citekeys_by_id(session)
    if within is None:
        return None, keys
    node = tx.find_node(session, within)
    ids = tx.subtree_paper_ids(session, node.path)
    return node.path, {i: k for i, k in keys.items() if i in ids}


def _ranked(candidates: Iterable[Candidate], min_citing: int, limit: int | None) -> list[Candidate]:
    kept = [c for c in candidates if c.count >= min_citing]
    kept.sort(key=lambda c: (-c.count, -(c.cited_by_count or 0), c.work_id))
    return kept[:limit] if limit is not None else kept


def missing_works(
    session: Session,
    within: str | None = None,
    *,
    min_citing: int = DEFAULT_MIN_CITING,
    limit: int | None = None,
) -> tuple[str | None, list[Candidate]]:
    """External works cited by at least `min_citing` papers of the section, most cited first.

    Ties: more global citations first, then the work id. Needs `survey enrich` first.
    """
    path, keys = _scope(session, within)
    return path, missing_by_section(session, min_citing)(keys.values())[:limit]


def missing_by_section(
    session: Session, min_citing: int = DEFAULT_MIN_CITING
) -> Callable[[Iterable[str]], list[Candidate]]:
    """A function from a section's citekeys to its missing works, ranked as `missing_works`.

    The references and works are read once, so the report asks it for every section.
    """
    keys = papers_db.citekeys_by_id(session)
    references = idx.external_references(session)
    works = idx.works(session) if references else {}
    place = _placer(session, keys) if references else None
    one_of = same_works(works.values())
    cites: dict[str, set[str]] = {}
    for paper_id, work_id in references:
        if work_id in works:
            cites.setdefault(keys[paper_id], set()).add(one_of[work_id])

    def missing(section_keys: Iterable[str]) -> list[Candidate]:
        citing: dict[str, set[str]] = {}
        for key in section_keys:
            for work_id in cites.get(key, ()):
                citing.setdefault(work_id, set()).add(key)
        found = _ranked(
            (
                _candidate(works[w], tuple(sorted(papers)))
                for w, papers in citing.items()
                if len(papers) >= min_citing
            ),
            min_citing,
            None,
        )
        return [place(c) for c in found] if place is not None else found

    return missing


def _placer(session: Session, keys: dict[int, str]) -> Callable[[Candidate], Candidate]:
    """A function giving a missing work the section its citing papers point to: survey
    suggest's rule, each citing paper a direct citation (weight 1)."""
    filed: dict[str, list[str]] = {}
    for paper_id, path in tx.section_paths(session):
        filed.setdefault(keys[paper_id], []).append(path)
    order = tx.ordered_paths(session)

    def place(candidate: Candidate) -> Candidate:
        pointed = pointed_section([(filed.get(k, []), 1.0) for k in candidate.keys], order)
        if pointed is None:
            return candidate
        return replace(candidate, suggested=pointed[0], confidence=pointed[1])

    return place


def same_works(works: Iterable[IndexWork | WorkRecord]) -> dict[str, str]:
    """Each work id -> the id standing for its work: works of several indexes sharing a DOI,
    an arXiv id, or a normalised title and year are one work, named by the id of the first
    index that has it (OpenAlex, then Semantic Scholar, then OpenCitations; then by id)."""
    order = {str(origin): rank for rank, origin in enumerate(INDEX_ORIGINS)}
    ranked = sorted(works, key=lambda w: (order.get(w.source, len(order)), w.id))
    rank = {work.id: position for position, work in enumerate(ranked)}
    parent = {work.id: work.id for work in ranked}
    owner: dict[tuple[str, str], str] = {}

    def root(work_id: str) -> str:
        while parent[work_id] != work_id:
            parent[work_id] = parent[parent[work_id]]
            work_id = parent[work_id]
        return work_id

    for work in ranked:
        title = normalize_title(work.title or "") or None
        for identity in work_identities(work.doi, work.arxiv_id, title, work.year):
            a, b = root(owner.setdefault(identity, work.id)), root(work.id)
            if a != b:
                keep, drop = (a, b) if rank[a] < rank[b] else (b, a)
                parent[drop] = keep
    return {work_id: root(work_id) for work_id in parent}


def _candidate(work: IndexWork | WorkRecord, keys: tuple[str, ...]) -> Candidate:
    return Candidate(
        work.id,
        work.title or "",
        work.year,
        work.venue or "",
        work.first_author or "",
        work.doi,
        work.cited_by_count,
        keys,
        work.venue_type or "",
        work.source,
    )


def citing_works(
    session: Session,
    clients: Sequence[IndexClient],
    within: str | None = None,
    *,
    min_citing: int = DEFAULT_MIN_CITING,
    limit: int | None = None,
    progress: Progress | None = None,
) -> tuple[str | None, list[Candidate]]:
    """Works outside the knowledge base citing at least `min_citing` of the section's papers.

    Asks each index for the works citing the section's papers it matched (the most cited
    first where the index sorts), and counts, for each citing work, the section's papers
    it cites; a work several indexes return counts once.
    """
    tick = progress or (lambda _d, _n, _t: None)
    path, keys = _scope(session, within)
    matched = idx.matched_works(session)
    in_survey = {work_id for _, work_id in matched}
    identities = {i for p in papers_db.paper_identities(session) for i in _paper_identities(p)}
    cited_by: dict[str, set[str]] = {}
    records: dict[str, WorkRecord] = {}
    for client in clients:
        papers_of: dict[str, set[str]] = {}
        for paper_id, work_id in idx.matched_works(session, client.source):
            if paper_id in keys:
                papers_of.setdefault(work_id, set()).add(keys[paper_id])
        if not papers_of:
            continue
        for cited, found in client.citing(sorted(papers_of), tick, CITING_LIMIT).items():
            for work in found.works.values():
                if work.id in in_survey or _is_known(work, identities):
                    continue
                records.setdefault(work.id, work)
                cited_by.setdefault(work.id, set()).update(papers_of.get(cited, ()))
    one_of = same_works(records.values())
    merged: dict[str, set[str]] = {}
    for work_id, papers in cited_by.items():
        merged.setdefault(one_of[work_id], set()).update(papers)
    candidates = [_candidate(records[w], tuple(sorted(p))) for w, p in merged.items()]
    place = _placer(session, papers_db.citekeys_by_id(session))
    return path, [place(c) for c in _ranked(candidates, min_citing, limit)]


def _paper_identities(row: tuple[object, ...]) -> list[tuple[str, str]]:
    """The identities of a paper of the knowledge base (its DOI and arXiv id)."""
    _, _, _, _, doi, arxiv = row
    return work_identities(
        str(doi).lower() if doi else None, str(arxiv).lower() if arxiv else None, None, None
    )


def _is_known(work: WorkRecord, identities: set[tuple[str, str]]) -> bool:
    """Whether a fetched work is a paper of the knowledge base by its DOI or arXiv id."""
    return any(i in identities for i in work_identities(work.doi, work.arxiv_id, None, None))


# -- unresolved mentions ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Proposal:
    """A work of a citation index proposed for an open mention of the notes."""

    section: str
    line: int
    mention: str
    status: str  # the mention's status: ambiguous | unresolved
    work: WorkRecord | None
    score: float | None  # the resolver's score of the accepted work, or the best one
    candidates: list[tuple[str, float]] = field(default_factory=list)


def propose_mentions(session: Session, clients: Sequence[IndexClient]) -> list[Proposal]:
    """For each open mention, the work its title (and hints) resolve to among the title
    candidates of every index (a work several indexes return counted once), if any."""
    proposals = []
    for mention in mentions_db.open_mentions(session):
        found: list[WorkRecord] = []
        for client in clients:
            found += client.title_candidates(mention.title)
        one_of = same_works(found)
        works = [w for w in found if one_of[w.id] == w.id]
        resolution, by_id = resolve_against(works, mention.title, parse_hints(mention.hints))
        accepted = (
            by_id[resolution.paper.citekey]
            if resolution.status == ResolutionState.RESOLVED and resolution.paper is not None
            else None
        )
        proposals.append(
            Proposal(
                mention.node.path,
                mention.line,
                mention.text,
                mention.status,
                accepted,
                resolution.score if accepted else None,
                list(resolution.candidates),
            )
        )
    return proposals


# -- BibTeX for review (written by survey.export.bibtex) -------------------------------


def candidates_bibtex(
    session: Session, candidates: list[Candidate], origin: Callable[[Candidate], str]
) -> str:
    """BibTeX entries for `candidates`, keys clear of the knowledge base's own keys."""
    taken = papers_db.taken_citekeys(session)
    entries = []
    for candidate in candidates:
        key = citekey_for(candidate.first_author, candidate.year, candidate.title, taken)
        entries.append(
            bibtex_entry(
                key,
                title=candidate.title,
                authors=[candidate.first_author] if candidate.first_author else [],
                more_authors=True,
                year=candidate.year,
                venue=candidate.venue,
                venue_type=candidate.venue_type,
                doi=candidate.doi,
                work_id=candidate.work_id,
                origin=origin(candidate),
            )
        )
    return "\n".join(entries)


def proposals_bibtex(session: Session, proposals: list[Proposal]) -> str:
    """BibTeX entries for the proposals that found a work, each saying which mention."""
    taken = papers_db.taken_citekeys(session)
    entries = []
    for proposal in proposals:
        work = proposal.work
        if work is None:
            continue
        key = citekey_for(work.first_author, work.year, work.title, taken)
        entries.append(
            bibtex_entry(
                key,
                title=work.title,
                authors=work.authors,
                more_authors=False,
                year=work.year,
                venue=work.venue,
                venue_type=work.venue_type,
                doi=work.doi,
                work_id=work.id,
                origin=(
                    f"survey enrich --mentions: {index_label(work.source)} {work.id} for the "
                    f"{proposal.status} "
                    f"mention on line {proposal.line} in {proposal.section} "
                    f"(score {proposal.score or 0:g}); review before adding"
                ),
            )
        )
    return "\n".join(entries)
