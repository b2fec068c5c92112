"""`survey cite add|rm`: manual citation edges, which survive every rebuild."""

from enum import StrEnum
from typing import Annotated

import typer

from survey.cli.common import cli_errors, engine_from, out, session_scope
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
    from survey.review import manual
    from survey.vocab import Relation as KnownRelation

    chosen = None if relation is None else KnownRelation(relation.value)
    with cli_errors(), session_scope(engine_from(ctx), write=True) as session:
        done = manual.add_citation(session, citing, cited, chosen, evidence)
    edge = f"{done.citing} -> {done.cited}"
    if done.outcome == manual.UNCHANGED:
        out.print(f"{edge} is already a manual edge")
        return
    out.print(
        ("added " if done.outcome == manual.ADDED else "updated the relation and evidence of ")
        + edge
        + (" (suspect: the cited paper is more than a year younger)" if done.suspect else "")
    )


@app.command("rm")
def cite_rm(
    ctx: typer.Context,
    citing: Annotated[str, typer.Argument(help="The citing paper.")],
    cited: Annotated[str, typer.Argument(help="The cited paper.")],
) -> None:
    """Remove a manual edge (edges from files follow their files)."""
    from survey.review import manual

    with cli_errors(), session_scope(engine_from(ctx), write=True) as session:
        done = manual.remove_citation(session, citing, cited)
    out.print(f"removed {done.citing} -> {done.cited}")
