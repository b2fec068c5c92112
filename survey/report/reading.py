"""The survey's papers and citations as the report reads them: plain rows and arrays of
node numbers, read once (report layer: reads with db helpers, ranks with the graph layer).

Node i is the i-th paper by citekey, so citations sorted by their node numbers are
sorted by citing key, then cited key. Two papers linked by several origins (a citations
file and an index, say) are one citation here, with the relation the first origin (by
name) that gives one gives it, and every origin that has it. Nothing holds a dict per
citation: at 10^6 citations the report's memory is the arrays.
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from survey.db import citations as cdb
from survey.db.report_rows import ReportPaperRow, report_papers
from survey.graph import matrix as gm
from survey.naming import paper_label

Nodes = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class SurveyGraph:
    """Every paper and every citation among them."""

    papers: list[ReportPaperRow]  # node i is papers[i], by citekey
    citing: Nodes  # each linked pair once, sorted: pair j is citing[j] -> cited[j]
    cited: Nodes
    relation: Nodes  # pair j's relation: relation_names[relation[j]]
    relation_names: list[str]
    row_pairs: NDArray[np.int64]  # every stored row's pair (citing * papers + cited), sorted
    row_origins: Nodes  # that row's origin: origin_names[row_origins[i]] (names sorted)
    origin_names: list[str]

    @property
    def size(self) -> int:
        return len(self.papers)

    def kept(self, ids: Collection[int] | None) -> NDArray[np.bool_]:
        """True for the papers of `ids` (every paper for None)."""
        if ids is None:
            return np.ones(self.size, dtype=bool)
        wanted = set(ids)
        return np.array([p.id in wanted for p in self.papers], dtype=bool)

    def pairs_among(self, kept: NDArray[np.bool_]) -> Nodes:
        """The pairs (their numbers, sorted) whose two papers are both kept."""
        found: Nodes = np.flatnonzero(kept[self.citing] & kept[self.cited]).astype(np.int64)
        return found

    def origins(self, pair: int) -> list[str]:
        """Every origin that has pair `pair`, by name."""
        code = int(self.citing[pair]) * self.size + int(self.cited[pair])
        start, end = np.searchsorted(self.row_pairs, [code, code + 1])
        return [self.origin_names[i] for i in self.row_origins[start:end]]

    def origin_counts(self, pairs: Nodes) -> dict[str, int]:
        """How many of `pairs` each origin has."""
        if pairs.size == 0:
            return {}
        origins = self.row_origins
        if pairs.size < self.citing.size:
            codes = self.citing[pairs] * self.size + self.cited[pairs]
            origins = origins[np.isin(self.row_pairs, codes)]
        counts = np.bincount(origins, minlength=len(self.origin_names))
        return {name: int(n) for name, n in zip(self.origin_names, counts, strict=True) if n}

    def label(self, node: int) -> str:
        """The paper's name in the report's diagrams and main paths."""
        paper = self.papers[node]
        authors = [{"family": paper.first_author}] if paper.first_author is not None else []
        named = {"short": paper.short, "year": paper.year, "authors": authors, "key": paper.key}
        return paper_label(named, year_with_short=True)

    def influence(self) -> tuple[list[int], list[float]]:
        """Each paper's local citations and PageRank (rounded to six places) on the whole
        graph: what survey.graph.network.influence gives on the survey's paper graph."""
        by_id = np.argsort(np.array([p.id for p in self.papers], dtype=np.int64), kind="stable")
        place = np.empty(self.size, dtype=np.int64)
        place[by_id] = np.arange(self.size)
        # Ranked in the order of the ids, the order of the NetworkX graph.
        matrix = gm.citation_matrix(self.size, place[self.citing], place[self.cited])
        ranks = gm.pagerank(matrix)[place]
        citations = gm.local_citations(matrix)[place]
        return citations.tolist(), [round(float(r), 6) for r in ranks]


def read_graph(session: Session) -> SurveyGraph:
    """Every paper as the report shows it, and every citation row, in one read each."""
    papers = sorted(report_papers(session), key=lambda p: p.key)
    size = max(len(papers), 1)
    rows, origin_names, relation_names = _citation_rows(session, papers)
    order = np.lexsort((rows[:, 1], rows[:, 0]))  # by pair, then origin
    row_pairs, origins, relations = rows[order, 0], rows[order, 1], rows[order, 2]
    pairs = np.unique(row_pairs)
    # Each pair's relation: that of its first row (by origin) with one, else ''.
    relation = np.zeros(pairs.size, dtype=np.int64)
    given = relations != 0
    named_pairs, first = np.unique(row_pairs[given], return_index=True)
    relation[np.searchsorted(pairs, named_pairs)] = relations[given][first]
    return SurveyGraph(
        papers,
        pairs // size,
        pairs % size,
        relation,
        relation_names,
        row_pairs,
        origins,
        origin_names,
    )


def _citation_rows(
    session: Session, papers: list[ReportPaperRow]
) -> tuple[NDArray[np.int64], list[str], list[str]]:
    """Every citation row as (pair: citing node x papers + cited node, origin, relation),
    the origins numbered in the order of their names, the relations with '' as 0; and
    the names of both. Each batch of rows is taken apart into columns, so no Python
    code runs per row."""
    origin_codes: dict[str, int] = {}
    relation_codes: dict[str, int] = {"": 0}
    citing, cited, origins, relations = array("q"), array("q"), array("q"), array("q")
    for batch in cdb.citation_details(session):
        citing_ids, cited_ids, batch_origins, batch_relations = zip(*batch, strict=True)
        citing.extend(citing_ids)
        cited.extend(cited_ids)
        for codes, names in ((origin_codes, batch_origins), (relation_codes, batch_relations)):
            for name in sorted(set(names).difference(codes)):
                codes[name] = len(codes)
        origins.extend(map(origin_codes.__getitem__, batch_origins))
        relations.extend(map(relation_codes.__getitem__, batch_relations))
    ids = np.array([p.id for p in papers], dtype=np.int64)
    by_id = np.argsort(ids)

    def nodes(column: array[int]) -> Nodes:
        found: Nodes = by_id[
            np.searchsorted(ids, np.frombuffer(column, dtype=np.int64), sorter=by_id)
        ]
        return found

    rows = np.column_stack(
        (
            nodes(citing) * len(papers) + nodes(cited),
            np.frombuffer(origins, dtype=np.int64),
            np.frombuffer(relations, dtype=np.int64),
        )
    ).astype(np.int64)
    origin_names = sorted(origin_codes)
    by_name = np.array([origin_names.index(name) for name in origin_codes], dtype=np.int64)
    if rows.size:
        rows[:, 1] = by_name[rows[:, 1]]
    return rows, origin_names, sorted(relation_codes, key=relation_codes.__getitem__)


@dataclass(slots=True)
class BySection:
    """The papers and citations grouped once, then looked up per section: each section's
    own tags, the papers of its subtree (filed under it or under any section below it)
    and the citations among them."""

    direct_tags: dict[str, list[tuple[int, str, str]]]  # node, provenance, annotation
    subtrees: dict[str, Nodes]  # sorted
    inner: dict[str, Nodes]  # pair numbers, sorted


def group_by_section(
    graph: SurveyGraph,
    kept: NDArray[np.bool_],
    pairs: Nodes,
    tags: dict[int, list[tuple[str, str, str, str]]],
) -> BySection:
    """Group the kept papers' tags (paper id -> path, label, provenance, annotation) by
    section, and the citations `pairs` by the sections whose subtree holds both ends."""
    grouped = BySection({}, {}, {})
    column: dict[str, int] = {}
    members: list[tuple[int, int]] = []  # node, subtree column
    for node, paper in enumerate(graph.papers):
        if not kept[node]:
            continue
        above: set[int] = set()
        for path, _, provenance, annotation in tags.get(paper.id, ()):
            grouped.direct_tags.setdefault(path, []).append((node, provenance, annotation))
            above.update(column.setdefault(p, len(column)) for p in _prefixes(path))
        members.extend((node, c) for c in above)
    if not members:
        return grouped
    nodes, columns = np.array(members, dtype=np.int64).T
    matrix = sp.csr_array(
        (np.ones(nodes.size), (nodes, columns)), shape=(graph.size, len(column)), dtype=np.float64
    )
    by_column = matrix.tocsc()
    paths = list(column)
    for index, path in enumerate(paths):
        members_of = by_column.indices[by_column.indptr[index] : by_column.indptr[index + 1]]
        grouped.subtrees[path] = np.sort(members_of).astype(np.int64)
    if pairs.size:
        both = (matrix[graph.citing[pairs]] * matrix[graph.cited[pairs]]).tocoo()
        order = np.lexsort((both.row, both.col))
        found, where = both.col[order], pairs[both.row[order]]
        for index, chunk in _runs(found, where):
            grouped.inner[paths[index]] = chunk
    return grouped


def _prefixes(path: str) -> Iterable[str]:
    parts = path.split("/")
    return ("/".join(parts[:depth]) for depth in range(1, len(parts) + 1))


def _runs(keys: NDArray[np.int64], values: Nodes) -> Iterable[tuple[int, Nodes]]:
    """(key, its values) for each run of equal `keys` (sorted)."""
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], keys.size]
    return ((int(keys[s]), values[s:e]) for s, e in zip(starts, ends, strict=True))
