"""Citation edges in the database, and lineage as one recursive SQL query (db layer).

The recursive query is plain SQL:1999 `WITH RECURSIVE`, which SQLite and PostgreSQL
both run, so a lineage question on a large database reads only the papers it reaches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session, aliased

from survey.db.models import Citation, Paper, Source, Tag, TaxonomyNode
from survey.vocab import is_suspect

# A walk deeper than this is a cycle going round (a citation graph is a DAG).
MAX_DEPTH = 1000


@dataclass(frozen=True, slots=True)
class EdgeRow:
    citing: str
    cited: str
    origin: str
    relation: str
    evidence: str
    suspect: bool
    file: str | None
    line: int | None


def edges(session: Session, keys: Iterable[str] | None = None) -> list[EdgeRow]:
    """Every edge (or those among `keys`), sorted citing, cited, origin."""
    citing, cited = aliased(Paper), aliased(Paper)
    query = (
        select(
            citing.citekey,
            cited.citekey,
            Citation.origin,
            Citation.relation,
            Citation.evidence,
            Citation.suspect,
            Source.path,
            Citation.line,
        )
        .join(citing, Citation.citing_id == citing.id)
        .join(cited, Citation.cited_id == cited.id)
        .outerjoin(Source, Citation.source_id == Source.id)
        .order_by(citing.citekey, cited.citekey, Citation.origin)
    )
    rows = [EdgeRow(*row) for row in session.execute(query)]
    if keys is not None:
        wanted = set(keys)
        rows = [r for r in rows if r.citing in wanted and r.cited in wanted]
    return rows


def describe_cycle(cycle: Sequence[str], rows: Sequence[EdgeRow]) -> tuple[str, str]:
    """A citation cycle (a -> b -> ... -> a) with each edge's origin, and how to break it
    where each edge comes from: (message, fix)."""
    by_pair: dict[tuple[str, str], list[EdgeRow]] = {}
    for row in rows:
        by_pair.setdefault((row.citing, row.cited), []).append(row)
    steps = [cycle[0]]
    fixes: list[str] = []
    for citing, cited in zip(cycle, [*cycle[1:], cycle[0]], strict=True):
        found = by_pair.get((citing, cited), [])
        origins = ", ".join(_edge_origin(r) for r in found) or "unknown origin"
        steps.append(f"{cited} ({origins})")
        fixes.extend(_edge_fix(r) for r in found)
    message = "citation cycle: " + " -> ".join(steps)
    fix = "break one edge of it: " + "; or ".join(dict.fromkeys(fixes)) if fixes else ""
    return message, fix


def _edge_origin(row: EdgeRow) -> str:
    if row.origin == "file" and row.file:
        return f"{Path(row.file).name}:{row.line}" if row.line else Path(row.file).name
    if row.origin == "bib-field":
        return f"cites field of {row.citing}"
    return row.origin


def _edge_fix(row: EdgeRow) -> str:
    if row.origin == "manual":
        return f"survey cite rm {row.citing} {row.cited}"
    if row.origin == "bib-field":
        return f"remove {row.cited} from the cites field of {row.citing}"
    if row.origin == "file" and row.file:
        where = f"line {row.line} of {row.file}" if row.line else row.file
        return f"delete {where}"
    return f"remove the {row.origin} edge {row.citing} -> {row.cited} where it comes from"


def replace_edges(
    session: Session, origin: str, source_id: int | None, rows: Sequence[dict[str, Any]]
) -> None:
    """Replace the edges of one origin (and file) with `rows` (citing_id, cited_id, ...).

    A row may carry its own `source_id`; otherwise it gets `source_id`.
    """
    condition = [Citation.origin == origin]
    if source_id is not None:
        condition.append(Citation.source_id == source_id)
    session.execute(delete(Citation).where(*condition))
    session.flush()
    for row in rows:
        session.add(Citation(**{"source_id": source_id, **row, "origin": origin}))
    session.flush()


def delete_source_edges(session: Session, source_id: int) -> int:
    """Remove the edges read from one citations file; returns how many."""
    result = session.execute(delete(Citation).where(Citation.source_id == source_id))
    return int(getattr(result, "rowcount", 0) or 0)


def has_edges(session: Session, origin: str) -> bool:
    """True when any edge of this origin is stored."""
    return session.scalar(select(Citation.id).where(Citation.origin == origin).limit(1)) is not None


def add_edge(session: Session, citing: Paper, cited: Paper, **values: Any) -> bool:
    exists = session.scalar(
        select(Citation.id).where(
            Citation.citing_id == citing.id,
            Citation.cited_id == cited.id,
            Citation.origin == "manual",
        )
    )
    if exists:
        return False
    session.add(Citation(citing_id=citing.id, cited_id=cited.id, origin="manual", **values))
    session.flush()
    return True


def set_edge(
    session: Session, citing: Paper, cited: Paper, relation: str | None, evidence: str | None
) -> str:
    """Add the manual edge citing -> cited, or give the existing one this relation and
    evidence (None keeps what it has): "added", "updated" or "unchanged"."""
    edge = session.scalar(
        select(Citation).where(
            Citation.citing_id == citing.id,
            Citation.cited_id == cited.id,
            Citation.origin == "manual",
        )
    )
    if edge is None:
        suspect = is_suspect(citing.year, cited.year)
        add_edge(
            session,
            citing,
            cited,
            relation=relation or "",
            evidence=evidence or "",
            suspect=suspect,
        )
        return "added"
    wanted = (
        edge.relation if relation is None else relation,
        edge.evidence if evidence is None else evidence,
    )
    if (edge.relation, edge.evidence) == wanted:
        return "unchanged"
    edge.relation, edge.evidence = wanted
    session.flush()
    return "updated"


def remove_edge(session: Session, citing: Paper, cited: Paper) -> bool:
    result = session.execute(
        delete(Citation).where(
            Citation.citing_id == citing.id,
            Citation.cited_id == cited.id,
            Citation.origin == "manual",
        )
    )
    return bool(getattr(result, "rowcount", 0))


def subtree_paper_ids(session: Session, path: str) -> set[int]:
    """Papers tagged anywhere in the taxonomy subtree at `path`."""
    return set(
        session.scalars(
            select(Tag.paper_id)
            .join(TaxonomyNode, Tag.node_id == TaxonomyNode.id)
            .where((TaxonomyNode.path == path) | TaxonomyNode.path.like(path + "/%"))
        )
    )


@dataclass(frozen=True, slots=True)
class Reached:
    paper_id: int
    generation: int
    via_id: int | None
    relation: str
    citekey: str = ""
    year: int | None = None
    title: str = ""
    short: str = ""  # the paper's shorthand, else another alias


# SQLite indexes a materialised CTE by itself, so one statement walks and joins there.
_LINEAGE_SQL = """
WITH RECURSIVE walk(paper_id, depth) AS (
    SELECT CAST(:root AS INTEGER), 0
    UNION
    SELECT c.{next}, w.depth + 1
    FROM citations c JOIN walk w ON c.{this} = w.paper_id
    WHERE w.depth < :max_depth {within}
),
reached(paper_id, generation) AS (
    SELECT paper_id, MIN(depth) FROM walk GROUP BY paper_id
),
linked(paper_id, generation, via_id, relation) AS (
    SELECT paper_id, generation, NULL, NULL FROM reached WHERE generation = 0
    UNION ALL
    SELECT r.paper_id, r.generation, v.paper_id, c.relation
    FROM reached v
    JOIN citations c ON c.{this} = v.paper_id
    JOIN reached r ON r.paper_id = c.{next} AND r.generation = v.generation + 1
)
SELECT l.paper_id, l.generation, l.via_id, l.relation, p.citekey, p.year, p.title,
    (SELECT a.alias FROM aliases a WHERE a.paper_id = l.paper_id
     ORDER BY CASE a.origin WHEN 'shorthand' THEN 0 WHEN 'manifest' THEN 1
              WHEN 'notes' THEN 2 ELSE 3 END, a.alias
     LIMIT 1)
FROM linked l JOIN papers p ON p.id = l.paper_id
"""


# Elsewhere (PostgreSQL), in two steps: first the walk, every reachable paper and its
# generation (the shortest number of links), into a temporary table.
_WALK_SQL = """
WITH RECURSIVE walk(paper_id, depth) AS (
    SELECT CAST(:root AS INTEGER), 0
    UNION
    SELECT c.{next}, w.depth + 1
    FROM citations c JOIN walk w ON c.{this} = w.paper_id
    WHERE w.depth < :max_depth {within}
)
INSERT INTO survey_reached (paper_id, generation)
SELECT paper_id, MIN(depth) FROM walk GROUP BY paper_id
"""

# Each reached paper with one link from the generation before it and its details. The
# reached set sits in an indexed temporary table, so these joins are index lookups on
# SQLite and PostgreSQL alike (a CTE referenced twice has no index on PostgreSQL).
_DETAILS_SQL = """
SELECT l.paper_id, l.generation, l.via_id, l.relation, p.citekey, p.year, p.title,
    (SELECT a.alias FROM aliases a WHERE a.paper_id = l.paper_id
     ORDER BY CASE a.origin WHEN 'shorthand' THEN 0 WHEN 'manifest' THEN 1
              WHEN 'notes' THEN 2 ELSE 3 END, a.alias
     LIMIT 1)
FROM (
    SELECT paper_id, generation, NULL AS via_id, NULL AS relation
    FROM survey_reached WHERE generation = 0
    UNION ALL
    SELECT r.paper_id, r.generation, v.paper_id, c.relation
    FROM survey_reached v
    JOIN citations c ON c.{this} = v.paper_id
    JOIN survey_reached r ON r.paper_id = c.{next} AND r.generation = v.generation + 1
) l
JOIN papers p ON p.id = l.paper_id
"""


def lineage_rows(
    session: Session,
    paper_id: int,
    *,
    descendants: bool = False,
    depth: int | None = None,
    within: str | None = None,
) -> list[Reached]:
    """Every paper reachable from `paper_id` with its generation, in one recursive query.

    Ancestors follow citing -> cited; descendants cited -> citing. For each paper the
    returned `via` is a paper one generation closer that links to it (the smallest id
    when several do), found from the links the walk itself followed, so the query does
    no more work than the walk. `within` keeps the walk inside a taxonomy subtree.
    """
    this, next_ = ("cited_id", "citing_id") if descendants else ("citing_id", "cited_id")
    params: dict[str, Any] = {"root": paper_id, "max_depth": min(depth or MAX_DEPTH, MAX_DEPTH)}
    within_sql = ""
    if within is not None:
        within_sql = (
            f"AND c.{next_} IN (SELECT t.paper_id FROM tags t JOIN taxonomy_nodes n "
            "ON t.node_id = n.id WHERE n.path = :within OR n.path LIKE :within_prefix)"
        )
        params.update(within=within, within_prefix=within + "/%")
    if session.get_bind().dialect.name == "sqlite":
        rows = session.execute(
            text(_LINEAGE_SQL.format(this=this, next=next_, within=within_sql)), params
        )
        return _best_links(rows)
    session.execute(
        text(
            "CREATE TEMPORARY TABLE IF NOT EXISTS survey_reached "
            "(paper_id INTEGER PRIMARY KEY, generation INTEGER NOT NULL)"
        )
    )
    session.execute(text("DELETE FROM survey_reached"))
    session.execute(text(_WALK_SQL.format(this=this, next=next_, within=within_sql)), params)
    found = _best_links(session.execute(text(_DETAILS_SQL.format(this=this, next=next_))))
    session.execute(text("DELETE FROM survey_reached"))
    return found


def _best_links(rows: Iterable[Any]) -> list[Reached]:
    """One row per paper: the link from the smallest paper id of the generation before."""
    best: dict[int, Reached] = {}
    for row in rows:
        reached_id, generation, via_id, relation, key, year, title, short = row
        if generation == 0:
            via_id, relation = None, ""
        current = best.get(reached_id)
        if current is None or (via_id is not None and (current.via_id or 0) > via_id):
            best[reached_id] = Reached(
                reached_id, generation, via_id, relation or "", key, year, title or "", short or ""
            )
    return sorted(best.values(), key=lambda r: (r.generation, r.paper_id))
