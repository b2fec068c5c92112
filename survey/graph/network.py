"""The citation graph (graph layer; pure NetworkX, no database, no printing).

Edges point citing -> cited: following edges goes back in time, to what a paper builds
on. Every function returns sorted, deterministic results.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx


def citation_graph(
    papers: Iterable[tuple[str, Mapping[str, Any]]],
    edges: Iterable[tuple[str, str, Mapping[str, Any]]],
) -> nx.DiGraph:
    """A DiGraph of papers (by citekey) and citing -> cited edges with their attributes."""
    graph = nx.DiGraph()
    for key, attributes in papers:
        graph.add_node(key, **attributes)
    for citing, cited, attributes in edges:
        graph.add_edge(citing, cited, **attributes)
    return graph


def paths(
    graph: nx.DiGraph, source: str, target: str, *, undirected: bool = False, limit: int = 10
) -> list[list[str]]:
    """The first `limit` shortest citation paths from `source` to `target` (citing ->
    cited), in sorted order, however long the paths and however many there are.

    With `undirected`, edge direction is ignored: how two papers are related at all.
    """
    view = graph.to_undirected(as_view=True) if undirected else graph
    if source not in view or target not in view:
        return []
    ahead = nx.single_source_shortest_path_length(view, source)
    if target not in ahead:
        return []
    back = view if undirected else graph.reverse(copy=False)
    behind = nx.single_source_shortest_path_length(back, target)
    length = ahead[target]

    def onward(node: str, step: int) -> Iterator[str]:
        # Neighbours one step further on some shortest path, in key order: a depth-first
        # walk over them yields the paths sorted, and never enters a dead end.
        return iter(
            sorted(
                other
                for other in view.neighbors(node)
                if ahead.get(other) == step + 1 and behind.get(other) == length - step - 1
            )
        )

    if length == 0:
        return [[source]][:limit]
    found: list[list[str]] = []
    route, pending = [source], [onward(source, 0)]
    while pending and len(found) < limit:
        other = next(pending[-1], None)
        if other is None:
            pending.pop()
            route.pop()
        elif other == target:
            found.append([*route, other])
        else:
            route.append(other)
            pending.append(onward(other, len(route) - 1))
    return found


# The cycles find_cycles lists at most: beyond them, which ones it lists depends on the
# order NetworkX meets the graph's nodes.
CYCLES_LISTED = 20


def find_cycles(graph: nx.DiGraph, limit: int = CYCLES_LISTED) -> list[list[str]]:
    """Citation cycles (a citation graph should be a DAG), each starting at its smallest key."""
    cycles = []
    for cycle in nx.simple_cycles(graph):
        start = cycle.index(min(cycle))
        cycles.append(cycle[start:] + cycle[:start])
        if len(cycles) >= limit:
            break
    return sorted(cycles)


def spc_weights(graph: nx.DiGraph) -> dict[tuple[str, str], int]:
    """Search path count of every edge (Hummon & Doreian 1989), keyed citing -> cited.

    In the direction knowledge flows (cited -> citing), SPC of an edge u -> v is the
    number of paths from any source to u times the number of paths from v to any sink:
    how many source-to-sink paths run through it. Needs a DAG.
    """
    flow = graph.reverse(copy=False)
    order = list(nx.topological_sort(flow))
    into: dict[str, int] = {}
    for node in order:
        predecessors = list(flow.predecessors(node))
        into[node] = sum(into[p] for p in predecessors) if predecessors else 1
    out_of: dict[str, int] = {}
    for node in reversed(order):
        successors = list(flow.successors(node))
        out_of[node] = sum(out_of[s] for s in successors) if successors else 1
    return {(citing, cited): into[cited] * out_of[citing] for cited, citing in flow.edges}


def main_path(graph: nx.DiGraph) -> tuple[list[str], int]:
    """The global main path (Liu & Lu 2012): the source-to-sink path, oldest first, whose
    edges have the largest total SPC weight. Returns the path and its weight."""
    if graph.number_of_edges() == 0:
        return [], 0
    weights = spc_weights(graph)
    flow = graph.reverse(copy=False)
    best: dict[str, tuple[int, list[str]]] = {}
    for node in nx.topological_sort(flow):
        options = [(best[p][0] + weights[(node, p)], best[p][1]) for p in flow.predecessors(node)]
        if not options:
            best[node] = (0, [node])
            continue
        total, path = _heaviest(options)
        best[node] = (total, [*path, node])
    sinks = [n for n in flow if flow.out_degree(n) == 0 and flow.in_degree(n) > 0]
    total, path = _heaviest([best[s] for s in sinks])
    return path, total


def _heaviest(options: list[tuple[int, list[str]]]) -> tuple[int, list[str]]:
    """The highest total; among equals, the lexicographically smallest path."""
    top = max(total for total, _ in options)
    return top, min(path for total, path in options if total == top)


@dataclass(frozen=True, slots=True)
class Influence:
    key: str
    citations: int  # local citation count: papers of this graph citing it
    pagerank: float


def influence(graph: nx.DiGraph) -> list[Influence]:
    """Local citations and PageRank of every paper, most cited first."""
    if graph.number_of_nodes() == 0:
        return []
    ranks = nx.pagerank(graph, alpha=0.85, tol=1e-10, max_iter=500)
    found = [Influence(k, graph.in_degree(k), round(ranks[k], 6)) for k in graph]
    return sorted(found, key=lambda i: (-i.citations, -i.pagerank, i.key))


def co_citation(graph: nx.DiGraph, key: str) -> list[tuple[str, int]]:
    """Papers cited together with `key`, with how many papers cite both."""
    counts: dict[str, int] = {}
    for citing in graph.predecessors(key):
        for other in graph.successors(citing):
            if other != key:
                counts[other] = counts.get(other, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def coupling(graph: nx.DiGraph, key: str) -> list[tuple[str, int]]:
    """Papers sharing references with `key` (bibliographic coupling), with how many."""
    counts: dict[str, int] = {}
    for cited in graph.successors(key):
        for other in graph.predecessors(cited):
            if other != key:
                counts[other] = counts.get(other, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))
