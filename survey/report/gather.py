"""Gather the report's content from the database into plain data (report layer)."""

from __future__ import annotations

import functools
from collections import Counter
from typing import Any, TypedDict

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from survey.db import indexes as idx
from survey.db import mentions as mentions_db
from survey.db import settings as settings_db
from survey.db import taxonomy as tx
from survey.graph import analysis
from survey.graph import network as g
from survey.report.reading import BySection, SurveyGraph, group_by_section, read_graph
from survey.report.venues import venue_name
from survey.review import discover
from survey.review import suggest as suggest_review
from survey.shapes import (
    MissingWork,
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
# A venue's name in the report, looked up once per spelling: 10^5 papers spell a few
# thousand venues.
_venue_name = functools.lru_cache(maxsize=4096)(venue_name)


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
    path, ids = tx.section_scope(session, within)
    graph = read_graph(session)
    kept = graph.kept(ids)
    pairs = graph.pairs_among(kept)
    order = [p for p in tx.ordered_paths(session) if _inside(p, path)]
    grouped = group_by_section(graph, kept, pairs, tx.sections_by_paper(session))
    sections = _sections(session, order, graph, grouped)
    trend = analysis.trend(session, level=2 if any("/" in p for p in order) else 1, within=within)
    top_cited, top_pagerank = _top_papers(graph, kept)
    return {
        "title": settings_db.get_setting(session, "survey.title", "Survey report"),
        "description": settings_db.get_setting(session, "survey.description"),
        "within": path,
        "overview": _overview(graph, kept, grouped, len(order), int(pairs.size)),
        "sections": sections,
        "trend": trend,
        "top_cited": top_cited,
        "top_pagerank": top_pagerank,
        "coverage": _coverage(session, graph, pairs, within is None),
        "disagreement": _disagreement(session, within) if pairs.size else None,
        "gaps": _gaps(session, graph, kept, pairs, sections, path),
    }


def _sections(
    session: Session, order: list[str], graph: SurveyGraph, grouped: BySection
) -> list[ReportSection]:
    """Each section of `order`: its papers, the citations and main path of its subtree,
    and the classics its papers cite that the survey lacks."""
    missing = discover.missing_by_section(session, MISSING_MIN_CITING)
    nodes = tx.nodes_by_path(session)
    none = np.zeros(0, dtype=np.int64)
    sections: list[ReportSection] = []
    for path in order:
        node = nodes[path]
        inner = grouped.inner.get(path, none)
        route, weight = _main_path(graph, inner)
        subtree = grouped.subtrees.get(path, none)
        sections.append(
            {
                "path": path,
                "label": node.label,
                "level": node.level,
                "number": node.number,
                "flag": node.flag,
                "description": node.description,
                "papers": _section_papers(graph, grouped.direct_tags.get(path, [])),
                "edges": _section_edges(graph, inner),
                "main_path": [{"key": graph.papers[n].key, "label": graph.label(n)} for n in route],
                "main_path_weight": weight,
                "missing": [
                    c.as_dict()
                    for c in missing(graph.papers[n].key for n in subtree.tolist())[:MISSING_SHOWN]
                ],
            }
        )
    return sections


def _section_papers(graph: SurveyGraph, tags: list[tuple[int, str, str]]) -> list[ReportPaper]:
    """Each paper filed directly in the section once (by year, then key), with every
    provenance and annotation it has there."""
    papers = graph.papers
    direct = sorted(tags, key=lambda tag: (papers[tag[0]].year or 0, tag[0], tag[1]))
    provenances: dict[int, set[str]] = {}
    annotations: dict[int, list[str]] = {}
    for node, provenance, annotation in direct:
        provenances.setdefault(node, set()).add(provenance)
        notes = annotations.setdefault(node, [])
        if annotation and annotation not in notes:
            notes.append(annotation)
    return [
        {
            "key": papers[node].key,
            "year": papers[node].year,
            "venue": _venue_name(papers[node].venue),
            "short": papers[node].short,
            "title": papers[node].title,
            "provenance": sorted(provenances[node]),
            "annotations": notes,
            "curated": provenances[node] == {Provenance.CURATED},
        }
        for node, notes in annotations.items()
    ]


def _section_edges(graph: SurveyGraph, inner: NDArray[np.int64]) -> list[ReportEdge]:
    edges: list[ReportEdge] = []
    for pair in inner.tolist():
        citing, cited = int(graph.citing[pair]), int(graph.cited[pair])
        edges.append(
            {
                "citing": graph.papers[citing].key,
                "cited": graph.papers[cited].key,
                "relation": graph.relation_names[graph.relation[pair]],
                "citing_label": graph.label(citing),
                "cited_label": graph.label(cited),
                "origins": graph.origins(pair),
            }
        )
    return edges


def _main_path(graph: SurveyGraph, inner: NDArray[np.int64]) -> tuple[list[int], int]:
    """The main path through a subtree's citations `inner`, and its weight; none when
    they hold a cycle. Papers without a citation among them are on no path."""
    if inner.size == 0:
        return [], 0
    pairs = list(zip(graph.citing[inner].tolist(), graph.cited[inner].tolist(), strict=True))
    node_of = {graph.papers[n].key: n for pair in pairs for n in pair}
    citation = g.citation_graph(
        [], ((graph.papers[a].key, graph.papers[b].key, {}) for a, b in pairs)
    )
    if g.find_cycles(citation):
        return [], 0
    route, weight = g.main_path(citation)
    return [node_of[key] for key in route], weight


def _top_papers(graph: SurveyGraph, kept: NDArray[np.bool_]) -> tuple[list[Ranked], list[Ranked]]:
    """The most cited papers and those of highest PageRank, ranked on the whole graph
    (as `survey query top` ranks them), of the papers kept."""
    citations, pagerank = graph.influence()
    listed = np.flatnonzero(kept).tolist()

    def ranked(pagerank_first: bool) -> list[Ranked]:
        def order(node: int) -> tuple[float, float, int]:
            first, second = (
                (pagerank[node], citations[node])
                if pagerank_first
                else (citations[node], pagerank[node])
            )
            return (-first, -second, node)

        return [
            {
                "key": graph.papers[n].key,
                "year": graph.papers[n].year,
                "short": graph.papers[n].short,
                "title": graph.papers[n].title,
                "citations": citations[n],
                "pagerank": pagerank[n],
            }
            for n in sorted(listed, key=order)[:TOP]
        ]

    return ranked(False), ranked(True)


def _overview(
    graph: SurveyGraph, kept: NDArray[np.bool_], grouped: BySection, sections: int, citations: int
) -> Overview:
    provenances: dict[int, set[str]] = {}
    for tags in grouped.direct_tags.values():
        for node, provenance, _ in tags:
            provenances.setdefault(node, set()).add(provenance)
    papers = [graph.papers[n] for n in np.flatnonzero(kept).tolist()]
    years = [p.year for p in papers if p.year is not None]
    venues = Counter(_venue_name(p.venue) for p in papers if p.venue and p.published_in)
    return {
        "papers": len(papers),
        "sections": sections,
        "citations": citations,
        "from_notes": sum(1 for found in provenances.values() if Provenance.NOTES in found),
        "curated": sum(1 for found in provenances.values() if found == {Provenance.CURATED}),
        "first_year": min(years) if years else None,
        "last_year": max(years) if years else None,
        "venues": sorted(venues.items(), key=lambda item: (-item[1], item[0]))[:TOP],
    }


def _gaps(
    session: Session,
    graph: SurveyGraph,
    kept: NDArray[np.bool_],
    pairs: NDArray[np.int64],
    sections: list[ReportSection],
    within: str | None,
) -> Gaps:
    """Empty sections, open mentions (under `within`), papers without a DOI or arXiv id
    and papers no citation touches."""
    connected = np.zeros(graph.size, dtype=bool)
    connected[graph.citing[pairs]] = True
    connected[graph.cited[pairs]] = True
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
    listed = np.flatnonzero(kept).tolist()
    return {
        "empty": [s["path"] for s in sections if s["flag"] == SectionFlag.EMPTY],
        "images_only": [s["path"] for s in sections if s["flag"] == SectionFlag.IMAGES_ONLY],
        "open_mentions": open_mentions,
        "no_identifier": [graph.papers[n].key for n in listed if not graph.papers[n].identified],
        "no_citations": [graph.papers[n].key for n in listed if not connected[n]],
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


def _coverage(
    session: Session, graph: SurveyGraph, pairs: NDArray[np.int64], whole: bool
) -> list[IndexCoverage]:
    """Papers matched and citations per citation index (for the whole survey only: the
    matches are not per section)."""
    if not whole:
        return []
    edges = graph.origin_counts(pairs)
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
