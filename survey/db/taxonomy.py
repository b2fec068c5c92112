"""Taxonomy nodes (the notes' sections) and tags (paper <-> section, with provenance) in
the database (db layer; takes a session, never commits)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict, cast

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from survey.db import mentions as mentions_db
from survey.db.bulk import bulk_insert, chunks
from survey.db.models import Paper, Tag, TaxonomyNode
from survey.errors import SurveyError, did_you_mean
from survey.textnorm import closest
from survey.vocab import Provenance, SectionFlag

NOTES = Provenance.NOTES
CURATED = Provenance.CURATED
MANUAL = Provenance.MANUAL
ORPHANED = SectionFlag.ORPHANED


def nodes_by_path(session: Session) -> dict[str, TaxonomyNode]:
    return {n.path: n for n in session.scalars(select(TaxonomyNode))}


def nodes_in_order(session: Session) -> list[TaxonomyNode]:
    """Every taxonomy node, by path."""
    return list(session.scalars(select(TaxonomyNode).order_by(TaxonomyNode.path)))


def section_labels(session: Session) -> dict[str, str]:
    """Every section's label, by path."""
    return {
        path: label
        for path, label in session.execute(select(TaxonomyNode.path, TaxonomyNode.label))
    }


def find_node(session: Session, name: str) -> TaxonomyNode:
    """A node by slug path, by label (any case), or by a path ending that names one node."""
    wanted = name.strip().strip("/")
    nodes = list(session.scalars(select(TaxonomyNode).order_by(TaxonomyNode.path)))
    if not nodes:
        raise SurveyError(
            f"no taxonomy section {name!r}: the database has no taxonomy",
            "build a survey first: survey build",
        )
    # Paths, labels and endings all match in any case (slugs are lower case anyway).
    folded = " ".join(wanted.split()).casefold()
    by_path = [n for n in nodes if n.path.casefold() == folded]
    by_label = [n for n in nodes if " ".join(n.label.split()).casefold() == folded]
    by_ending = [
        n for n in nodes if n.path.casefold().endswith("/" + folded) or n.slug.casefold() == folded
    ]
    for found in (by_path, by_label, by_ending):
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            paths = ", ".join(n.path for n in found)
            raise SurveyError(f"{name!r} names several sections: {paths}", "give the full path")
    near = closest(wanted, [n.path for n in nodes], cutoff=40)
    hint = did_you_mean(near) or "see survey taxonomy"
    raise SurveyError(f"no taxonomy section {name!r}", hint)


@dataclass(frozen=True, slots=True)
class NodeCounts:
    notes: int
    curated: int
    manual: int
    papers: int  # distinct papers under the node itself


def tag_counts(session: Session) -> dict[int, NodeCounts]:
    per: dict[int, dict[str, set[int]]] = {}
    for node_id, paper_id, provenance in session.execute(
        select(Tag.node_id, Tag.paper_id, Tag.provenance)
    ):
        per.setdefault(node_id, {}).setdefault(provenance, set()).add(paper_id)
    counts = {}
    for node_id, groups in per.items():
        papers = set().union(*groups.values())
        counts[node_id] = NodeCounts(
            notes=len(groups.get(NOTES, ())),
            curated=len(groups.get(CURATED, ())),
            manual=len(groups.get(MANUAL, ())),
            papers=len(papers),
        )
    return counts


def count_manual_tags(session: Session) -> int:
    """How many manual tags there are (each paper at most once per section)."""
    return int(
        session.scalar(select(func.count()).select_from(Tag).where(Tag.provenance == MANUAL)) or 0
    )


def add_tag(
    session: Session, paper: Paper, node: TaxonomyNode, provenance: str, annotation: str = ""
) -> bool:
    """Tag `paper` with `node`; False when that tag exists already."""
    exists = session.scalar(
        select(func.count())
        .select_from(Tag)
        .where(Tag.paper_id == paper.id, Tag.node_id == node.id, Tag.provenance == provenance)
    )
    if exists:
        return False
    session.add(
        Tag(paper_id=paper.id, node_id=node.id, provenance=provenance, annotation=annotation)
    )
    session.flush()
    return True


def set_tag(
    session: Session, paper: Paper, node: TaxonomyNode, provenance: str, annotation: str | None
) -> str:
    """Tag `paper` with `node`, or give the existing tag this annotation (None keeps it):
    "added", "updated" or "unchanged"."""
    tag = session.scalar(
        select(Tag).where(
            Tag.paper_id == paper.id, Tag.node_id == node.id, Tag.provenance == provenance
        )
    )
    if tag is None:
        add_tag(session, paper, node, provenance, annotation or "")
        return "added"
    if annotation is None or tag.annotation == annotation:
        return "unchanged"
    tag.annotation = annotation
    session.flush()
    return "updated"


def remove_tag(session: Session, paper: Paper, node: TaxonomyNode, provenance: str) -> bool:
    result = session.execute(
        delete(Tag).where(
            Tag.paper_id == paper.id, Tag.node_id == node.id, Tag.provenance == provenance
        )
    )
    return bool(getattr(result, "rowcount", 0))


def clear_derived(session: Session, node_ids: Sequence[int]) -> None:
    """Drop the notes and curated tags and the mentions of these nodes (before a rebuild)."""
    for chunk in chunks(node_ids):
        session.execute(
            delete(Tag).where(Tag.node_id.in_(chunk), Tag.provenance.in_((NOTES, CURATED)))
        )
    mentions_db.delete_section_mentions(session, node_ids)


def drop_source_nodes(session: Session, source_id: int) -> tuple[int, int]:
    """Remove the sections read from one notes file, except those holding manual tags
    (kept, flagged orphaned). Returns (removed, kept)."""
    keep = manual_tag_nodes(session)
    nodes = list(session.scalars(select(TaxonomyNode).where(TaxonomyNode.source_id == source_id)))
    kept_ids = set(keep)
    # A kept node keeps its ancestors too, so the tree stays whole.
    by_id = {n.id: n for n in nodes}
    for node in nodes:
        if node.id in keep:
            parent = node.parent_id
            while parent is not None and parent in by_id:
                kept_ids.add(parent)
                parent = by_id[parent].parent_id
    removed = kept = 0
    for node in sorted(nodes, key=lambda n: -n.level):
        if node.id in kept_ids:
            node.flag = ORPHANED
            node.source_id = None
            kept += 1
        else:
            mentions_db.delete_section_mentions(session, [node.id])
            session.execute(delete(Tag).where(Tag.node_id == node.id))
            session.delete(node)
            removed += 1
    session.flush()
    return removed, kept


def manual_tag_nodes(session: Session) -> set[int]:
    return set(session.scalars(select(Tag.node_id).where(Tag.provenance == MANUAL)))


def tagged_node_ids(session: Session) -> set[int]:
    """The nodes holding at least one tag."""
    return set(session.scalars(select(Tag.node_id).distinct()))


def tagged_paper_ids(session: Session) -> set[int]:
    """The papers in at least one section."""
    return set(session.scalars(select(Tag.paper_id).distinct()))


def subtree_paper_ids(session: Session, path: str) -> set[int]:
    """Papers tagged anywhere in the taxonomy subtree at `path`."""
    return set(
        session.scalars(
            select(Tag.paper_id)
            .join(TaxonomyNode, Tag.node_id == TaxonomyNode.id)
            .where((TaxonomyNode.path == path) | TaxonomyNode.path.like(path + "/%"))
        )
    )


def placements(session: Session) -> list[tuple[str, str, int | None]]:
    """(section path, citekey, year) of every tag."""
    rows = session.execute(
        select(TaxonomyNode.path, Paper.citekey, Paper.year)
        .join(Tag, Tag.node_id == TaxonomyNode.id)
        .join(Paper, Tag.paper_id == Paper.id)
    )
    return [(path, key, year) for path, key, year in rows]


def sections_by_paper(session: Session) -> dict[int, list[tuple[str, str, str, str]]]:
    """Every paper's (section path, label, provenance, annotation) tags, by paper id."""
    found: dict[int, list[tuple[str, str, str, str]]] = {}
    for paper_id, path, label, provenance, annotation in session.execute(
        select(
            Tag.paper_id, TaxonomyNode.path, TaxonomyNode.label, Tag.provenance, Tag.annotation
        ).join(TaxonomyNode, Tag.node_id == TaxonomyNode.id)
    ):
        found.setdefault(paper_id, []).append((path, label, provenance, annotation))
    return found


def section_paths(session: Session) -> list[tuple[int, str]]:
    """(paper id, section path) of every tag, each pair once, sorted in Python (the same
    order on every database)."""
    rows = session.execute(
        select(Tag.paper_id, TaxonomyNode.path)
        .join(TaxonomyNode, Tag.node_id == TaxonomyNode.id)
        .distinct()
    )
    return sorted((paper_id, path) for paper_id, path in rows)


def ordered_paths(session: Session) -> list[str]:
    """Every node's path in the notes' order (depth first, siblings by position)."""
    nodes = list(session.scalars(select(TaxonomyNode)))
    children: dict[int | None, list[TaxonomyNode]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    order: list[str] = []

    def visit(parent: int | None) -> None:
        for node in sorted(
            children.get(parent, []), key=lambda n: (n.source_id or 0, n.position, n.path)
        ):
            order.append(node.path)
            visit(node.id)

    visit(None)
    return order


def derived_counts(session: Session) -> list[int]:
    """How many sections, mentions and tags from the notes or curated the database holds."""
    nodes = session.scalar(select(func.count()).select_from(TaxonomyNode)) or 0
    mentions = mentions_db.count_mentions(session)
    tags = (
        session.scalar(
            select(func.count()).select_from(Tag).where(Tag.provenance.in_((NOTES, CURATED)))
        )
        or 0
    )
    return [int(nodes), int(mentions), int(tags)]


TAG_COLUMNS = ("paper_id", "node_id", "provenance", "annotation")


def insert_tags(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert tag rows (paper_id, node_id, provenance, annotation) in their order,
    through the backend's bulk insert (executemany, COPY)."""
    session.flush()
    if rows:
        values = [tuple(row[column] for column in TAG_COLUMNS) for row in rows]
        bulk_insert(session, cast(Table, Tag.__table__), TAG_COLUMNS, values)


class TreeMention(TypedDict):
    """An open mention under its section, as `survey taxonomy --format json` prints it
    (made from a `survey.db.mentions.MentionRow`)."""

    line: int
    text: str
    status: str
    candidates: list[dict[str, Any]]  # {"key", "score"}, best first


class SectionCounts(TypedDict):
    notes: int
    curated: int
    manual: int
    papers: int


class TreeNode(TypedDict):
    """One section of the taxonomy with its counts, open mentions and subsections."""

    path: str
    label: str
    level: int
    number: int | None
    flag: str
    counts: SectionCounts
    open_mentions: list[TreeMention]
    children: list[TreeNode]


def tree(session: Session) -> list[TreeNode]:
    """The taxonomy as nested plain data, siblings in the notes' order."""
    counts = tag_counts(session)
    open_by_path: dict[str, list[TreeMention]] = {}
    for mention in mentions_db.mention_rows(session, open_only=True):
        best = sorted(mention.candidates, key=lambda c: (-c[1], c[0]))
        open_by_path.setdefault(mention.section, []).append(
            {
                "line": mention.line,
                "text": mention.text,
                "status": mention.state.value,
                "candidates": [{"key": key, "score": score} for key, score in best],
            }
        )
    children: dict[int | None, list[TaxonomyNode]] = {}
    for node in nodes_by_path(session).values():
        children.setdefault(node.parent_id, []).append(node)

    def build(node: TaxonomyNode) -> TreeNode:
        c = counts.get(node.id, NodeCounts(0, 0, 0, 0))
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
            "open_mentions": open_by_path.get(node.path, []),
            "children": [build(k) for k in kids],
        }

    tops = sorted(children.get(None, []), key=lambda n: (n.source_id or 0, n.position, n.path))
    return [build(n) for n in tops]


def section_scope(session: Session, within: str | None) -> tuple[str | None, set[int] | None]:
    """The section `within` names (its path) and the ids of its subtree's papers; (None,
    None) for every paper."""
    if within is None:
        return None, None
    node = find_node(session, within)
    return node.path, subtree_paper_ids(session, node.path)
