"""Gather the report's content from the database into plain data (report layer)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypedDict

from sqlalchemy.orm import Session

from survey.db import indexes as idx
from survey.db import mentions as mentions_db
from survey.db import settings as settings_db
from survey.db import taxonomy as tx
from survey.export import collect
from survey.graph import analysis
from survey.graph import network as g
from survey.naming import paper_label
from survey.report.venues import venue_name
from survey.review import discover
from survey.review import suggest as suggest_review
from survey.shapes import (
    ExportEdge,
    ExportPaper,
    MissingWork,
    PaperSection,
    PaperSuggestion,
    Ranked,
    SectionFinding,
    Trend,
)
from survey.vocab import Provenance, SectionFlag, index_label

TOP = 10
# A section's missing classics: external works cited by at least this many of its papers.
MISSING_MIN_CITING = 2
MISSING_SHOWN = 5
# The fields that name where a paper appeared; a venue taken from `school`,
# `institution` or `publisher` (a thesis, a report, a book) is no venue to count.
_PUBLISHED_IN = ("journal", "journaltitle", "booktitle")


def _published_in(paper: ExportPaper) -> bool:
    return any(paper["fields"].get(name, "").strip() for name in _PUBLISHED_IN)


class ReportPaper(TypedDict):
    key: str
    year: int | None
    venue: str  # its short form (CVPR; see venues.py)
    short: str
    title: str
    provenance: list[str]  # how it got into the section: notes, curated, manual
    annotations: list[str]  # the notes' text about it there
    curated: bool  # only curated there


class ReportEdge(TypedDict):
    citing: str
    cited: str
    relation: str
    citing_label: str
    cited_label: str
    origins: list[str]  # every origin that has this edge


class PathNode(TypedDict):
    key: str
    label: str


class ReportSection(TypedDict):
    path: str
    label: str
    level: int
    number: int | None
    flag: str
    description: str
    papers: list[ReportPaper]
    edges: list[ReportEdge]  # among the section's subtree
    main_path: list[PathNode]
    main_path_weight: int
    missing: list[MissingWork]


class ReportMention(TypedDict):
    line: int
    text: str
    status: str
    section: str
    candidates: list[dict[str, Any]]  # {"key", "score"}


class Overview(TypedDict):
    papers: int
    sections: int
    citations: int
    from_notes: int
    curated: int
    first_year: int | None
    last_year: int | None
    venues: list[tuple[str, int]]  # the most frequent, with their counts


class Gaps(TypedDict):
    empty: list[str]
    images_only: list[str]
    open_mentions: list[ReportMention]
    no_identifier: list[str]
    no_citations: list[str]


class IndexCoverage(TypedDict):
    """What one citation index contributed (after `survey enrich`)."""

    index: str  # its label: OpenAlex, Semantic Scholar, OpenCitations
    asked: int  # papers looked up
    matched: int  # papers it has a work for
    edges: int  # edges among the papers it witnesses
    external: int  # works outside the survey the papers cite, per this index


class Disagreement(TypedDict):
    """Where the citations disagree with the taxonomy (survey suggest at the top level)."""

    level: int
    agreement: float | None  # clusters against sections: adjusted mutual information
    compared: int  # papers filed at the level with citation neighbours
    agreeing: int  # of those, papers whose neighbourhood points to their own section
    suggestions: list[PaperSuggestion]  # misfiled, then unfiled
    sections: list[SectionFinding]  # split, merge


class Report(TypedDict):
    """The report object: everything the Markdown shows, as plain data."""

    title: str
    description: str
    within: str | None
    overview: Overview
    sections: list[ReportSection]
    trend: Trend
    top_cited: list[Ranked]
    top_pagerank: list[Ranked]
    gaps: Gaps
    coverage: list[IndexCoverage]  # empty before survey enrich
    disagreement: Disagreement | None  # None when there are no citations


def build_report(session: Session, within: str | None = None) -> Report:
    data = collect.export_data(session, within)
    papers = {p["key"]: p for p in data["papers"]}
    edges, origins = _merged_edges(data["edges"])
    order = [p for p in data["sections"] if within is None or _inside(p, data["within"])]
    sections = _sections(session, order, papers, edges, origins)
    trend = analysis.trend(session, level=2 if any("/" in p for p in order) else 1, within=within)
    top_cited, top_pagerank = _top_papers(session, data["papers"], within)
    gaps = _gaps(session, papers, sections, edges, data["within"])
    return {
        "title": settings_db.get_setting(session, "survey.title", "Survey report"),
        "description": settings_db.get_setting(session, "survey.description"),
        "within": data["within"],
        "overview": _overview(papers, len(order), len(edges)),
        "sections": sections,
        "trend": trend,
        "top_cited": top_cited,
        "top_pagerank": top_pagerank,
        "coverage": _coverage(session, origins, within is None),
        "disagreement": _disagreement(session, within) if edges else None,
        "gaps": gaps,
    }


# An edge of the report: citing, cited, relation (one per pair of papers).
_Edge = tuple[str, str, str]


def _merged_edges(
    exported: list[ExportEdge],
) -> tuple[list[_Edge], dict[tuple[str, str], set[str]]]:
    """One edge per pair, sorted, with the first relation any origin gives it; and every
    origin that has each pair (a file and an index, say)."""
    relations: dict[tuple[str, str], str] = {}
    origins: dict[tuple[str, str], set[str]] = {}
    for e in exported:
        pair = (e["citing"], e["cited"])
        relations[pair] = relations.get(pair) or e["relation"]
        origins.setdefault(pair, set()).add(e["origin"])
    return [(a, b, relation) for (a, b), relation in sorted(relations.items())], origins


@dataclass(slots=True)
class _BySection:
    """The papers and edges grouped once, then looked up per section: each section's own
    tags, the papers of its subtree and the edges among them (a section's subtree holds a
    paper when the paper is filed under the section or under any section below it)."""

    direct_tags: dict[str, list[tuple[ExportPaper, PaperSection]]] = field(default_factory=dict)
    subtrees: dict[str, set[str]] = field(default_factory=dict)
    inner_edges: dict[str, list[_Edge]] = field(default_factory=dict)


def _group_by_section(papers: dict[str, ExportPaper], edges: list[_Edge]) -> _BySection:
    grouped = _BySection()
    above: dict[str, set[str]] = {}  # a paper -> every section whose subtree holds it
    for paper in papers.values():
        for tag in paper["sections"]:
            grouped.direct_tags.setdefault(tag["path"], []).append((paper, tag))
            parts = tag["path"].split("/")
            for depth in range(1, len(parts) + 1):
                prefix = "/".join(parts[:depth])
                grouped.subtrees.setdefault(prefix, set()).add(paper["key"])
                above.setdefault(paper["key"], set()).add(prefix)
    for a, b, r in edges:  # sorted, so each section's list is sorted too
        if a in above and b in above:
            for prefix in above[a] & above[b]:
                grouped.inner_edges.setdefault(prefix, []).append((a, b, r))
    return grouped


def _sections(
    session: Session,
    order: list[str],
    papers: dict[str, ExportPaper],
    edges: list[_Edge],
    origins: dict[tuple[str, str], set[str]],
) -> list[ReportSection]:
    """Each section of `order`: its papers, the edges and main path of its subtree, and
    the classics its papers cite that the survey lacks."""
    missing = discover.missing_by_section(session, MISSING_MIN_CITING)
    nodes = tx.nodes_by_path(session)
    grouped = _group_by_section(papers, edges)
    sections: list[ReportSection] = []
    for path in order:
        node = nodes[path]
        subtree = grouped.subtrees.get(path, set())
        inner = grouped.inner_edges.get(path, [])
        route, weight = _subtree_main_path(subtree, inner)
        sections.append(
            {
                "path": path,
                "label": node.label,
                "level": node.level,
                "number": node.number,
                "flag": node.flag,
                "description": node.description,
                "papers": _section_papers(grouped.direct_tags.get(path, [])),
                "edges": _section_edges(inner, papers, origins),
                "main_path": [
                    {"key": k, "label": paper_label(papers[k], year_with_short=True)} for k in route
                ],
                "main_path_weight": weight,
                "missing": [c.as_dict() for c in missing(subtree)[:MISSING_SHOWN]],
            }
        )
    return sections


def _section_papers(tags: list[tuple[ExportPaper, PaperSection]]) -> list[ReportPaper]:
    """Each paper filed directly in the section once (by year, then key), with every
    provenance and annotation it has there."""
    direct = sorted(
        tags, key=lambda pair: (pair[0]["year"] or 0, pair[0]["key"], pair[1]["provenance"])
    )
    listed: dict[str, ExportPaper] = {}
    provenances: dict[str, set[str]] = {}
    annotations: dict[str, list[str]] = {}
    for paper, tag in direct:
        listed.setdefault(paper["key"], paper)
        provenances.setdefault(paper["key"], set()).add(tag["provenance"])
        notes = annotations.setdefault(paper["key"], [])
        if tag["annotation"] and tag["annotation"] not in notes:
            notes.append(tag["annotation"])
    return [
        {
            "key": key,
            "year": paper["year"],
            "venue": venue_name(paper["venue"]),
            "short": paper["short"],
            "title": paper["title"],
            "provenance": sorted(provenances[key]),
            "annotations": annotations[key],
            "curated": provenances[key] == {Provenance.CURATED},
        }
        for key, paper in listed.items()
    ]


def _section_edges(
    inner: list[_Edge], papers: dict[str, ExportPaper], origins: dict[tuple[str, str], set[str]]
) -> list[ReportEdge]:
    return [
        {
            "citing": a,
            "cited": b,
            "relation": r,
            "citing_label": paper_label(papers[a], year_with_short=True),
            "cited_label": paper_label(papers[b], year_with_short=True),
            "origins": sorted(origins[(a, b)]),
        }
        for a, b, r in inner
    ]


def _subtree_main_path(subtree: set[str], inner: list[_Edge]) -> tuple[list[str], int]:
    """The main path through the citations among a subtree's papers, and its weight; none
    when those citations hold a cycle."""
    graph = g.citation_graph([(k, {}) for k in sorted(subtree)], [(a, b, {}) for a, b, _ in inner])
    return ([], 0) if g.find_cycles(graph) else g.main_path(graph)


def _top_papers(
    session: Session, exported: list[ExportPaper], within: str | None
) -> tuple[list[Ranked], list[Ranked]]:
    """The most cited papers and those of highest PageRank."""
    if within is None:
        # The whole survey's export data already ranks every paper on the whole graph.
        return (
            _ranked(exported, pagerank_first=False),
            _ranked(exported, pagerank_first=True),
        )
    # Ranks on the whole graph, listing the section's papers.
    return (
        analysis.top(session, within=within, limit=TOP)["papers"],
        analysis.top(session, metric="pagerank", within=within, limit=TOP)["papers"],
    )


def _overview(papers: dict[str, ExportPaper], sections: int, citations: int) -> Overview:
    notes_papers = {
        k
        for k, p in papers.items()
        if any(s["provenance"] == Provenance.NOTES for s in p["sections"])
    }
    curated_papers = {
        k
        for k, p in papers.items()
        if p["sections"] and all(s["provenance"] == Provenance.CURATED for s in p["sections"])
    }
    years = [p["year"] for p in papers.values() if p["year"] is not None]
    venues = Counter(
        venue_name(p["venue"]) for p in papers.values() if p["venue"] and _published_in(p)
    )
    return {
        "papers": len(papers),
        "sections": sections,
        "citations": citations,
        "from_notes": len(notes_papers),
        "curated": len(curated_papers),
        "first_year": min(years) if years else None,
        "last_year": max(years) if years else None,
        "venues": sorted(venues.items(), key=lambda item: (-item[1], item[0]))[:TOP],
    }


def _gaps(
    session: Session,
    papers: dict[str, ExportPaper],
    sections: list[ReportSection],
    edges: list[_Edge],
    within: str | None,
) -> Gaps:
    """Empty sections, open mentions (under `within`), papers without a DOI or arXiv id
    and papers no edge touches."""
    connected = {a for a, _, _ in edges} | {b for _, b, _ in edges}
    open_mentions: list[ReportMention] = [
        {
            "line": m.line,
            "text": m.text,
            "status": m.status,
            "section": m.node.path,
            "candidates": m.candidates,
        }
        for m in mentions_db.open_mentions(session)
        if _inside(m.node.path, within)
    ]
    return {
        "empty": [s["path"] for s in sections if s["flag"] == SectionFlag.EMPTY],
        "images_only": [s["path"] for s in sections if s["flag"] == SectionFlag.IMAGES_ONLY],
        "open_mentions": open_mentions,
        "no_identifier": sorted(k for k, p in papers.items() if not p["doi"] and not p["arxiv_id"]),
        "no_citations": sorted(k for k in papers if k not in connected),
    }


def _disagreement(session: Session, within: str | None) -> Disagreement:
    found = suggest_review.suggest(session, within)
    return {
        "level": found.level,
        "agreement": found.agreement,
        "compared": found.papers_compared,
        "agreeing": found.agreeing,
        "suggestions": found.suggestions,
        "sections": found.sections,
    }


def _ranked(papers: list[ExportPaper], *, pagerank_first: bool) -> list[Ranked]:
    """The TOP papers by local citations (then PageRank), or by PageRank (then
    citations), then key: the order of `analysis.top`."""

    def order(p: ExportPaper) -> tuple[float, float, str]:
        first, second = (
            (p["pagerank"], p["citations"])
            if pagerank_first
            else (
                p["citations"],
                p["pagerank"],
            )
        )
        return (-first, -second, p["key"])

    return [
        {
            "key": p["key"],
            "year": p["year"],
            "short": p["short"],
            "title": p["title"],
            "citations": p["citations"],
            "pagerank": p["pagerank"],
        }
        for p in sorted(papers, key=order)[:TOP]
    ]


def _coverage(
    session: Session, origins: dict[tuple[str, str], set[str]], whole: bool
) -> list[IndexCoverage]:
    """Papers matched and edges per citation index (for the whole survey only: the
    matches are not per section)."""
    if not whole:
        return []
    edges = Counter(origin for found in origins.values() for origin in found)
    return [
        {
            "index": index_label(source),
            "asked": asked,
            "matched": matched,
            "edges": edges.get(source, 0),
            "external": external,
        }
        for source, (asked, matched, external) in idx.coverage(session).items()
    ]


def _inside(path: str, top: str | None) -> bool:
    return top is None or path == top or path.startswith(top + "/")
