"""`survey suggest`: where the citations disagree with the taxonomy; accept a suggestion
into survey.toml (cli layer; thin wrappers over survey.review.suggest)."""

from pathlib import Path
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
    help="Papers and sections the citation graph would file otherwise; accept a suggestion.",
    invoke_without_command=True,
)

LEVEL = typer.Option("--level", min=1, help="Taxonomy depth compared (default: the top).")


@app.callback()
def suggest(
    ctx: typer.Context,
    within: Annotated[
        str | None, typer.Option("--within", help="Only this section (path, label or ending).")
    ] = None,
    level: Annotated[int | None, LEVEL] = None,
    resolution: Annotated[
        float, typer.Option("--resolution", min=0.0, help="Leiden resolution: higher, smaller.")
    ] = 1.0,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """For every paper, the section its citation neighbourhood points to: papers filed
    elsewhere, papers in no section, sections split over clusters, pairs of sections in
    one cluster; each with the neighbours or papers that decide it."""
    if ctx.invoked_subcommand is not None:
        return
    from survey.review.suggest import suggest as run

    with cli_errors(), session_scope(engine_from(ctx)) as session:
        found = run(session, within, level=level, resolution=resolution)
    if output is OutputFormat.json:
        print_json(found.as_list())
        return
    if output is OutputFormat.csv:
        rows = [
            [
                s["kind"],
                s["citekey"],
                "; ".join(s["sections"]),
                s["suggested"],
                s["confidence"],
                "; ".join(n["key"] for n in s["why"]),
            ]
            for s in found.suggestions
        ]
        rows += [
            [f["kind"], f["section"], "", "; ".join(f["with"]), "", f["why"]]
            for f in found.sections
        ]
        print_csv(["kind", "item", "sections", "suggested", "confidence", "why"], rows)
        return
    if not found.citations:
        out.print("no citations among these papers: nothing to suggest (load citations)")
        return
    from rich.text import Text

    for s in found.suggestions:
        line = Text(s["citekey"], style="bold")
        line.append(f" ({s['kind']}: {', '.join(s['sections']) or 'no section'}) -> ")
        line.append(s["suggested"], style="green")
        line.append(f"  confidence {s['confidence']:.0%}")
        out.print(line)
        for n in s["why"]:
            out.print(
                Text(f"    {n['relation']} {n['key']} ({n['section']}, weight {n['weight']:g})")
            )
    for f in found.sections:
        line = Text(f["section"], style="bold")
        line.append(f" {f['kind']} with {', '.join(f['with'])}: {f['why']}")
        out.print(line)
    agreement = "n/a" if found.agreement is None else f"{found.agreement:.2f}"
    out.print(
        f"{len(found.suggestions)} papers, {len(found.sections)} sections to review; "
        f"{found.agreeing} of {found.papers_compared} papers agree with their sections at "
        f"level {found.level}; clusters vs sections AMI {agreement}"
    )


@app.command("accept")
def accept(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The paper: citekey or short name.")],
    section: Annotated[str, typer.Argument(help="The section to file it under (path or label).")],
    survey: Annotated[
        Path | None,
        typer.Option(
            "--survey",
            help="The survey folder (or its survey.toml). Default: the one last built.",
        ),
    ] = None,
) -> None:
    """File a paper under a section as the author would: its citekey added to the
    section's list in survey.toml's [curated] table (the notes are never edited); the
    next survey build applies it."""
    from survey.review.suggest import accept as run

    with cli_errors(), session_scope(engine_from(ctx)) as session:
        done = run(session, key, section, survey)
    if done.unchanged:
        out.print(f"{done.manifest} already files {done.key} under {done.section}")
    else:
        out.print(f"added {done.key!r} to [curated] {done.section!r} in {done.manifest}")
    out.print("run survey build to apply it")
