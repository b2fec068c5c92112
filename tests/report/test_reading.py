"""What the report reads (survey.report.reading, survey.db.report_rows): the papers and
citations once as rows and arrays, and their grouping per section in one pass, against
what the exports' data (survey.export.collect) and the graph layer say of the same
survey."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import REPO
from helpers import hostile_survey
from sqlalchemy import Engine

from survey.db import session_scope
from survey.db import taxonomy as tx
from survey.db.report_rows import report_papers
from survey.export import collect
from survey.graph import analysis
from survey.graph import network as g
from survey.ingest.folder import build_survey
from survey.naming import paper_label
from survey.report.reading import SurveyGraph, group_by_section, read_graph

BIB = (
    "@article{zeta2015, author = {Zed Z and Amy A}, title = {Zeta}, journal = {J},"
    " year = 2015, doi = {10.1000/zeta}}\n"
    "@article{Alpha2020, author = {Ann A}, title = {Alpha}, journal = {J}, year = 2020,"
    " cites = {beta2019, zeta2015}}\n"
    "@inproceedings{beta2019, author = {Bob B}, title = {Beta}, booktitle = {CVPR},"
    " year = 2019}\n"
    "@misc{gamma2010, title = {Gamma}, year = 2010, eprint = {1001.00001},"
    " archiveprefix = {arXiv}}\n"
    "@phdthesis{delta2000, author = {Dee D}, title = {Delta}, school = {Uni}, year = 2000,"
    " journal = {  }}\n"
)
EDGES = (
    "citing,cited,relation,evidence\n"
    "Alpha2020,beta2019,extends,sec 2\n"
    "gamma2010,beta2019,,\n"
    "beta2019,zeta2015,uses-dataset,\n"
    "zeta2015,gamma2010,,\n"
)
NOTES = (
    "# Old\n\n- [@gamma2010]\n- [@zeta2015]\n\n## Older\n\n- [@delta2000]\n\n"
    "# New\n\n- [@Alpha2020]\n- [@beta2019]\n- [@zeta2015]\n"
)


def _small(folder: Path) -> Path:
    folder.mkdir()
    (folder / "refs.bib").write_text(BIB, encoding="utf-8")
    (folder / "cites.csv").write_text(EDGES, encoding="utf-8")
    (folder / "notes.md").write_text(NOTES, encoding="utf-8")
    (folder / "survey.toml").write_text(
        'title = "Reads"\nbibliography = ["refs.bib"]\nnotes = "notes.md"\n'
        'citations = ["cites.csv"]\n'
    )
    return folder


def _built(engine: Engine, folder: Path) -> Engine:
    with session_scope(engine, write=True) as session:
        build_survey(session, folder)
    return engine


@pytest.fixture
def small(engine: Engine, tmp_path: Path) -> Engine:
    return _built(engine, _small(tmp_path / "survey"))


def _pairs(graph: SurveyGraph, pairs: np.ndarray) -> list[tuple[str, str]]:
    return [
        (graph.papers[graph.citing[p]].key, graph.papers[graph.cited[p]].key)
        for p in pairs.tolist()
    ]


def test_one_citation_per_pair_with_its_relation_and_every_origin(small: Engine) -> None:
    with session_scope(small) as session:
        graph = read_graph(session)
    assert [p.key for p in graph.papers] == [
        "Alpha2020",
        "beta2019",
        "delta2000",
        "gamma2010",
        "zeta2015",
    ]
    every = np.arange(graph.citing.size)
    assert _pairs(graph, every) == [
        ("Alpha2020", "beta2019"),
        ("Alpha2020", "zeta2015"),
        ("beta2019", "zeta2015"),
        ("gamma2010", "beta2019"),
        ("zeta2015", "gamma2010"),
    ]
    # The cites field gives Alpha2020 -> beta2019 no relation, the file `extends`.
    assert [graph.relation_names[r] for r in graph.relation.tolist()] == [
        "extends",
        "",
        "uses-dataset",
        "",
        "",
    ]
    assert graph.origins(0) == ["bib-field", "file"]
    assert graph.origins(1) == ["bib-field"]
    assert graph.origin_counts(every) == {"bib-field": 2, "file": 4}
    assert graph.origin_counts(every[:1]) == {"bib-field": 1, "file": 1}
    assert graph.origin_counts(every[2:]) == {"file": 3}
    assert graph.origin_counts(every[:0]) == {}


def test_kept_papers_and_the_citations_among_them(small: Engine) -> None:
    with session_scope(small) as session:
        graph = read_graph(session)
        _, new = tx.section_scope(session, "New")
    assert graph.kept(None).all()
    kept = graph.kept(new)
    assert [p.key for p, k in zip(graph.papers, kept.tolist(), strict=True) if k] == [
        "Alpha2020",
        "beta2019",
        "zeta2015",
    ]
    assert _pairs(graph, graph.pairs_among(kept)) == [
        ("Alpha2020", "beta2019"),
        ("Alpha2020", "zeta2015"),
        ("beta2019", "zeta2015"),
    ]


def test_papers_read_as_the_report_shows_them(small: Engine) -> None:
    with session_scope(small) as session:
        rows = {p.key: p for p in report_papers(session)}
    with session_scope(small) as session:
        assert [p.id for p in report_papers(session)] == sorted(p.id for p in rows.values())
    assert rows["zeta2015"].first_author == "Z" and rows["zeta2015"].identified
    assert rows["gamma2010"].first_author is None and rows["gamma2010"].identified
    assert not rows["beta2019"].identified
    assert rows["Alpha2020"].published_in and rows["beta2019"].published_in
    # A thesis's school is no venue, nor is a blank journal field.
    assert not rows["delta2000"].published_in and not rows["gamma2010"].published_in


def _folder(survey: str, tmp_path: Path) -> Path:
    """The survey folder of a parametrised test: the bundled one, or one written now."""
    if survey == "valse2020":
        return REPO / "data" / "valse2020"
    if survey == "hostile":
        return hostile_survey(tmp_path / "hostile")
    return _small(tmp_path / "small")


@pytest.mark.parametrize("survey", ["valse2020", "hostile", "small"])
def test_rows_name_papers_as_the_exports_do(survey: str, engine: Engine, tmp_path: Path) -> None:
    """Key, year, title, venue, short name, identifiers and the diagram label of every
    paper, and local citations and PageRank on the whole graph, are what the exports'
    data and `survey query top` give."""
    _built(engine, _folder(survey, tmp_path))
    with session_scope(engine) as session:
        graph = read_graph(session)
        exported = {p["key"]: p for p in collect.export_data(session)["papers"]}
        ranked = {i.key: i for i in g.influence(analysis.paper_graph(session)[0])}
    assert sorted(exported) == [p.key for p in graph.papers]
    citations, pagerank = graph.influence()
    for node, row in enumerate(graph.papers):
        paper = exported[row.key]
        assert (row.year, row.title, row.venue, row.short) == (
            paper["year"],
            paper["title"],
            paper["venue"],
            paper["short"],
        )
        assert row.identified == bool(paper["doi"] or paper["arxiv_id"])
        assert graph.label(node) == paper_label(paper, year_with_short=True)
        assert (citations[node], pagerank[node]) == (
            ranked[row.key].citations,
            ranked[row.key].pagerank,
        )


@pytest.mark.parametrize("survey", ["valse2020", "hostile", "small"])
def test_grouped_once_as_section_by_section(survey: str, engine: Engine, tmp_path: Path) -> None:
    """Each section's own tags, the papers of its subtree and the citations among them,
    grouped in one pass, are what a pass per section over the exports' papers and edges
    finds, for the whole survey and within each top section."""
    _built(engine, _folder(survey, tmp_path))
    with session_scope(engine) as session:
        graph = read_graph(session)
        tags = tx.sections_by_paper(session)
        paths = tx.ordered_paths(session)
        tops: list[str | None] = [None, *(p for p in paths if "/" not in p)]
        scopes = {top: tx.section_scope(session, top)[1] for top in tops}
        data = {top: collect.export_data(session, top, influence=False) for top in tops}
    if survey == "valse2020":
        assert graph.citing.size and any("/" in p for p in paths)
    for top in tops:
        kept = graph.kept(scopes[top])
        pairs = graph.pairs_among(kept)
        grouped = group_by_section(graph, kept, pairs, tags)
        papers = data[top]["papers"]
        edges = sorted({(e["citing"], e["cited"]) for e in data[top]["edges"]})
        for path in paths:
            under = {
                p["key"]
                for p in papers
                if any(s["path"] == path or s["path"].startswith(path + "/") for s in p["sections"])
            }
            subtree = grouped.subtrees.get(path, np.zeros(0, dtype=np.int64))
            assert [graph.papers[n].key for n in subtree.tolist()] == sorted(under), path
            inner = grouped.inner.get(path, np.zeros(0, dtype=np.int64))
            assert _pairs(graph, inner) == [(a, b) for a, b in edges if a in under and b in under]
            own = sorted(
                (p["key"], s["provenance"], s["annotation"])
                for p in papers
                for s in p["sections"]
                if s["path"] == path
            )
            assert (
                sorted(
                    (graph.papers[n].key, provenance, note)
                    for n, provenance, note in grouped.direct_tags.get(path, [])
                )
                == own
            ), path
