"""Taxonomy nodes, tags and mentions in the database (db layer; takes a session, never commits)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, selectinload

from survey.db.models import Alias, Author, Mention, Paper, Setting, Source, Tag, TaxonomyNode
from survey.db.store import chunks
from survey.errors import SurveyError, did_you_mean
from survey.textnorm import closest, normalize_name, normalize_title
from survey.vocab import Provenance, ResolutionState, SectionFlag

NOTES = Provenance.NOTES
CURATED = Provenance.CURATED
MANUAL = Provenance.MANUAL
ORPHANED = SectionFlag.ORPHANED


@dataclass(frozen=True, slots=True)
class PaperFacts:
    """What mention resolution needs of a paper, fetched in bulk."""

    paper_id: int
    citekey: str
    title_norm: str
    year: int | None
    venue_norm: str
    has_arxiv: bool
    aliases: tuple[str, ...]
    families: frozenset[str]
    doi: str | None = None
    arxiv_id: str | None = None


def paper_facts(session: Session) -> list[PaperFacts]:
    """Every paper as the resolver needs it: three queries, whatever the number of papers."""
    aliases: dict[int, list[str]] = {}
    for paper_id, alias in session.execute(select(Alias.paper_id, Alias.alias)):
        aliases.setdefault(paper_id, []).append(normalize_name(alias))
    families: dict[int, set[str]] = {}
    for paper_id, family in session.execute(select(Author.paper_id, Author.family)):
        families.setdefault(paper_id, set()).update(normalize_title(family).split())
    refs = []
    for paper_id, key, title_norm, year, venue, arxiv_id, doi in session.execute(
        select(
            Paper.id,
            Paper.citekey,
            Paper.title_norm,
            Paper.year,
            Paper.venue,
            Paper.arxiv_id,
            Paper.doi,
        ).order_by(Paper.id)
    ):
        refs.append(
            PaperFacts(
                paper_id=paper_id,
                citekey=key,
                title_norm=title_norm or "",
                year=year,
                venue_norm=normalize_title(venue or ""),
                has_arxiv=arxiv_id is not None,
                aliases=tuple(aliases.get(paper_id, ())),
                families=frozenset(families.get(paper_id, ())),
                doi=doi,
                arxiv_id=arxiv_id,
            )
        )
    return refs


def nodes_by_path(session: Session) -> dict[str, TaxonomyNode]:
    return {n.path: n for n in session.scalars(select(TaxonomyNode))}


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


def open_mentions(session: Session) -> list[Mention]:
    """Mentions that are not resolved, in the notes' order."""
    return list(
        session.scalars(
            select(Mention)
            .where(Mention.status != ResolutionState.RESOLVED)
            .options(selectinload(Mention.node))
            .order_by(Mention.line)
        )
    )


def all_mentions(session: Session) -> list[tuple[Mention, str, str | None, str | None]]:
    """Every mention with its section path and its notes file: the path as the survey
    names it (relative to its folder) and where it was read (absolute), in line order."""
    rows = session.execute(
        select(Mention, TaxonomyNode.path, Source.path, Source.location)
        .join(TaxonomyNode, Mention.node_id == TaxonomyNode.id)
        .outerjoin(Source, TaxonomyNode.source_id == Source.id)
        .options(selectinload(Mention.paper))
        .order_by(Mention.line, Mention.id)
    )
    return [(mention, section, path, location) for mention, section, path, location in rows]


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
        session.execute(delete(Mention).where(Mention.node_id.in_(chunk)))


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
            session.execute(delete(Mention).where(Mention.node_id == node.id))
            session.execute(delete(Tag).where(Tag.node_id == node.id))
            session.delete(node)
            removed += 1
    session.flush()
    return removed, kept


def manual_tag_nodes(session: Session) -> set[int]:
    return set(session.scalars(select(Tag.node_id).where(Tag.provenance == MANUAL)))


def cites_fields(session: Session) -> list[tuple[str, str, int | None, str]]:
    """(citekey, file, line, value) of every paper whose BibTeX entry has a `cites` field."""
    found = []
    for key, fields, path, line in session.execute(
        select(
            Paper.citekey,
            Paper.fields,
            func.coalesce(Source.location, Source.path),
            Paper.source_line,
        )
        .outerjoin(Source, Paper.source_id == Source.id)
        .order_by(Paper.citekey)
    ):
        value = (fields or {}).get("cites")
        if value:
            found.append((key, path or "", line, str(value)))
    return found


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
    mentions = session.scalar(select(func.count()).select_from(Mention)) or 0
    tags = (
        session.scalar(
            select(func.count()).select_from(Tag).where(Tag.provenance.in_((NOTES, CURATED)))
        )
        or 0
    )
    return [int(nodes), int(mentions), int(tags)]


def mention_statuses(session: Session) -> dict[str, int]:
    """How many mentions are in each state (resolved, ambiguous, unresolved)."""
    rows = session.execute(select(Mention.status, func.count()).group_by(Mention.status))
    return {str(status): int(count) for status, count in rows}


def insert_mentions(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert mention rows (column -> value) in one bulk statement, in their order."""
    session.flush()
    if rows:
        session.execute(insert(Mention), list(rows))


def insert_tags(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert tag rows (paper_id, node_id, provenance, annotation) in one bulk statement."""
    session.flush()
    if rows:
        session.execute(insert(Tag), list(rows))


def set_setting(session: Session, name: str, value: str) -> None:
    row = session.get(Setting, name)
    if row is None:
        session.add(Setting(name=name, value=value))
    else:
        row.value = value


def get_setting(session: Session, name: str, default: str = "") -> str:
    row = session.get(Setting, name)
    return row.value if row is not None else default


class OpenMention(TypedDict):
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
    open_mentions: list[OpenMention]
    children: list[TreeNode]


def tree(session: Session) -> list[TreeNode]:
    """The taxonomy as nested plain data, siblings in the notes' order."""
    counts = tag_counts(session)
    open_by_node: dict[int, list[OpenMention]] = {}
    for mention in open_mentions(session):
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
            "open_mentions": open_by_node.get(node.id, []),
            "children": [build(k) for k in kids],
        }

    tops = sorted(children.get(None, []), key=lambda n: (n.source_id or 0, n.position, n.path))
    return [build(n) for n in tops]
