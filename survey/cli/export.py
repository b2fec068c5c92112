"""`survey export FORMAT OUT`: GraphML, GEXF, BibTeX, CSL-JSON, CSV tables or the HTML page."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from survey.cli.common import cli_errors, engine_from, err, out, session_scope
from survey.errors import SurveyError
from survey.export import is_stdout, writes_in_place
from survey.export.layout import Layout


class ExportFormat(StrEnum):
    graphml = "graphml"
    gexf = "gexf"
    bib = "bib"
    csljson = "csljson"
    csv = "csv"
    html = "html"


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
    layout: Annotated[
        Layout | None,
        typer.Option("--layout", help="html only: timeline (x = year, the default) or force."),
    ] = None,
) -> None:
    """Export the papers (and their citations) for other tools. A file is written whole
    or not at all; - writes to standard output, and a device or FIFO is written directly."""
    if layout is not None and kind is not ExportFormat.html:
        raise typer.BadParameter(f"applies to html only, not {kind}", param_hint="--layout")
    from survey import analysis
    from survey.export.html import page_data

    with cli_errors():
        if kind is ExportFormat.csv and is_stdout(target):
            raise SurveyError(
                "csv writes two tables, papers.csv and edges.csv",
                "give a folder instead of -",
            )
        with session_scope(engine_from(ctx)) as session:
            if kind is ExportFormat.html:
                data = page_data(session, within)
            else:
                data = analysis.export_data(session, within)
        in_place = writes_in_place(target)
        written = export_to(kind, data, target, layout or Layout.timeline)
    # The summary must not mix with an export written to standard output.
    (err if in_place else out).print(
        f"wrote {', '.join(str(p) for p in written)}: "
        f"{len(data['papers'])} papers, {len(data['edges'])} citations"
    )


def export_to(
    kind: ExportFormat, data: dict[str, object], target: Path, layout: Layout = Layout.timeline
) -> list[Path]:
    from survey.export.bibtex import write_bibtex
    from survey.export.csljson import write_csljson
    from survey.export.csvfiles import write_csv_folder
    from survey.export.gexf import write_gexf
    from survey.export.graphml import write_graphml
    from survey.export.html import write_html

    if kind is ExportFormat.csv:
        return write_csv_folder(data, target)
    if kind is ExportFormat.html:
        write_html(data, target, layout)
        return [target]
    writer = {
        ExportFormat.graphml: write_graphml,
        ExportFormat.gexf: write_gexf,
        ExportFormat.bib: write_bibtex,
        ExportFormat.csljson: write_csljson,
    }[kind]
    writer(data, target)
    return [target]
