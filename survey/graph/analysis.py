"""Paths, main paths, influence, relatedness and trends over the database (graph layer:
reads with db helpers, computes with network and trends, returns plain data).

Each function takes a session and returns dicts and lists ready for a table or JSON;
nothing here prints. Each analysis builds a NetworkX graph of only the papers it needs
(lineage, a walk in SQL, is `survey.graph.lineage`).
"""

from __future__ import annotations

import networkx as nx
from sqlalchemy.orm import Session

from survey.db import citations as cdb
from survey.db import papers as papers_db
from survey.db import taxonomy as tx
from survey.db.papers import find_paper
from survey.errors import SurveyError
from survey.graph import network as g
from survey.graph import trends
from survey.shapes import (
    BurstSpan,
    MainPath,
    MainPathStep,
    Paths,
    Related,
    Top,
    Trend,
    TrendSection,
)


def paper_graph(session: Session, ids: set[int] | None = None) -> tuple[nx.DiGraph, dict[int, str]]:
    """The citation graph of `ids` (default: every paper), nodes keyed by citekey."""
    paper_rows, edge_rows = cdb.graph_rows(session, ids)
    keys = {paper_id: key for paper_id, key, _ in paper_rows}
    papers = [(key, {"year": year}) for _, key, year in paper_rows]
    edges = []
    seen: set[tuple[int, int]] = set()
    # Two papers linked more than once (several origins): the first stored edge's relation.
    for citing_id, cited_id, relation in edge_rows:
        if (citing_id, cited_id) not in seen:
            seen.add((citing_id, cited_id))
            edges.append((keys[citing_id], keys[cited_id], {"relation": relation}))
    return g.citation_graph(papers, edges), keys


def paths(
    session: Session, source: str, target: str, *, undirected: bool = False, limit: int = 10
) -> Paths:
    """How `source` connects to `target` through citations (shortest paths)."""
    first, second = find_paper(session, source), find_paper(session, target)
    if undirected:
        graph, keys = paper_graph(session)
    else:
        graph, keys = paper_graph(session, set(cdb.reached_generations(session, first.id)))
    found = (
        g.paths(graph, first.citekey, second.citekey, undirected=undirected, limit=limit)
        if second.citekey in graph
        else []
    )
    on_paths = {key for path in found for key in path}
    ids = {p.id for p in (first, second)} | {i for i, key in keys.items() if key in on_paths}
    info = {d["key"]: d for d in papers_db.briefs(session, ids).values()}
    return {
        "from": info[first.citekey],
        "to": info[second.citekey],
        "undirected": undirected,
        "paths": [[info[k] for k in path] for path in found],
    }


def main_path(session: Session, within: str | None = None) -> MainPath:
    """The global main path (SPC weights) of the papers of a section, or of all papers."""
    path, ids = tx.section_scope(session, within)
    graph, keys = paper_graph(session, ids)
    cycles = g.find_cycles(graph)
    if cycles:
        message, fix = cdb.describe_cycle(cycles[0], cdb.edges(session, cycles[0]))
        more = f" (and {len(cycles) - 1} more: survey check lists them)" if len(cycles) > 1 else ""
        raise SurveyError(message + more, fix)
    route, weight = g.main_path(graph)
    spc = g.spc_weights(graph) if route else {}
    # Only the papers on the path are shown: describe those, not the whole graph.
    on_route = set(route)
    info = {
        d["key"]: d
        for d in papers_db.briefs(session, {i for i, k in keys.items() if k in on_route}).values()
    }
    steps: list[MainPathStep] = [
        {**info[key], "spc": spc[(route[index + 1], key)] if index + 1 < len(route) else None}
        for index, key in enumerate(route)
    ]
    return {
        "within": path,
        "papers_considered": graph.number_of_nodes(),
        "edges_considered": graph.number_of_edges(),
        "weight": weight,
        "path": steps,
    }


def top(
    session: Session, *, metric: str = "citations", within: str | None = None, limit: int = 10
) -> Top:
    """The most influential papers: local citation count or PageRank on the whole graph,
    listing only the papers of a section with `within`."""
    if metric not in ("citations", "pagerank"):
        raise SurveyError(f"unknown metric {metric!r}", "use citations or pagerank")
    path, ids = tx.section_scope(session, within)
    graph, keys = paper_graph(session)
    ranked = g.influence(graph)
    if metric == "pagerank":
        ranked.sort(key=lambda i: (-i.pagerank, -i.citations, i.key))
    allowed = {keys[i] for i in ids} if ids is not None else None
    chosen = [i for i in ranked if allowed is None or i.key in allowed][:limit]
    by_key = {v: k for k, v in keys.items()}
    info = papers_db.briefs(session, {by_key[i.key] for i in chosen})
    return {
        "metric": metric,
        "within": path,
        "papers": [
            {**info[by_key[i.key]], "citations": i.citations, "pagerank": i.pagerank}
            for i in chosen
        ],
    }


def related(session: Session, key: str, limit: int = 10) -> Related:
    """Papers related to `key` by co-citation and by bibliographic coupling."""
    paper = find_paper(session, key)
    graph, keys = paper_graph(session)
    co = g.co_citation(graph, paper.citekey)[:limit]
    coupled = g.coupling(graph, paper.citekey)[:limit]
    by_key = {v: k for k, v in keys.items()}
    info = papers_db.briefs(session, {by_key[k] for k, _ in co + coupled} | {paper.id})
    return {
        "paper": info[paper.id],
        "co_citation": [{**info[by_key[k]], "count": n} for k, n in co],
        "coupling": [{**info[by_key[k]], "count": n} for k, n in coupled],
    }


def trend(
    session: Session, *, level: int = 1, within: str | None = None, since: int | None = None
) -> Trend:
    """Papers per section per year at one depth of the taxonomy, with totals, rising
    sections, bursts and venues."""
    if level < 1:
        raise SurveyError("--level must be at least 1")
    path, _ = tx.section_scope(session, within)
    placements = [
        trends.Placement(node_path, key, year) for node_path, key, year in tx.placements(session)
    ]
    counts = trends.counts_by_year(placements)
    labels = tx.section_labels(session)
    chosen = _trend_sections(session, counts, level, path)
    years = _year_span(counts, chosen, since)
    return {
        "level": level,
        "within": path,
        "years": years,
        "sections": [_trend_row(section, labels, counts, years) for section in chosen],
        "totals": _distinct_papers(placements, set(chosen), years),
        "rising": [
            {
                "path": r.path,
                "recent_share": r.recent_share,
                "earlier_share": r.earlier_share,
                "change": r.change,
                "recent": r.recent,
                "earlier": r.earlier,
            }
            for r in trends.rising(counts, since)
            if r.path in set(chosen)
        ],
        "bursts": _burst_spans(placements, counts, chosen, since),
        "venues": trends.venues_by_year(papers_db.venue_years(session)),
    }


def _trend_sections(
    session: Session, counts: dict[str, dict[int, int]], level: int, within: str | None
) -> list[str]:
    """The sections with papers at `level` (under `within`), in the notes' order."""
    chosen = [
        p
        for p in counts
        if p.count("/") + 1 == level
        and (within is None or p == within or p.startswith(within + "/"))
    ]
    order = {p: i for i, p in enumerate(tx.ordered_paths(session))}
    chosen.sort(key=lambda p: (order.get(p, len(order)), p))
    return chosen


def _year_span(
    counts: dict[str, dict[int, int]], chosen: list[str], since: int | None
) -> list[int]:
    """Every year from the first to the last paper of the sections (from `since`), papers
    or not: a sparkline or chart must not put 2001 next to 2011."""
    present = {y for p in chosen for y in counts[p] if since is None or y >= since}
    return list(range(min(present), max(present) + 1)) if present else []


def _trend_row(
    section: str, labels: dict[str, str], counts: dict[str, dict[int, int]], years: list[int]
) -> TrendSection:
    series = [counts[section].get(y, 0) for y in years]
    return {
        "path": section,
        "label": labels.get(section, section),
        "counts": dict(zip(years, series, strict=True)),
        "total": sum(series),
        "cumulative": trends.cumulative(counts[section], years),
        "share_of_parent": trends.share_of_parent(counts, section),
        "sparkline": trends.sparkline(series),
    }


def _burst_spans(
    placements: list[trends.Placement],
    counts: dict[str, dict[int, int]],
    chosen: list[str],
    since: int | None,
) -> list[BurstSpan]:
    """Each section's bursts (from `since`): runs of years in which it holds a larger
    share of the survey's papers (each paper counted once a year) than over all years."""
    all_years: dict[int, int] = {}
    for _, year in {(p.key, p.year) for p in placements if p.year is not None}:
        all_years[year] = all_years.get(year, 0) + 1
    if since is not None:
        all_years = {y: n for y, n in all_years.items() if y >= since}
    spans: list[BurstSpan] = []
    for section in chosen:
        recent = {y: n for y, n in counts[section].items() if since is None or y >= since}
        spans += [
            {"path": section, "start": burst.start, "end": burst.end, "weight": burst.weight}
            for burst in trends.bursts(recent, all_years)
        ]
    return spans


def _distinct_papers(
    placements: list[trends.Placement], sections: set[str], years: list[int]
) -> dict[int, int]:
    """Papers per year in the sections (their subtrees), each paper once: a paper filed in
    two of them counts in both rows but once here."""
    keys: dict[int, set[str]] = {}
    for placement in placements:
        if placement.year is not None and sections.intersection(
            trends.ancestors_of(placement.path)
        ):
            keys.setdefault(placement.year, set()).add(placement.key)
    return {year: len(keys.get(year, ())) for year in years}
