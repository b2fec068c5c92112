"""`survey load FILE...`: bibliography files (BibTeX, RIS, CSL-JSON) into the database."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from survey.cli import render
from survey.cli.common import cli_errors, engine_from, err, out, print_diagnostics, session_scope

if TYPE_CHECKING:
    from rich.progress import Progress
    from rich.table import Table

    from survey.ingest.load import LoadReport


def load(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Bibliographies to load: BibTeX (.bib), RIS (.ris), CSL-JSON (.json).",
            show_default=False,
        ),
    ],
    strict: Annotated[
        bool, typer.Option("--strict", help="Load nothing if any entry has an error.")
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="List every warning, not a summary of each kind."),
    ] = False,
) -> None:
    """Load bibliographies: add new entries, update edited ones, skip unchanged files.

    BibTeX, RIS and CSL-JSON are told apart by extension and content; the BibTeX files
    of one call share their @string macros and crossref parents, in the order given.

    Every problem is printed as `file:line: key: message`. The exit code is 1 when any
    entry failed; the good entries are still loaded unless --strict is given.
    """
    from survey.db.papers import count_papers
    from survey.ingest.load import load_bib_files

    with cli_errors():
        engine = engine_from(ctx, create=True)
        with ProgressBar() as progress, session_scope(engine, write=True) as session:
            report = load_bib_files(session, files, strict=strict, progress=progress)
            total = count_papers(session)
    print_diagnostics(report.diagnostics, verbose=verbose)
    out.print(summary_table(report))
    if not report.written:
        err.print("[red]--strict: nothing was loaded because of the errors above[/red]")
    else:
        out.print(f"{total} papers in the database")
        if report.field_edges is not None:
            out.print(f"{report.field_edges} citation edges from cites fields")
    if report.has_errors:
        raise typer.Exit(1)


class ProgressBar:
    """A Rich progress bar on a terminal; a silent callback when output is piped."""

    def __enter__(self) -> "_ProgressCallback":
        self._bar: Progress | None = None
        if err.is_terminal:
            from rich import progress

            self._bar = progress.Progress(
                progress.TextColumn("{task.description}"),
                progress.BarColumn(),
                progress.MofNCompleteColumn(),
                progress.TimeElapsedColumn(),
                console=err.console,
                transient=True,
            )
            self._bar.start()
        return _ProgressCallback(self._bar)

    def __exit__(self, *_exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


class _ProgressCallback:
    """One bar per description; callable from several threads (enrich asks the citation
    indexes at once)."""

    def __init__(self, bar: "Progress | None") -> None:
        import threading

        self._bar = bar
        self._tasks: dict[str, object] = {}
        self._lock = threading.Lock()

    def __call__(self, description: str, done: int, total: int) -> None:
        if self._bar is None:
            return
        with self._lock:
            task = self._tasks.get(description)
            if task is None:
                task = self._bar.add_task(description, total=total or None)
                self._tasks[description] = task
        self._bar.update(task, completed=done, total=total or None)  # type: ignore[arg-type]


# Beyond this many files, the summary lists only the files that changed or failed.
SUMMARY_FILES = 10


def summary_table(report: "LoadReport") -> "Table":
    columns = ("added", "updated", "unchanged", "removed", "failed", "duplicates")
    table = render.table("load summary", [])
    table.add_column("file", overflow="fold")
    for name in columns:
        table.add_column(name, justify="right", no_wrap=True)
    files = report.files
    quiet = [
        f
        for f in files
        if not (f.added or f.updated or f.removed or f.failed or f.duplicates or f.kept_stale)
    ]
    shown = [f for f in files if f not in quiet] if len(files) > SUMMARY_FILES else files
    for result in shown:
        label = (result.shown or render.display_path(result.path)) + (
            " (unchanged file, skipped)" if result.skipped else ""
        )
        table.add_row(label, *(str(getattr(result, name)) for name in columns))
    hidden = len(files) - len(shown)
    if hidden:
        table.add_row(f"{hidden} more files, nothing new or wrong", *([""] * len(columns)))
    if len(files) > 1:
        table.add_row("total", *(str(report.total(name)) for name in columns), style="bold")
    return table
