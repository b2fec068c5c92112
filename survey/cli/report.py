"""`survey report`: the Markdown survey report."""

from pathlib import Path
from typing import Annotated

import typer

from survey.cli.common import cli_errors, engine_from, err, out, session_scope
from survey.export import is_stdout, writes_in_place


def report(
    ctx: typer.Context,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the report here (default or -: stdout)."),
    ] = None,
    within: Annotated[
        str | None, typer.Option("--within", help="Only this taxonomy section.")
    ] = None,
    charts: Annotated[
        Path | None,
        typer.Option(
            "--charts",
            help="Also draw PNG charts into this folder (needs the charts extra: "
            "pip install 'survey-kb[charts]').",
        ),
    ] = None,
) -> None:
    """The survey report in Markdown: overview, the taxonomy with papers, notes and
    Mermaid lineage per section, trends, influence, gaps and references ([@key] for
    pandoc --citeproc)."""
    with cli_errors():
        if output is not None and is_stdout(output):
            output = None
        in_place = output is not None and writes_in_place(output)
        from survey.report.document import write_report

        with session_scope(engine_from(ctx)) as session:
            text = write_report(session, output, within, charts)
    if output is None:
        typer.echo(text, nl=False)
    else:
        (err if in_place else out).print(f"wrote {output}")
