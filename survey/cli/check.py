"""`survey check`: the integrity report."""

import typer

from survey.cli import render
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
from survey.cli.render import plural


def check_command(ctx: typer.Context, output: OutputFormat = FORMAT_OPTION) -> None:
    """Check the knowledge base: missing fields, invalid years, DOIs and arXiv ids,
    duplicates and preprint/published versions, open mentions, empty sections, citation
    cycles, citations of younger papers, papers in no section, edges to unknown papers,
    DOIs suggested by OpenAlex and curated edges OpenAlex lacks.
    Exit code 1 when there are errors."""
    from rich.text import Text

    from survey.review.check import check
    from survey.vocab import Severity

    with cli_errors(), session_scope(engine_from(ctx)) as session:
        findings = check(session)
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    if output is OutputFormat.json:
        print_json([f.as_dict() for f in findings])
    elif output is OutputFormat.csv:
        header = ["severity", "code", "key", "file", "line", "message", "fix"]
        print_csv(header, [[getattr(f, h) for h in header] for f in findings])
    elif not findings:
        out.print("no problems found")
    else:
        table = render.table(
            f"{len(findings)} {plural(len(findings), 'finding')}, {errors} "
            f"{plural(errors, 'error')}",
            ["severity", "key", "where", "problem", "fix"],
        )
        colours = {"error": "red", "warning": "yellow", "info": "cyan"}
        for f in findings:
            file = render.display_path(f.file) if f.file else ""
            where = f"{file}:{f.line}" if file and f.line else file
            table.add_row(
                Text(f.severity, style=colours[f.severity]),
                f.key or "",
                where,
                Text(f.message),
                Text(f.fix),
            )
        out.print(table)
    if errors:
        raise typer.Exit(1)
