"""`survey sources`: the loaded files, and forgetting one (cli layer)."""

from typing import Annotated

import typer

from survey.cli.common import (
    FORMAT_OPTION,
    OutputFormat,
    cli_errors,
    engine_from,
    out,
    print_csv,
    print_json,
    session_scope,
)

app = typer.Typer(
    help="The loaded files (BibTeX, notes, citations) with their entry counts; forget one.",
    invoke_without_command=True,
)

_UNITS = {"bib": "entries", "citations": "edges", "notes": "sections"}


@app.callback()
def sources(ctx: typer.Context, output: OutputFormat = FORMAT_OPTION) -> None:
    """List the loaded files: identity (path relative to survey.toml, or file name), kind,
    entries, and where each was last read from."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from survey.ingest.files import list_sources

    with cli_errors(), session_scope(engine_from(ctx)) as session:
        rows = list_sources(session)
    header = ["file", "kind", "entries", "location", "present", "loaded_at"]
    values = [
        [r.identity, r.kind, r.entries, r.location or "", r.present, r.loaded_at.isoformat()]
        for r in rows
    ]
    if output is OutputFormat.json:
        print_json([dict(zip(header, v, strict=True)) for v in values])
    elif output is OutputFormat.csv:
        print_csv(header, values)
    elif not rows:
        out.print("no files loaded (survey load FILE.bib, or survey build DIR)")
    else:
        table = Table(title="loaded files", title_justify="left")
        for name in ("file", "kind", "entries", "last read from"):
            table.add_column(name, justify="right" if name == "entries" else "left")
        for r in rows:
            where = (r.location or "") + ("" if r.present else " (gone)")
            table.add_row(r.identity, r.kind, str(r.entries), where)
        out.print(table)


@app.command("forget")
def forget(
    ctx: typer.Context,
    file: Annotated[
        str,
        typer.Argument(
            help="The file: as `survey sources` names it, its path, or its file name.",
            show_default=False,
        ),
    ],
) -> None:
    """Remove a loaded file's entries (or edges, or sections) from the database.

    Manual tags and manual edges of the papers that remain are kept. A survey file is
    loaded again by the next `survey build` unless it leaves survey.toml.
    """
    from survey.ingest.files import forget_source

    with cli_errors(), session_scope(engine_from(ctx), write=True) as session:
        gone = forget_source(session, file)
    what = {
        "bib": f"{gone.papers} entries",
        "citations": f"{gone.edges} edges",
        "notes": f"{gone.sections} sections"
        + (
            f" ({gone.kept_orphaned} kept as orphaned for their manual tags)"
            if gone.kept_orphaned
            else ""
        ),
    }.get(gone.kind, "its rows")
    out.print(f"forgot {gone.identity}: removed {what}")
