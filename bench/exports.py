"""Benchmark: GraphML export against networkx.write_graphml, and report generation.

On the synthetic citation DAG of bench/lineage.py (default 100k papers, ~1M edges):

- `survey export graphml` work in process (reading the database, PageRank, writing)
  against `networkx.write_graphml` of the same graph, built beforehand with the same
  attributes (not timed) -- target <= 1.3x;
- the Markdown report for a 10k-paper database whose papers are filed under 20 sections.

Usage: python bench/exports.py [PAPERS] [REPORT_PAPERS]
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.lineage import build
from survey.db import open_database, session_scope
from survey.export import collect
from survey.export.graphml import NODE_KEYS, node_values, write_graphml
from survey.report import build_report, render_markdown


def add_taxonomy(db: Path, papers: int, sections: int = 20) -> None:
    connection = sqlite3.connect(db)
    connection.execute(
        "INSERT INTO taxonomy_nodes (id, path, slug, label, parent_id, level, position, flag,"
        " description) VALUES (1, 'all', 'all', 'All', NULL, 1, 1, 'normal', '')"
    )
    connection.executemany(
        "INSERT INTO taxonomy_nodes (id, path, slug, label, parent_id, level, position, flag,"
        " description) VALUES (?, ?, ?, ?, 1, 2, ?, 'normal', '')",
        [(i + 2, f"all/s{i}", f"s{i}", f"Section {i}", i + 1) for i in range(sections)],
    )
    connection.executemany(
        "INSERT INTO tags (paper_id, node_id, provenance, annotation) VALUES (?, ?, 'curated', '')",
        [(p, 2 + p % sections) for p in range(1, papers + 1)],
    )
    connection.commit()
    connection.close()


def main() -> None:
    papers = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    report_papers = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "dag.db"
        edges, _, _ = build(db, papers, 10)
        engine = open_database(f"sqlite:///{db}")

        start = time.perf_counter()
        with session_scope(engine) as session:
            data = collect.export_data(session)
        write_graphml(data, Path(tmp) / "ours.graphml")
        ours = time.perf_counter() - start

        graph = nx.DiGraph()
        for paper in data["papers"]:
            values = node_values(paper)
            graph.add_node(
                paper["key"], **{k: values[k] for k, _ in NODE_KEYS if values[k] not in (None, "")}
            )
        for edge in data["edges"]:
            graph.add_edge(
                edge["citing"],
                edge["cited"],
                weight=1.0,
                relation=edge["relation"],
                source=edge["origin"],
            )
        start = time.perf_counter()
        nx.write_graphml(graph, Path(tmp) / "networkx.graphml")
        baseline = time.perf_counter() - start
        results["graphml"] = {
            "papers": papers,
            "edges": edges,
            "survey_export_s": round(ours, 2),
            "networkx_write_graphml_s": round(baseline, 2),
            "ratio": round(ours / baseline, 2),
        }

        small = Path(tmp) / "small.db"
        build(small, report_papers, 10)
        add_taxonomy(small, report_papers)
        engine = open_database(f"sqlite:///{small}")
        start = time.perf_counter()
        with session_scope(engine) as session:
            text = render_markdown(build_report(session))
        results["report"] = {
            "papers": report_papers,
            "seconds": round(time.perf_counter() - start, 2),
            "lines": text.count("\n"),
        }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
