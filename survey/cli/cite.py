"""`survey cite add|rm`: manual citation edges, which survive every rebuild."""

from __future__ import annotations

from typing import Annotated

import typer

from survey.cli.common import cli_errors, engine_from, out
from survey.db import citations as cdb
from survey.db import session_scope
from survey.db.queries import find_paper
from survey.edges import is_suspect
from survey.errors import SurveyError
from survey.graph import RELATIONS

app = typer.Typer(
    help="Manual citation edges: add or remove citing -> cited.", no_args_is_help=True
)


@app.command("add")
def cite_add(
    ctx: typer.Context,
    citing: Annotated[str, typer.Argument(help="The citing paper (key or short name).")],
    cited: Annotated[str, typer.Argument(help="The cited paper (key or short name).")],
    relation: Annotated[
        str, typer.Option("--relation", help=f"One of: {', '.join(RELATIONS)}.")
    ] = "",
    evidence: Annotated[
        str, typer.Option("--evidence", help="Where the citation is, in a few words.")
    ] = "",
) -> None:
    """Record that CITING cites CITED."""
    with cli_errors():
        if relation and relation not in RELATIONS:
            raise SurveyError(
                f"unknown relation {relation!r}", f"use one of {', '.join(RELATIONS)}"
            )
        with session_scope(engine_from(ctx), write=True) as session:
            first, second = find_paper(session, citing), find_paper(session, cited)
            if first.id == second.id:
                raise SurveyError(f"{first.citekey} cannot cite itself")
            suspect = is_suspect(first.year, second.year)
            added = cdb.add_edge(
                session, first, second, relation=relation, evidence=evidence, suspect=suspect
            )
            names = (first.citekey, second.citekey)
    if not added:
        out.print(f"{names[0]} -> {names[1]} is already a manual edge")
        return
    out.print(
        f"added {names[0]} -> {names[1]}"
        + (" (suspect: the cited paper is more than a year younger)" if suspect else "")
    )


@app.command("rm")
def cite_rm(
    ctx: typer.Context,
    citing: Annotated[str, typer.Argument(help="The citing paper.")],
    cited: Annotated[str, typer.Argument(help="The cited paper.")],
) -> None:
    """Remove a manual edge (edges from files follow their files)."""
    with cli_errors(), session_scope(engine_from(ctx), write=True) as session:
        first, second = find_paper(session, citing), find_paper(session, cited)
        if not cdb.remove_edge(session, first, second):
            raise SurveyError(
                f"no manual edge {first.citekey} -> {second.citekey}",
                "edges from a citations file or a cites field are removed there",
            )
        names = (first.citekey, second.citekey)
    out.print(f"removed {names[0]} -> {names[1]}")
