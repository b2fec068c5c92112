"""`survey build [DIR]`: a whole survey folder (bibliography, notes, curated tags) into the DB."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from survey.cli.common import cli_errors, engine_from, err, out, print_diagnostics, session_scope
from survey.cli.load import ProgressBar, summary_table
from survey.config import bundled_survey_dir
from survey.export import writes_in_place

if TYPE_CHECKING:
    from survey.ingest.folder import BuildReport


def build(
    ctx: typer.Context,
    folder: Annotated[
        Path | None,
        typer.Argument(
            help="Survey folder holding survey.toml. Default: the bundled VALSE 2020 survey.",
            show_default=False,
        ),
    ] = None,
    notes: Annotated[
        Path | None,
        typer.Option("--notes", help="Build these notes instead of the manifest's notes file."),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Change nothing if any BibTeX entry has an error.")
    ] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Then write the Markdown report to this file.")
    ] = None,
    graphml: Annotated[
        Path | None, typer.Option("--graphml", help="Then write the citation graph (GraphML).")
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Start the database over: delete everything in it (manual tags and edges "
            "too), then build this survey.",
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="List every open mention and every warning, not a summary of each kind.",
        ),
    ] = False,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Then write the interactive graph page (one HTML file)."),
    ] = None,
    allow_outside: Annotated[
        list[Path] | None,
        typer.Option(
            "--allow-outside",
            help="Let survey.toml name files in this file or folder outside the survey "
            "folder (repeatable); without it such paths are refused.",
        ),
    ] = None,
) -> None:
    """Build a survey: load its BibTeX files, turn its notes into the taxonomy, resolve
    every mention, and tag papers (from the notes, and as curated in survey.toml).

    Building again is safe: unchanged files are skipped, tags follow the notes, and
    manual tags (survey tag add) are kept.
    """
    from survey.ingest.folder import build_survey

    with cli_errors():
        engine = engine_from(ctx, create=True)
        with ProgressBar() as progress, session_scope(engine, write=True) as session:
            result = build_survey(
                session,
                folder or bundled_survey_dir(),
                strict=strict,
                progress=progress,
                notes_path=notes,
                replace=replace,
                allow_outside=allow_outside or (),
            )
    print_diagnostics(result.all_diagnostics, verbose=verbose)
    _print_open_mentions(result, verbose)
    out.print(summary_table(result.load))
    if not result.load.written:
        err.print("[red]--strict: nothing was built because of the errors above[/red]")
        raise typer.Exit(1)
    out.print(_summary(result))
    with cli_errors():
        _write_outputs(ctx, html, report, graphml)
    if result.has_errors:
        raise typer.Exit(1)


def _write_outputs(
    ctx: typer.Context, html: Path | None, report: Path | None, graphml: Path | None
) -> None:
    """The report, graph page and GraphML asked for after the build (their modules are
    imported only then: a plain build does not pay for them)."""
    if html is None and report is None and graphml is None:
        return
    from survey.export.formats import ExportFormat, gather, write_export
    from survey.report.document import write_report

    if html is not None:
        with session_scope(engine_from(ctx)) as session:
            write_export(ExportFormat.html, gather(session, ExportFormat.html), html)
        out.print(f"wrote {html}")
    if report is not None:
        in_place = writes_in_place(report)
        with session_scope(engine_from(ctx)) as session:
            write_report(session, report, graph_page=html)
        (err if in_place else out).print(f"wrote {report}")
    if graphml is not None:
        with session_scope(engine_from(ctx)) as session:
            data = gather(session, ExportFormat.graphml)
        in_place = writes_in_place(graphml)
        write_export(ExportFormat.graphml, data, graphml)
        (err if in_place else out).print(f"wrote {graphml}")


# Open mentions shown one by one before the summary says "and N more".
FIRST_MENTIONS = 5


def _print_open_mentions(report: "BuildReport", verbose: bool) -> None:
    from survey.ingest.folder import open_mention_warning

    if not report.open_mentions:
        return
    shown = report.open_mentions if verbose else report.open_mentions[:FIRST_MENTIONS]
    print_diagnostics([open_mention_warning(m) for m in shown])
    if verbose:
        return
    per_section = ", ".join(f"{path} {n}" for path, n in report.mention_counts().items())
    more = len(report.open_mentions) - len(shown)
    err.print(
        f"[yellow]{len(report.open_mentions)} open mentions ({per_section})"
        + (f"; {more} more not shown" if more else "")
        + ": survey mentions --open lists them with their candidates, "
        "survey build --verbose prints them all[/yellow]"
    )


def _summary(report: "BuildReport") -> str:
    orphaned = f", {report.orphaned} orphaned" if report.orphaned else ""
    return (
        f"{report.manifest.title}\n"
        f"taxonomy: {report.nodes} sections{orphaned}\n"
        f"mentions: {report.mentions} ({report.resolved} resolved, {report.ambiguous} "
        f"ambiguous, {report.unresolved} unresolved)\n"
        f"tags: {report.notes_tags} from the notes, {report.curated_tags} curated, "
        f"{report.manual_tags} manual\n"
        f"citations: {report.edges} edges from files and cites fields"
        + (f" ({report.suspect_edges} suspect)" if report.suspect_edges else "")
    )
