"""Benchmark: `survey query lineage` against a bare sqlite3 recursive CTE, same tables.

A deterministic citation DAG (preferential attachment: each new paper cites older
papers, picked in proportion to how often they are already cited, plus one) is written
into a fresh survey database. Then, in the same run:

- in process: `survey.graph.lineage.lineage` (the generation-by-generation walk + the paper
  details the command shows) for the most cited paper (descendants) and for the newest
  paper (ancestors), against the bare recursive CTE that only computes (paper,
  generation); issue 13's targets and floors are in bench/perf_lineage.py;
- end to end: `survey query lineage ... --format json` as a subprocess, and the share
  of it that is start-up (`survey --version`).

Usage: python bench/lineage.py [PAPERS] [EDGES_PER_PAPER]   (default 100000 10)
"""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from survey.db import open_database, session_scope
from survey.graph import lineage as walk

BARE = """
WITH RECURSIVE walk(paper_id, depth) AS (
    SELECT ?, 0
    UNION
    SELECT c.{next}, w.depth + 1 FROM citations c JOIN walk w ON c.{this} = w.paper_id
    WHERE w.depth < 1000
)
SELECT paper_id, MIN(depth) FROM walk GROUP BY paper_id
"""


def build(db: Path, papers: int, per_paper: int, seed: int = 2020) -> tuple[int, int, int]:
    """Write the DAG; returns (edges, most cited id, newest id)."""
    open_database(f"sqlite:///{db}")
    rng = random.Random(seed)
    targets: list[int] = []  # each paper once, plus once per citation it has received
    edges: list[tuple[int, int]] = []
    for paper in range(1, papers + 1):
        if targets:
            cited = {rng.choice(targets) for _ in range(min(per_paper, len(targets)))}
            for other in cited:
                edges.append((paper, other))
            targets.extend(cited)
        targets.append(paper)
    connection = sqlite3.connect(db)
    connection.executemany(
        "INSERT INTO papers (id, citekey, citekey_lower, entry_type, title, year, more_authors,"
        " fields, raw, search_text, content_hash) VALUES (?, ?, ?, 'article', ?, ?, 0, '{}',"
        " '', '', '')",
        [
            (i, f"p{i}", f"p{i}", f"Synthetic paper {i}", 1950 + i * 70 // papers)
            for i in range(1, papers + 1)
        ],
    )
    connection.executemany(
        "INSERT INTO citations (citing_id, cited_id, origin, relation, evidence, suspect)"
        " VALUES (?, ?, 'file', 'related', '', 0)",
        edges,
    )
    connection.commit()
    counts: dict[int, int] = {}
    for _, cited_id in edges:
        counts[cited_id] = counts.get(cited_id, 0) + 1
    top = max(sorted(counts), key=lambda k: counts[k])
    connection.close()
    return len(edges), top, papers


REPEATS = 3


def bare(db: Path, paper: int, descendants: bool) -> tuple[float, int]:
    """Best of REPEATS runs of the bare CTE on one connection (warm, like ours)."""
    this, next_ = ("cited_id", "citing_id") if descendants else ("citing_id", "cited_id")
    connection = sqlite3.connect(db)
    times, rows = [], []
    for _ in range(REPEATS):
        start = time.perf_counter()
        rows = connection.execute(BARE.format(this=this, next=next_), (paper,)).fetchall()
        times.append(time.perf_counter() - start)
    connection.close()
    return min(times), len(rows) - 1


def ours(db: Path, key: str, descendants: bool) -> tuple[float, float, int]:
    """(first run, best of REPEATS) of the lineage the command computes, in process."""
    engine = open_database(f"sqlite:///{db}")
    times, reached = [], 0
    for _ in range(REPEATS):
        with session_scope(engine) as session:
            start = time.perf_counter()
            result = walk.lineage(session, key, descendants=descendants)
            times.append(time.perf_counter() - start)
            reached = len(result["papers"])
    return times[0], min(times), reached


def cli(db: Path, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "survey", "--db", str(db), *args],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    papers = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    per_paper = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "dag.db"
        edges, top, newest = build(db, papers, per_paper)
        results: dict[str, Any] = {"papers": papers, "edges": edges}
        for name, paper, descendants in (("descendants", top, True), ("ancestors", newest, False)):
            bare_s, bare_n = bare(db, paper, descendants)
            first_s, ours_s, ours_n = ours(db, f"p{paper}", descendants)
            assert bare_n == ours_n, (bare_n, ours_n)
            flags = ["--descendants"] if descendants else []
            end_to_end = cli(db, "query", "lineage", f"p{paper}", *flags, "--format", "json")
            results[name] = {
                "paper": f"p{paper}",
                "reached": ours_n,
                "bare_cte_s": round(bare_s, 3),
                "lineage_first_run_s": round(first_s, 3),
                "lineage_s": round(ours_s, 3),
                "ratio": round(ours_s / bare_s, 2),
                "cli_s": round(end_to_end, 3),
            }
        startup = cli(db, "--version")
        results["cli_startup_s"] = round(startup, 3)
        for name in ("descendants", "ancestors"):
            results[name]["startup_share"] = round(startup / results[name]["cli_s"], 2)
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
