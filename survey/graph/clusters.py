"""Clusters of the citation graph and how they map onto the taxonomy (graph layer: reads
with db helpers, weighs with scipy, clusters with communities, labels with textstats).

The papers are linked by a weighted, undirected graph of three relations:

- a direct citation (either way) weighs `DIRECT` = 1;
- bibliographic coupling: two papers citing the same paper r share `1 / (k - 1)`, k the
  papers citing r, so each citing paper's coupling through r adds up to at most 1;
- co-citation: two papers cited by the same paper c share `1 / (m - 1)`, m the papers
  c cites, so each cited paper's co-citation through c adds up to at most 1.

A paper cited by more than `HUB` papers, or citing more than `HUB`, adds no coupling
or co-citation pairs: it ties together papers of every topic, and its pairs grow with
the square of its degree (at 100,000 papers they would be the graph). Its direct
citations still count. The weights of the three relations add up. Nodes are numbered by
citekey, so the weights, the communities and everything after them are the same on
every run and every database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from survey.db import citations as cdb
from survey.db import papers as papers_db
from survey.db import taxonomy as tx
from survey.errors import SurveyError
from survey.graph import communities, textstats
from survey.shapes import Cluster, ClusterPaper, Clusters

DIRECT = 1.0
HUB = 25
# What `survey query clusters` shows of each cluster.
TOP_PAPERS = 5
LABEL_WORDS = 5
WEIGHTS = {
    "direct": "1 per citation, either way",
    "coupling": f"1/(k-1) per shared reference cited by k papers (k <= {HUB})",
    "co_citation": f"1/(m-1) per paper citing both, with m references (m <= {HUB})",
}


@dataclass(frozen=True, slots=True)
class Structure:
    """The papers (node i is `keys[i]`, sorted) and their citation structure."""

    keys: list[str]
    ids: list[int]
    cites: sp.csr_matrix  # cites[i, j] = 1: paper i cites paper j
    weights: sp.csr_matrix  # symmetric, no diagonal: the weighted graph above

    @property
    def size(self) -> int:
        return len(self.keys)

    @property
    def citations(self) -> int:
        return int(self.cites.nnz)

    def linked(self) -> np.ndarray:
        """True for every paper with at least one weighted link."""
        has: np.ndarray = np.diff(self.weights.indptr) > 0
        return has


def weigh(
    nodes: int, citing: NDArray[np.int64] | Sequence[int], cited: NDArray[np.int64] | Sequence[int]
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """The citation matrix and the weighted graph of `nodes` papers and the citations
    `citing[i]` -> `cited[i]` (self-citations and repeats dropped)."""
    first = np.asarray(citing, dtype=np.int32)
    second = np.asarray(cited, dtype=np.int32)
    keep = first != second
    first, second = first[keep], second[keep]
    cites = sp.csr_matrix(
        (np.ones(first.size), (first, second)), shape=(nodes, nodes), dtype=np.float64
    )
    del first, second, keep
    cites.sum_duplicates()
    cites.data[:] = 1.0
    cited_by = np.asarray(cites.sum(axis=0)).ravel()
    references = np.asarray(cites.sum(axis=1)).ravel()
    share_in = np.where((cited_by >= 2) & (cited_by <= HUB), 1.0 / np.maximum(cited_by - 1, 1), 0)
    share_out = np.where(
        (references >= 2) & (references <= HUB), 1.0 / np.maximum(references - 1, 1), 0
    )
    direct = (cites + cites.T).tocsr()
    direct.data[:] = DIRECT
    coupling = cites @ sp.diags(share_in) @ cites.T
    weights = (direct + coupling).tocsr()
    del direct, coupling
    weights = (weights + cites.T @ sp.diags(share_out) @ cites).tocsr()
    # A paper's links to itself (coupling with itself through its own references) go.
    rows = np.repeat(np.arange(nodes, dtype=np.int32), np.diff(weights.indptr))
    weights.data[weights.indices == rows] = 0
    del rows
    weights.eliminate_zeros()
    weights.sort_indices()
    return cites, weights


def structure(session: Session, ids: Iterable[int] | None = None) -> Structure:
    """The papers `ids` (default: every paper) and the weighted graph among them."""
    rows = list(papers_db.citekeys_by_id(session).items())
    if ids is not None:
        wanted = set(ids)
        rows = [(i, k) for i, k in rows if i in wanted]
    rows.sort(key=lambda row: row[1])
    paper_ids = np.array([i for i, _ in rows], dtype=np.int64)
    flat = np.fromiter(chain.from_iterable(cdb.citation_rows(session)), dtype=np.int64)
    citing, cited = _nodes(paper_ids, flat[0::2]), _nodes(paper_ids, flat[1::2])
    del flat
    inside = (citing >= 0) & (cited >= 0)
    cites, weights = weigh(len(rows), citing[inside], cited[inside])
    return Structure([k for _, k in rows], [i for i, _ in rows], cites, weights)


def _nodes(paper_ids: NDArray[np.int64], wanted: NDArray[np.int64]) -> NDArray[np.int64]:
    """The node number of each id in `wanted` (node i is `paper_ids[i]`); -1 for an id
    that is not a node."""
    if paper_ids.size == 0:
        return np.full(wanted.size, -1, dtype=np.int64)
    order = np.argsort(paper_ids, kind="stable")
    position = np.minimum(np.searchsorted(paper_ids, wanted, sorter=order), paper_ids.size - 1)
    found: NDArray[np.int64] = np.where(
        paper_ids[order[position]] == wanted, order[position], -1
    ).astype(np.int64)
    return found


def detect(found: Structure, resolution: float = 1.0) -> list[int | None]:
    """Each paper's cluster (0 the largest); None for a paper without links."""
    if resolution <= 0:
        raise SurveyError("--resolution must be above 0", "try 1.0, or 0.5 for fewer clusters")
    upper = sp.triu(found.weights, k=1).tocoo()
    membership = communities.leiden(
        found.size, upper.row, upper.col, upper.data, resolution=resolution
    )
    linked = found.linked()
    # Papers without links are communities of their own: renumber the others from 0.
    order = sorted({c for c, has in zip(membership, linked, strict=True) if has})
    number = {c: i for i, c in enumerate(order)}
    return [number[c] if has else None for c, has in zip(membership, linked, strict=True)]


def level_of(path: str) -> int:
    return path.count("/") + 1


def at_level(path: str, level: int) -> str | None:
    """The section at depth `level` that holds `path` (None when `path` is shallower)."""
    parts = path.split("/")
    return "/".join(parts[:level]) if len(parts) >= level else None


def default_level(within: str | None) -> int:
    return 1 if within is None else level_of(within) + 1


def level_sections(
    session: Session,
    found: Structure,
    level: int,
    within: str | None,
    tags: list[tuple[int, str]] | None = None,
) -> tuple[list[str], list[list[str]]]:
    """The sections at `level` (in the notes' order, inside `within`) and each paper's
    sections among them (from `tags`, the papers' section paths, read when not given)."""
    order = [
        p
        for p in tx.ordered_paths(session)
        if level_of(p) == level and (within is None or p.startswith(within + "/"))
    ]
    known = set(order)
    node = {paper_id: index for index, paper_id in enumerate(found.ids)}
    placed: list[list[str]] = [[] for _ in found.keys]
    sections_at: dict[str, str | None] = {}  # a path's section at `level`, worked out once
    for paper_id, path in tx.section_paths(session) if tags is None else tags:
        index = node.get(paper_id)
        if path not in sections_at:
            sections_at[path] = at_level(path, level)
        section = sections_at[path]
        if index is not None and section in known and section not in placed[index]:
            placed[index].append(section)
    rank = {p: i for i, p in enumerate(order)}
    for sections in placed:
        sections.sort(key=rank.__getitem__)
    return order, placed


def clusters(
    session: Session,
    within: str | None = None,
    *,
    resolution: float = 1.0,
    level: int | None = None,
) -> Clusters:
    """The clusters of the papers (of a section, with `within`): each with its size,
    most cited papers and distinctive words, and a contingency table and adjusted mutual
    information against the sections at `level` (default: the level below `within`)."""
    path, ids = tx.section_scope(session, within)
    depth = default_level(path) if level is None else level
    if depth < 1:
        raise SurveyError("--level must be at least 1")
    found = structure(session, ids)
    membership = detect(found, resolution)
    order, placed = level_sections(session, found, depth, path)
    column = {p: i for i, p in enumerate(order)}
    members = _members(membership)
    table = _contingency(membership, placed, column, len(members))
    # (cluster, section column) of each clustered paper filed at the level.
    both = [
        (cluster, column[placed[i][0]])
        for i, cluster in enumerate(membership)
        if cluster is not None and placed[i]
    ]
    return {
        "within": path,
        "level": depth,
        "resolution": resolution,
        "papers": found.size,
        "citations": found.citations,
        "clustered": sum(len(g) for g in members),
        "weights": dict(WEIGHTS),
        "clusters": _cluster_rows(session, found, members, table, order),
        "sections": order,
        "contingency": table,
        "agreement": textstats.adjusted_mutual_information(
            [c for c, _ in both], [s for _, s in both]
        )
        if both
        else None,
        "compared": len(both),
    }


def _members(membership: Sequence[int | None]) -> list[list[int]]:
    """The paper indices of each cluster, by cluster number."""
    count = 1 + max((c for c in membership if c is not None), default=-1)
    members: list[list[int]] = [[] for _ in range(count)]
    for index, cluster in enumerate(membership):
        if cluster is not None:
            members[cluster].append(index)
    return members


def _contingency(
    membership: Sequence[int | None],
    placed: Sequence[Sequence[str]],
    column: dict[str, int],
    count: int,
) -> list[list[int]]:
    """Papers per cluster (rows) and section (columns); a paper in two sections counts
    in both."""
    table = [[0] * len(column) for _ in range(count)]
    for index, cluster in enumerate(membership):
        if cluster is not None:
            for section in placed[index]:
                table[cluster][column[section]] += 1
    return table


def _cluster_rows(
    session: Session,
    found: Structure,
    members: list[list[int]],
    table: list[list[int]],
    order: list[str],
) -> list[Cluster]:
    """Each cluster's size, label (its distinctive words), most cited papers and
    sections."""
    cited_by = np.asarray(found.cites.sum(axis=0)).ravel().astype(np.int64)
    texts = papers_db.paper_texts(session, found.ids) if members else {}
    words = textstats.distinctive_words(
        ["\n".join(texts[found.ids[i]] for i in group) for group in members], LABEL_WORDS
    )
    tops = [
        sorted(group, key=lambda i: (-cited_by[i], found.keys[i]))[:TOP_PAPERS] for group in members
    ]
    briefs = papers_db.briefs(session, {found.ids[i] for top in tops for i in top})
    rows: list[Cluster] = []
    for cluster, group in enumerate(members):
        top_papers: list[ClusterPaper] = [
            {**briefs[found.ids[i]], "citations": int(cited_by[i])} for i in tops[cluster]
        ]
        rows.append(
            {
                "cluster": cluster,
                "size": len(group),
                "label": words[cluster],
                "top": top_papers,
                "sections": {order[j]: n for j, n in enumerate(table[cluster]) if n},
            }
        )
    return rows


def paper_clusters(
    session: Session, within: str | None = None, resolution: float = 1.0
) -> dict[str, int | None]:
    """Each paper's cluster by citekey (None for a paper without links)."""
    _, ids = tx.section_scope(session, within)
    found = structure(session, ids)
    return dict(zip(found.keys, detect(found, resolution), strict=True))
