"""Benchmark of issue 28: `survey query clusters` and `survey suggest` at 100,000 papers
and about a million citations, against the bare community detection and networkx.

A deterministic corpus is written into a fresh survey database: PAPERS papers in TOPICS
top-level sections of two subsections each; each paper cites up to EDGES_PER_PAPER older
papers, picked in proportion to how often they are already cited plus one, from its own
topic with probability 0.85 and from any topic otherwise. One paper in a hundred is
filed under a wrong topic (planted misfilings). Titles carry their topic's word, so the
cluster labels can be checked by eye.

Then, each in a fresh child process, on the same database in the same run:

- bare: the weighted graph (citations, coupling, co-citation) is built from the edge
  list read with bare sqlite3, untimed; then only the Leiden call is timed, on that graph
  (the target's baseline) and, for scale, on the plain citation graph;
- networkx: the papers and citations read with bare sqlite3 into a networkx DiGraph
  (time and peak memory: the memory baseline);
- clusters / suggest: `survey.graph.clusters.clusters` and `survey.review.suggest.suggest`
  in process, from the database to their finished result (time and peak memory); the
  libraries (igraph, scikit-learn, survey's modules) imported before the clock, as in the
  bare child, their import time reported apart.

Peak memory is the child's peak resident set size (ru_maxrss), interpreter included.
Targets: each of clusters and suggest <= 2x the bare Leiden on the weighted graph, and
peak memory <= 1.0x the networkx child's.

Usage: python bench/suggest.py [PAPERS] [EDGES_PER_PAPER]   (default 100000 10)
"""

from __future__ import annotations

import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TOPICS = 20
WORDS = [
    "adversarial", "contrastive", "attention", "graph", "reinforcement", "diffusion",
    "segmentation", "retrieval", "detection", "translation", "parsing", "tracking",
    "compression", "federated", "quantum", "robotic", "speech", "recommendation",
    "causal", "bayesian",
]  # fmt: skip
TARGETS = {"time_vs_leiden": 2.0, "memory_vs_networkx": 1.0}


def build(db: Path, papers: int, per_paper: int, seed: int = 2020) -> dict[str, object]:
    """Write the corpus; returns its counts and the planted misfilings (key -> topic)."""
    from survey.db import open_database

    open_database(f"sqlite:///{db}")
    rng = random.Random(seed)
    topic_of = [rng.randrange(TOPICS) for _ in range(papers)]
    pools: list[list[int]] = [[] for _ in range(TOPICS)]
    everyone: list[int] = []
    edges: list[tuple[int, int]] = []
    for paper in range(papers):
        own = pools[topic_of[paper]]
        cited: set[int] = set()
        for _ in range(per_paper):
            pool = own if own and rng.random() < 0.85 else everyone
            if pool:
                cited.add(rng.choice(pool))
        for other in sorted(cited):
            edges.append((paper + 1, other + 1))
            pools[topic_of[other]].append(other)
            everyone.append(other)
        own.append(paper)
        everyone.append(paper)
    connection = sqlite3.connect(db)
    connection.executemany(
        "INSERT INTO papers (id, citekey, citekey_lower, entry_type, title, year, more_authors,"
        " fields, raw, search_text, content_hash) VALUES (?, ?, ?, 'article', ?, ?, 0, '{}',"
        " '', '', '')",
        [
            (
                i + 1,
                f"p{i + 1}",
                f"p{i + 1}",
                f"{WORDS[topic_of[i]]} methods {i}",
                1950 + i * 70 // papers,
            )
            for i in range(papers)
        ],
    )
    connection.executemany(
        "INSERT INTO citations (citing_id, cited_id, origin, relation, evidence, suspect)"
        " VALUES (?, ?, 'file', 'related', '', 0)",
        edges,
    )
    nodes = []
    for topic in range(TOPICS):
        top = len(nodes) + 1
        nodes.append((top, f"t{topic:02d}", f"t{topic:02d}", WORDS[topic], None, 1, topic))
        for sub in range(2):
            path = f"t{topic:02d}/s{sub}"
            nodes.append((len(nodes) + 1, path, f"s{sub}", f"{WORDS[topic]} {sub}", top, 2, sub))
    connection.executemany(
        "INSERT INTO taxonomy_nodes (id, path, slug, label, parent_id, level, position, flag,"
        " description) VALUES (?, ?, ?, ?, ?, ?, ?, '', '')",
        nodes,
    )
    node_id = {path: i for i, path, *_ in nodes}
    planted: dict[str, str] = {}
    tags = []
    for i in range(papers):
        topic = topic_of[i]
        if rng.random() < 0.01:
            planted[f"p{i + 1}"] = f"t{topic:02d}"
            topic = (topic + 1 + rng.randrange(TOPICS - 1)) % TOPICS
        tags.append((i + 1, node_id[f"t{topic:02d}/s{i % 2}"]))
    connection.executemany(
        "INSERT INTO tags (paper_id, node_id, provenance, annotation) VALUES (?, ?, 'curated', '')",
        tags,
    )
    connection.commit()
    connection.close()
    return {"papers": papers, "edges": len(edges), "planted": planted}


def _edges(db: Path) -> tuple[int, list[int], list[int]]:
    connection = sqlite3.connect(db)
    keys = sorted(connection.execute("SELECT id, citekey FROM papers"), key=lambda r: r[1])
    node = {i: n for n, (i, _) in enumerate(keys)}
    pairs = sorted(
        (node[a], node[b])
        for a, b in connection.execute("SELECT DISTINCT citing_id, cited_id FROM citations")
    )
    connection.close()
    return len(keys), [a for a, _ in pairs], [b for _, b in pairs]


def child(kind: str, db: Path) -> dict[str, object]:
    """One measurement, run in this (fresh) process."""
    result: dict[str, object] = {}
    if kind == "bare":
        # Imported before the clock starts: the floor is bare.
        import igraph
        import numpy as np
        import scipy.sparse as sp

        from survey.graph.clusters import weigh
        from survey.graph.communities import leiden

        nodes, citing, cited = _edges(db)
        cites, weights = weigh(nodes, citing, cited)
        upper = sp.triu(weights, k=1).tocoo()
        start = time.perf_counter()
        leiden(nodes, upper.row, upper.col, upper.data)
        result["leiden_weighted"] = time.perf_counter() - start
        result["weighted_pairs"] = int(upper.nnz)
        plain = sp.triu(cites + cites.T, k=1).tocoo()
        start = time.perf_counter()
        leiden(nodes, plain.row, plain.col, np.ones(plain.nnz))
        result["leiden_citations"] = time.perf_counter() - start
    elif kind == "networkx":
        import networkx as nx

        start = time.perf_counter()
        connection = sqlite3.connect(db)
        graph = nx.DiGraph()
        graph.add_nodes_from(k for (k,) in connection.execute("SELECT citekey FROM papers"))
        keys = dict(connection.execute("SELECT id, citekey FROM papers"))
        graph.add_edges_from(
            (keys[a], keys[b])
            for a, b in connection.execute("SELECT citing_id, cited_id FROM citations")
        )
        result["seconds"] = time.perf_counter() - start
        result["edges"] = graph.number_of_edges()
    else:
        # The libraries are imported before the clock, as in the bare child (a fixed
        # cost, whatever the size of the survey; measured apart).
        start = time.perf_counter()
        import igraph  # noqa: F401
        import sklearn.feature_extraction.text  # noqa: F401
        import sklearn.metrics  # noqa: F401

        from survey.db import open_database, session_scope
        from survey.graph.clusters import clusters
        from survey.review.suggest import suggest

        result["imports"] = time.perf_counter() - start
        engine = open_database(f"sqlite:///{db}")
        with session_scope(engine) as session:
            start = time.perf_counter()
            if kind == "clusters":
                found = clusters(session)
                result["clusters"] = len(found["clusters"])
                result["agreement"] = found["agreement"]
                result["labels"] = [c["label"][:2] for c in found["clusters"][:5]]
            else:
                suggestions = suggest(session)
                result["flagged"] = {s["citekey"]: s["suggested"] for s in suggestions.suggestions}
                result["sections_flagged"] = len(suggestions.sections)
            result["seconds"] = time.perf_counter() - start
    result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def run_child(kind: str, db: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(db)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(sys.argv[2], Path(sys.argv[3]))))
        return
    papers = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    per_paper = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "suggest.db"
        start = time.perf_counter()
        corpus = build(db, papers, per_paper)
        print(
            f"corpus: {papers:,} papers, {corpus['edges']:,} citations "
            f"({time.perf_counter() - start:.1f} s to write)"
        )
        bare = run_child("bare", db)
        networkx = run_child("networkx", db)
        clusters = run_child("clusters", db)
        suggested = run_child("suggest", db)
    planted = corpus["planted"]
    assert isinstance(planted, dict)
    flagged = suggested["flagged"]
    assert isinstance(flagged, dict)
    right = sum(1 for k, topic in planted.items() if str(flagged.get(k, "")).split("/")[0] == topic)
    false = sum(1 for k in flagged if k not in planted)
    leiden_time = float(bare["leiden_weighted"])  # type: ignore[arg-type]
    nx_peak = float(networkx["peak_mib"])  # type: ignore[arg-type]
    rows = [
        (
            "bare Leiden, weighted graph",
            f"{leiden_time:.2f} s",
            f"{bare['weighted_pairs']:,} pairs",
        ),
        ("bare Leiden, citation graph", f"{float(bare['leiden_citations']):.2f} s", ""),  # type: ignore[arg-type]
        ("networkx load", f"{float(networkx['seconds']):.2f} s", f"peak {nx_peak:.0f} MiB"),  # type: ignore[arg-type]
    ]
    for name, found in (("clusters", clusters), ("suggest", suggested)):
        seconds, peak = float(found["seconds"]), float(found["peak_mib"])  # type: ignore[arg-type]
        rows.append(
            (
                name,
                f"{seconds:.2f} s = {seconds / leiden_time:.2f}x Leiden "
                f"(target <= {TARGETS['time_vs_leiden']}x)",
                f"peak {peak:.0f} MiB = {peak / nx_peak:.2f}x networkx "
                f"(target <= {TARGETS['memory_vs_networkx']}x)",
            )
        )
    for row in rows:
        print(" | ".join(row))
    print(
        f"clusters: {clusters['clusters']}, AMI with the sections {clusters['agreement']}, "
        f"labels {clusters['labels']}"
    )
    print(
        f"planted misfilings: {len(planted)}, flagged with the right topic {right} "
        f"({right / max(len(planted), 1):.1%}); other papers flagged {false}; "
        f"sections flagged {suggested['sections_flagged']}"
    )


if __name__ == "__main__":
    main()
