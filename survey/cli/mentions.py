"""`survey mentions`: review the notes' mentions; accept a paper for one (cli layer)."""

from pathlib import Path
from typing import Annotated

import typer

from survey.cli.common import (
    FORMAT_OPTION,
    OutputFormat,
    cli_errors,
    engine_from,
    err,
    out,
    print_csv,
    print_json,
    session_scope,
)

app = typer.Typer(
    help="The notes' mentions with their state and best candidates; accept a paper for one.",
    invoke_without_command=True,
)


@app.callback()
def mentions(
    ctx: typer.Context,
    open_only: Annotated[
        bool, typer.Option("--open", help="Only the unresolved and ambiguous mentions.")
    ] = False,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """List every mention of the built notes: file:line, section, state, the paper it
    names, or its best candidates with their scores."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from survey.review.mentions import list_mentions

    with cli_errors(), session_scope(engine_from(ctx)) as session:
        rows = list_mentions(session, open_only=open_only)
    header = ["file", "line", "section", "state", "title", "key", "method", "candidates"]
    values = [
        [
            m.file,
            m.line,
            m.section,
            m.state,
            m.title,
            m.key or "",
            m.method or "",
            "; ".join(f"{k} {s:g}" for k, s in m.candidates),
        ]
        for m in rows
    ]
    if output is OutputFormat.json:
        print_json(
            [
                {
                    **dict(zip(header[:-1], v[:-1], strict=True)),
                    "candidates": [{"key": k, "score": s} for k, s in m.candidates],
                }
                for m, v in zip(rows, values, strict=True)
            ]
        )
        return
    if output is OutputFormat.csv:
        print_csv(header, values)
        return
    if not rows:
        out.print("no open mentions" if open_only else "no mentions (build a survey first)")
        return
    table = Table(title="open mentions" if open_only else "mentions", title_justify="left")
    named = [m.key or "\n".join(f"{k} {s:g}" for k, s in m.candidates) or "none" for m in rows]
    # Keys are never broken inside: the column is as wide as the longest one.
    widest = max((len(line) for text in named for line in text.split("\n")), default=4)
    table.add_column("where, state", no_wrap=True)
    table.add_column("section", overflow="fold", ratio=1)
    table.add_column("title", overflow="fold", ratio=2)
    table.add_column("paper or candidates", width=min(widest, 36), overflow="fold")
    for m, text in zip(rows, named, strict=True):
        where = f"{Path(m.file).name}:{m.line}\n{m.state}"
        table.add_row(where, m.section, m.title, text)
    out.print(table)


@app.command("accept")
def accept(
    ctx: typer.Context,
    where: Annotated[
        str, typer.Argument(help="The mention: FILE:LINE as survey mentions shows it.")
    ],
    key: Annotated[str, typer.Argument(help="The paper it names: citekey or alias.")],
    survey: Annotated[
        Path | None,
        typer.Option(
            "--survey",
            help="The survey folder (or its survey.toml). Default: the one last built.",
        ),
    ] = None,
) -> None:
    """Record that a mention names this paper, as an alias in survey.toml (the files
    stay the source of truth); the next survey build resolves it."""
    from survey.review.mentions import accept_mention

    with cli_errors(), session_scope(engine_from(ctx)) as session:
        done = accept_mention(session, where, key, survey)
    if done.other_here is not None:
        err.print(
            f"note: editing {done.manifest}, the survey this database was built from, "
            f"not {done.other_here} (give --survey . to edit this folder's)"
        )
    if done.unchanged:
        out.print(f"{done.manifest} already maps {done.alias!r} to {done.key}")
    else:
        out.print(f"added {done.alias!r} = {done.key!r} to [aliases] in {done.manifest}")
    out.print("run survey build to apply it")
