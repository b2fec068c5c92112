"""Benchmark rows of issue 13 for lineage: now vs target, baselines from the same run.

On bench/lineage.py's deterministic citation DAG (100,000 papers, about 970,000 edges;
`quick`: 20,000 papers), in process and on the same SQLite file:

- heavy question: the descendants of the most cited paper through `survey.graph.lineage.lineage`
  (what `survey query lineage KEY --descendants` computes: generation, via link and its
  relation, key, year, title and short name of every paper) against a floor: reading the
  edge list with bare `sqlite3` and walking it with `scipy.sparse.csgraph.breadth_first_order`.
  Targets: <= 2x the floor and <= 1.5 s;
- light question: the ancestors of the newest paper through the same function against
  the bare recursive CTE (each (paper, depth) once, then the smallest depth per paper).
  Target: <= 1.3x.

Each figure is the best of several warm runs (3 heavy, 30 light); both sides must reach
the same set of papers.

Usage: python bench/perf_lineage.py [--quick]
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.lineage import BARE, build  # noqa: E402

if TYPE_CHECKING:
    from sqlalchemy import Engine

TARGETS = {"heavy_vs_floor": 2.0, "heavy_seconds": 1.5, "light_vs_cte": 1.3}
REPEATS = 3
# A light question takes milliseconds: more runs, so a burst of load on the machine
# does not decide the ratio.
LIGHT_REPEATS = 30

T = TypeVar("T")


def best_of(work: Callable[[], T], repeats: int = REPEATS) -> tuple[float, T]:
    """(best seconds, last result) of `repeats` runs of `work`."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    assert result is not None
    return min(times), result


def floor_descendants(db: Path, paper: int) -> set[int]:
    """Every paper that reaches `paper` through citations: the bare edge read plus a
    breadth-first order on a CSR matrix of cited -> citing."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import breadth_first_order

    connection = sqlite3.connect(db)
    try:
        rows = connection.execute("SELECT cited_id, citing_id FROM citations").fetchall()
        size = connection.execute("SELECT MAX(id) FROM papers").fetchone()[0] + 1
    finally:
        connection.close()
    edges = np.array(rows, dtype=np.int64)
    matrix = csr_matrix(
        (np.ones(len(edges), dtype=np.int8), (edges[:, 0], edges[:, 1])), shape=(size, size)
    )
    order = breadth_first_order(matrix, paper, directed=True, return_predecessors=False)
    return {int(i) for i in order} - {paper}


def bare_ancestors(db: Path, paper: int) -> set[int]:
    """The bare recursive CTE over citing -> cited."""
    connection = sqlite3.connect(db)
    try:
        query = BARE.format(this="citing_id", next="cited_id")
        return {row[0] for row in connection.execute(query, (paper,))} - {paper}
    finally:
        connection.close()


def ours(engine: Engine, paper: int, descendants: bool) -> set[int]:
    """The lineage `survey query lineage` computes, in a session of its own on an open
    database (opening it is start-up, the CLI rows' business); the reached paper ids."""
    from survey.db import session_scope
    from survey.graph import lineage as walk

    with session_scope(engine) as session:
        result = walk.lineage(session, f"p{paper}", descendants=descendants)
    return {int(step["key"][1:]) for step in result["papers"]}


def _row(what: str, now: str, target: str, ratio: float, met: bool) -> dict[str, object]:
    return {"what": what, "now": now, "target": target, "ratio": round(ratio, 2), "met": met}


def measure(quick: bool = False) -> list[dict[str, object]]:
    """The two lineage rows of issue 13's table, measured now."""
    papers = 20_000 if quick else 100_000
    with tempfile.TemporaryDirectory(prefix="survey-perf-lineage-") as tmp:
        db = Path(tmp) / "dag.db"
        edges, top, newest = build(db, papers, 10)
        from survey.db import open_database

        engine = open_database(f"sqlite:///{db}")
        floor_s, floor_set = best_of(lambda: floor_descendants(db, top))
        heavy_s, heavy_set = best_of(lambda: ours(engine, top, True))
        if heavy_set != floor_set:
            raise SystemExit("lineage and the floor reached different papers")
        cte_s, cte_set = best_of(lambda: bare_ancestors(db, newest), LIGHT_REPEATS)
        light_s, light_set = best_of(lambda: ours(engine, newest, False), LIGHT_REPEATS)
        engine.dispose()
        if light_set != cte_set:
            raise SystemExit("lineage and the bare CTE reached different papers")
    heavy_ratio = heavy_s / floor_s
    light_ratio = light_s / cte_s
    graph = f"{papers:,} papers, {edges:,} edges"
    return [
        _row(
            f"lineage, descendants of the most cited ({len(heavy_set):,} reached; {graph})",
            f"{heavy_s:.2f} s vs floor {floor_s:.2f} s",
            f"<= {TARGETS['heavy_vs_floor']:.1f}x the floor and <= {TARGETS['heavy_seconds']} s",
            heavy_ratio,
            heavy_ratio <= TARGETS["heavy_vs_floor"] and heavy_s <= TARGETS["heavy_seconds"],
        ),
        _row(
            f"lineage, ancestors of the newest ({len(light_set):,} reached)",
            f"{light_s * 1000:.1f} ms vs bare CTE {cte_s * 1000:.1f} ms",
            f"<= {TARGETS['light_vs_cte']:.1f}x the bare CTE",
            light_ratio,
            light_ratio <= TARGETS["light_vs_cte"],
        ),
    ]


def main() -> None:
    for row in measure(quick="--quick" in sys.argv[1:]):
        verdict = "met" if row["met"] else "NOT met"
        print(f"{row['what']}\n  now:    {row['now']} ({row['ratio']:.2f}x)")
        print(f"  target: {row['target']} -> {verdict}")


if __name__ == "__main__":
    main()
