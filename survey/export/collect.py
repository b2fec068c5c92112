"""What every export writes, gathered once (export layer: reads with db helpers, ranks
with the graph layer, returns plain data).

`export_data` collects the papers with their sections, influence and colour, and the
citation edges among them; GraphML, GEXF, BibTeX, CSL-JSON, CSV, the graph page and the
report read it. The colours are Gephi's palette, one per section of the first taxonomy
level that splits the papers; `node_size` is the node size every graph export draws.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sqlalchemy.orm import Session

from survey.db import citations as cdb
from survey.db import papers as papers_db
from survey.db import taxonomy as tx
from survey.graph import network as g
from survey.graph.analysis import paper_graph
from survey.shapes import ExportData, ExportEdge, ExportPaper

# One colour per section of the colour level (colour_level), in the notes' order (Tableau
# 10), then grey for papers in no section. Gephi reads them from the r, g, b node attributes.
PALETTE = [
    (78, 121, 167),
    (242, 142, 43),
    (225, 87, 89),
    (118, 183, 178),
    (89, 161, 79),
    (237, 201, 72),
    (176, 122, 161),
    (255, 157, 167),
    (156, 117, 95),
    (186, 176, 172),
]
NO_SECTION = (160, 160, 160)


def export_data(
    session: Session,
    within: str | None = None,
    *,
    clusters: bool = False,
    influence: bool = True,
) -> ExportData:
    """Everything the exports write: papers with their sections, influence and colour,
    and the citation edges among them. `within` keeps one taxonomy subtree. With
    `clusters`, each paper's `cluster` too: its cluster of the citation graph among the
    papers kept (survey.graph.clusters; None for a paper without links). Without
    `influence` (for a format that writes none) the citation graph and PageRank are not
    computed and every paper's citations and pagerank are 0."""
    path, ids = tx.section_scope(session, within)
    found_clusters = None
    if clusters:
        from survey.graph.clusters import paper_clusters  # scipy and igraph: only when asked

        found_clusters = paper_clusters(session, path)
    order = tx.ordered_paths(session)
    rank = {p: i for i, p in enumerate(order)}
    sections = tx.sections_by_paper(session)
    authors = papers_db.authors_by_paper(session)
    ranked = {i.key: i for i in g.influence(paper_graph(session, ids)[0])} if influence else {}
    short = papers_db.short_names(session)
    papers: list[ExportPaper] = []
    for paper in papers_db.papers_by_citekey(session):
        if ids is not None and paper.id not in ids:
            continue
        placed = sorted(sections.get(paper.id, []), key=lambda s: (rank.get(s[0], len(rank)), s[2]))
        top = placed[0][0].split("/")[0] if placed else ""
        info = ranked.get(paper.citekey)
        papers.append(
            {
                "key": paper.citekey,
                "entry_type": paper.entry_type,
                "title": paper.title or "",
                "authors": authors.get(paper.id, []),
                "more_authors": paper.more_authors,
                "year": paper.year,
                "venue": paper.venue or "",
                "doi": paper.doi or "",
                "arxiv_id": paper.arxiv_id or "",
                "abstract": paper.abstract or "",
                "short": short.get(paper.id, ""),
                "fields": dict(paper.fields),
                "raw": paper.raw,
                "sections": [
                    {"path": p, "label": label, "provenance": prov, "annotation": note}
                    for p, label, prov, note in placed
                ],
                "top_section": top,
                "colour_section": "",
                "colour": NO_SECTION,
                "citations": info.citations if info else 0,
                "pagerank": info.pagerank if info else 0.0,
            }
        )
        if found_clusters is not None:
            papers[-1]["cluster"] = found_clusters.get(paper.citekey)
    return {
        "within": path,
        "papers": papers,
        "edges": _edges_among(session, {p["key"] for p in papers}),
        "sections": order,
        "colour_level": colour_by_level(papers, order),
    }


def _edges_among(session: Session, kept: set[str]) -> list[ExportEdge]:
    """The citation edges whose two papers are both `kept`, sorted citing, cited, origin."""
    return [
        {
            "citing": e.citing,
            "cited": e.cited,
            "origin": e.origin,
            "relation": e.relation,
            "evidence": e.evidence,
            "suspect": e.suspect,
        }
        for e in cdb.edges(session)
        if e.citing in kept and e.cited in kept
    ]


def colour_level(first_sections: Sequence[str]) -> int:
    """The first taxonomy level whose sections split the papers: 1 (top-level sections)
    unless every paper sits under one section there, then the next level, and so on. A
    paper's section is its first in the notes' order (one shallower than the level is
    its own group); papers in no section do not count."""
    paths = [p.split("/") for p in first_sections if p]
    deepest = max((len(p) for p in paths), default=1)
    for level in range(1, deepest + 1):
        if len({"/".join(p[:level]) for p in paths}) > 1:
            return level
    return 1


def colour_by_level(papers: list[ExportPaper], order: Sequence[str]) -> int:
    """Give each paper its colour section (its first section cut to the colour level) and
    that section's colour, in the notes' order; return the level."""
    first = [p["sections"][0]["path"] if p["sections"] else "" for p in papers]
    level = colour_level(first)
    groups = {_cut(path, level) for path in first if path}
    # Every section of the level under the papers' common section keeps its colour whether
    # it holds papers or not, so colours do not shift when a section empties.
    common = _cut(next(iter(groups)), level - 1) if groups and level > 1 else ""
    ranked = [
        p
        for p in order
        if p in groups or (p.count("/") + 1 == level and (level == 1 or p.startswith(common + "/")))
    ]
    ranked += sorted(groups - set(ranked))
    colours = {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(ranked)}
    for paper, path in zip(papers, first, strict=True):
        paper["colour_section"] = _cut(path, level)
        paper["colour"] = colours.get(paper["colour_section"], NO_SECTION)
    return level


def _cut(path: str, level: int) -> str:
    return "/".join(path.split("/")[:level])


def node_size(citations: int) -> float:
    """Gephi node size from local citations: 10 for uncited papers, growing slowly."""
    return round(10.0 + 4.0 * math.sqrt(float(citations)), 3)
