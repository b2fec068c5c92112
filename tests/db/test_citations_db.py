"""Citation edges in the database: recursive SQL lineage agrees with the graph layer."""

from __future__ import annotations

import random

import networkx as nx
import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.exc import IntegrityError

from survey.db import citations as cdb
from survey.db import session_scope
from survey.db.models import Citation, Paper


def random_dag(engine: Engine, papers: int = 120, seed: int = 7) -> nx.DiGraph:
    """Papers p000.. with edges only to older papers (a DAG), stored and returned."""
    rng = random.Random(seed)
    graph = nx.DiGraph()
    with session_scope(engine, write=True) as session:
        rows = []
        for index in range(papers):
            key = f"p{index:03d}"
            rows.append(
                Paper(
                    id=index + 1,
                    citekey=key,
                    citekey_lower=key,
                    entry_type="article",
                    title=key,
                    year=1990 + index // 4,
                    fields={},
                    raw="",
                    search_text=key,
                    content_hash="",
                    more_authors=False,
                )
            )
            graph.add_node(key)
        session.add_all(rows)
        session.flush()
        for index in range(1, papers):
            for cited in rng.sample(range(index), k=min(index, rng.randint(0, 4))):
                session.add(
                    Citation(
                        citing_id=index + 1, cited_id=cited + 1, origin="file", relation="related"
                    )
                )
                graph.add_edge(f"p{index:03d}", f"p{cited:03d}", relation="related")
    return graph


@pytest.mark.parametrize("descendants", [False, True])
@pytest.mark.parametrize("depth", [None, 1, 3])
def test_sql_lineage_matches_networkx(engine: Engine, descendants: bool, depth: int | None) -> None:
    graph = random_dag(engine)
    for root in ("p000", "p017", "p060", "p119"):
        # Ancestors follow citing -> cited; descendants the edges backwards.
        walked = graph.reverse(copy=False) if descendants else graph
        reached = nx.single_source_shortest_path_length(walked, root, cutoff=depth)
        expected = {(key, generation) for key, generation in reached.items() if key != root}
        with session_scope(engine) as session:
            rows = cdb.lineage_rows(
                session, int(root[1:]) + 1, descendants=descendants, depth=depth
            )
        got = {(f"p{r.paper_id - 1:03d}", r.generation) for r in rows if r.generation > 0}
        assert got == expected
        generations = {r.paper_id: r.generation for r in rows}
        for row in rows:
            if row.generation == 0:
                continue
            assert row.via_id is not None and generations[row.via_id] == row.generation - 1
            citing, cited = (
                (row.paper_id, row.via_id) if descendants else (row.via_id, row.paper_id)
            )
            assert graph.has_edge(f"p{citing - 1:03d}", f"p{cited - 1:03d}")


def index_sql(engine: Engine) -> set[str]:
    with session_scope(engine) as session:
        rows = session.execute(
            text("SELECT sql FROM sqlite_master WHERE tbl_name = 'citations' AND sql IS NOT NULL")
        )
        return {sql for (sql,) in rows}


def pairs(count: int, papers: int = 120) -> list[tuple[int, int]]:
    """`count` distinct (citing, cited) pairs of the papers 1..papers, citing the newer."""
    found = [(a, b) for a in range(2, papers + 1) for b in range(1, a)]
    return found[:count]


def test_a_large_insert_sets_the_indexes_aside_and_makes_them_again(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    random_dag(engine)  # 120 papers and a few hundred file edges
    with session_scope(engine) as session:
        held = session.scalar(select(func.count()).select_from(Citation)) or 0
    sqlite = engine.dialect.name == "sqlite"
    before = index_sql(engine) if sqlite else set()
    monkeypatch.setattr(cdb, "REBUILD_INDEXES_FROM", 10)
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    rows = [(a, b, "extends", "why", False, None, None) for a, b in pairs(held + 500)]
    with session_scope(engine, write=True) as session:
        assert cdb.replace_edge_values(session, "manual", rows) == len(rows)
    event.remove(engine, "before_cursor_execute", seen)
    with session_scope(engine) as session:
        stored = session.execute(
            select(Citation.citing_id, Citation.cited_id, Citation.relation).where(
                Citation.origin == "manual"
            )
        )
        assert {(a, b) for a, b, relation in stored if relation == "extends"} == {
            (a, b) for a, b, *_ in rows
        }
        # The walk reads the cited index: it finds what the edges say.
        graph = nx.DiGraph(session.execute(select(Citation.citing_id, Citation.cited_id)).all())
        reached = {r.paper_id for r in cdb.lineage_rows(session, 1, descendants=True)}
        assert reached == {1} | nx.ancestors(graph, 1)
    if sqlite:
        assert any(s.startswith("DROP INDEX") for s in statements)
        assert index_sql(engine) == before


@pytest.mark.sqlite_only(reason="only SQLite's indexes are set aside during a large insert")
def test_a_failed_large_insert_still_has_its_indexes(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    random_dag(engine, seed=3)
    sqlite = engine.dialect.name == "sqlite"
    before = index_sql(engine) if sqlite else set()
    monkeypatch.setattr(cdb, "REBUILD_INDEXES_FROM", 10)
    rows = [(a, b, "", "", False, None, None) for a, b in pairs(2000)]
    rows.append(rows[0])  # the same edge twice: the unique constraint refuses it
    with session_scope(engine, write=True) as session:
        with pytest.raises(IntegrityError):
            cdb.replace_edge_values(session, "manual", rows)
        if sqlite:
            found = session.execute(
                text("SELECT sql FROM sqlite_master WHERE tbl_name = 'citations'")
            )
            assert {sql for (sql,) in found if sql} == before
        session.rollback()
    with session_scope(engine) as session:
        manual = select(func.count()).select_from(Citation).where(Citation.origin == "manual")
        assert session.scalar(manual) == 0
