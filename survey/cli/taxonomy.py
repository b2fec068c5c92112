"""`survey taxonomy` and `survey tag`: the notes' tree, and manual tags on it."""

from typing import TYPE_CHECKING, Annotated

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

if TYPE_CHECKING:
    from rich.tree import Tree

    from survey.db.taxonomy import TreeNode

tag_app = typer.Typer(help="Manual tags: file a paper under a section, or take it out.")


def taxonomy(ctx: typer.Context, output: OutputFormat = FORMAT_OPTION) -> None:
    """The taxonomy in the notes' order: papers per section (from the notes, curated,
    manual), empty and images-only sections, and mentions that did not resolve."""
    from survey.db import taxonomy as tx

    with cli_errors(), session_scope(engine_from(ctx)) as session:
        tree = tx.tree(session)
    if output is OutputFormat.json:
        print_json(tree)
        return
    if output is OutputFormat.csv:
        rows = []
        for node in _flatten(tree):
            counts = node["counts"]
            rows.append(
                [
                    node["path"],
                    node["label"],
                    node["level"],
                    node["flag"],
                    counts["notes"],
                    counts["curated"],
                    counts["manual"],
                    counts["papers"],
                    len(node["open_mentions"]),
                ]
            )
        header = [
            "path",
            "label",
            "level",
            "flag",
            "notes",
            "curated",
            "manual",
            "papers",
            "open_mentions",
        ]
        print_csv(header, rows)
        return
    if not tree:
        out.print("no taxonomy yet: build a survey with `survey build`")
        return
    from rich.text import Text
    from rich.tree import Tree

    root = Tree(Text("taxonomy", style="bold"))
    for node in tree:
        _render(root, node, out.width - 4)
    out.print(root)


def _flatten(tree: "list[TreeNode]") -> "list[TreeNode]":
    found: list[TreeNode] = []
    for node in tree:
        found.append(node)
        found.extend(_flatten(node["children"]))
    return found


def _render(parent: "Tree", node: "TreeNode", width: int) -> None:
    """`width`: the columns left for this node's label after the tree's guides."""
    from rich.cells import cell_len
    from rich.text import Text

    from survey.cli.render import break_at

    counts = node["counts"]
    label = Text()
    if node["number"] is not None:
        label.append(f"{node['number']}. ")
    heading = node["label"]
    if label.cell_len + cell_len(heading) > width:  # a long hyphenated word breaks at a hyphen
        heading = "\n".join(line.rstrip() for line in break_at(heading, max(width, 20), " -/"))
    label.append(heading, style="bold")
    if label.cell_len + 2 + len(node["path"]) <= width:
        label.append(f"  {node['path']}", style="dim")
    else:
        # The path on lines of its own, broken after a `/` or `-`: never inside a word.
        label.append("\n" + "\n".join(break_at(node["path"], max(width, 20))), style="dim")
    parts = []
    if counts["notes"]:
        parts.append(f"{counts['notes']} from notes")
    if counts["curated"]:
        parts.append(f"{counts['curated']} curated")
    if counts["manual"]:
        parts.append(f"{counts['manual']} manual")
    if parts:
        label.append("  " + " · ".join(parts), style="cyan")
    if node["flag"] != "normal":
        label.append(f"  [{node['flag']}]", style="yellow")
    branch = parent.add(label)
    for mention in node["open_mentions"]:
        best = sorted(mention["candidates"], key=lambda c: (-float(c["score"]), str(c["key"])))
        shown = ", ".join(f"{c['key']} ({c['score']:g})" for c in best)
        branch.add(
            Text(
                f"{mention['status']} (line {mention['line']}): {mention['text']}"
                + (f" -> {shown}" if shown else ""),
                style="red",
            )
        )
    for child in node["children"]:
        _render(branch, child, width - 4)


@tag_app.command("add")
def tag_add(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Citekey or short name of the paper.")],
    node: Annotated[str, typer.Argument(help="Section: its slug path, label, or path ending.")],
    note: Annotated[str | None, typer.Option("--note", help="Why the paper belongs here.")] = None,
) -> None:
    """File a paper under a section by hand; manual tags survive every rebuild. Adding
    the tag again with another --note updates its note."""
    from survey.review import manual

    with cli_errors(), session_scope(engine_from(ctx), write=True) as session:
        done = manual.add_tag(session, key, node, note)
    out.print(
        {
            manual.ADDED: f"tagged {done.key} with {done.path}",
            manual.UPDATED: f"updated the note of {done.key}'s manual tag on {done.path}",
            manual.UNCHANGED: f"{done.key} already has a manual tag on {done.path}",
        }[done.outcome]
    )


@tag_app.command("rm")
def tag_rm(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Citekey or short name of the paper.")],
    node: Annotated[str, typer.Argument(help="Section: its slug path, label, or path ending.")],
) -> None:
    """Remove a manual tag (tags from the notes follow the notes; edit them there)."""
    from survey.review import manual

    with cli_errors(), session_scope(engine_from(ctx), write=True) as session:
        done = manual.remove_tag(session, key, node)
    out.print(f"removed the manual tag of {done.key} on {done.path}")
