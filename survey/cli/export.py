"""`survey export FORMAT OUT`: GraphML, GEXF, BibTeX, CSL-JSON, CSV tables or the HTML page."""

from pathlib import Path
from typing import Annotated

import typer

from survey.cli.common import cli_errors, engine_from, err, out, session_scope
from survey.export import writes_in_place
from survey.export.formats import ExportFormat
from survey.export.layout import Layout


def export(
    ctx: typer.Context,
    kind: Annotated[
        ExportFormat,
        typer.Argument(
            metavar="FORMAT",
            help="graphml (Gephi), gexf (Gephi timeline), bib, csljson, csv (a folder), or html "
            "(an interactive graph page that opens offline).",
        ),
    ],
    target: Annotated[
        Path,
        typer.Argument(
            metavar="OUT",
            help="File to write, - for standard output (a folder for csv).",
        ),
    ],
    within: Annotated[
        str | None, typer.Option("--within", help="Only the papers of this taxonomy section.")
    ] = None,
    clusters: Annotated[
        bool,
        typer.Option(
            "--clusters",
            help="graphml and gexf: each paper's cluster of the citation graph "
            "(survey query clusters) as a node attribute.",
        ),
    ] = False,
    layout: Annotated[
        Layout | None,
        typer.Option("--layout", help="html only: timeline (x = year, the default) or force."),
    ] = None,
) -> None:
    """Export the papers (and their citations) for other tools. A file is written whole
    or not at all; - writes to standard output, and a device or FIFO is written directly."""
    if layout is not None and kind is not ExportFormat.html:
        raise typer.BadParameter(f"applies to html only, not {kind}", param_hint="--layout")
    if clusters and kind not in (ExportFormat.graphml, ExportFormat.gexf):
        raise typer.BadParameter(
            f"applies to graphml and gexf, not {kind}", param_hint="--clusters"
        )
    from survey.export.formats import check_target, run_export

    with cli_errors():
        check_target(kind, target)
        in_place = writes_in_place(target)
        with session_scope(engine_from(ctx)) as session:
            written, papers, edges = run_export(
                session, kind, target, within, clusters=clusters, layout=layout or Layout.timeline
            )
    # The summary must not mix with an export written to standard output.
    (err if in_place else out).print(
        f"wrote {', '.join(str(p) for p in written)}: {papers} papers, {edges} citations"
    )
