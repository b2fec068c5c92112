"""Render the report object as Markdown (report layer; pure, deterministic).

Citations use pandoc syntax (`[@key]`, or `[@{key}]` for a key pandoc would cut short,
such as `endsdot.` or `nerf++`), so `pandoc --citeproc --bibliography refs.bib` resolves
them; an `@` in copied text is escaped, so it never becomes a citation. Lineage diagrams
are Mermaid `flowchart`s, which GitHub renders. No control character reaches the text.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from survey.textnorm import strip_controls

if TYPE_CHECKING:
    from survey.report.gather import (
        Disagreement,
        Gaps,
        IndexCoverage,
        Report,
        ReportEdge,
        ReportPaper,
        ReportSection,
    )
    from survey.shapes import MissingWork, Ranked, Trend
from survey.vocab import INDEX_ORIGINS, SectionFlag

# Pandoc's and CommonMark's inline syntax: `^x^` superscript, `~x~` subscript, `&name;`
# entities, `$…$` maths, `@key` citations, plus emphasis, code, links and raw HTML.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#!~^&$@])")


def md(text: object) -> str:
    """Text for a Markdown paragraph or table cell: specials escaped, one line."""
    value = " ".join(strip_controls(str(text)).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", value)


# Pandoc's bare key: a letter, digit or _ first, then alphanumerics, _ and internal
# punctuation; punctuation at the end is not part of the key.
_PANDOC_KEY = re.compile(r"[\w][\w:.#$%&\-+?<>~/]*")
_PANDOC_KEY_END = re.compile(r"[\w]")
# Inside braces anything goes but braces (and whitespace ends the key).
_BRACED_KEY = re.compile(r"[^{}\s]+")


def cite(key: str) -> str:
    """A pandoc citation of `key`: bare when pandoc reads it whole, braced (`[@{key}]`)
    when it ends in punctuation, or the key as escaped text when pandoc cannot cite it."""
    if _PANDOC_KEY.fullmatch(key) and _PANDOC_KEY_END.fullmatch(key[-1]):
        return f"[@{key}]"
    if _BRACED_KEY.fullmatch(key) and "|" not in key:
        return f"[@{{{key}}}]"
    return md(key)


def mermaid_label(text: str) -> str:
    """A Mermaid node label inside double quotes: quotes and markup as entities."""
    value = " ".join(strip_controls(text).split())
    for char, entity in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        value = value.replace(char, entity)
    return value


def render_markdown(
    report: Report,
    charts: list[tuple[str, str]] | None = None,
    graph_page: str | None = None,
) -> str:
    lines: list[str] = []
    _title(lines, report)
    _overview(lines, report, graph_page)
    _taxonomy(lines, report["sections"])
    _trends(lines, report["trend"], charts or [])
    _influence(lines, report)
    if report["disagreement"] is not None:
        _disagreement(lines, report["disagreement"])
    _gaps(lines, report["gaps"])
    add = lines.append
    add("## References")
    add("")
    add("::: {#refs}")
    add(":::")
    return "\n".join(lines).rstrip("\n") + "\n"


def _title(lines: list[str], report: Report) -> None:
    """The survey's title and description, and the section a report of one covers."""
    add = lines.append
    add(f"# {md(report['title'])}")
    add("")
    if report["description"]:
        add(md(report["description"]))
        add("")
    if report["within"]:
        add(f"This report covers the section `{report['within']}` only.")
        add("")


def _overview(lines: list[str], report: Report, graph_page: str | None) -> None:
    """The counts, the link to the graph page, the indexes' coverage and the venues."""
    add = lines.append
    overview = report["overview"]
    add("## Overview")
    add("")
    span = (
        f"{overview['first_year']}–{overview['last_year']}"
        if overview["first_year"] is not None
        else "no years"
    )
    add(
        f"- Papers: {overview['papers']} ({overview['from_notes']} named in the notes, "
        f"{overview['curated']} curated)"
    )
    add(f"- Sections: {overview['sections']}")
    add(f"- Citations among them: {overview['citations']}")
    add(f"- Years: {span}")
    if graph_page is not None:
        link = f"[{md(graph_page)}]({quote(graph_page)})"
        add(f"- Citation graph: {link} (interactive, opens offline)")
    add("")
    if report["coverage"]:
        _coverage(lines, report["coverage"])
    if overview["venues"]:
        add("| venue | papers |")
        add("|---|---:|")
        for venue, count in overview["venues"]:
            add(f"| {md(venue)} | {count} |")
        add("")


def _taxonomy(lines: list[str], sections: list[ReportSection]) -> None:
    add = lines.append
    add("## Taxonomy")
    add("")
    add(
        "Sections in the order of the notes. † marks papers filed by the curator rather than "
        "named in the notes."
    )
    add("")
    for section in sections:
        _section(lines, section)


# What a section's flag adds after its path.
_FLAG_NOTES: dict[str, str] = {
    SectionFlag.EMPTY: " · empty in the notes",
    SectionFlag.IMAGES_ONLY: " · slides only in the notes",
    SectionFlag.ORPHANED: " · no longer in the notes",
}


def _section(lines: list[str], section: ReportSection) -> None:
    add = lines.append
    level = min(section["level"] + 2, 6)
    number = f"{section['number']}. " if section["number"] is not None else ""
    add(f"{'#' * level} {number}{md(section['label'])}")
    add("")
    flag = _FLAG_NOTES.get(section["flag"], "")
    add(f"`{section['path']}`{flag}")
    add("")
    if section["description"]:
        add(md(section["description"]))
        add("")
    if section["papers"]:
        _papers_table(lines, section["papers"])
    if section["edges"]:
        _lineage_diagram(lines, section["edges"])
    if len(section["main_path"]) > 1:
        route = " → ".join(md(step["label"]) for step in section["main_path"])
        add(f"Main path (search path count {section['main_path_weight']}): {route}")
        add("")
    if section["missing"]:
        _missing_works(lines, section["missing"], section["path"])


def _papers_table(lines: list[str], papers: list[ReportPaper]) -> None:
    """A section's papers as a table, then their annotations from the notes."""
    add = lines.append
    add("| year | venue | short name | paper | |")
    add("|---|---|---|---|---|")
    for paper in papers:
        mark = "†" if paper["curated"] else ""
        add(
            f"| {paper['year'] or ''} | {md(paper['venue'])} | {md(paper['short'])} | "
            f"{md(paper['title'])} {cite(paper['key'])} | {mark} |"
        )
    add("")
    notes = [(p, a) for p in papers for a in p["annotations"]]
    if notes:
        add("Notes:")
        add("")
        for paper, annotation in notes:
            add(f"- {cite(paper['key'])}: {md(annotation)}")
        add("")


def _lineage_diagram(lines: list[str], edges: list[ReportEdge]) -> None:
    """A section's citation edges as a Mermaid flowchart, nodes numbered in first use."""
    add = lines.append
    ids: dict[str, tuple[str, str]] = {}
    for edge in edges:
        for key, label in (
            (edge["citing"], edge["citing_label"]),
            (edge["cited"], edge["cited_label"]),
        ):
            ids.setdefault(key, (f"n{len(ids) + 1}", label))
    add("```mermaid")
    add("flowchart LR")
    for node_id, label in ids.values():
        add(f'  {node_id}["{mermaid_label(label)}"]')
    for edge in edges:
        add(f"  {ids[edge['citing']][0]} {_arrow(edge)} {ids[edge['cited']][0]}")
    add("```")
    add("")
    if any(set(edge["origins"]) & set(INDEX_ORIGINS) for edge in edges):
        add(
            "Arrows: solid for curated edges (citations file, cites field, manual), "
            "thick when a citation index has them too, dotted for edges from the indexes "
            "only."
        )
        add("")


def _missing_works(lines: list[str], missing: list[MissingWork], path: str) -> None:
    add = lines.append
    add(
        "Missing from this section (works its papers cite that the survey lacks, per the "
        "citation indexes):"
    )
    add("")
    for work in missing:
        who = ", ".join(cite(k) for k in work["papers"])
        year = f", {work['year']}" if work["year"] else ""
        doi = f", doi {md(work['doi'])}" if work["doi"] else ""
        add(
            f"- {md(work['title'])} ({md(work['first_author'])}{year}; "
            f"{md(work['work'])}{doi}): cited by {work['count']}: {who}{_elsewhere(work, path)}"
        )
    add("")


def _elsewhere(work: MissingWork, path: str) -> str:
    """Where the work's citing papers point, when that is another section than `path`."""
    suggested = work["suggested"]
    if suggested is None or suggested == path or suggested.startswith(path + "/"):
        return ""
    return f"; its citing papers point to `{suggested}`"


def _arrow(edge: ReportEdge) -> str:
    """Mermaid arrow by origin: solid curated, thick curated and seen by an index, dotted
    seen by the indexes only."""
    label = mermaid_label(edge["relation"]) if edge["relation"] else ""
    origins = set(edge["origins"])
    if origins <= set(INDEX_ORIGINS):
        return f"-. {label} .->" if label else "-.->"
    if origins & set(INDEX_ORIGINS):
        return f"== {label} ==>" if label else "==>"
    return f"-- {label} -->" if label else "-->"


def _coverage(lines: list[str], coverage: list[IndexCoverage]) -> None:
    add = lines.append
    add("Citation indexes (survey enrich): papers matched, edges among the papers each index")
    add("witnesses, and works outside the survey the papers cite.")
    add("")
    add("| index | papers matched | edges | external works |")
    add("|---|---:|---:|---:|")
    for row in coverage:
        add(
            f"| {md(row['index'])} | {row['matched']} of {row['asked']} | {row['edges']} "
            f"| {row['external']} |"
        )
    add("")


def _trends(lines: list[str], trend: Trend, charts: list[tuple[str, str]]) -> None:
    add = lines.append
    add("## Trends")
    add("")
    years = trend["years"]
    if trend["sections"]:
        add(f"Papers per section per year (taxonomy level {trend['level']}).")
        add("")
        add("| section | " + " | ".join(str(y) for y in years) + " | total |")
        add("|---|" + "---:|" * (len(years) + 1))
        for row in trend["sections"]:
            cells = " | ".join(str(row["counts"][y] or "") for y in years)
            add(f"| {md(row['path'])} | {cells} | {row['total']} |")
        add("")
    for alt, target in charts:
        add(f"![{md(alt)}]({target})")
        add("")
    if trend["rising"]:
        add("Rising sections: share of the parent's papers in the last years against before.")
        add("")
        add("| section | earlier | recent | change |")
        add("|---|---:|---:|---:|")
        for rise in trend["rising"]:
            add(
                f"| {md(rise['path'])} | {rise['earlier_share']:.0%} | {rise['recent_share']:.0%} "
                f"| {rise['change']:+.0%} |"
            )
        add("")
    if trend["bursts"]:
        add("Bursts (Kleinberg):")
        add("")
        for burst in trend["bursts"]:
            add(
                f"- {md(burst['path'])}: {burst['start']}–{burst['end']} (weight {burst['weight']})"
            )
        add("")


def _influence(lines: list[str], report: Report) -> None:
    add = lines.append
    add("## Influence")
    add("")
    tables: list[tuple[str, str, list[tuple[Ranked, object]]]] = [
        (
            "Most cited within the survey",
            "citations",
            [(r, r["citations"]) for r in report["top_cited"]],
        ),
        ("Highest PageRank", "pagerank", [(r, r["pagerank"]) for r in report["top_pagerank"]]),
    ]
    for title, column, rows in tables:
        add(f"{title}:")
        add("")
        add(f"| | paper | {column} |")
        add("|---:|---|---:|")
        for rank, (row, value) in enumerate(rows, start=1):
            # Named by its short name, else its title: never its key twice (`k [@k]`).
            name = md(row["short"] or row["title"])
            add(f"| {rank} | {f'{name} ' if name else ''}{cite(row['key'])} | {value} |")
        add("")


def _disagreement(lines: list[str], found: Disagreement) -> None:
    add = lines.append
    add("## Where the citations disagree with the taxonomy")
    add("")
    agreement = "n/a" if found["agreement"] is None else f"{found['agreement']:.2f}"
    add(
        f"Each paper's citation neighbourhood (what it cites, what cites it, shared references "
        f"and co-citations) points to a section at taxonomy level {found['level']}: "
        f"{found['agreeing']} of {found['compared']} papers with neighbours point to their "
        f"own. Clusters of the citation graph against the sections: adjusted mutual "
        f"information {agreement}."
    )
    add("")
    misfiled = [s for s in found["suggestions"] if s["kind"] == "misfiled"]
    unfiled = [s for s in found["suggestions"] if s["kind"] == "unfiled"]
    entries = [
        ("Papers whose citations point to another section", misfiled),
        ("Papers in no section, with where their citations point", unfiled),
    ]
    for title, chosen in entries:
        add(f"**{title}:** " + ("none." if not chosen else f"{len(chosen)}."))
        add("")
        for item in chosen:
            now = ", ".join(f"`{p}`" for p in item["sections"]) or "no section"
            why = ", ".join(f"{n['relation']} {cite(n['key'])}" for n in item["why"])
            add(
                f"- {cite(item['citekey'])} in {now}: `{item['suggested']}` "
                f"(confidence {item['confidence']:.0%}; {why})"
            )
        if chosen:
            add("")
    for kind, title in (
        ("split", "Sections split over clusters"),
        ("merge", "Sections in one cluster"),
    ):
        items = [f for f in found["sections"] if f["kind"] == kind]
        add(f"**{title}:** " + ("none." if not items else f"{len(items)}."))
        add("")
        for finding in items:
            other = ", ".join(f"`{w}`" if kind == "merge" else w for w in finding["with"])
            add(f"- `{finding['section']}` with {other}: {md(finding['why'])}")
        if items:
            add("")


def _gaps(lines: list[str], gaps: Gaps) -> None:
    add = lines.append
    add("## Gaps")
    add("")
    entries = [
        ("Sections empty in the notes", [f"`{p}`" for p in gaps["empty"]]),
        ("Sections with only slides in the notes", [f"`{p}`" for p in gaps["images_only"]]),
        (
            "Mentions not resolved to a paper",
            [
                f"line {m['line']} in `{m['section']}`: {md(m['text'])} ({m['status']})"
                for m in gaps["open_mentions"]
            ],
        ),
        ("Papers without a DOI or arXiv id", [cite(k) for k in gaps["no_identifier"]]),
        ("Papers without citation edges", [cite(k) for k in gaps["no_citations"]]),
    ]
    for title, items in entries:
        add(f"**{title}:** " + ("none." if not items else f"{len(items)}."))
        add("")
        for item in items:
            add(f"- {item}")
        if items:
            add("")
