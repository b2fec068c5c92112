"""Citation edges in the database: stored, read as rows or as the graph of a set of
papers, the `cites` fields they come from, the citations files' names that named no
paper, and lineage as a walk in SQL (db layer).

The walk goes one generation per `INSERT … SELECT` into an indexed temporary table of
the papers reached so far, skipping those already there: each paper is visited once,
whatever the number of paths to it, and a lineage question on a large database reads
only the papers it reaches. Plain SQL that SQLite and PostgreSQL both run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, cast

from sqlalchemy import Select, Table, Text, delete, func, select, text
from sqlalchemy.orm import Session, aliased

from survey.db.bulk import bulk_insert, chunks
from survey.db.engine import analyze_after
from survey.db.models import Citation, Paper, Source, UnknownEdgeName
from survey.db.papers import short_name_sql
from survey.vocab import Origin, is_suspect

CITATIONS = cast(Table, Citation.__table__)
UNKNOWN_EDGE_NAMES = cast(Table, UnknownEdgeName.__table__)


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


def _edge_rows() -> Select[str, str, str, str, str, bool, str, int | None]:
    """Edge rows with their papers' keys and file, unordered."""
    citing, cited = aliased(Paper), aliased(Paper)
    return (
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
    )


def edges(session: Session, keys: Iterable[str] | None = None) -> list[EdgeRow]:
    """Every edge (or those among `keys`), sorted citing, cited, origin."""
    query = _edge_rows()
    query = query.order_by(*query.selected_columns[:3])  # citing key, cited key, origin
    rows = [EdgeRow(*row) for row in session.execute(query)]
    if keys is not None:
        wanted = set(keys)
        rows = [r for r in rows if r.citing in wanted and r.cited in wanted]
    return rows


def suspect_edges(session: Session) -> list[EdgeRow]:
    """The edges flagged suspect (the cited paper much younger), sorted citing, cited,
    origin."""
    rows = session.execute(_edge_rows().where(Citation.suspect))
    return sorted((EdgeRow(*row) for row in rows), key=_edge_order)


def edges_among(session: Session, ids: Collection[int]) -> list[EdgeRow]:
    """The edges whose two papers are both of `ids`, sorted citing, cited, origin; only
    the edges these papers cite are read."""
    wanted = set(ids)
    found: list[EdgeRow] = []
    query = _edge_rows().add_columns(Citation.cited_id)
    for chunk in chunks(sorted(wanted)):
        for *row, cited_id in session.execute(query.where(Citation.citing_id.in_(chunk))):
            if cited_id in wanted:
                found.append(EdgeRow(*row))
    return sorted(found, key=_edge_order)


def _edge_order(row: EdgeRow) -> tuple[str, str, str]:
    return row.citing, row.cited, row.origin


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
    if row.origin == Origin.FILE and row.file:
        return f"{Path(row.file).name}:{row.line}" if row.line else Path(row.file).name
    if row.origin == Origin.FIELD:
        return f"cites field of {row.citing}"
    return row.origin


def _edge_fix(row: EdgeRow) -> str:
    if row.origin == Origin.MANUAL:
        return f"survey cite rm {row.citing} {row.cited}"
    if row.origin == Origin.FIELD:
        return f"remove {row.cited} from the cites field of {row.citing}"
    if row.origin == Origin.FILE and row.file:
        where = f"line {row.line} of {row.file}" if row.line else row.file
        return f"delete {where}"
    return f"remove the {row.origin} edge {row.citing} -> {row.cited} where it comes from"


# The columns an edge row sets (its id comes from the table), in insert order.
EDGE_COLUMNS = (
    "citing_id",
    "cited_id",
    "origin",
    "relation",
    "evidence",
    "suspect",
    "source_id",
    "line",
)


# An edge as the ingest layer hands it in: (citing_id, cited_id, relation, evidence,
# suspect, source_id, line), the columns it sets besides its origin.
EdgeValues = tuple[int, int, str, str, bool, int | None, int | None]


def replace_edges(
    session: Session, origin: str, source_id: int | None, rows: Sequence[dict[str, Any]]
) -> int:
    """Make the edges of one origin (and file) be `rows` (citing_id, cited_id, ...);
    returns how many rows it wrote (inserted, updated or deleted).

    A row may carry its own `source_id`; otherwise it gets `source_id`. See
    `replace_edge_values`.
    """
    values: list[EdgeValues] = [
        (
            row["citing_id"],
            row["cited_id"],
            row.get("relation") or "",
            row.get("evidence") or "",
            bool(row.get("suspect", False)),
            row.get("source_id", source_id),
            row.get("line"),
        )
        for row in rows
    ]
    return replace_edge_values(session, origin, values, source_id=source_id)


# Inserting at least this many edges, and more than the table holds, into SQLite: its
# secondary indexes are dropped first and made again after (sorting once is about
# twice as fast as 10^6 inserts into five B-trees).
REBUILD_INDEXES_FROM = 50_000


def replace_edge_values(
    session: Session, origin: str, rows: Sequence[EdgeValues], *, source_id: int | None = None
) -> int:
    """Make the edges of one origin (and, with `source_id`, of one file) be `rows`;
    returns how many rows it wrote (inserted, updated or deleted).

    Only what changed is written: edges no row names are deleted, edges whose relation,
    evidence, flag, file or line changed are updated in place (keeping their id), new
    ones go in through the backend's bulk insert (executemany, COPY), never one ORM
    object per edge.
    """
    session.flush()
    sql = (
        "SELECT id, citing_id, cited_id, relation, evidence, suspect, source_id, line"
        " FROM citations WHERE origin = :origin"
    )
    params: dict[str, Any] = {"origin": origin}
    if source_id is not None:
        sql += " AND source_id = :source_id"
        params["source_id"] = source_id
    stored: dict[tuple[int, int], tuple[int, tuple[Any, ...]]] = {
        (citing, cited): (edge_id, (relation, evidence, bool(suspect), source, line))
        for edge_id, citing, cited, relation, evidence, suspect, source, line in session.execute(
            text(sql), params
        )
    }
    inserts: list[tuple[Any, ...]] = []
    updates: list[dict[str, Any]] = []
    for citing, cited, *values in rows:
        found = stored.pop((citing, cited), None) if stored else None
        if found is None:
            inserts.append((citing, cited, origin, *values))
        elif found[1] != tuple(values):
            updates.append(
                dict(
                    zip(
                        ("relation", "evidence", "suspect", "source_id", "line"),
                        values,
                        strict=True,
                    )
                )
                | {"id": found[0]}
            )
    gone = sorted(edge_id for edge_id, _ in stored.values())
    for chunk in chunks(gone):
        session.execute(
            delete(Citation).where(Citation.id.in_(chunk)),
            execution_options={"synchronize_session": False},
        )
    if updates:
        session.execute(
            text(
                "UPDATE citations SET relation = :relation, evidence = :evidence,"
                " suspect = :suspect, source_id = :source_id, line = :line WHERE id = :id"
            ),
            updates,
        )
    if inserts:
        with _indexes_set_aside(session, len(inserts)):
            bulk_insert(session, CITATIONS, EDGE_COLUMNS, inserts)
    if gone or updates or inserts:
        analyze_after(session, Citation.__tablename__)
    return len(gone) + len(updates) + len(inserts)


def replace_unknown_edge_names(session: Session, rows: Sequence[tuple[int, int, str]]) -> None:
    """Make the recorded unknown names of the citations files be `rows` (source id, line,
    name). PostgreSQL cannot store NUL in text: a NUL of a name is kept as U+FFFD."""
    session.execute(delete(UnknownEdgeName), execution_options={"synchronize_session": False})
    if rows:
        cleaned = [(source, line, name.replace("\x00", "\ufffd")) for source, line, name in rows]
        bulk_insert(session, UNKNOWN_EDGE_NAMES, ("source_id", "line", "name"), cleaned)


def unknown_edge_names(session: Session) -> list[tuple[str, int, str]]:
    """(where the file was read from, line, name) of every name of a citations file's
    edge that named no paper when the build read it, by file and line."""
    where = func.coalesce(Source.location, Source.path)
    rows = session.execute(
        select(where, UnknownEdgeName.line, UnknownEdgeName.name)
        .join(Source, UnknownEdgeName.source_id == Source.id)
        .order_by(where, UnknownEdgeName.line, UnknownEdgeName.id)
    )
    return [(file, line, name) for file, line, name in rows]


@contextmanager
def _indexes_set_aside(session: Session, inserting: int) -> Iterator[None]:
    """On SQLite, for a large insert into a table holding fewer rows: drop the table's
    indexes that enforce nothing (unique ones stay) for the time of the block and make
    them again, from the same SQL, after it, inside the transaction."""
    connection = session.connection()
    if inserting < REBUILD_INDEXES_FROM or connection.dialect.name != "sqlite":
        yield
        return
    held = connection.exec_driver_sql("SELECT count(*) FROM citations").scalar_one()
    if held >= inserting:
        yield
        return
    indexes = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'citations'"
        " AND sql IS NOT NULL AND upper(sql) NOT LIKE 'CREATE UNIQUE%' ORDER BY name"
    ).all()
    for name, _ in indexes:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        # None of them is unique, so they can be made again whatever the block wrote.
        for _, sql in indexes:
            connection.exec_driver_sql(sql)


def delete_source_edges(session: Session, source_id: int) -> int:
    """Remove the edges read from one citations file (and the names of it that named no
    paper); returns how many edges."""
    session.execute(delete(UnknownEdgeName).where(UnknownEdgeName.source_id == source_id))
    result = session.execute(delete(Citation).where(Citation.source_id == source_id))
    return int(getattr(result, "rowcount", 0) or 0)


def edge_counts(session: Session, origin: str) -> tuple[int, int]:
    """(edges, suspect edges) of one origin."""
    total, suspect = session.execute(
        select(func.count(), func.count().filter(Citation.suspect)).where(Citation.origin == origin)
    ).one()
    return int(total), int(suspect)


def has_edges(session: Session, origin: str) -> bool:
    """True when any edge of this origin is stored."""
    return session.scalar(select(Citation.id).where(Citation.origin == origin).limit(1)) is not None


def add_edge(session: Session, citing: Paper, cited: Paper, **values: Any) -> bool:
    exists = session.scalar(
        select(Citation.id).where(
            Citation.citing_id == citing.id,
            Citation.cited_id == cited.id,
            Citation.origin == Origin.MANUAL,
        )
    )
    if exists:
        return False
    session.add(Citation(citing_id=citing.id, cited_id=cited.id, origin=Origin.MANUAL, **values))
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
            Citation.origin == Origin.MANUAL,
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
            Citation.origin == Origin.MANUAL,
        )
    )
    return bool(getattr(result, "rowcount", 0))


def cites_fields(session: Session) -> list[tuple[str, str, int | None, str]]:
    """(citekey, file, line, value) of every paper whose BibTeX entry has a `cites` field."""
    found = []
    # The database finds the entries whose fields' JSON text names the key (a superset:
    # the key may be in a value too), so only their JSON is decoded.
    for key, fields, path, line in session.execute(
        select(
            Paper.citekey,
            Paper.fields,
            func.coalesce(Source.location, Source.path),
            Paper.source_line,
        )
        .outerjoin(Source, Paper.source_id == Source.id)
        .where(Paper.fields.cast(Text).like('%"cites"%'))
        .order_by(Paper.citekey)
    ):
        value = (fields or {}).get("cites")
        if value:
            found.append((key, path or "", line, str(value)))
    return found


# Rows fetched from the driver at a time by the streaming reads.
_ROW_BATCH = 65536

GraphPaper = tuple[int, str, int | None]  # id, citekey, year
GraphEdge = tuple[int, int, str]  # citing id, cited id, relation


def graph_rows(
    session: Session, ids: Collection[int] | None = None
) -> tuple[list[GraphPaper], list[GraphEdge]]:
    """The papers `ids` (default: every paper), by id, and the citations among them in
    the order they were stored; only these papers' rows and citations are read."""
    paper_query = select(Paper.id, Paper.citekey, Paper.year).order_by(Paper.id)
    edge_query = select(Citation.id, Citation.citing_id, Citation.cited_id, Citation.relation)
    papers: list[GraphPaper] = []
    found: list[tuple[int, int, int, str]] = []
    if ids is None:
        papers.extend((i, key, year) for i, key, year in session.execute(paper_query))
        found.extend(
            (i, a, b, r) for i, a, b, r in session.execute(edge_query.order_by(Citation.id))
        )
    else:
        wanted = set(ids)
        for chunk in chunks(sorted(wanted)):
            chosen = session.execute(paper_query.where(Paper.id.in_(chunk)))
            papers.extend((i, key, year) for i, key, year in chosen)
            citing = session.execute(edge_query.where(Citation.citing_id.in_(chunk)))
            found.extend((i, a, b, r) for i, a, b, r in citing if b in wanted)
        papers.sort()
        found.sort()
    return papers, [(a, b, r) for _, a, b, r in found]


def citation_rows(session: Session) -> Iterator[tuple[int, int]]:
    """(citing id, cited id) of every citation row, unordered, a pair listed twice when
    two rows hold it: for graphs of millions of citations, read through the driver's
    own cursor in batches (no ORM rows, no list of them)."""
    return _streamed(session, "SELECT citing_id, cited_id FROM citations")


def citation_details(session: Session) -> Iterator[Sequence[tuple[int, int, str, str]]]:
    """(citing id, cited id, origin, relation) of every citation row, unordered, in
    batches of rows as the driver's cursor fetches them (for a reader that takes each
    batch apart into columns)."""
    return _batches(session, "SELECT citing_id, cited_id, origin, relation FROM citations")


def _streamed(session: Session, sql: str) -> Iterator[Any]:
    for batch in _batches(session, sql):
        yield from batch


def _batches(session: Session, sql: str) -> Iterator[Sequence[Any]]:
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(_ROW_BATCH):
            yield batch
    finally:
        cursor.close()


class Reached(NamedTuple):
    """One paper of a lineage walk (a tuple: a heavy walk makes 10^5 of them)."""

    paper_id: int
    generation: int
    via_id: int | None  # None for the paper the walk starts from
    relation: str
    citekey: str
    year: int | None
    title: str
    short: str  # the paper's short name (db/papers.py short_name_sql)


# The walk keeps what it has reached in a temporary table, indexed on the paper (so
# "already reached?" is one lookup) and on the generation (so the frontier is one range).
_REACHED = "survey_reached"
_WITHIN = "survey_within"
_TEMP_SCHEMA = {"sqlite": "temp", "postgresql": "pg_temp"}

# One statement per generation: every paper linked from the frontier and not yet reached,
# with its link from the smallest paper id of the frontier and that link's relation (of
# the first such edge stored, when the same two papers are linked more than once).
_STEP_SQL = """
INSERT INTO survey_reached (paper_id, generation, via_id, relation)
SELECT n.paper_id, :next_generation, n.via_id,
    (SELECT e.relation FROM citations e
     WHERE e.{this} = n.via_id AND e.{next} = n.paper_id
     ORDER BY e.id LIMIT 1)
FROM (
    SELECT c.{next} AS paper_id, MIN(c.{this}) AS via_id
    FROM survey_reached f JOIN citations c ON c.{this} = f.paper_id
    WHERE f.generation = :generation
    AND NOT EXISTS (SELECT 1 FROM survey_reached r WHERE r.paper_id = c.{next}) {within}
    GROUP BY c.{next}
) n
"""

_WITHIN_SQL = "AND EXISTS (SELECT 1 FROM survey_within w WHERE w.paper_id = c.{next})"

# Each reached paper with its details and short name.
_DETAILS_SQL = f"""
SELECT r.paper_id, r.generation, CASE WHEN r.generation = 0 THEN NULL ELSE r.via_id END,
    COALESCE(r.relation, ''), p.citekey, p.year, COALESCE(p.title, ''),
    {short_name_sql("r.paper_id")}
FROM survey_reached r JOIN papers p ON p.id = r.paper_id
ORDER BY r.generation, r.paper_id
"""


def lineage_rows(
    session: Session,
    paper_id: int,
    *,
    descendants: bool = False,
    depth: int | None = None,
    within: str | None = None,
) -> list[Reached]:
    """Every paper reachable from `paper_id` with its generation, sorted by generation
    and paper id; the paper itself comes first, at generation 0.

    Ancestors follow citing -> cited; descendants cited -> citing. For each paper `via`
    is the paper of the generation before that links to it (the smallest id when several
    do). `depth` stops after that many generations; without it the walk goes to the end
    (each paper is reached once, so cycles end it too). `within` keeps the walk inside a
    taxonomy subtree.
    """
    with _walk(session, paper_id, descendants=descendants, depth=depth, within=within) as run:
        return list(map(Reached._make, run(_DETAILS_SQL).fetchall()))


def reached_generations(
    session: Session, paper_id: int, *, descendants: bool = False, depth: int | None = None
) -> dict[int, int]:
    """The same walk as `lineage_rows`, without details: paper id -> generation."""
    with _walk(session, paper_id, descendants=descendants, depth=depth, within=None) as run:
        rows = run("SELECT paper_id, generation FROM survey_reached").fetchall()
        return {reached_id: generation for reached_id, generation in rows}


# The walk's statements go straight to the driver's cursor, in the session's transaction:
# a light question takes a dozen short statements, and SQLAlchemy's handling of each
# would double its time. They are written with `:name` parameters, which sqlite3 takes
# as they are and which become `%(name)s` for psycopg.
_PARAMETER = re.compile(r"(?<![:\w]):(\w+)")


@contextmanager
def _walk(
    session: Session,
    paper_id: int,
    *,
    descendants: bool,
    depth: int | None,
    within: str | None,
) -> Iterator[Callable[..., Any]]:
    """Fill the temporary table survey_reached with the walk from `paper_id`, one
    statement per generation, for the time of the block (dropped afterwards); the block
    gets a function running one statement (with `:name` parameters) on the same cursor."""
    this, next_ = ("cited_id", "citing_id") if descendants else ("citing_id", "cited_id")
    schema = _TEMP_SCHEMA.get(session.get_bind().dialect.name, "temp")
    named = session.get_bind().dialect.name == "sqlite"
    cursor = session.connection().connection.cursor()

    def run(sql: str, **params: Any) -> Any:
        cursor.execute(sql if named else _PARAMETER.sub(r"%(\1)s", sql), params)
        return cursor

    def drop() -> None:
        for table in (_REACHED, _WITHIN):
            run(f"DROP TABLE IF EXISTS {schema}.{table}")

    try:
        drop()
        run(
            f"CREATE TEMPORARY TABLE {_REACHED} (paper_id INTEGER PRIMARY KEY,"
            " generation INTEGER NOT NULL, via_id INTEGER, relation VARCHAR(16))"
        )
        run(f"CREATE INDEX {_REACHED}_generation ON {_REACHED} (generation)")
        within_sql = ""
        if within is not None:
            run(f"CREATE TEMPORARY TABLE {_WITHIN} (paper_id INTEGER PRIMARY KEY)")
            run(
                f"INSERT INTO {_WITHIN} (paper_id) SELECT DISTINCT t.paper_id FROM tags t"
                " JOIN taxonomy_nodes n ON t.node_id = n.id"
                " WHERE n.path = :within OR n.path LIKE :within_prefix",
                within=within,
                within_prefix=within + "/%",
            )
            within_sql = _WITHIN_SQL.format(next=next_)
        run(
            f"INSERT INTO {_REACHED} (paper_id, generation) VALUES (:paper_id, 0)",
            paper_id=paper_id,
        )
        step = _STEP_SQL.format(this=this, next=next_, within=within_sql)
        generation = 0
        while depth is None or generation < depth:
            if not run(step, generation=generation, next_generation=generation + 1).rowcount:
                break
            generation += 1
        yield run
    finally:
        drop()
        cursor.close()
