"""`survey report`: the Markdown survey report."""

import os
from pathlib import Path
from typing import Annotated

import typer

from survey.cli.common import cli_errors, engine_from, err, out, session_scope
from survey.export import is_stdout, write_text, writes_in_place


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
        text = make_report(ctx, output, within, charts)
    if output is None:
        typer.echo(text, nl=False)
    else:
        (err if in_place else out).print(f"wrote {output}")


def make_report(
    ctx: typer.Context,
    output: Path | None,
    within: str | None,
    charts: Path | None,
    graph_page: Path | None = None,
) -> str:
    from survey.report import build_report, render_markdown
    from survey.report.charts import write_charts

    with session_scope(engine_from(ctx)) as session:
        content = build_report(session, within)
    links: list[tuple[str, str]] = []
    if charts is not None:
        base = output.parent if output is not None and not is_stdout(output) else Path(".")
        for alt, path in write_charts(content["trend"], charts):
            links.append((alt, Path(os.path.relpath(path, base)).as_posix()))
    page = None
    if graph_page is not None:
        base = output.parent if output is not None else Path(".")
        page = Path(os.path.relpath(graph_page, base)).as_posix()
    text = render_markdown(content, links, graph_page=page)
    if output is not None:
        write_text(output, text)
    return text
