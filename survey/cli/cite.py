"""`survey cite add|rm`: manual citation edges, which survive every rebuild."""

from enum import StrEnum
from typing import Annotated

import typer

from survey.cli.common import cli_errors, engine_from, out, session_scope
from survey.errors import SurveyError
from survey.vocab import RELATIONS

# The relations survey knows (survey.vocab.Relation), as a choice: another value exits 2.
Relation = StrEnum("Relation", [(name, name) for name in RELATIONS])  # type: ignore[misc]

app = typer.Typer(
    help="Manual citation edges: add or remove citing -> cited.", no_args_is_help=True
)


@app.command("add")
def cite_add(
    ctx: typer.Context,
    citing: Annotated[str, typer.Argument(help="The citing paper (key or short name).")],
    cited: Annotated[str, typer.Argument(help="The cited paper (key or short name).")],
    relation: Annotated[
        Relation | None, typer.Option("--relation", help=f"One of: {', '.join(RELATIONS)}.")
    ] = None,
    evidence: Annotated[
        str | None, typer.Option("--evidence", help="Where the citation is, in a few words.")
    ] = None,
) -> None:
    """Record that CITING cites CITED. Adding the edge again with another --relation or
    --evidence updates it."""
    from survey.db import citations as cdb
    from survey.db.queries import find_paper
    from survey.vocab import is_suspect

    with cli_errors(), session_scope(engine_from(ctx), write=True) as session:
        first, second = find_paper(session, citing), find_paper(session, cited)
        if first.id == second.id:
            raise SurveyError(f"{first.citekey} cannot cite itself")
        suspect = is_suspect(first.year, second.year)
        done = cdb.set_edge(
            session, first, second, None if relation is None else str(relation), evidence
        )
        names = (first.citekey, second.citekey)
    edge = f"{names[0]} -> {names[1]}"
    if done == "unchanged":
        out.print(f"{edge} is already a manual edge")
        return
    out.print(
        ("added " if done == "added" else "updated the relation and evidence of ")
        + edge
        + (" (suspect: the cited paper is more than a year younger)" if suspect else "")
    )


@app.command("rm")
def cite_rm(
    ctx: typer.Context,
    citing: Annotated[str, typer.Argument(help="The citing paper.")],
    cited: Annotated[str, typer.Argument(help="The cited paper.")],
) -> None:
    """Remove a manual edge (edges from files follow their files)."""
    from survey.db import citations as cdb
    from survey.db.queries import find_paper

    with cli_errors(), session_scope(engine_from(ctx), write=True) as session:
        first, second = find_paper(session, citing), find_paper(session, cited)
        if not cdb.remove_edge(session, first, second):
            raise SurveyError(
                f"no manual edge {first.citekey} -> {second.citekey}",
                "edges from a citations file or a cites field are removed there",
            )
        names = (first.citekey, second.citekey)
    out.print(f"removed {names[0]} -> {names[1]}")
