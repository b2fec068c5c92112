"""The interactive graph page (export layer): one self-contained, offline HTML file.

The page inlines the vendored sigma.js + graphology builds (assets/vendor/, pinned by
assets/package-lock.json, with their licences) and the survey as JSON. The layout is
computed here, so the page opens without computing anything and the same database gives
the same bytes. Every text goes into the page as JSON inside a `<script type=
"application/json">` with `<`, `>` and `&` escaped, and the page's code puts it into the
document only as text (never as markup).
"""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx
from sqlalchemy.orm import Session

from survey.db import papers as papers_db
from survey.db import taxonomy as tx
from survey.errors import SurveyError
from survey.export import write_text
from survey.export.graphml import node_size
from survey.export.layout import Layout
from survey.graph import analysis
from survey.naming import author_name, paper_label
from survey.shapes import ExportEdge, ExportPaper, PageData
from survey.vocab import RELATIONS, Relation

# Edge colours by relation: darker hues than the sections' palette, so an edge is never
# mistaken for a section; an edge of another relation is light grey.
RELATION_COLOURS: dict[str, str] = {
    Relation.EXTENDS: "#b2182b",
    Relation.BASELINE: "#2166ac",
    Relation.COMPARES: "#7b3294",
    Relation.USES_DATASET: "#1b7837",
    Relation.RELATED: "#8c8c8c",
}
OTHER_RELATION = "#cccccc"
NO_SECTION_LABEL = "(no section)"

# Timeline: one column per year, one band per top-level section (notes' order), papers
# stacked in their band; the width is then stretched to ASPECT times the height.
ROW = 10.0
BAND_GAP = 2
ASPECT = 1.6
FORCE_ITERATIONS = 50
# Below this many papers the page holds the force layout beside the timeline and
# switches between them: networkx's dense Fruchterman-Reingold, under a second for 499
# papers here; from 500 networkx switches to a much slower method, so the force layout
# is computed only when asked for.
BOTH_LAYOUTS_BELOW = 500
_MARKER = re.compile(r"@@([a-z]+)@@")


def page_data(session: Session, within: str | None = None) -> PageData:
    """The exports' data (analysis.export_data) with every section's label."""
    return {
        **analysis.export_data(session, within),
        "labels": papers_db.section_labels(session),
        "title": tx.get_setting(session, "survey.title", ""),
    }


def write_html(data: PageData, path: Path, layout: Layout = Layout.timeline) -> None:
    write_text(path, render_html(data, layout))


def render_html(data: PageData, layout: Layout = Layout.timeline) -> str:
    """The whole page as text: template, vendored library, licences and the survey."""
    content = page_content(data, layout)
    title = content["title"] or "Citation graph"
    parts = {
        "title": html.escape(title, quote=True),
        "css": _asset("page.css"),
        "licences": _comment_safe(_asset("vendor/LICENSES.txt")),
        "graphology": _script_safe(_asset("vendor/graphology.umd.min.js")),
        "sigma": _script_safe(_asset("vendor/sigma.min.js")),
        "data": json_for_script(content),
        "script": _script_safe(_asset("page.js")),
    }
    # One pass, so nothing substituted is scanned for markers again.
    return _MARKER.sub(lambda m: parts[m.group(1)], _asset("page.html"))


def json_for_script(value: Any) -> str:
    """JSON that cannot end its `<script>` element or open a comment: `<`, `>` and `&`
    only occur inside JSON strings, where their \\u escapes mean the same."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


def page_content(data: PageData, layout: Layout = Layout.timeline) -> dict[str, Any]:
    """What the page's script reads: papers with positions, edges by index, the section
    tree, legends. Plain data, sorted, rounded: the same input gives the same JSON."""
    papers = data["papers"]
    labels = data["labels"]
    within = data["within"]
    paths = [p for p in data["sections"] if within is None or _inside(p, within)]
    section_index = {p: i for i, p in enumerate(paths)}
    index = {p["key"]: i for i, p in enumerate(papers)}
    timeline = timeline_layout(papers, paths)
    force = (
        force_layout(papers, data["edges"], timeline)
        if layout is Layout.force or len(papers) < BOTH_LAYOUTS_BELOW
        else None
    )
    positions = force if layout is Layout.force and force is not None else timeline
    relations: list[str] = [*RELATIONS]
    for edge in data["edges"]:
        if edge["relation"] not in relations:
            relations.append(edge["relation"])
    relation_index = {r: i for i, r in enumerate(relations)}
    edges: list[list[int]] = []
    seen: set[tuple[int, int]] = set()
    for edge in data["edges"]:  # sorted citing, cited, origin: the first origin's relation
        pair = (index[edge["citing"]], index[edge["cited"]])
        if pair not in seen:
            seen.add(pair)
            edges.append([*pair, relation_index[edge["relation"]]])
    legend: dict[str, str] = {}
    for paper in papers:
        legend.setdefault(paper["top_section"], _hex(paper["colour"]))
    tops = [p for p in paths if "/" not in p or p == within]
    return {
        "title": data["title"],
        "within": within,
        "layout": str(layout),
        "sections": [
            {
                "path": p,
                "label": labels.get(p, p.rsplit("/", 1)[-1]),
                "parent": section_index.get(p.rsplit("/", 1)[0]) if "/" in p else None,
            }
            for p in paths
        ],
        "legend": [
            {"label": labels.get(top, top) if top else NO_SECTION_LABEL, "colour": legend[top]}
            for top in [*sorted(legend, key=lambda t: (t == "", _rank(t, tops), t))]
        ],
        "relations": [
            {"name": r or "(none)", "colour": RELATION_COLOURS.get(r, OTHER_RELATION)}
            for r in relations
        ],
        "years": sorted({p["year"] for p in papers if p["year"] is not None}),
        "year_x": _year_axis(papers, timeline),
        # Both layouts, by paper, when the force layout was computed: the page switches.
        "layouts": (
            {
                "timeline": [list(timeline[p["key"]]) for p in papers],
                "force": [list(force[p["key"]]) for p in papers],
            }
            if force is not None
            else None
        ),
        "papers": [
            {
                "key": p["key"],
                "label": paper_label(p),
                "short": p["short"],
                "title": p["title"],
                "authors": _authors(p),
                "venue": p["venue"],
                "year": p["year"],
                "doi": p["doi"],
                "arxiv": p["arxiv_id"],
                "citations": p["citations"],
                "size": node_size(p["citations"]),
                "colour": _hex(p["colour"]),
                "x": positions[p["key"]][0],
                "y": positions[p["key"]][1],
                "sections": [
                    [section_index[s["path"]], s["provenance"], s["annotation"]]
                    for s in p["sections"]
                    if s["path"] in section_index
                ],
            }
            for p in papers
        ],
        "edges": edges,
    }


def timeline_layout(
    papers: Sequence[ExportPaper], paths: Sequence[str]
) -> dict[str, tuple[float, float]]:
    """x = year (papers without one in a column before the first year); y = a band per
    top-level section in the notes' order, papers of one subsection next to each other."""
    rank = {p: i for i, p in enumerate(paths)}
    years = sorted({p["year"] for p in papers if p["year"] is not None})
    first = years[0] if years else 0
    column: dict[int | None, int] = {y: y - first + 1 for y in years}  # column 0: no year
    # Each band's papers with their order inside it: (section rank, section, key).
    bands: dict[tuple[int, str], list[tuple[tuple[int, str, str], ExportPaper]]] = defaultdict(list)
    for paper in papers:
        section = paper["sections"][0]["path"] if paper["sections"] else ""
        top = paper["top_section"]
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
    step = ASPECT * total / max(years[-1] - first + 1 if years else 1, 1)
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


def _year_axis(
    papers: Sequence[ExportPaper], positions: dict[str, tuple[float, float]]
) -> list[list[float]]:
    xs: dict[int, float] = {}
    for paper in papers:
        if paper["year"] is not None:
            xs[paper["year"]] = positions[paper["key"]][0]
    return [[year, xs[year]] for year in sorted(xs)]


def _inside(path: str, top: str) -> bool:
    return path == top or path.startswith(top + "/")


def _rank(path: str, order: Sequence[str]) -> int:
    return order.index(path) if path in order else len(order)


def _authors(paper: ExportPaper) -> str:
    names = [author_name(a) for a in paper["authors"]]
    return ", ".join(names) + (" and others" if paper["more_authors"] else "")


def _hex(colour: Sequence[int]) -> str:
    r, g_, b = colour
    return f"#{r:02x}{g_:02x}{b:02x}"


def _asset(name: str) -> str:
    return resources.files("survey.export").joinpath("assets", name).read_text(encoding="utf-8")


def _script_safe(code: str) -> str:
    """Code inlined in `<script>`: it must not close the element early."""
    if re.search(r"</script|<!--", code, re.IGNORECASE):
        raise SurveyError("a vendored script contains '</script' or '<!--' and cannot be inlined")
    return code


def _comment_safe(text: str) -> str:
    return text.replace("--", "- -")
