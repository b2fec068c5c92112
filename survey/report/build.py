"""Gather the report's content from the database into plain data (report layer)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from sqlalchemy.orm import Session

from survey import analysis, discover
from survey import graph as g
from survey.db import taxonomy as tx
from survey.naming import paper_label
from survey.vocab import Provenance, SectionFlag

TOP = 10
# A section's missing classics: external works cited by at least this many of its papers.
MISSING_MIN_CITING = 2
MISSING_SHOWN = 5
_ABBREVIATION = re.compile(r"\(([A-Z][A-Za-z0-9-]*(?:[ -][A-Z0-9][A-Za-z0-9-]*)?)\)\s*$")


def short_venue(venue: str) -> str:
    """`Proceedings of ... (CVPR)` -> `CVPR`; other venues as they are."""
    match = _ABBREVIATION.search(venue)
    return match.group(1) if match else venue


def build_report(session: Session, within: str | None = None) -> dict[str, Any]:
    data = analysis.export_data(session, within)
    papers = {p["key"]: p for p in data["papers"]}
    # One edge per pair, with every origin that has it (a file and OpenAlex, say).
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for e in data["edges"]:
        pair = pairs.setdefault((e["citing"], e["cited"]), {"relation": "", "origins": set()})
        pair["relation"] = pair["relation"] or e["relation"]
        pair["origins"].add(e["origin"])
    edges = [(a, b, pair["relation"]) for (a, b), pair in sorted(pairs.items())]
    missing = discover.missing_by_section(session, MISSING_MIN_CITING)
    nodes = tx.nodes_by_path(session)
    order = [p for p in data["sections"] if within is None or _inside(p, data["within"])]

    sections = []
    for path in order:
        node = nodes[path]
        direct = sorted(
            ((p, s) for p in papers.values() for s in p["sections"] if s["path"] == path),
            key=lambda pair: (pair[0]["year"] or 0, pair[0]["key"], pair[1]["provenance"]),
        )
        rows: dict[str, dict[str, Any]] = {}
        for paper, tag in direct:
            row = rows.setdefault(
                paper["key"],
                {
                    "key": paper["key"],
                    "year": paper["year"],
                    "venue": short_venue(paper["venue"]),
                    "short": paper["short"],
                    "title": paper["title"],
                    "provenance": set(),
                    "annotations": [],
                },
            )
            row["provenance"].add(tag["provenance"])
            if tag["annotation"] and tag["annotation"] not in row["annotations"]:
                row["annotations"].append(tag["annotation"])
        subtree = {
            p["key"]
            for p in papers.values()
            if any(_inside(s["path"], path) for s in p["sections"])
        }
        inner = sorted((a, b, r) for a, b, r in edges if a in subtree and b in subtree)
        graph = g.citation_graph(
            [(k, {}) for k in sorted(subtree)], [(a, b, {}) for a, b, _ in inner]
        )
        route, weight = ([], 0) if g.find_cycles(graph) else g.main_path(graph)
        sections.append(
            {
                "path": path,
                "label": node.label,
                "level": node.level,
                "number": node.number,
                "flag": node.flag,
                "description": node.description,
                "papers": [
                    {
                        **row,
                        "curated": row["provenance"] == {Provenance.CURATED},
                        "provenance": sorted(row["provenance"]),
                    }
                    for row in rows.values()
                ],
                "edges": [
                    {
                        "citing": a,
                        "cited": b,
                        "relation": r,
                        "citing_label": paper_label(papers[a], year_with_short=True),
                        "cited_label": paper_label(papers[b], year_with_short=True),
                        "origins": sorted(pairs[(a, b)]["origins"]),
                    }
                    for a, b, r in inner
                ],
                "main_path": [
                    {"key": k, "label": paper_label(papers[k], year_with_short=True)} for k in route
                ],
                "main_path_weight": weight,
                "missing": [c.as_dict() for c in missing(subtree)[:MISSING_SHOWN]],
            }
        )

    trend = analysis.trend(session, level=2 if any("/" in p for p in order) else 1, within=within)
    top = analysis.top(session, within=within, limit=TOP)
    by_rank = analysis.top(session, metric="pagerank", within=within, limit=TOP)
    connected = {a for a, _, _ in edges} | {b for _, b, _ in edges}
    open_mentions = [
        {
            "line": m.line,
            "text": m.text,
            "status": m.status,
            "section": m.node.path,
            "candidates": m.candidates,
        }
        for m in tx.open_mentions(session)
        if within is None or _inside(m.node.path, data["within"])
    ]
    notes_papers = {
        k for k, p in papers.items() if any(s["provenance"] == "notes" for s in p["sections"])
    }
    curated_papers = {
        k
        for k, p in papers.items()
        if p["sections"] and all(s["provenance"] == Provenance.CURATED for s in p["sections"])
    }
    years = [p["year"] for p in papers.values() if p["year"] is not None]
    venues = Counter(short_venue(p["venue"]) for p in papers.values() if p["venue"])
    return {
        "title": tx.get_setting(session, "survey.title", "Survey report"),
        "description": tx.get_setting(session, "survey.description"),
        "within": data["within"],
        "overview": {
            "papers": len(papers),
            "sections": len(order),
            "citations": len(edges),
            "from_notes": len(notes_papers),
            "curated": len(curated_papers),
            "first_year": min(years) if years else None,
            "last_year": max(years) if years else None,
            "venues": sorted(venues.items(), key=lambda item: (-item[1], item[0]))[:TOP],
        },
        "sections": sections,
        "trend": trend,
        "top_cited": top["papers"],
        "top_pagerank": by_rank["papers"],
        "gaps": {
            "empty": [s["path"] for s in sections if s["flag"] == SectionFlag.EMPTY],
            "images_only": [s["path"] for s in sections if s["flag"] == SectionFlag.IMAGES_ONLY],
            "open_mentions": open_mentions,
            "no_identifier": sorted(
                k for k, p in papers.items() if not p["doi"] and not p["arxiv_id"]
            ),
            "no_citations": sorted(k for k in papers if k not in connected),
        },
        "keys": sorted(papers),
    }


def _inside(path: str, top: str | None) -> bool:
    return top is None or path == top or path.startswith(top + "/")
