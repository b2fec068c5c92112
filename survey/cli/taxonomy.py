"""`survey taxonomy` and `survey tag`: the notes' tree, and manual tags on it."""

from typing import TYPE_CHECKING, Annotated, Any

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
    from sqlalchemy.orm import Session

    from survey.db.models import TaxonomyNode

tag_app = typer.Typer(help="Manual tags: file a paper under a section, or take it out.")


def taxonomy(ctx: typer.Context, output: OutputFormat = FORMAT_OPTION) -> None:
    """The taxonomy in the notes' order: papers per section (from the notes, curated,
    manual), empty and images-only sections, and mentions that did not resolve."""
    with cli_errors(), session_scope(engine_from(ctx)) as session:
        tree = taxonomy_tree(session)
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
        _render(root, node)
    out.print(root)


def taxonomy_tree(session: "Session") -> list[dict[str, Any]]:
    """The taxonomy as nested plain data, siblings in the notes' order."""
    from survey.db import taxonomy as tx

    counts = tx.tag_counts(session)
    open_by_node: dict[int, list[dict[str, Any]]] = {}
    for mention in tx.open_mentions(session):
        open_by_node.setdefault(mention.node_id, []).append(
            {
                "line": mention.line,
                "text": mention.text,
                "status": mention.status,
                "candidates": sorted(
                    mention.candidates, key=lambda c: (-float(str(c["score"])), str(c["key"]))
                ),
            }
        )
    nodes = list(tx.nodes_by_path(session).values())
    children: dict[int | None, list[TaxonomyNode]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)

    def build(node: "TaxonomyNode") -> dict[str, Any]:
        c = counts.get(node.id, tx.NodeCounts(0, 0, 0, 0))
        kids = sorted(children.get(node.id, []), key=lambda n: (n.position, n.path))
        return {
            "path": node.path,
            "label": node.label,
            "level": node.level,
            "number": node.number,
            "flag": node.flag,
            "counts": {
                "notes": c.notes,
                "curated": c.curated,
                "manual": c.manual,
                "papers": c.papers,
            },
            "open_mentions": open_by_node.get(node.id, []),
            "children": [build(k) for k in kids],
        }

    tops = sorted(children.get(None, []), key=lambda n: (n.source_id or 0, n.position, n.path))
    return [build(n) for n in tops]


def _flatten(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for node in tree:
        found.append(node)
        found.extend(_flatten(node["children"]))
    return found


def _render(parent: "Tree", node: dict[str, Any]) -> None:
    from rich.text import Text

    counts = node["counts"]
    label = Text()
    if node["number"] is not None:
        label.append(f"{node['number']}. ")
    label.append(node["label"], style="bold")
    label.append(f"  {node['path']}", style="dim")
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
        _render(branch, child)


@tag_app.command("add")
def tag_add(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Citekey or short name of the paper.")],
    node: Annotated[str, typer.Argument(help="Section: its slug path, label, or path ending.")],
    note: Annotated[str | None, typer.Option("--note", help="Why the paper belongs here.")] = None,
) -> None:
    """File a paper under a section by hand; manual tags survive every rebuild. Adding
    the tag again with another --note updates its note."""
    from survey.db import taxonomy as tx
    from survey.db.queries import find_paper

    with cli_errors(), session_scope(engine_from(ctx), write=True) as session:
        paper = find_paper(session, key)
        section = tx.find_node(session, node)
        done = tx.set_tag(session, paper, section, tx.MANUAL, note)
        message = {
            "added": f"tagged {paper.citekey} with {section.path}",
            "updated": f"updated the note of {paper.citekey}'s manual tag on {section.path}",
            "unchanged": f"{paper.citekey} already has a manual tag on {section.path}",
        }[done]
    out.print(message)


@tag_app.command("rm")
def tag_rm(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Citekey or short name of the paper.")],
    node: Annotated[str, typer.Argument(help="Section: its slug path, label, or path ending.")],
) -> None:
    """Remove a manual tag (tags from the notes follow the notes; edit them there)."""
    from survey.db import taxonomy as tx
    from survey.db.queries import find_paper

    with cli_errors(), session_scope(engine_from(ctx), write=True) as session:
        paper = find_paper(session, key)
        section = tx.find_node(session, node)
        if not tx.remove_tag(session, paper, section, tx.MANUAL):
            from survey.errors import SurveyError

            raise SurveyError(
                f"{paper.citekey} has no manual tag on {section.path}",
                "see its tags with survey query show " + paper.citekey,
            )
        path = section.path
    out.print(f"removed the manual tag of {paper.citekey} on {path}")
