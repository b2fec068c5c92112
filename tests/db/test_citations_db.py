"""Citation edges in the database: recursive SQL lineage agrees with the graph layer."""

from __future__ import annotations

import random

import networkx as nx
import pytest
from sqlalchemy import Engine

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
