"""The citation graph as a sparse matrix (survey.graph.matrix) against NetworkX: local
citations and PageRank as survey.graph.network.influence gives them, to the last bit, and
the papers on a cycle as survey.graph.network.find_cycles finds them."""

from __future__ import annotations

import random

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from survey.graph import matrix as gm
from survey.graph import network as g

# Reads and writes no database: run once, in the SQLite run (conftest checks it).
pytestmark = pytest.mark.backend_independent


def _key(node: int) -> str:
    return f"p{node:04d}"  # sorted like the node numbers


def _graph(nodes: int, edges: list[tuple[int, int]]) -> nx.DiGraph:
    """The NetworkX graph of the same citations, nodes added 0, 1, ..."""
    return g.citation_graph(
        [(_key(n), {}) for n in range(nodes)], [(_key(a), _key(b), {}) for a, b in edges]
    )


def _matrix(nodes: int, edges: list[tuple[int, int]]) -> sp.csr_array:
    citing = np.array([a for a, _ in edges], dtype=np.int64)
    cited = np.array([b for _, b in edges], dtype=np.int64)
    return gm.citation_matrix(nodes, citing, cited)


def _random_edges(rng: random.Random, nodes: int) -> list[tuple[int, int]]:
    """Random citations with pairs listed twice, self-citations, papers citing nothing
    (their rank spreads over all) and papers no citation touches."""
    edges = [(rng.randrange(nodes), rng.randrange(nodes)) for _ in range(rng.randint(0, nodes * 6))]
    return edges + edges[: len(edges) // 10]


@pytest.mark.parametrize("seed", range(8))
def test_pagerank_is_networkx_to_the_last_bit(seed: int) -> None:
    rng = random.Random(seed)
    nodes = rng.randint(2, 400)
    edges = _random_edges(rng, nodes)
    exact = nx.pagerank(_graph(nodes, edges), alpha=0.85, tol=1e-10, max_iter=500)
    ranks = gm.pagerank(_matrix(nodes, edges)).tolist()
    assert ranks == [exact[_key(n)] for n in range(nodes)]


def test_citations_and_rounded_ranks_match_influence() -> None:
    rng = random.Random(7)
    edges = [(a, b) for a in range(300) for b in rng.sample(range(a), min(a, 9))]
    edges += edges[:50]  # a pair listed twice counts once
    matrix = _matrix(300, edges)
    citations, ranks = gm.local_citations(matrix).tolist(), gm.pagerank(matrix).tolist()
    expected = {i.key: i for i in g.influence(_graph(300, edges))}
    assert [citations[n] for n in range(300)] == [expected[_key(n)].citations for n in range(300)]
    assert [round(r, 6) for r in ranks] == [expected[_key(n)].pagerank for n in range(300)]


def test_empty_and_edgeless_graphs() -> None:
    none = np.zeros(0, np.int64)
    assert gm.pagerank(gm.citation_matrix(0, none, none)).size == 0
    matrix = gm.citation_matrix(4, none, none)
    assert gm.pagerank(matrix).tolist() == [0.25] * 4
    assert gm.local_citations(matrix).tolist() == [0] * 4
    assert gm.on_cycles(matrix).tolist() == []


def test_on_cycles_names_cycles_and_self_citations_only() -> None:
    # 0 -> 1 -> 2 -> 0 is a cycle; 3 cites into it and 2 cites 4: neither is on it;
    # 5 cites itself; 6 <-> 7 cite each other.
    edges = [(0, 1), (1, 2), (2, 0), (3, 0), (2, 4), (5, 5), (6, 7), (7, 6)]
    assert gm.on_cycles(_matrix(8, edges)).tolist() == [0, 1, 2, 5, 6, 7]
    assert gm.on_cycles(_matrix(3, [(0, 1), (1, 2), (0, 2)])).tolist() == []


@pytest.mark.parametrize("seed", range(6))
def test_on_cycles_is_every_node_of_networkx_cycles(seed: int) -> None:
    rng = random.Random(seed)
    nodes = rng.randint(2, 60)
    edges = [(rng.randrange(nodes), rng.randrange(nodes)) for _ in range(rng.randint(0, nodes * 2))]
    graph = _graph(nodes, edges)
    expected = {n for cycle in nx.simple_cycles(graph) for n in cycle}
    assert gm.on_cycles(_matrix(nodes, edges)).tolist() == sorted(int(key[1:]) for key in expected)
