"""What every command shares: the database option, error translation, output formats."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine

from survey.config import database_url
from survey.db import open_database
from survey.errors import Diagnostic, SurveyError

out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)


# The largest --limit / --depth a command takes: more than any survey holds, and small
# enough for every database's integer type.
MAX_LIMIT = 1_000_000


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


FORMAT_OPTION = typer.Option(
    OutputFormat.table, "--format", "-f", help="table for people; json or csv for scripts."
)


@contextmanager
def cli_errors() -> Iterator[None]:
    """Turn a `SurveyError` into one red line on stderr and exit code 1."""
    try:
        yield
    except SurveyError as exc:
        err.print(f"[red]error:[/red] {_escape(str(exc))}")
        raise typer.Exit(1) from None


def _escape(text: str) -> str:
    return escape(text)


def engine_from(ctx: typer.Context) -> Engine:
    """The database named by --db / $SURVEY_DB / ./survey.db, upgraded to the newest schema."""
    root = ctx.find_root()
    url = database_url(root.params.get("db"))
    return open_database(url)


# Warnings of one kind shown one by one before the rest are counted in one line.
FIRST_OF_A_KIND = 5


def print_diagnostics(diagnostics: Sequence[Diagnostic], *, verbose: bool = True) -> None:
    """Every error; warnings too, but past FIRST_OF_A_KIND of one kind only a count
    (unless `verbose`), so a build with thousands of suspect edges stays readable."""
    shown: dict[str, int] = {}
    hidden: dict[str, int] = {}
    for diagnostic in diagnostics:
        kind = diagnostic.kind
        if kind and not diagnostic.is_error and not verbose:
            shown[kind] = shown.get(kind, 0) + 1
            if shown[kind] > FIRST_OF_A_KIND:
                hidden[kind] = hidden.get(kind, 0) + 1
                continue
        colour = "red" if diagnostic.is_error else "yellow"
        err.print(f"[{colour}]{_escape(str(diagnostic))}[/{colour}]")
    for kind, count in hidden.items():
        err.print(
            f"[yellow]... and {count} more {kind} warnings "
            f"({shown[kind]} in all; --verbose lists them all)[/yellow]"
        )


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False) + "\n")


def print_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        # Lines end with \n here, so a bare \r in a value would not be quoted: drop it.
        writer.writerow(["" if v is None else str(v).replace("\r", " ") for v in row])
    sys.stdout.write(buffer.getvalue())
