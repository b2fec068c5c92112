"""Lineage as a walk that reaches each paper once: long chains to the end, cycles, depth
bounds, and the generations and links of random graphs against NetworkX's BFS."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import networkx as nx
import pytest
from helpers import Cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, func, insert, select, text

from survey.db import citations as cdb
from survey.db import session_scope
from survey.db.models import Citation, Paper, Tag, TaxonomyNode
from survey.graph import lineage as walk

CHAIN = 10_000
ORIGINS = ("bib-field", "file", "manual")
RELATIONS = ("", "extends", "baseline", "related")
MAX_PAPERS = 30


def key(paper_id: int) -> str:
    return f"p{paper_id:05d}"


def store_papers(engine: Engine, papers: int) -> None:
    """Papers 1..papers (keys p00001..), written directly (no search index: these tests
    never search, and never delete a paper)."""
    with session_scope(engine, write=True) as session:
        session.execute(
            insert(Paper),
            [
                {
                    "id": i,
                    "citekey": key(i),
                    "citekey_lower": key(i),
                    "entry_type": "article",
                    "title": f"Paper {i}",
                    "year": 2000,
                    "fields": {},
                    "raw": "",
                    "search_text": key(i),
                    "content_hash": "",
                    "more_authors": False,
                }
                for i in range(1, papers + 1)
            ],
        )


def store_edges(
    engine: Engine, edges: Iterable[tuple[int, int, str, str]], section: Iterable[int] = ()
) -> None:
    """In place of any before: edges (citing, cited, origin, relation), their ids in the
    order given, and the papers of `section` tagged in the taxonomy node "inside"."""
    with session_scope(engine, write=True) as session:
        for model in (Tag, TaxonomyNode, Citation):
            session.execute(delete(model))
        rows = [
            {"citing_id": a, "cited_id": b, "origin": o, "relation": r, "evidence": ""}
            for a, b, o, r in edges
        ]
        for start in range(0, len(rows), 5000):
            session.execute(insert(Citation), rows[start : start + 5000])
        members = sorted(set(section))
        if members:
            node = {"id": 1, "path": "inside", "slug": "inside", "label": "Inside"}
            session.execute(insert(TaxonomyNode), [{**node, "level": 1, "position": 1, "flag": ""}])
            session.execute(
                insert(Tag),
                [{"paper_id": i, "node_id": 1, "provenance": "manual"} for i in members],
            )


@pytest.fixture
def chain(engine: Engine) -> Engine:
    """p10000 cites p09999 cites ... cites p00001: 9,999 generations deep."""
    store_papers(engine, CHAIN)
    store_edges(engine, [(i, i - 1, "file", "extends") for i in range(2, CHAIN + 1)])
    return engine


def test_a_ten_thousand_paper_chain_is_walked_to_the_end(chain: Engine) -> None:
    with session_scope(chain) as session:
        back = walk.lineage(session, key(CHAIN))
        forward = walk.lineage(session, key(1), descendants=True)
        bounded = walk.lineage(session, key(CHAIN), depth=5000)
        beyond = walk.lineage(session, key(CHAIN), depth=20_000)
    assert len(back["papers"]) == CHAIN - 1
    assert back["papers"][-1] == {
        "key": key(1),
        "year": 2000,
        "short": "",
        "title": "Paper 1",
        "generation": CHAIN - 1,
        "via": key(2),
        "relation": "extends",
    }
    assert [p["generation"] for p in forward["papers"]] == list(range(1, CHAIN))
    assert [p["key"] for p in forward["papers"]] == [key(i) for i in range(2, CHAIN + 1)]
    assert [p["generation"] for p in bounded["papers"]] == list(range(1, 5001))
    assert bounded["papers"][-1]["key"] == key(CHAIN - 5000)
    assert beyond["papers"] == back["papers"]


def test_query_path_finds_a_ten_thousand_step_chain(chain: Engine, cli: Cli) -> None:
    result = cli("query", "path", key(CHAIN), key(1), "--format", "json")
    assert result.exit_code == 0, result.stderr
    paths = json.loads(result.stdout)["paths"]
    assert [[p["citekey"] for p in route] for route in paths] == [
        [key(i) for i in range(CHAIN, 0, -1)]
    ]
    table = cli("query", "path", key(CHAIN), key(1))
    assert "path 1 (9999 steps)" in table.stdout and "no path" not in table.stdout
    # Against the direction of citation there is none, and it says so.
    assert "no path" in cli("query", "path", key(1), key(CHAIN)).stdout


def test_lineage_depth_through_the_command(chain: Engine, cli: Cli) -> None:
    deep = cli("query", "lineage", key(CHAIN), "--depth", "5000", "--format", "csv")
    assert deep.exit_code == 0, deep.stderr
    lines = deep.stdout.splitlines()
    assert lines[0] == "generation,citekey,year,short,title,via,relation"
    assert len(lines) == 5001
    last = CHAIN - 5000
    assert lines[-1] == f"5000,{key(last)},2000,,Paper {last},{key(last + 1)},extends"
    one = cli("query", "lineage", key(5000), "--descendants", "--depth", "1", "-f", "json")
    assert [p["citekey"] for p in json.loads(one.stdout)["papers"]] == [key(5001)]
    for bad in ("0", "-3"):
        refused = cli("query", "lineage", key(CHAIN), "--depth", bad)
        assert refused.exit_code == 2 and "--depth" in refused.stderr


def test_cycles_of_manual_edges_end_the_walk(cli: Cli, tmp_path: Path) -> None:
    bib = tmp_path / "ring.bib"
    bib.write_text(
        "".join(f"@article{{r{i}, title = {{Ring {i}}}, year = 2000}}\n" for i in range(5))
    )
    assert cli("load", bib).exit_code == 0
    for citing, cited in (("r0", "r1"), ("r1", "r2"), ("r2", "r3"), ("r3", "r0"), ("r2", "r4")):
        added = cli("cite", "add", citing, cited, "--relation", "extends")
        assert added.exit_code == 0, added.stderr
    back = json.loads(cli("query", "lineage", "r1", "-f", "json").stdout)["papers"]
    assert [(p["citekey"], p["generation"], p["via"]) for p in back] == [
        ("r2", 1, "r1"),
        ("r3", 2, "r2"),
        ("r4", 2, "r2"),
        ("r0", 3, "r3"),
    ]
    forward = json.loads(cli("query", "lineage", "r0", "--descendants", "-f", "json").stdout)
    assert [(p["citekey"], p["generation"]) for p in forward["papers"]] == [
        ("r3", 1),
        ("r2", 2),
        ("r1", 3),
    ]
    shown = cli("query", "lineage", "r0")
    assert shown.exit_code == 0 and "4 ancestors" in shown.stdout
    route = json.loads(cli("query", "path", "r3", "r2", "-f", "json").stdout)["paths"]
    assert [[p["citekey"] for p in r] for r in route] == [["r3", "r0", "r1", "r2"]]


def test_the_walk_leaves_no_temporary_table(chain: Engine) -> None:
    temporary = (
        "SELECT name FROM sqlite_temp_master WHERE type = 'table'"
        if chain.dialect.name == "sqlite"
        else "SELECT relname FROM pg_class WHERE relpersistence = 't' AND relkind = 'r'"
    )
    with session_scope(chain) as session:
        rows = cdb.lineage_rows(session, 1, descendants=True, depth=3)
        assert [r.paper_id for r in rows] == [1, 2, 3, 4]
        assert len(cdb.reached_generations(session, CHAIN)) == CHAIN
        assert session.execute(text(temporary)).all() == []


def papers_stored(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(Paper)) or 0)


def test_ties_take_the_smallest_paper_and_the_first_edge(engine: Engine) -> None:
    """p1 cites p2..p4, which all cite p5: p5 is reached via p2, with the relation of the
    first edge stored between p2 and p5 (origin file, stored before the bib-field one)."""
    store_papers(engine, 5)
    edges = [(1, 4, "file", ""), (1, 3, "file", ""), (1, 2, "file", "")]
    edges += [(4, 5, "file", "extends"), (3, 5, "file", "uses-dataset")]
    edges += [(2, 5, "file", "baseline"), (2, 5, "bib-field", "related")]
    store_edges(engine, edges)
    with session_scope(engine) as session:
        back = walk.lineage(session, key(1))["papers"]
        forward = walk.lineage(session, key(5), descendants=True)["papers"]
    assert [(p["key"], p["via"], p["relation"]) for p in back] == [
        (key(2), key(1), ""),
        (key(3), key(1), ""),
        (key(4), key(1), ""),
        (key(5), key(2), "baseline"),
    ]
    assert [(p["key"], p["via"], p["relation"]) for p in forward][-1] == (key(1), key(2), "")


@st.composite
def graphs(draw: st.DrawFn) -> tuple[int, list[tuple[int, int, str, str]], bool]:
    """A random citation graph: a DAG (edges to older papers only) or any digraph
    (cycles allowed), with repeated links of several origins and relations."""
    papers = draw(st.integers(min_value=1, max_value=MAX_PAPERS))
    acyclic = draw(st.booleans())
    pair = st.tuples(
        st.integers(min_value=1, max_value=papers), st.integers(min_value=1, max_value=papers)
    )
    # About two to five links a paper: dense enough for papers reached several ways.
    links = draw(st.lists(pair, min_size=papers, max_size=papers * 5))
    edges: list[tuple[int, int, str, str]] = []
    seen: set[tuple[int, int, str]] = set()
    for citing, cited in links:
        if citing == cited or (acyclic and citing < cited):
            continue
        origin = draw(st.sampled_from(ORIGINS))
        if (citing, cited, origin) not in seen:
            seen.add((citing, cited, origin))
            edges.append((citing, cited, origin, draw(st.sampled_from(RELATIONS))))
    return papers, edges, acyclic


def expected_walk(
    papers: int,
    edges: list[tuple[int, int, str, str]],
    root: int,
    descendants: bool,
    depth: int | None,
    section: set[int] | None,
) -> dict[int, tuple[int, int | None, str]]:
    """Paper -> (generation, via, relation) from NetworkX's BFS: via the smallest paper of
    the generation before linked to it, the relation of the first edge stored for them."""
    graph = nx.DiGraph()
    graph.add_nodes_from(range(1, papers + 1))
    first: dict[tuple[int, int], str] = {}
    for citing, cited, _, relation in edges:
        graph.add_edge(citing, cited)
        first.setdefault((citing, cited), relation)
    walked = graph.reverse(copy=True) if descendants else graph
    if section is not None:
        walked = walked.subgraph(section | {root})
    generations = nx.single_source_shortest_path_length(walked, root, cutoff=depth)
    found: dict[int, tuple[int, int | None, str]] = {root: (0, None, "")}
    for paper, generation in generations.items():
        if generation == 0:
            continue
        via = min(p for p in walked.predecessors(paper) if generations.get(p) == generation - 1)
        link = (paper, via) if descendants else (via, paper)
        found[paper] = (generation, via, first[link])
    return found


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    graph=graphs(),
    data=st.data(),
    descendants=st.booleans(),
    depth=st.one_of(st.none(), st.integers(min_value=1, max_value=6)),
)
def test_walk_matches_networkx_bfs(
    engine: Engine,
    graph: tuple[int, list[tuple[int, int, str, str]], bool],
    data: st.DataObject,
    descendants: bool,
    depth: int | None,
) -> None:
    papers, edges, _ = graph
    root = data.draw(st.integers(min_value=1, max_value=papers), label="root")
    section = data.draw(
        st.one_of(st.none(), st.sets(st.integers(min_value=1, max_value=papers))),
        label="section",
    )
    if papers_stored(engine) == 0:
        store_papers(engine, MAX_PAPERS)  # once: the papers a graph does not use stay alone
    store_edges(engine, edges, section or ())
    within = "inside" if section else None
    with session_scope(engine) as session:
        rows = cdb.lineage_rows(session, root, descendants=descendants, depth=depth, within=within)
        generations = cdb.reached_generations(session, root, descendants=descendants, depth=depth)
    got = {r.paper_id: (r.generation, r.via_id, r.relation) for r in rows}
    expected = expected_walk(papers, edges, root, descendants, depth, section or None)
    assert got == expected
    assert [(r.generation, r.paper_id) for r in rows] == sorted(
        (g, p) for p, (g, _, _) in expected.items()
    )
    assert all(r.citekey == key(r.paper_id) and r.title == f"Paper {r.paper_id}" for r in rows)
    unbounded = expected_walk(papers, edges, root, descendants, depth, None)
    assert generations == {p: g for p, (g, _, _) in unbounded.items()}
