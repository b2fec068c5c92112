"""The graph page's layouts (export layer): where each paper sits, as a timeline (x the
year, a band per section) or a force layout (networkx's Fruchterman-Reingold started from
the timeline), and the `Layout` names `survey export --layout` takes.

Only the standard library at load time: the command line imports `Layout` for its
signature, so networkx is imported when a force layout is computed.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from enum import StrEnum

from survey.shapes import ExportEdge, ExportPaper


class Layout(StrEnum):
    timeline = "timeline"
    force = "force"


# Timeline: one column per year, one band per top-level section (notes' order), papers
# stacked in their band; the width is then stretched to ASPECT times the height.
ROW = 10.0
BAND_GAP = 2
ASPECT = 1.6
# Force: networkx's iterations from the timeline's positions.
FORCE_ITERATIONS = 50
# The "earlier" band: the first years go into one column when at least EARLIER_GAP
# empty years separate them from the rest and they hold at most EARLIER_SHARE of the
# dated papers, so the axis spends its width where the papers are.
EARLIER_GAP = 3
EARLIER_SHARE = 0.1


def earlier_years(papers: Sequence[ExportPaper]) -> list[int]:
    """The first years that go into the timeline's "earlier" band ([] for none): those
    before the last gap of at least EARLIER_GAP empty years whose papers are at most
    EARLIER_SHARE of the dated papers."""
    counts: dict[int, int] = defaultdict(int)
    for paper in papers:
        if paper["year"] is not None:
            counts[paper["year"]] += 1
    years = sorted(counts)
    dated = sum(counts.values())
    found: list[int] = []
    before = 0
    for at, (year, following) in enumerate(itertools.pairwise(years)):
        before += counts[year]
        if following - year - 1 >= EARLIER_GAP and before <= EARLIER_SHARE * dated:
            found = years[: at + 1]
    return found


def timeline_layout(
    papers: Sequence[ExportPaper], paths: Sequence[str]
) -> dict[str, tuple[float, float]]:
    """x = year (papers without one in a column before the first year, the earlier_years
    in one column after it); y = a band per colour section (a top-level section unless one
    holds every paper) in the notes' order, papers of one subsection next to each other."""
    rank = {p: i for i, p in enumerate(paths)}
    earlier = set(earlier_years(papers))
    years = sorted({p["year"] for p in papers if p["year"] is not None} - earlier)
    first = years[0] - (2 if earlier else 1) if years else 0
    # Column 0: no year; column 1: the earlier band, when there is one; then one a year.
    column: dict[int | None, int] = {y: y - first for y in years}
    column.update({y: 1 for y in earlier})
    # Each band's papers with their order inside it: (section rank, section, key).
    bands: dict[tuple[int, str], list[tuple[tuple[int, str, str], ExportPaper]]] = defaultdict(list)
    for paper in papers:
        section = paper["sections"][0]["path"] if paper["sections"] else ""
        top = paper["colour_section"]
        bands[(rank.get(top, len(rank)) if top else len(rank) + 1, top)].append(
            ((rank.get(section, len(rank)), section, paper["key"]), paper)
        )
    placed: dict[str, tuple[float, int]] = {}
    row = 0
    for band in sorted(bands):
        by_column: dict[int, list[tuple[tuple[int, str, str], ExportPaper]]] = defaultdict(list)
        for item in bands[band]:
            by_column[column.get(item[1]["year"], 0)].append(item)
        height = 0
        for col, items in by_column.items():
            items.sort(key=lambda item: item[0])
            for depth, (_, paper) in enumerate(items):
                placed[paper["key"]] = (float(col), row + depth)
            height = max(height, len(items))
        row += height + BAND_GAP
    total = max(row - BAND_GAP, 1) * ROW
    step = ASPECT * total / max(years[-1] - first if years else 1, 1)
    return {
        key: (round(col * step, 2), round(-depth * ROW, 2)) for key, (col, depth) in placed.items()
    }


def force_layout(
    papers: Sequence[ExportPaper],
    edges: Sequence[ExportEdge],
    start: dict[str, tuple[float, float]],
) -> dict[str, tuple[float, float]]:
    """Fruchterman-Reingold (networkx) started from `start` (the timeline), seeded:
    linked papers pull together. O(n²) per iteration: for surveys up to a few thousand
    papers."""
    import networkx as nx  # here, not at the top: the command line imports this module

    graph = nx.Graph()
    graph.add_nodes_from(p["key"] for p in papers)
    graph.add_edges_from((e["citing"], e["cited"]) for e in edges)
    if graph.number_of_nodes() == 0:
        return {}
    spread = max(max(abs(v) for xy in start.values() for v in xy), 1.0)
    initial = {k: (x / spread, y / spread) for k, (x, y) in start.items()}
    moved = nx.spring_layout(
        graph, pos=initial, iterations=FORCE_ITERATIONS, seed=2020, scale=1000.0
    )
    return {k: (round(float(x), 1), round(float(y), 1)) for k, (x, y) in moved.items()}
