"""`survey check`: the integrity report."""

from typing import TYPE_CHECKING

import typer

from survey.cli import render
from survey.cli.common import (
    ALL_OPTION,
    FORMAT_OPTION,
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
from survey.cli.render import plural

if TYPE_CHECKING:
    from rich.console import Group
    from rich.table import Table

    from survey.errors import Diagnostic


def check_command(
    ctx: typer.Context, output: OutputFormat = FORMAT_OPTION, show_all: bool = ALL_OPTION
) -> None:
    """Check the knowledge base: missing fields, invalid years, DOIs and arXiv ids,
    duplicates and preprint/published versions, open mentions, empty sections, citation
    cycles, citations of younger papers, papers in no section, edges to unknown papers,
    and after survey enrich: DOIs an index suggests, how far the indexes agree, and
    curated edges no index confirms.
    Exit code 1 when there are errors."""
    from survey.review.check import check
    from survey.vocab import Severity

    with cli_errors(), session_scope(engine_from(ctx)) as session:
        findings = check(session)
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    if output is OutputFormat.json:
        print_json([f.as_dict() for f in findings])
    elif output is OutputFormat.csv:
        header = ["severity", "code", "key", "file", "line", "message", "fix"]
        print_csv(header, ([getattr(f, h) for h in header] for f in findings))
    elif not findings:
        out.print("no problems found")
    else:
        title = (
            f"{len(findings)} {plural(len(findings), 'finding')}, {errors} "
            f"{plural(errors, 'error')}"
        )
        shown = findings if show_all or len(findings) <= VIEW_LIMIT else findings[:SHOWN_ROWS]
        if len(shown) < len(findings):
            out.print(_summary(title, findings))
            title = f"the first {len(shown)} of {len(findings)} findings"
        rows = [
            (
                f.severity.value,
                f.key or "",
                _where(f.file, f.line),
                f.message,
                f.fix,
            )
            for f in shown
        ]
        out.print(_as_table(title, rows) if _table_fits(rows, out.width) else _stacked(title, rows))
        if len(shown) < len(findings):
            out.print(
                f"{len(findings) - len(shown)} more: --all prints every finding, "
                "--format json or csv writes them for scripts"
            )
    if errors:
        raise typer.Exit(1)


# The narrowest a prose column (problem, fix) may get before findings are stacked.
PROSE_MIN = 24
_COLOURS = {"error": "red", "warning": "yellow", "info": "cyan"}
Row = tuple[str, str, str, str, str]  # severity, key, where, message, fix


def _summary(title: str, findings: "list[Diagnostic]") -> "Table":
    """Findings counted per severity and kind, most first."""
    from collections import Counter

    from rich.text import Text

    counts = Counter((f.severity.value, f.code or "-") for f in findings)
    table = render.table(title, ["severity", "kind", "findings"])
    for (severity, code), count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        table.add_row(Text(severity, style=_COLOURS[severity]), code, f"{count:,}")
    return table


def _where(file: str, line: int | None) -> str:
    shown = render.display_path(file) if file else ""
    return f"{shown}:{line}" if shown and line else shown


def _table_fits(rows: list[Row], width: int) -> bool:
    """True when severity, key and place fit whole with room for the prose columns."""
    widest = [max(len(row[i]) for row in rows) for i in range(3)]
    return sum(widest) + 3 + 2 * (PROSE_MIN + 1) <= width


def _as_table(title: str, rows: list[Row]) -> "Table":
    from rich.text import Text

    table = render.table(title, ["severity", "key", "where", "problem", "fix"])
    table.columns[2].no_wrap = True
    for severity, key, where, message, fix in rows:
        table.add_row(
            Text(severity, style=_COLOURS[severity]), key, where, Text(message), Text(fix)
        )
    return table


def _stacked(title: str, rows: list[Row]) -> "Group":
    """One block per finding, for a terminal too narrow for the table: the severity and
    key, then the place, the problem and the fix on lines of their own (wrapping at
    spaces), so no column is dropped or cut."""
    from rich.console import Group
    from rich.text import Text

    blocks: list[Text] = [Text(title, style="italic")]
    for severity, key, where, message, fix in rows:
        block = Text()
        block.append(severity, style=_COLOURS[severity])
        if key:
            block.append(f"  {key}", style="bold")
        for prefix, value in (("at  ", where), ("    ", message), ("fix ", fix)):
            if value:
                block.append(f"\n  {prefix}")
                block.append(value)
        blocks.append(Text("\n") + block if blocks else block)
    return Group(*blocks)
