"""`survey discover` and `survey enrich --mentions`: what the survey is missing (review layer).

`missing_works` ranks the external works stored by `survey enrich` by how many papers of
a section cite them: the section's classics that the survey lacks. `citing_works` asks
OpenAlex (through its cache) for works citing the section's papers and ranks them by
how many of those papers each cites: recent follow-ups. `propose_mentions` searches
OpenAlex for the notes' open mentions. Nothing here writes to the database; proposals
go to a BibTeX file for the user to review.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from survey.config import DEFAULT_MIN_CITING
from survey.db import citations as cdb
from survey.db import openalex as oa
from survey.db import reads
from survey.db import taxonomy as tx
from survey.db.models import OpenAlexWork
from survey.export.bibtex import escape_text as bibtex_escape
from survey.ingest.enrich import resolve_against
from survey.ingest.match import parse_hints
from survey.shapes import MissingWork
from survey.sources.openalex import OpenAlexClient, WorkRecord, parse_work
from survey.textnorm import normalize_title
from survey.vocab import ResolutionState

_CITING_PAGES = 1  # pages of 200 works per batch of 100 section works, most cited first


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
    venue_type: str = ""  # OpenAlex's source type: journal, conference, repository, ...

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
        }


def _scope(session: Session, within: str | None) -> tuple[str | None, dict[int, str]]:
    """The section's path and its papers (id -> citekey); every paper without `within`."""
    keys = reads.citekeys_by_id(session)
    if within is None:
        return None, keys
    node = tx.find_node(session, within)
    ids = cdb.subtree_paper_ids(session, node.path)
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
    citing: dict[str, set[str]] = {}
    for paper_id, work_id in oa.external_references(session):
        if paper_id in keys:
            citing.setdefault(work_id, set()).add(keys[paper_id])
    wanted = [w for w, papers in citing.items() if len(papers) >= min_citing]
    works = oa.works(session, wanted)
    candidates = [_candidate(w, tuple(sorted(citing[w.id]))) for w in works.values()]
    return path, _ranked(candidates, min_citing, limit)


def missing_by_section(
    session: Session, min_citing: int = DEFAULT_MIN_CITING
) -> Callable[[Iterable[str]], list[Candidate]]:
    """A function from a section's citekeys to its missing works, ranked as `missing_works`.

    The references and works are read once, so the report asks it for every section.
    """
    keys = reads.citekeys_by_id(session)
    cites: dict[str, set[str]] = {}
    for paper_id, work_id in oa.external_references(session):
        cites.setdefault(keys[paper_id], set()).add(work_id)
    works = oa.works(session) if cites else {}

    def missing(section_keys: Iterable[str]) -> list[Candidate]:
        citing: dict[str, set[str]] = {}
        for key in section_keys:
            for work_id in cites.get(key, ()):
                citing.setdefault(work_id, set()).add(key)
        return _ranked(
            (
                _candidate(works[w], tuple(sorted(papers)))
                for w, papers in citing.items()
                if len(papers) >= min_citing and w in works
            ),
            min_citing,
            None,
        )

    return missing


def _candidate(work: OpenAlexWork, keys: tuple[str, ...]) -> Candidate:
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
    )


def citing_works(
    session: Session,
    client: OpenAlexClient,
    within: str | None = None,
    *,
    min_citing: int = DEFAULT_MIN_CITING,
    limit: int | None = None,
) -> tuple[str | None, list[Candidate]]:
    """Works outside the knowledge base citing at least `min_citing` of the section's papers.

    Asks OpenAlex `filter=cites:W1|W2|...` (100 works a request, the 200 most cited
    citing works of each batch) and counts, for each answer, the section's works in its
    references.
    """
    path, keys = _scope(session, within)
    papers_of: dict[str, set[str]] = {}
    all_matched: set[str] = set()
    for paper_id, work_id in oa.matched_works(session):
        all_matched.add(work_id)
        if paper_id in keys:
            papers_of.setdefault(work_id, set()).add(keys[paper_id])
    if not papers_of:
        return path, []
    found = client.works_by_filter(
        "cites",
        papers_of,
        extra={"sort": "cited_by_count:desc"},
        max_pages=_CITING_PAGES,
    )
    candidates: dict[str, Candidate] = {}
    for raw in found:
        work = parse_work(raw)
        if work is None or work.id in all_matched or work.id in candidates:
            continue
        cited = sorted({k for ref in work.referenced_works for k in papers_of.get(ref, ())})
        candidates[work.id] = Candidate(
            work.id,
            work.title,
            work.year,
            work.venue,
            work.first_author,
            work.doi,
            work.cited_by_count,
            tuple(cited),
            work.venue_type,
        )
    return path, _ranked(candidates.values(), min_citing, limit)


# -- unresolved mentions ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Proposal:
    """An OpenAlex work proposed for an open mention of the notes."""

    section: str
    line: int
    mention: str
    status: str  # the mention's status: ambiguous | unresolved
    work: WorkRecord | None
    score: float | None  # the resolver's score of the accepted work, or the best one
    candidates: list[tuple[str, float]] = field(default_factory=list)


def propose_mentions(session: Session, client: OpenAlexClient) -> list[Proposal]:
    """For each open mention, the OpenAlex work its title (and hints) resolve to, if any."""
    proposals = []
    for mention in tx.open_mentions(session):
        works = [w for w in (parse_work(r) for r in client.search_titles(mention.title)) if w]
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


# -- BibTeX for review ------------------------------------------------------------------

_KEY_STOPWORDS = frozenset(("a", "an", "the", "on", "of", "for", "in", "to", "and", "with"))


def citekey_for(first_author: str, year: int | None, title: str, taken: set[str]) -> str:
    """A key in the project's style (`fu2017look`): family name, year, first title word.

    A key already taken gets a, b, c ... appended; `taken` is updated.
    """
    family = _ascii_word(first_author.split()[-1]) if first_author.split() else "anon"
    words = [_ascii_word(w) for w in normalize_title(title).split()]
    words = [w for w in words if w]
    first = next((w for w in words if w not in _KEY_STOPWORDS), words[0] if words else "")
    base = f"{family or 'anon'}{year or ''}{first}"
    key, suffix = base, 0
    while key.lower() in taken:
        key = base + chr(ord("a") + suffix)
        suffix += 1
    taken.add(key.lower())
    return key


def _ascii_word(word: str) -> str:
    text = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z]", "", text)


def bibtex_entry(
    key: str,
    *,
    title: str,
    authors: Iterable[str],
    more_authors: bool,
    year: int | None,
    venue: str,
    venue_type: str,
    doi: str | None,
    work_id: str,
    origin: str,
) -> str:
    """One BibTeX entry for review; `origin` says where it came from (a `note`-like field)."""
    names = [bibtex_escape(n) for n in authors]
    if more_authors and names:
        names.append("others")
    if venue_type == "journal":
        entry_type, venue_field = "article", "journal"
    elif venue_type == "conference":
        entry_type, venue_field = "inproceedings", "booktitle"
    else:
        entry_type, venue_field = "misc", "howpublished"
    fields = [
        ("author", " and ".join(names)),
        ("title", bibtex_escape(title)),
        (venue_field, bibtex_escape(venue)),
        ("year", str(year) if year else ""),
        ("doi", bibtex_escape(doi or "")),
        ("openalex", work_id),
        ("x-survey-origin", bibtex_escape(origin)),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@{entry_type}{{{key},\n{body}\n}}\n"


def candidates_bibtex(
    session: Session, candidates: list[Candidate], origin: Callable[[Candidate], str]
) -> str:
    """BibTeX entries for `candidates`, keys clear of the knowledge base's own keys."""
    taken = reads.taken_citekeys(session)
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
    taken = reads.taken_citekeys(session)
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
                    f"survey enrich --mentions: OpenAlex {work.id} for the {proposal.status} "
                    f"mention on line {proposal.line} in {proposal.section} "
                    f"(score {proposal.score or 0:g}); review before adding"
                ),
            )
        )
    return "\n".join(entries)
