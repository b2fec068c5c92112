"""What every command shares: the database option, error translation, output formats.

Light on purpose: every command module imports it, and `survey --help` must not load
SQLAlchemy, Alembic or the analysis code, so those are imported where they are used.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from survey.config import database_url
from survey.errors import Diagnostic, SurveyError

if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

# C0 controls but tab and newline, DEL and C1: text from a BibTeX field must not move
# the cursor, recolour or retitle the user's terminal (ESC is one of them).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_terminal_controls(text: str) -> str:
    """`text` without the characters a terminal acts on (C0 but tab and newline, DEL, C1),
    each dropped: stricter than survey.controls.strip_controls, which keeps C1 and turns
    a return, vertical tab or form feed into a space for the files survey writes."""
    return _CONTROL.sub("", text)


def _safe_console(**options: Any) -> Console:
    """A Rich console that drops control characters from everything it is given to print
    (its own styling codes are separate control segments, kept), and never reads a string
    as markup or an emoji code: `notes.md:100:` prints as written, not as an emoji."""
    from rich.console import Console
    from rich.segment import Segment

    options = {"markup": False, "emoji": False, **options}

    class SafeConsole(Console):
        def _render_buffer(self, buffer: Iterable[Segment]) -> str:
            return super()._render_buffer(
                segment
                if segment.control
                else Segment(strip_terminal_controls(segment.text), segment.style)
                for segment in buffer
            )

    return SafeConsole(**options)


class LazyConsole:
    """The safe Rich console, made when a command first prints: `survey --help` never
    imports Rich's console. Made again after `renew`, so each run of the command reads
    its own environment (COLUMNS, NO_COLOR: Rich reads them when a console is made)."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            self._console = _safe_console(**self._options)
        return self._console

    def renew(self) -> None:
        self._console = None

    def print(self, *objects: Any, **options: Any) -> None:
        """Print; a string wholly wrapped in one style tag (`[red]...[/red]`, the one piece
        of markup survey's messages use) prints its inside literally in that style."""
        if "markup" not in options:
            objects = tuple(_styled(o) if isinstance(o, str) else o for o in objects)
        self.console.print(*objects, **options)

    @property
    def is_terminal(self) -> bool:
        return self.console.is_terminal

    @property
    def width(self) -> int:
        return self.console.width


_STYLE_WRAPPED = re.compile(r"\[(red|yellow|green|bold|magenta)\](.*)\[/\1\]", re.DOTALL)


def _styled(text: str) -> Any:
    from rich.text import Text

    wrapped = _STYLE_WRAPPED.fullmatch(text)
    return Text(wrapped.group(2), style=wrapped.group(1)) if wrapped else text


out = LazyConsole(highlight=False, soft_wrap=False)
err = LazyConsole(stderr=True, highlight=False, soft_wrap=True)


# The largest --limit / --depth a command takes: more than any survey holds, and small
# enough for every database's integer type.
MAX_LIMIT = 1_000_000


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


# A terminal view of more rows than this shows a summary and the first SHOWN_ROWS rows.
VIEW_LIMIT = 200
SHOWN_ROWS = 100
ALL_OPTION = typer.Option(
    False,
    "--all",
    help=f"Print every row (a view of more than {VIEW_LIMIT} shows the first {SHOWN_ROWS}).",
)

FORMAT_OPTION = typer.Option(
    OutputFormat.table, "--format", "-f", help="table for people; json or csv for scripts."
)


@contextmanager
def cli_errors() -> Iterator[None]:
    """Turn a `SurveyError` into one red line on stderr and exit code 1."""
    try:
        yield
    except SurveyError as exc:
        from rich.text import Text

        err.print(Text("error:", style="red") + Text(f" {exc}"))
        raise typer.Exit(1) from None


def engine_from(ctx: typer.Context, *, create: bool = False) -> Engine:
    """The database named by --db / $SURVEY_DB / ./survey.db, upgraded to the newest schema.

    Only the commands that fill a database (`build`, `load`, `db upgrade`) pass `create`:
    any other command on an SQLite file that does not exist fails instead of leaving an
    empty database behind (a typo in --db)."""
    url = database_url_of(ctx)
    if not create:
        missing = missing_sqlite_file(url)
        if missing is not None:
            raise SurveyError(
                f"database {missing} does not exist",
                "build one with: survey build (or survey load FILE.bib), or check --db",
            )
    from survey.db.engine import open_database

    return open_database(url)


def database_url_of(ctx: typer.Context) -> str:
    """The URL of the database named by --db / $SURVEY_DB / ./survey.db."""
    return database_url(ctx.find_root().params.get("db"))


def session_scope(engine: Engine, *, write: bool = False) -> AbstractContextManager[Session]:
    """survey.db.session_scope, imported when a command runs (not for --help)."""
    from survey.db.engine import session_scope as scope

    return scope(engine, write=write)


def missing_sqlite_file(url: str) -> str | None:
    """The path of an SQLite database file that does not exist yet, else None."""
    from sqlalchemy import make_url

    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if parsed.query.get("uri") or database.startswith("file:"):
        return None
    return None if Path(database).exists() else database


# Warnings of one kind shown one by one before the rest are counted in one line.
FIRST_OF_A_KIND = 5


def print_diagnostics(diagnostics: Sequence[Diagnostic], *, verbose: bool = True) -> None:
    """Every error; warnings too, but past FIRST_OF_A_KIND of one kind only a count
    (unless `verbose`), so a build with thousands of suspect edges stays readable."""
    shown: dict[str, int] = {}
    hidden: dict[str, int] = {}
    for diagnostic in diagnostics:
        kind = diagnostic.code
        if kind and not diagnostic.is_error and not verbose:
            shown[kind] = shown.get(kind, 0) + 1
            if shown[kind] > FIRST_OF_A_KIND:
                hidden[kind] = hidden.get(kind, 0) + 1
                continue
        colour = "red" if diagnostic.is_error else "yellow"
        err.print(f"[{colour}]{diagnostic}[/{colour}]")
    for kind, count in hidden.items():
        err.print(
            f"[yellow]... and {count} more {kind} warnings "
            f"({shown[kind]} in all; --verbose lists them all)[/yellow]"
        )


# One vocabulary for scripts: a paper's key is `citekey` in every JSON object and CSV
# header a command prints, as in the database, the CSV export and GraphML (the core's
# dicts call it `key`).
CITEKEY = "citekey"


def print_json(value: Any) -> None:
    """`value` as indented JSON, written as it is encoded, each object's `key` (a paper's
    key, wherever it occurs) as `citekey`."""
    from survey.cli.jsonstream import write_json

    write_json(value, sys.stdout, rename=_citekey)


def _citekey(name: str) -> str:
    return CITEKEY if name == "key" else name


def print_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A header and rows as CSV, each row written as it comes."""
    import csv

    from survey.export.csvfiles import safe_cell

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow([CITEKEY if name == "key" else name for name in header])
    for row in rows:
        # Lines end with \n here, so a bare \r in a value would not be quoted: drop it.
        # A cell a spreadsheet would run as a formula gets a leading ', as in export csv.
        writer.writerow(
            [
                "" if v is None else safe_cell(strip_terminal_controls(str(v).replace("\r", " ")))
                for v in row
            ]
        )
