"""`survey query lineage|path|mainpath|top|related|trend`: questions about the citation
graph and how the survey's sections grew (thin wrappers over survey.graph.analysis)."""

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from survey.cli import render
from survey.cli.common import (
    ALL_OPTION,
    FORMAT_OPTION,
    MAX_LIMIT,
    SHOWN_ROWS,
    VIEW_LIMIT,
    OutputFormat,
    cli_errors,
    engine_from,
    out,
    print_csv,
    print_json,
    session_scope,
)

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from survey.shapes import Brief


class Metric(StrEnum):
    citations = "citations"
    pagerank = "pagerank"


WITHIN = typer.Option("--within", help="Only this taxonomy section (path, label or ending).")


def _label(paper: "Brief") -> "Text":
    from rich.text import Text

    from survey.controls import strip_controls

    text = Text()
    text.append(f"{paper['year'] or '----'} ", style="dim")
    if paper["short"]:
        text.append(f"{paper['short']} ", style="bold")
    text.append(f"{paper['key']} ", style="cyan")
    text.append(strip_controls(paper["title"] or ""))
    return text


def _table(title: str, header: list[str], rows: list[list[Any]]) -> "Table":
    """A compact table of rows of values (None shown empty) that fits the terminal:
    keys whole, titles wrapped."""
    table = render.table(title, header)
    for row in rows:
        table.add_row(*render.cells(row))
    return table


def _emit(
    output: OutputFormat,
    result: Mapping[str, object],
    header: list[str],
    rows: Iterable[list[Any]],
) -> bool:
    """JSON or CSV output; False when a table is wanted instead."""
    if output is OutputFormat.json:
        print_json(result)
        return True
    if output is OutputFormat.csv:
        print_csv(header, rows)
        return True
    return False


def lineage(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Citekey or short name (RA-CNN, B-CNN).")],
    descendants: Annotated[
        bool, typer.Option("--descendants", help="What builds on it, instead of what it builds on.")
    ] = False,
    depth: Annotated[
        int | None,
        typer.Option("--depth", min=1, max=MAX_LIMIT, help="At most this many generations."),
    ] = None,
    within: Annotated[str | None, WITHIN] = None,
    output: OutputFormat = FORMAT_OPTION,
    show_all: bool = ALL_OPTION,
) -> None:
    """What a paper builds on (its ancestors), or with --descendants what builds on it,
    generation by generation, with the relation of each citation."""
    from rich.text import Text
    from rich.tree import Tree

    from survey.graph import lineage as walk

    with cli_errors(), session_scope(engine_from(ctx)) as session:
        result = walk.lineage(session, key, descendants=descendants, depth=depth, within=within)
    header = ["generation", "key", "year", "short", "title", "via", "relation"]
    rows = (
        [p["generation"], p["key"], p["year"], p["short"], p["title"], p["via"], p["relation"]]
        for p in result["papers"]
    )
    if _emit(output, result, header, rows):
        return
    papers = result["papers"]
    word = "descendants" if descendants else "ancestors"
    # In generation order, so the first rows' via papers are among them: a subtree.
    shown = papers if show_all or len(papers) <= VIEW_LIMIT else papers[:SHOWN_ROWS]
    if len(shown) < len(papers):
        per_generation: dict[int, int] = {}
        for paper in papers:
            per_generation[paper["generation"]] = per_generation.get(paper["generation"], 0) + 1
        table = render.table(f"{len(papers):,} {word}", ["generation", "papers"])
        for generation, count in sorted(per_generation.items()):
            table.add_row(f"g{generation}", f"{count:,}")
        out.print(table)
    root = Tree(_label(result["paper"]))
    branches = {result["paper"]["key"]: root}
    for paper in shown:
        label = Text(f"g{paper['generation']} ", style="magenta") + _label(paper)
        if paper["relation"]:
            label.append(f"  [{paper['relation']}]", style="yellow")
        branches[paper["key"]] = branches[paper["via"] or result["paper"]["key"]].add(label)
    out.print(root)
    if len(shown) < len(papers):
        out.print(
            f"the first {len(shown)} of {len(papers):,} {word}: --all prints every one, "
            "--format json or csv writes them for scripts"
        )
    else:
        out.print(f"{len(papers)} {word}")


def path(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="The citing end: citekey or short name.")],
    target: Annotated[str, typer.Argument(help="The cited end: citekey or short name.")],
    undirected: Annotated[
        bool, typer.Option("--undirected", help="Ignore citation direction: how are they related?")
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=MAX_LIMIT, help="At most this many paths.")
    ] = 10,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """How one paper connects to another through citations: the shortest paths."""
    from rich.text import Text
    from rich.tree import Tree

    from survey.graph import analysis

    with cli_errors(), session_scope(engine_from(ctx)) as session:
        result = analysis.paths(session, source, target, undirected=undirected, limit=limit)
    rows = [
        [i + 1, " -> ".join(p["key"] for p in route)] for i, route in enumerate(result["paths"])
    ]
    if _emit(output, result, ["path", "papers"], rows):
        return
    if not result["paths"]:
        how = "in either direction" if undirected else "by following citations (try --undirected)"
        out.print(f"no path from {result['from']['key']} to {result['to']['key']} {how}")
        return
    for number, route in enumerate(result["paths"], start=1):
        steps = len(route) - 1
        tree = Tree(Text(f"path {number} ({steps} {render.plural(steps, 'step')})", style="bold"))
        for paper in route:
            tree.add(_label(paper))
        out.print(tree)


def mainpath(
    ctx: typer.Context,
    within: Annotated[str | None, WITHIN] = None,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """The backbone of a section: the global main path by search path count (SPC)."""
    from survey.graph import analysis

    with cli_errors(), session_scope(engine_from(ctx)) as session:
        result = analysis.main_path(session, within)
    header = ["step", "key", "year", "short", "title", "spc"]
    rows = [
        [i + 1, p["key"], p["year"], p["short"], p["title"], p["spc"]]
        for i, p in enumerate(result["path"])
    ]
    if _emit(output, result, header, rows):
        return
    if not result["path"]:
        out.print("no citations among these papers: no main path")
        return
    title = f"main path of {result['within'] or 'all papers'} (total SPC {result['weight']})"
    out.print(_table(title, header, rows))


def top(
    ctx: typer.Context,
    metric: Annotated[
        Metric, typer.Option("--metric", help="citations (local) or pagerank.")
    ] = Metric.citations,
    within: Annotated[str | None, WITHIN] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=MAX_LIMIT, help="At most this many.")
    ] = 10,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """The most influential papers: cited most often here, or by PageRank."""
    from survey.graph import analysis

    with cli_errors(), session_scope(engine_from(ctx)) as session:
        result = analysis.top(session, metric=metric.value, within=within, limit=limit)
    header = ["rank", "key", "year", "short", "citations", "pagerank", "title"]
    rows = [
        [i + 1, p["key"], p["year"], p["short"], p["citations"], p["pagerank"], p["title"]]
        for i, p in enumerate(result["papers"])
    ]
    if _emit(output, result, header, rows):
        return
    if result["papers"] and not any(p["citations"] for p in result["papers"]):
        where = f" in {result['within']}" if result["within"] else ""
        out.print(f"no citations among these papers{where}: nothing to rank (load citations)")
        return
    title = f"top papers by {metric}" + (f" in {result['within']}" if result["within"] else "")
    # On a terminal only the ranking's own measure is shown, so the titles keep room.
    shown = [h for h in header if h != ("pagerank" if metric == "citations" else "citations")]
    out.print(_table(title, shown, [[r[header.index(h)] for h in shown] for r in rows]))


def related(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Citekey or short name.")],
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=MAX_LIMIT, help="At most this many each.")
    ] = 10,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Papers related by co-citation (cited together) and by bibliographic coupling
    (sharing references)."""
    from rich.text import Text

    from survey.graph import analysis

    with cli_errors(), session_scope(engine_from(ctx)) as session:
        result = analysis.related(session, key, limit=limit)
    rows = [["co-citation", p["key"], p["count"]] for p in result["co_citation"]]
    rows += [["coupling", p["key"], p["count"]] for p in result["coupling"]]
    if _emit(output, result, ["kind", "key", "count"], rows):
        return
    for found, title in (
        (result["co_citation"], "cited together with"),
        (result["coupling"], "sharing references with"),
    ):
        table = render.table(
            f"{title} {result['paper']['key']}", ["count", "key", "year", "short", "title"]
        )
        for p in found:
            table.add_row(*render.cells([p["count"], p["key"], p["year"], p["short"], p["title"]]))
        out.print(table if found else Text(f"nothing {title} {result['paper']['key']}"))


def trend(
    ctx: typer.Context,
    level: Annotated[
        int, typer.Option("--level", min=1, help="Taxonomy depth of the rows (1 = top).")
    ] = 1,
    within: Annotated[str | None, WITHIN] = None,
    since: Annotated[int | None, typer.Option("--since", help="From this year on.")] = None,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Papers per section per year, with totals and a sparkline; rising sections and bursts."""
    from survey.graph import analysis

    with cli_errors(), session_scope(engine_from(ctx)) as session:
        result = analysis.trend(session, level=level, within=within, since=since)
    years = result["years"]
    header = ["path", *[str(y) for y in years], "total"]
    rows = [[s["path"], *[s["counts"][y] for y in years], s["total"]] for s in result["sections"]]
    if _emit(output, result, header, rows):
        return
    if not result["sections"]:
        out.print("no tagged papers at this level")
        return
    out.print(render.trend_table(result, out.width))
    if result["rising"]:
        rising = render.table(
            "rising sections (share of parent: recent vs earlier)",
            ["section", "earlier", "recent", "change"],
        )
        for r in result["rising"][:10]:
            rising.add_row(
                r["path"],
                f"{r['earlier_share']:.0%}",
                f"{r['recent_share']:.0%}",
                f"{r['change']:+.0%}",
            )
        out.print(rising)
    for burst in result["bursts"]:
        out.print(
            f"burst: {burst['path']} {burst['start']}–{burst['end']} (weight {burst['weight']})"
        )


def clusters(
    ctx: typer.Context,
    within: Annotated[str | None, WITHIN] = None,
    resolution: Annotated[
        float,
        typer.Option("--resolution", min=0.0, help="Leiden resolution: higher, smaller clusters."),
    ] = 1.0,
    level: Annotated[
        int | None,
        typer.Option("--level", min=1, help="Taxonomy depth compared (default: below --within)."),
    ] = None,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Clusters of the citation graph (Leiden over citations, coupling and co-citation):
    each with its size, most cited papers and distinctive words, and how they map onto
    the sections: a contingency table and the adjusted mutual information."""
    from rich.text import Text

    from survey.graph import clusters as found_clusters

    with cli_errors(), session_scope(engine_from(ctx)) as session:
        result = found_clusters.clusters(session, within, resolution=resolution, level=level)
    header = ["cluster", "size", "label", "top", *result["sections"]]
    rows = [
        [
            c["cluster"],
            c["size"],
            " ".join(c["label"]),
            "; ".join(p["key"] for p in c["top"]),
            *result["contingency"][c["cluster"]],
        ]
        for c in result["clusters"]
    ]
    if _emit(output, result, header, rows):
        return
    if not result["clusters"]:
        out.print("no citations among these papers: no clusters (load citations)")
        return
    for c in result["clusters"]:
        line = Text(f"cluster {c['cluster']}", style="bold")
        line.append(f" · {c['size']} papers · {' '.join(c['label'])}")
        out.print(line)
        for p in c["top"]:
            out.print(Text("    ") + _label(p) + Text(f"  ({p['citations']} citing)", style="dim"))
    table = render.table(
        f"clusters against the sections at level {result['level']}",
        ["cluster", *result["sections"]],
    )
    for c in result["clusters"]:
        table.add_row(
            *render.cells([c["cluster"], *(n or "" for n in result["contingency"][c["cluster"]])])
        )
    out.print(table)
    agreement = "n/a" if result["agreement"] is None else f"{result['agreement']:.2f}"
    out.print(
        f"{result['clustered']} of {result['papers']} papers in {len(result['clusters'])} "
        f"clusters; adjusted mutual information with the sections {agreement} "
        f"({result['compared']} papers compared)"
    )
