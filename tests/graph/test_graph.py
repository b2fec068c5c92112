"""Graph algorithms on small hand-made graphs whose answers are computed by hand."""

from __future__ import annotations

import networkx as nx
import pytest

from survey.graph import network as g

# Reads and writes no database: run once, in the SQLite run (conftest checks it).
pytestmark = pytest.mark.backend_independent

# citing -> cited:  B->A, C->A, D->B, D->C, E->D, E->C   (A oldest, E newest)
EDGES = [("B", "A"), ("C", "A"), ("D", "B"), ("D", "C"), ("E", "D"), ("E", "C")]


@pytest.fixture
def small() -> nx.DiGraph:
    relations = {("D", "C"): "extends", ("E", "D"): "baseline"}
    return g.citation_graph(
        [(k, {"year": 2000 + i}) for i, k in enumerate("ABCDE")],
        [(a, b, {"relation": relations.get((a, b), "")}) for a, b in EDGES],
    )


def test_paths(small: nx.DiGraph) -> None:
    assert g.paths(small, "E", "A") == [["E", "C", "A"]]
    assert g.paths(small, "A", "E") == []
    assert g.paths(small, "B", "C", undirected=True) == [["B", "A", "C"], ["B", "D", "C"]]


def test_spc_weights_by_hand(small: nx.DiGraph) -> None:
    # Knowledge flows A->B, A->C, B->D, C->D, D->E, C->E: three source-sink paths,
    # A-B-D-E, A-C-D-E, A-C-E. SPC(u->v) = paths into u * paths out of v.
    assert g.spc_weights(small) == {
        ("B", "A"): 1,
        ("C", "A"): 2,
        ("D", "B"): 1,
        ("D", "C"): 1,
        ("E", "D"): 2,
        ("E", "C"): 1,
    }


def test_global_main_path_by_hand(small: nx.DiGraph) -> None:
    # A-B-D-E weighs 1+1+2 = 4, A-C-D-E 2+1+2 = 5, A-C-E 2+1 = 3.
    assert g.main_path(small) == (["A", "C", "D", "E"], 5)


def test_main_path_of_no_edges() -> None:
    assert g.main_path(g.citation_graph([("A", {})], [])) == ([], 0)


def test_influence(small: nx.DiGraph) -> None:
    ranked = g.influence(small)
    assert [(i.key, i.citations) for i in ranked[:2]] == [("A", 2), ("C", 2)]
    assert ranked[-1].key == "E" and ranked[-1].citations == 0
    pagerank = {i.key: i.pagerank for i in ranked}
    assert pagerank["A"] == max(pagerank.values())
    assert abs(sum(pagerank.values()) - 1.0) < 1e-4


def test_co_citation_and_coupling(small: nx.DiGraph) -> None:
    assert g.co_citation(small, "C") == [("B", 1), ("D", 1)]
    assert g.co_citation(small, "A") == []
    assert g.coupling(small, "D") == [("E", 1)]
    assert g.coupling(small, "B") == [("C", 1)]


def test_cycles_are_found_by_name(small: nx.DiGraph) -> None:
    assert g.find_cycles(small) == []
    small.add_edge("A", "E")
    cycles = g.find_cycles(small)
    assert cycles and all(c[0] == "A" for c in cycles)
    assert ["A", "E", "C"] in cycles
