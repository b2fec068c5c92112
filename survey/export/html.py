"""The interactive graph page (export layer): one self-contained, offline HTML file.

The page inlines the vendored sigma.js + graphology builds (assets/vendor/, pinned by
assets/package-lock.json, with their licences) and the survey as JSON. The layout is
computed when the page is written (survey.export.layout), so the page opens without
computing anything and the same database gives the same bytes. Every text goes into the
page as JSON inside a `<script type="application/json">` with `<`, `>` and `&` escaped,
and the page's code puts it into the document only as text (never as markup).
"""

from __future__ import annotations

import html
import json
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from survey.db import indexes as indexes_db
from survey.db import settings as settings_db
from survey.db import taxonomy as tx
from survey.errors import SurveyError
from survey.export import collect, write_text
from survey.export.collect import node_size
from survey.export.layout import Layout, earlier_years, force_layout, timeline_layout
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

# Below this many papers the page holds the force layout beside the timeline and
# switches between them: networkx's dense Fruchterman-Reingold, under a second for 499
# papers here; from 500 networkx switches to a much slower method, so the force layout
# is computed only when asked for.
BOTH_LAYOUTS_BELOW = 500
# Labels: the most cited (this share of the papers, at least MOST_CITED_AT_LEAST of them)
# come first, then the notes' named papers, then one per section and year.
MOST_CITED_SHARE = 0.02
MOST_CITED_AT_LEAST = 5
_MARKER = re.compile(r"@@([a-z]+)@@")


def page_data(session: Session, within: str | None = None) -> PageData:
    """The exports' data (collect.export_data) with every section's label."""
    return {
        # Each paper's cluster too, so the page can colour by cluster as well as by section.
        **collect.export_data(session, within, clusters=True),
        "labels": tx.section_labels(session),
        "title": settings_db.get_setting(session, "survey.title", ""),
        "cited_by": indexes_db.cited_by_counts(session),
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
    tree, the colourings, the labels' order, the axis. Plain data, sorted, rounded: the
    same input gives the same JSON."""
    papers = data["papers"]
    within = data["within"]
    cited_by = data.get("cited_by", {})
    paths = [p for p in data["sections"] if within is None or _inside(p, within)]
    section_index = {p: i for i, p in enumerate(paths)}
    timeline, force = _layouts(papers, data["edges"], paths, layout)
    positions = force if layout is Layout.force and force is not None else timeline
    relations = _relations(data["edges"])
    year_x = _year_axis(papers, timeline)
    return {
        "title": data["title"],
        "within": within,
        "layout": str(layout),
        "sections": _page_sections(paths, data["labels"], section_index),
        "colourings": [section_colouring(data), *cluster_colourings(data)],
        "relations": [
            {"name": r or "(none)", "colour": RELATION_COLOURS.get(r, OTHER_RELATION)}
            for r in relations
        ],
        "years": sorted({p["year"] for p in papers if p["year"] is not None}),
        "year_x": year_x,
        "earlier": _earlier_band(papers, year_x),
        "label_order": label_order(papers, cited_by),
        # Both layouts, by paper, when the force layout was computed: the page switches.
        "layouts": (
            {
                "timeline": [list(timeline[p["key"]]) for p in papers],
                "force": [list(force[p["key"]]) for p in papers],
            }
            if force is not None
            else None
        ),
        "papers": _page_papers(papers, cited_by, positions, section_index),
        "edges": _edge_indices(papers, data["edges"], relations),
    }


def _layouts(
    papers: Sequence[ExportPaper], edges: Sequence[ExportEdge], paths: Sequence[str], layout: Layout
) -> tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float]] | None]:
    """The timeline, and the force layout when it is asked for or cheap (None otherwise)."""
    timeline = timeline_layout(papers, paths)
    force = (
        force_layout(papers, edges, timeline)
        if layout is Layout.force or len(papers) < BOTH_LAYOUTS_BELOW
        else None
    )
    return timeline, force


def _page_sections(
    paths: Sequence[str], labels: dict[str, str], section_index: dict[str, int]
) -> list[dict[str, Any]]:
    """The section tree: each section's path, label and parent (by index)."""
    return [
        {
            "path": p,
            "label": labels.get(p, p.rsplit("/", 1)[-1]),
            "parent": section_index.get(p.rsplit("/", 1)[0]) if "/" in p else None,
        }
        for p in paths
    ]


def _relations(edges: Sequence[ExportEdge]) -> list[str]:
    """The known relations in their order, then any other the edges name."""
    relations: list[str] = [*RELATIONS]
    for edge in edges:
        if edge["relation"] not in relations:
            relations.append(edge["relation"])
    return relations


def _edge_indices(
    papers: Sequence[ExportPaper], edges: Sequence[ExportEdge], relations: list[str]
) -> list[list[int]]:
    """One [citing, cited, relation] of indices per pair of papers: edges come sorted by
    citing, cited and origin, so a pair takes its first origin's relation."""
    index = {p["key"]: i for i, p in enumerate(papers)}
    relation_index = {r: i for i, r in enumerate(relations)}
    found: list[list[int]] = []
    seen: set[tuple[int, int]] = set()
    for edge in edges:
        pair = (index[edge["citing"]], index[edge["cited"]])
        if pair not in seen:
            seen.add(pair)
            found.append([*pair, relation_index[edge["relation"]]])
    return found


def _earlier_band(
    papers: Sequence[ExportPaper], year_x: list[list[float]]
) -> dict[str, Any] | None:
    """The timeline's "earlier" column: its years, where it is and its tick; None without
    one."""
    earlier = earlier_years(papers)
    if not earlier:
        return None
    return {"years": earlier, "x": year_x[0][1], "label": _years_text(earlier)}


def _page_papers(
    papers: Sequence[ExportPaper],
    cited_by: dict[str, int],
    positions: dict[str, tuple[float, float]],
    section_index: dict[str, int],
) -> list[dict[str, Any]]:
    """Each paper as the page shows it: its texts, counts, size, place and sections."""
    return [
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
            "cited_by": cited_by.get(p["key"]),
            "size": page_size(p["citations"], cited_by.get(p["key"])),
            "x": positions[p["key"]][0],
            "y": positions[p["key"]][1],
            "sections": [
                [section_index[s["path"]], s["provenance"], s["annotation"]]
                for s in p["sections"]
                if s["path"] in section_index
            ],
        }
        for p in papers
    ]


def section_colouring(data: PageData) -> dict[str, Any]:
    """The page's colouring by section (the exports' colours): its name, the legend's
    title and entries, and each paper's entry in the legend.

    A colouring is {"name", "title", "legend": [{"label", "colour"}], "of": [legend index
    per paper]}; the page offers a choice when page_content lists more than one."""
    labels = data["labels"]
    level = data["colour_level"]
    colours: dict[str, str] = {}
    for paper in data["papers"]:
        colours.setdefault(paper["colour_section"], _hex(paper["colour"]))
    rank = {p: i for i, p in enumerate(data["sections"])}
    ordered = sorted(colours, key=lambda s: (s == "", rank.get(s, len(rank)), s))
    position = {s: i for i, s in enumerate(ordered)}
    named = next((s for s in ordered if s), "")
    if level == 1:
        title = "top-level sections"
    else:  # every paper is under one section of the level above: name it
        parent = "/".join(named.split("/")[: level - 1])
        title = f"sections of {labels.get(parent, parent)} (level {level})"
    return {
        "name": "section",
        "title": title,
        "legend": [
            {"label": labels.get(s, s) if s else NO_SECTION_LABEL, "colour": colours[s]}
            for s in ordered
        ],
        "of": [position[p["colour_section"]] for p in data["papers"]],
    }


def cluster_colourings(data: PageData) -> list[dict[str, Any]]:
    """The colouring by cluster of the citation graph (`survey query clusters`), when the
    papers have clusters: the largest clusters one colour each, in order of size, the
    rest and the papers without citation links grey. None without citations."""
    found = [p.get("cluster") for p in data["papers"]]
    sizes: dict[int, int] = defaultdict(int)
    for cluster in found:
        if cluster is not None:
            sizes[cluster] += 1
    if not sizes:
        return []
    # Clusters are numbered by size already; the largest get the palette's colours.
    coloured = sorted(sizes, key=lambda c: (-sizes[c], c))[: len(collect.PALETTE)]
    position = {c: i for i, c in enumerate(coloured)}
    legend = [
        {"label": f"cluster {c + 1} ({sizes[c]} papers)", "colour": _hex(collect.PALETTE[i])}
        for i, c in enumerate(coloured)
    ]
    rest = len(legend)
    legend.append({"label": "smaller clusters, no links", "colour": _hex(collect.NO_SECTION)})
    return [
        {
            "name": "cluster",
            "title": "clusters of the citation graph",
            "legend": legend,
            "of": [position.get(c, rest) if c is not None else rest for c in found],
        }
    ]


def page_size(citations: int, cited_by: int | None) -> float:
    """A node's size on the page: the GraphML size (local citations), grown by the global
    citation count where an index gave one, so size means something before any paper of
    the survey cites another."""
    grown = 3.0 * math.log10(1 + cited_by) if cited_by else 0.0
    return round(node_size(citations) + grown, 3)


def label_order(papers: Sequence[ExportPaper], cited_by: dict[str, int]) -> list[int]:
    """Paper indices in the order the page tries their labels (it skips a label that would
    overlap one already drawn): the most cited, the notes' named papers, the most cited
    paper of each section and year, then every other paper, most cited first."""

    def weight(i: int) -> tuple[int, int, str]:
        paper = papers[i]
        return (-paper["citations"], -cited_by.get(paper["key"], 0), paper["key"])

    by_weight = sorted(range(len(papers)), key=weight)
    cited = [i for i in by_weight if papers[i]["citations"] or cited_by.get(papers[i]["key"], 0)]
    most = max(MOST_CITED_AT_LEAST, math.ceil(MOST_CITED_SHARE * len(papers)))
    order = cited[:most]
    order += [i for i in by_weight if papers[i]["short"]]
    best: dict[tuple[str, int | None], int] = {}
    for i in by_weight:
        paper = papers[i]
        section = paper["sections"][0]["path"] if paper["sections"] else ""
        best.setdefault((section, paper["year"]), i)
    order += sorted(best.values(), key=weight)
    order += by_weight
    placed: set[int] = set()
    unique: list[int] = []
    for i in order:
        if i not in placed:
            placed.add(i)
            unique.append(i)
    return unique


def _year_axis(
    papers: Sequence[ExportPaper], positions: dict[str, tuple[float, float]]
) -> list[list[float]]:
    xs: dict[int, float] = {}
    for paper in papers:
        if paper["year"] is not None:
            xs[paper["year"]] = positions[paper["key"]][0]
    return [[year, xs[year]] for year in sorted(xs)]


def _years_text(years: Sequence[int]) -> str:
    """The earlier band's years for its tick: a few listed, more as a range."""
    if len(years) <= 3:
        return ", ".join(str(y) for y in years)
    return f"{years[0]}–{years[-1]}"


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
