"""`survey suggest`: where the citations disagree with the taxonomy (review layer).

The rule, for every paper p and every section s at the level compared (default the top
level):

    score(p, s) = sum over p's neighbours q (p itself left out) of
                  w(p, q) * [q is filed in s] / (the number of sections q is filed in)

with w the weighted graph of survey.graph.clusters (direct citations 1, bibliographic
coupling and co-citation fractional). The suggestion is the section of the highest score
(ties: the notes' order), its `confidence` the share of p's whole score (`support`) it
holds. Inside that section the suggestion goes down to the subsection holding at least
half of it, while one does, so it names a section a paper can be filed in.

A paper is listed when

- misfiled: it is filed at this level, the suggestion is none of its sections, the
  confidence is at least `MISFILED_CONFIDENCE`, its own sections hold at most
  `OWN_SHARE` of the support, the score is at least `MIN_SCORE`, and at least
  `MIN_CITING` papers it cites or is cited by are filed there (coupling and co-citation
  alone never move a paper);
- unfiled: it is in no section and its neighbourhood points somewhere with confidence at
  least `UNFILED_CONFIDENCE`.

A section is listed when its papers split over clusters (the largest holds under
`SPLIT_LARGEST` of its clustered papers, and another at least `SPLIT_PART` of them and
`MIN_PART` papers), or as a pair with another section when one cluster holds at least
`MERGE_SHARE` of the clustered papers of both and of no third section. Every suggestion
names its reasons: the neighbours that decide it, or the papers of each part.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sqlalchemy.orm import Session

from survey.db import papers as papers_db
from survey.db import taxonomy as tx
from survey.db.papers import find_paper
from survey.errors import SurveyError
from survey.graph import clusters as cl
from survey.ingest.built_from import manifest_to_edit
from survey.shapes import Neighbour, PaperSuggestion, SectionFinding
from survey.sources.manifest_edit import ManifestEdit, edit_table

MISFILED_CONFIDENCE = 0.75
OWN_SHARE = 0.15
MIN_CITING = 3
MIN_SCORE = 2.0
UNFILED_CONFIDENCE = 0.6
DESCEND_SHARE = 0.5
WHY_NEIGHBOURS = 5
SPLIT_LARGEST = 0.6
SPLIT_PART = 0.25
MIN_PART = 3
MERGE_SHARE = 0.6
MIN_SECTION = 3  # clustered papers a section needs to be split or merged

THRESHOLDS = {
    "misfiled_confidence": MISFILED_CONFIDENCE,
    "own_share": OWN_SHARE,
    "min_citing": MIN_CITING,
    "min_score": MIN_SCORE,
    "unfiled_confidence": UNFILED_CONFIDENCE,
    "split_largest": SPLIT_LARGEST,
    "split_part": SPLIT_PART,
    "merge_share": MERGE_SHARE,
}


def pointed_section(
    neighbours: list[tuple[list[str], float]], order: list[str], level: int = 1
) -> tuple[str, float] | None:
    """The rule for one item outside the graph (a work the survey lacks): its neighbours'
    section paths with their link weights -> (the suggested section, its confidence);
    None when no neighbour is filed at `level`. Ties go to the notes' `order`."""
    scores: dict[str, float] = {}
    for paths, weight in neighbours:
        sections = {cl.at_level(p, level) for p in paths} - {None}
        for section in sections:
            assert section is not None
            scores[section] = scores.get(section, 0.0) + weight / len(sections)
    if not scores:
        return None
    rank = {p: i for i, p in enumerate(order)}
    best = min(scores, key=lambda p: (-scores[p], rank.get(p, len(rank)), p))
    return _descend(best, neighbours), round(scores[best] / sum(scores.values()), 3)


def _descend(section: str, neighbours: list[tuple[list[str], float]]) -> str:
    """The subsection of `section` holding at least `DESCEND_SHARE` of the neighbours'
    weight inside it, and so on down."""
    current = section
    while True:
        children: dict[str, float] = {}
        whole = 0.0
        for paths, weight in neighbours:
            inside = [p for p in paths if p == current or p.startswith(current + "/")]
            if not inside:
                continue
            whole += weight
            below = {cl.at_level(p, cl.level_of(current) + 1) for p in inside} - {None}
            for child in below:
                assert child is not None
                children[child] = children.get(child, 0.0) + weight / len(below)
        if not children:
            return current
        best = min(children, key=lambda c: (-children[c], c))
        if children[best] < DESCEND_SHARE * whole:
            return current
        current = best


@dataclass(frozen=True, slots=True)
class Suggestions:
    level: int
    within: str | None
    papers: int
    citations: int
    papers_compared: int  # papers filed at the level with a neighbourhood
    agreeing: int  # of those, papers whose suggestion is one of their sections
    agreement: float | None  # clusters against sections: adjusted mutual information
    suggestions: list[PaperSuggestion]
    sections: list[SectionFinding]

    def as_list(self) -> list[dict[str, Any]]:
        """What `--format json` prints: the papers' suggestions, then the sections'."""
        return [dict(s) for s in self.suggestions] + [dict(f) for f in self.sections]


class Scorer:
    """The rule above over one structure: scores by section for any paper or set of
    neighbours, and the decisive neighbours of a suggestion."""

    def __init__(
        self, found: cl.Structure, order: list[str], placed: list[list[str]], full: list[list[str]]
    ):
        self.found = found
        self.order = order
        self.placed = placed
        self.full = full  # each paper's every section path
        column = {p: i for i, p in enumerate(order)}
        rows, cols, shares = [], [], []
        for index, sections in enumerate(placed):
            for section in sections:
                rows.append(index)
                cols.append(column[section])
                shares.append(1.0 / len(sections))
        self.membership = sp.csr_matrix(
            (shares, (rows, cols)), shape=(found.size, len(order)), dtype=np.float64
        )

    def scores(self) -> np.ndarray:
        """Every paper's score by section (papers x sections, dense only if small)."""
        return (
            (self.found.weights @ self.membership).toarray()
            if self.order
            else np.zeros((self.found.size, 0))
        )

    def direct_counts(self) -> np.ndarray:
        """Every paper's neighbours by direct citation (either way), by section."""
        if not self.order:
            return np.zeros((self.found.size, 0))
        linked = (self.found.cites + self.found.cites.T).tocsr()
        linked.data[:] = 1.0
        filed = self.membership.copy()
        filed.data[:] = 1.0
        counts: np.ndarray = (linked @ filed).toarray()
        return counts

    def descend(self, index: int, section: str) -> str:
        """The subsection of `section` where `index`'s neighbours concentrate."""
        weights = self._neighbour_weights(index)
        return _descend(section, [(self.full[other], w) for other, w in weights.items()])

    def why(self, index: int, section: str) -> list[Neighbour]:
        """The neighbours in `section` with the heaviest links, heaviest first."""
        weights = self._neighbour_weights(index)
        inside = [
            (other, weight)
            for other, weight in weights.items()
            if any(p == section or p.startswith(section + "/") for p in self.full[other])
        ]
        inside.sort(key=lambda item: (-item[1], self.found.keys[item[0]]))
        return [
            {
                "key": self.found.keys[other],
                "weight": round(weight, 3),
                "relation": self._relation(index, other),
                "section": next(
                    p for p in self.full[other] if p == section or p.startswith(section + "/")
                ),
            }
            for other, weight in inside[:WHY_NEIGHBOURS]
        ]

    def _neighbour_weights(self, index: int) -> dict[int, float]:
        row = self.found.weights
        start, end = row.indptr[index], row.indptr[index + 1]
        return {
            int(j): float(w)
            for j, w in zip(row.indices[start:end], row.data[start:end], strict=True)
        }

    def _relation(self, index: int, other: int) -> str:
        if other in self._references(index):
            return "cites"
        if index in self._references(other):
            return "cited by"
        shared = np.intersect1d(self._references(index), self._references(other)).size
        return "shares references" if shared else "cited together"

    def _references(self, index: int) -> np.ndarray:
        """The papers `index` cites (the citation matrix's row, without scipy's slower
        element indexing)."""
        cites = self.found.cites
        row: np.ndarray = cites.indices[cites.indptr[index] : cites.indptr[index + 1]]
        return row


def _prepare(
    session: Session, within: str | None, level: int | None
) -> tuple[str | None, int, cl.Structure, list[str], list[list[str]], list[list[str]]]:
    path, ids = tx.section_scope(session, within)
    depth = cl.default_level(path) if level is None else level
    if depth < 1:
        raise SurveyError("--level must be at least 1")
    found = cl.structure(session, ids)
    tags = tx.section_paths(session)
    order, placed = cl.level_sections(session, found, depth, path, tags)
    node = {paper_id: i for i, paper_id in enumerate(found.ids)}
    full: list[list[str]] = [[] for _ in found.keys]
    for paper_id, section in tags:
        if paper_id in node and (path is None or section.startswith(path + "/")):
            full[node[paper_id]].append(section)
    return path, depth, found, order, placed, full


def suggest(
    session: Session,
    within: str | None = None,
    *,
    level: int | None = None,
    resolution: float = 1.0,
) -> Suggestions:
    """Misfiled and unfiled papers, split and merged sections (see the module's rule)."""
    path, depth, found, order, placed, full = _prepare(session, within, level)
    scorer = Scorer(found, order, placed, full)
    scored = _Scores.of(scorer)
    compared, agreeing, listable = _agreement_counts(scorer, scored)
    candidates = _candidates(scored, listable, placed, full, order)
    suggestions = _paper_suggestions(session, scorer, scored, candidates)
    findings, agreement = _sections_and_clusters(found, order, placed, resolution)
    return Suggestions(
        level=depth,
        within=path,
        papers=found.size,
        citations=found.citations,
        papers_compared=compared,
        agreeing=agreeing,
        agreement=agreement,
        suggestions=suggestions,
        sections=findings,
    )


@dataclass(frozen=True, slots=True)
class _Scores:
    """Every paper's score by section, its neighbours by direct citation by section, the
    sum of its scores (its support) and its best section's column."""

    scores: np.ndarray
    direct: np.ndarray
    support: np.ndarray
    best: np.ndarray

    @classmethod
    def of(cls, scorer: Scorer) -> _Scores:
        scores = scorer.scores()
        size = scorer.found.size
        return cls(
            scores,
            scorer.direct_counts(),
            scores.sum(axis=1) if scorer.order else np.zeros(size),
            scores.argmax(axis=1) if scorer.order else np.zeros(size, dtype=np.int64),
        )


def _agreement_counts(scorer: Scorer, scored: _Scores) -> tuple[int, int, np.ndarray]:
    """Papers filed at the level with a neighbourhood, those of them whose best section is
    one of their own, and the mask of the papers whose best section is none of their own
    (only they can be listed: counted here for all at once, and the rule applied to the
    rest one by one)."""
    size = scorer.found.size
    has_score = scored.support > 0
    filed = np.zeros(size, dtype=bool)
    agrees = np.zeros(size, dtype=bool)
    if scorer.order:
        own_columns = scorer.membership.tocsr()
        filed = np.diff(own_columns.indptr) > 0
        agrees = np.asarray(own_columns[np.arange(size), scored.best]).ravel() > 0
    compared = int(np.count_nonzero(has_score & filed))
    agreeing = int(np.count_nonzero(has_score & filed & agrees))
    return compared, agreeing, has_score & ~agrees


def _candidates(
    scored: _Scores,
    listable: np.ndarray,
    placed: list[list[str]],
    full: list[list[str]],
    order: list[str],
) -> list[tuple[str, int, int]]:
    """(misfiled or unfiled, paper index, suggested section's column) of each listable
    paper the rule suggests moving or filing."""
    column = {p: i for i, p in enumerate(order)}
    candidates: list[tuple[str, int, int]] = []
    for found_index in np.flatnonzero(listable):
        index = int(found_index)
        best = int(scored.best[index])
        top = float(scored.scores[index, best])
        confidence = top / float(scored.support[index])
        own = [column[s] for s in placed[index]]
        if own:
            own_share = float(scored.scores[index, own].sum()) / float(scored.support[index])
            pointing = int(scored.direct[index, best])
            if (
                confidence >= MISFILED_CONFIDENCE
                and own_share <= OWN_SHARE
                and top >= MIN_SCORE
                and pointing >= MIN_CITING
            ):
                candidates.append(("misfiled", index, best))
        elif not full[index] and confidence >= UNFILED_CONFIDENCE:
            candidates.append(("unfiled", index, best))
    return candidates


def _paper_suggestions(
    session: Session, scorer: Scorer, scored: _Scores, candidates: list[tuple[str, int, int]]
) -> list[PaperSuggestion]:
    """Each candidate with its title, the subsection its neighbours point to, its scores
    and the neighbours that decide it; misfiled first, then by confidence."""
    found, order = scorer.found, scorer.order
    titles = (
        papers_db.briefs(session, {found.ids[i] for _, i, _ in candidates}) if candidates else {}
    )
    suggestions: list[PaperSuggestion] = []
    for kind, index, section in candidates:
        score, support = scored.scores[index, section], scored.support[index]
        suggestions.append(
            {
                "kind": kind,
                "citekey": found.keys[index],
                "title": titles[found.ids[index]]["title"],
                "sections": sorted(scorer.full[index]),
                "suggested": scorer.descend(index, order[section]),
                "confidence": round(float(score / support), 3),
                "score": round(float(score), 3),
                "support": round(float(support), 3),
                "why": scorer.why(index, order[section]),
            }
        )
    suggestions.sort(key=lambda s: (s["kind"], -s["confidence"], s["citekey"]))
    return suggestions


def _sections_and_clusters(
    found: cl.Structure, order: list[str], placed: list[list[str]], resolution: float
) -> tuple[list[SectionFinding], float | None]:
    """Sections to split or merge by the clusters of the citation graph, and how far the
    clusters agree with the sections (adjusted mutual information; None without a paper
    both clustered and filed)."""
    from survey.graph.textstats import adjusted_mutual_information

    membership: list[int | None] = (
        cl.detect(found, resolution) if found.citations else [None] * found.size
    )
    findings = _section_findings(order, placed, membership, found.keys)
    column = {p: i for i, p in enumerate(order)}
    both = [
        (c, column[p[0]]) for c, p in zip(membership, placed, strict=True) if c is not None and p
    ]
    if not both:
        return findings, None
    return findings, adjusted_mutual_information([c for c, _ in both], [s for _, s in both])


def _section_findings(
    order: list[str], placed: list[list[str]], membership: list[int | None], keys: list[str]
) -> list[SectionFinding]:
    """Sections split over clusters, and pairs of sections one cluster holds."""
    parts: dict[str, dict[int, list[str]]] = {s: {} for s in order}
    for index, sections in enumerate(placed):
        cluster = membership[index]
        if cluster is None:
            continue
        for section in sections:
            parts[section].setdefault(cluster, []).append(keys[index])
    findings: list[SectionFinding] = []
    dominant: dict[str, tuple[int, float]] = {}
    for section in order:
        by_cluster = parts[section]
        total = sum(len(v) for v in by_cluster.values())
        if total < MIN_SECTION:
            continue
        ranked = sorted(by_cluster.items(), key=lambda item: (-len(item[1]), item[0]))
        largest = ranked[0]
        dominant[section] = (largest[0], len(largest[1]) / total)
        big = [(c, ks) for c, ks in ranked if len(ks) >= MIN_PART and len(ks) >= SPLIT_PART * total]
        if len(largest[1]) < SPLIT_LARGEST * total and len(big) >= 2:
            findings.append(
                {
                    "kind": "split",
                    "section": section,
                    "with": [f"cluster {c}" for c, _ in big],
                    "why": (
                        f"its {total} clustered papers fall into "
                        + ", ".join(f"cluster {c} ({len(ks)})" for c, ks in big)
                        + f"; the largest holds {len(largest[1]) / total:.0%}"
                    ),
                    "papers": {f"cluster {c}": sorted(ks) for c, ks in big},
                }
            )
    # A cluster holding most of exactly two sections says they are one group. A cluster
    # holding most of three or more is coarser than the level compared (subsections of
    # one topic): no pair of them is singled out.
    held: dict[int, list[str]] = {}
    for section in order:
        if section in dominant and dominant[section][1] >= MERGE_SHARE:
            held.setdefault(dominant[section][0], []).append(section)
    for cluster, (first, second) in sorted((c, pair) for c, pair in held.items() if len(pair) == 2):
        share_one, share_other = dominant[first][1], dominant[second][1]
        findings.append(
            {
                "kind": "merge",
                "section": first,
                "with": [second],
                "why": (
                    f"cluster {cluster} holds {share_one:.0%} of {first}'s clustered papers "
                    f"and {share_other:.0%} of {second}'s, and most of no other section's"
                ),
                "papers": {
                    first: sorted(parts[first][cluster]),
                    second: sorted(parts[second][cluster]),
                },
            }
        )
    return findings


@dataclass(frozen=True, slots=True)
class Accepted:
    manifest: Path
    key: str
    section: str
    unchanged: bool


def accept(session: Session, key: str, section: str, manifest_path: Path | None = None) -> Accepted:
    """File the paper `key` under `section` the way the author would: its citekey added
    to the section's list in the manifest's [curated] table, through the manifest's one
    writer. The notes are never edited; the next survey build applies it."""
    paper = find_paper(session, key)
    path = manifest_to_edit(
        session, manifest_path, f"survey suggest accept --survey DIR {key} {section}"
    )
    node = tx.find_node(session, section)
    done: ManifestEdit = edit_table(path, "curated", _plan(path, paper.citekey, node.path))
    return Accepted(path, paper.citekey, node.path, unchanged=not done.changed)


def _plan(path: Path, key: str, section: str) -> Any:
    def plan(curated: Mapping[str, Any]) -> Mapping[str, Any]:
        listed = curated.get(section, [])
        if not isinstance(listed, list) or not all(isinstance(k, str) for k in listed):
            raise SurveyError(
                f"{path}: [curated] {section!r} must be a list of citekeys",
                "fix that line, then accept again",
            )
        if any(k.lower() == key.lower() for k in listed):
            return {}
        return {section: [*listed, key]}

    return plan
