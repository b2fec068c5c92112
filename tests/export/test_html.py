"""The graph page without a browser: one self-contained file, the embedded data, the
layouts, escaping, determinism, the commands and their errors (the browser tests are in
test_html_browser.py)."""

from __future__ import annotations

import itertools
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from conftest import FIXTURES, REPO
from helpers import Cli
from sqlalchemy import Engine, select

from survey.db import session_scope
from survey.db.models import IndexMatch, IndexWork, Paper
from survey.errors import SurveyError
from survey.export import collect, layout
from survey.export import html as html_module
from survey.export.collect import node_size
from survey.export.gexf import write_gexf
from survey.export.graphml import write_graphml
from survey.export.html import (
    RELATION_COLOURS,
    _script_safe,
    json_for_script,
    page_content,
    page_data,
    render_html,
    write_html,
)
from survey.export.layout import Layout
from survey.ingest.folder import build_survey
from survey.shapes import ExportPaper, PageData

BUNDLED = REPO / "data" / "valse2020"
HOSTILE = FIXTURES / "hostile_html"
ASSETS = REPO / "survey" / "export" / "assets"


@pytest.fixture
def built(engine: Engine) -> Engine:
    with session_scope(engine, write=True) as session:
        build_survey(session, BUNDLED)
    return engine


def data_of(engine: Engine, within: str | None = None) -> PageData:
    with session_scope(engine) as session:
        return page_data(session, within)


def embedded(page: str) -> dict[str, Any]:
    """The survey data as the page's script reads it."""
    match = re.search(r'<script type="application/json" id="survey-data">(.*?)</script>', page)
    assert match is not None
    result: dict[str, Any] = json.loads(match.group(1))
    return result


def test_one_file_with_the_library_its_licences_and_no_network(built: Engine) -> None:
    page = render_html(data_of(built))
    vendor = ASSETS / "vendor"
    for name in ("sigma.min.js", "graphology.umd.min.js"):
        assert vendor.joinpath(name).read_text(encoding="utf-8") in page
    lock = json.loads((ASSETS / "package-lock.json").read_text(encoding="utf-8"))
    for package in ("sigma", "graphology", "graphology-utils", "events"):
        version = lock["packages"][f"node_modules/{package}"]["version"]
        assert f"{package} {version} (MIT)" in page
    assert "Permission is hereby granted, free of charge" in page
    # Nothing is fetched: no external script, style, image or frame, and the page's
    # Content-Security-Policy forbids connections.
    assert not re.search(r"<(script|link|img|iframe)[^>]*\b(src|href)=", page)
    assert "default-src 'none'" in page
    assert page.count("<script") == 4 and page.count("</script>") == 4


def test_the_embedded_survey(built: Engine) -> None:
    data = data_of(built)
    content = embedded(render_html(data))
    assert len(content["papers"]) == len(data["papers"]) == 81
    pairs = {(e["citing"], e["cited"]) for e in data["edges"]}
    keys = [p["key"] for p in content["papers"]]
    assert {(keys[a], keys[b]) for a, b, _ in content["edges"]} == pairs
    assert len(content["edges"]) == len(pairs)
    by_key = {p["key"]: p for p in data["papers"]}
    ra_cnn = next(p for p in content["papers"] if p["short"] == "RA-CNN")
    source = by_key[ra_cnn["key"]]
    # The GraphML export's colour and size, the database's facts.
    colouring = content["colourings"][0]
    index = content["papers"].index(ra_cnn)
    assert colouring["legend"][colouring["of"][index]]["colour"] == "#{:02x}{:02x}{:02x}".format(
        *source["colour"]
    )
    assert ra_cnn["size"] == node_size(source["citations"]) and ra_cnn["cited_by"] is None
    assert (ra_cnn["title"], ra_cnn["year"], ra_cnn["doi"]) == (
        source["title"],
        source["year"],
        source["doi"],
    )
    assert ra_cnn["authors"].startswith("Jianlong Fu")
    sections = content["sections"]
    assert [sections[s]["path"] for s, _, _ in ra_cnn["sections"]] == [
        s["path"] for s in source["sections"]
    ]
    # The taxonomy as a tree: each section's parent comes before it.
    for index, section in enumerate(sections):
        if section["parent"] is not None:
            assert section["parent"] < index
            assert section["path"].startswith(sections[section["parent"]]["path"] + "/")
    assert [r["colour"] for r in content["relations"][:5]] == list(RELATION_COLOURS.values())
    assert colouring["title"] == "top-level sections"
    assert {e["label"] for e in colouring["legend"]} == {
        "视觉生成GAN",
        "细粒度视觉识别",
        "自监督学习",
    }


def test_timeline_layout_x_is_the_year_and_sections_keep_together(built: Engine) -> None:
    content = page_content(data_of(built))
    papers = [p for p in content["papers"] if p["year"] is not None]
    for a in papers:
        for b in papers:
            if a["year"] < b["year"]:
                assert a["x"] < b["x"]
            elif a["year"] == b["year"]:
                assert a["x"] == b["x"]
    # One band per top-level section: bands do not overlap.
    tops: dict[str, list[float]] = {}
    for paper in content["papers"]:
        top = content["sections"][paper["sections"][0][0]]["path"].split("/")[0]
        tops.setdefault(top, []).append(paper["y"])
    spans = sorted((min(ys), max(ys)) for ys in tops.values())
    for (_, high), (low, _) in itertools.pairwise(spans):
        assert high < low
    years = {year: x for year, x in content["year_x"]}
    assert all(years[p["year"]] == p["x"] for p in papers)
    # WordsEye (2001) is the only paper before Oxford Flowers (2008): it sits in the
    # "earlier" band, one column before 2008, not seven.
    assert content["earlier"] == {"years": [2001], "x": years[2001], "label": "2001"}
    step = years[2014] - years[2013]
    assert years[2008] - years[2001] == pytest.approx(step, abs=0.02)
    assert years[2020] - years[2008] == pytest.approx(12 * step, abs=0.1)


def test_force_layout_differs_and_is_deterministic(built: Engine) -> None:
    data = data_of(built)
    force = render_html(data, Layout.force)
    assert force == render_html(data_of(built), Layout.force)
    content = embedded(force)
    assert content["layout"] == "force"
    timeline = embedded(render_html(data))
    assert [(p["x"], p["y"]) for p in content["papers"]] != [
        (p["x"], p["y"]) for p in timeline["papers"]
    ]
    # A small survey's page holds both layouts, whichever it opens with.
    for page in (content, timeline):
        assert page["layouts"] == {
            "timeline": [[p["x"], p["y"]] for p in timeline["papers"]],
            "force": [[p["x"], p["y"]] for p in content["papers"]],
        }


def test_a_large_survey_gets_the_force_layout_only_when_asked(
    built: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(html_module, "BOTH_LAYOUTS_BELOW", 50)
    data = data_of(built)
    assert page_content(data)["layouts"] is None
    asked = page_content(data, Layout.force)
    assert asked["layout"] == "force" and set(asked["layouts"]) == {"timeline", "force"}


def test_same_database_same_bytes(built: Engine, tmp_path: Path) -> None:
    write_html(data_of(built), tmp_path / "a.html")
    write_html(data_of(built), tmp_path / "b.html")
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()


def test_within_a_section(built: Engine) -> None:
    data = data_of(built, "self-supervised")
    content = embedded(render_html(data))
    with session_scope(built) as session:
        expected = collect.export_data(session, "self-supervised")
    assert [p["key"] for p in content["papers"]] == [p["key"] for p in expected["papers"]]
    assert content["within"] == "self-supervised"
    assert all(s["path"].startswith("self-supervised") for s in content["sections"])
    assert all(s["parent"] is None for s in content["sections"][:1])


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("</script><script>alert(1)</script>", id="end_script"),
        pytest.param("</SCRIPT >", id="end_script_upper"),
        pytest.param("<!-- <script>", id="comment_opener"),
        pytest.param("a & b <b> \"q\" 'q'", id="markup_and_quotes"),
        pytest.param("细粒度 🚀 👩‍🔬", id="cjk_emoji"),
        pytest.param("line\u2028separator\u2029", id="line_separators"),
    ],
)
def test_json_for_script_cannot_end_the_element(text: str) -> None:
    encoded = json_for_script({"title": text})
    assert "<" not in encoded and ">" not in encoded and "&" not in encoded
    assert json.loads(encoded) == {"title": text}


def test_hostile_strings_stay_text(engine: Engine) -> None:
    with session_scope(engine, write=True) as session:
        assert not build_survey(session, HOSTILE).has_errors
    data = data_of(engine)
    page = render_html(data)
    assert page.count("<script") == 4
    assert "<script>window" not in page and "<img" not in page
    assert "<title>Hostile &lt;/title&gt;&lt;script&gt;" in page
    content = embedded(page)
    assert {p["key"]: p["title"] for p in content["papers"]} == {
        p["key"]: p["title"] for p in data["papers"]
    }


def test_empty_database_gives_an_empty_page(engine: Engine) -> None:
    content = embedded(render_html(data_of(engine)))
    assert content["papers"] == [] and content["edges"] == [] and content["years"] == []


def test_package_data_ships_the_assets() -> None:
    """A non-editable install gets every file the page is made of."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["survey.export"]
    needed = [
        "page.html",
        "page.css",
        "page.js",
        *(f"vendor/{p.name}" for p in ASSETS.glob("vendor/*")),
    ]
    for name in needed:
        assert any(Path("assets", name).match(pattern) for pattern in patterns), name


def test_cli_export_html(built: Engine, cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "graph.html"
    result = cli("export", "html", target)
    assert result.exit_code == 0, result.stderr
    assert "81 papers" in result.stdout
    assert len(embedded(target.read_text(encoding="utf-8"))["papers"]) == 81
    within = cli("export", "html", tmp_path / "ssl.html", "--within", "self-supervised")
    assert within.exit_code == 0, within.stderr
    force = cli("export", "html", tmp_path / "force.html", "--layout", "force")
    assert force.exit_code == 0, force.stderr
    assert embedded((tmp_path / "force.html").read_text(encoding="utf-8"))["layout"] == "force"


def test_cli_export_html_errors(built: Engine, cli: Cli, tmp_path: Path) -> None:
    unknown = cli("export", "html", tmp_path / "x.html", "--within", "no-such-section")
    assert unknown.exit_code == 1 and "no-such-section" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1
    missing = cli("export", "html", tmp_path / "no" / "such" / "g.html")
    assert missing.exit_code == 1 and "does not exist" in missing.stderr
    assert cli("export", "html", tmp_path / "x.html", "--layout", "circle").exit_code == 2
    wrong = cli("export", "graphml", tmp_path / "x.graphml", "--layout", "force")
    assert wrong.exit_code == 2 and "html only" in wrong.stderr
    assert not (tmp_path / "x.graphml").exists()
    existing = tmp_path / "kept.html"
    existing.write_text("before", encoding="utf-8")
    assert cli("export", "html", existing, "--within", "nope").exit_code == 1
    assert existing.read_text(encoding="utf-8") == "before"
    assert sorted(p.name for p in tmp_path.iterdir() if "html" in p.name) == ["kept.html"]


def test_cli_build_html_and_the_report_links_it(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    report, page = tmp_path / "out" / "report.md", tmp_path / "out" / "graph page.html"
    result = cli("build", BUNDLED, "--report", report, "--html", page)
    assert result.exit_code == 0, result.stderr
    assert len(embedded(page.read_text(encoding="utf-8"))["papers"]) == 81
    text = report.read_text(encoding="utf-8")
    assert "- Citation graph: [graph page.html](graph%20page.html)" in text
    alone = tmp_path / "alone.md"
    assert cli("report", "-o", alone).exit_code == 0
    assert "Citation graph:" not in alone.read_text(encoding="utf-8")


def test_build_html_into_a_missing_folder(cli: Cli, tmp_path: Path) -> None:
    result = cli("build", BUNDLED, "--html", tmp_path / "no" / "graph.html")
    assert result.exit_code == 1 and "does not exist" in result.stderr
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("code", ["a = '</script>';", "x <!-- y", "a = '</SCRIPT';"])
def test_a_vendored_script_that_would_end_its_element_is_refused(code: str) -> None:
    with pytest.raises(SurveyError, match="cannot be inlined"):
        _script_safe(code)


AWESOME = FIXTURES / "awesome"


@pytest.fixture
def one_top(engine: Engine) -> Engine:
    """An awesome list: its H1 is the only top-level section, no paper cites another."""
    with session_scope(engine, write=True) as session:
        assert not build_survey(session, AWESOME).has_errors
    return engine


def test_one_top_level_section_colours_its_subsections(one_top: Engine, tmp_path: Path) -> None:
    data = data_of(one_top)
    assert data["colour_level"] == 2
    assert {p["top_section"] for p in data["papers"]} == {"papers"}
    groups = {p["key"]: p["colour_section"] for p in data["papers"]}
    assert groups["reiser2021kilonerf"] == "papers/faster-inference"
    # Fewer Views is a level-3 section: its paper takes its level-2 section's colour.
    assert groups["fridovich-keil_plenoxels_2022"] == "papers/faster-inference"
    assert groups["Pumarola20arxiv_D_NeRF"] == "papers/dynamic-scenes"
    assert groups["Mildenhall20eccv_nerf"] == "papers"  # placed in the H1's section itself
    colours = {p["colour_section"]: p["colour"] for p in data["papers"]}
    assert len(set(colours.values())) == 3
    colouring = page_content(data)["colourings"][0]
    assert colouring["title"] == "sections of Papers (level 2)"
    assert [e["label"] for e in colouring["legend"]] == [
        "Papers",
        "Faster Inference",
        "Dynamic Scenes",
    ]
    # The timeline gives each colour section its band.
    content = page_content(data)
    bands: dict[str, set[float]] = {}
    for paper in content["papers"]:
        bands.setdefault(groups[paper["key"]], set()).add(paper["y"])
    spans = sorted((min(ys), max(ys)) for ys in bands.values())
    assert all(high < low for (_, high), (low, _) in itertools.pairwise(spans))
    # Gephi sees the same colours and groups: GraphML r/g/b and GEXF viz:color.
    with session_scope(one_top) as session:
        export = collect.export_data(session)
    write_graphml(export, tmp_path / "g.graphml")
    write_gexf(export, tmp_path / "g.gexf")
    graph = nx.read_graphml(tmp_path / "g.graphml")
    for _, node in graph.nodes(data=True):
        assert node["colour_section"] == groups[node["citekey"]]
        assert (node["r"], node["g"], node["b"]) == colours[node["colour_section"]]
    gexf = nx.read_gexf(tmp_path / "g.gexf")
    for key, node in gexf.nodes(data=True):
        assert node["colour_section"] == groups[key]
        viz = node["viz"]["color"]
        assert (viz["r"], viz["g"], viz["b"]) == colours[groups[key]]


@pytest.mark.parametrize(
    ("sections", "level"),
    [
        pytest.param(["a/x", "b/y"], 1, id="two_top_sections"),
        pytest.param(["a/x", "a/y/z", "a"], 2, id="one_top_section"),
        pytest.param(["a/b/x", "a/b/y", ""], 3, id="one_section_two_levels_down"),
        pytest.param(["a", "a", ""], 1, id="nothing_splits"),
        pytest.param(["", ""], 1, id="no_sections"),
        pytest.param([], 1, id="no_papers"),
    ],
)
def test_colour_level(sections: list[str], level: int) -> None:
    assert collect.colour_level(sections) == level


def dated(*years: int | None) -> list[ExportPaper]:
    return [
        {**paper_stub(f"k{i}"), "year": year}  # type: ignore[typeddict-item]
        for i, year in enumerate(years)
    ]


def paper_stub(key: str) -> dict[str, Any]:
    return {"key": key, "year": None, "sections": [], "short": "", "citations": 0}


@pytest.mark.parametrize(
    ("years", "earlier"),
    [
        pytest.param([2001, *[2011] * 5, *[2015] * 10], [2001], id="one_far_outlier"),
        pytest.param(
            [1990, 1995, *range(2010, 2021), *range(2010, 2021)],
            [1990, 1995],
            id="two_outlier_years",
        ),
        pytest.param([2001, *[2004] * 20], [], id="two_empty_years_are_kept"),
        pytest.param([2001, *[2005] * 20], [2001], id="three_empty_years_are_cut"),
        pytest.param([2001, 2001, 2011, 2012], [], id="too_many_papers_before_the_gap"),
        pytest.param([2001, None, None, *[2011] * 20], [2001], id="undated_papers_do_not_count"),
        pytest.param([2020, 2021], [], id="no_gap"),
        pytest.param([], [], id="no_papers"),
    ],
)
def test_earlier_years(years: list[int | None], earlier: list[int]) -> None:
    assert layout.earlier_years(dated(*years)) == earlier


def test_labels_without_citations(one_top: Engine) -> None:
    content = page_content(data_of(one_top))
    order = content["label_order"]
    assert sorted(order) == list(range(len(content["papers"])))
    assert all(not p["citations"] for p in content["papers"])
    # The notes' named papers first, then one per section and year.
    named = [i for i, p in enumerate(content["papers"]) if p["short"]]
    assert named and order[: len(named)] == sorted(named, key=lambda i: content["papers"][i]["key"])


def test_labels_most_cited_first(built: Engine) -> None:
    content = page_content(data_of(built))
    papers = content["papers"]
    first = [papers[i]["citations"] for i in content["label_order"][:5]]
    assert first == sorted((p["citations"] for p in papers), reverse=True)[:5]
    # Every (first section, year) has a paper among the most cited, the named papers and
    # one per cell, before the rest.
    cells = {(p["sections"][0][0] if p["sections"] else -1, p["year"]) for p in papers}
    named = sum(1 for p in papers if p["short"])
    head = content["label_order"][: html_module.MOST_CITED_AT_LEAST + named + len(cells)]
    covered = {
        (papers[i]["sections"][0][0] if papers[i]["sections"] else -1, papers[i]["year"])
        for i in head
    }
    assert covered == cells and len(cells) > 20


def test_global_citations_size_nodes_and_order_labels(one_top: Engine) -> None:
    """After `survey enrich`: the indexes' citation counts (the highest where several
    counted a paper) grow the nodes and bring their labels forward."""
    with session_scope(one_top, write=True) as session:
        ids = {p.citekey: p.id for p in session.scalars(select(Paper))}
        session.add_all(
            [
                IndexWork(id="W1", source="openalex", cited_by_count=9000),
                IndexWork(id="S2:1", source="semanticscholar", cited_by_count=12000),
                IndexWork(id="W2", source="openalex", cited_by_count=40),
                IndexWork(id="W3", source="openalex", cited_by_count=None),
            ]
        )
        session.flush()
        for key, work, source in [
            ("Mildenhall20eccv_nerf", "W1", "openalex"),
            ("Mildenhall20eccv_nerf", "S2:1", "semanticscholar"),
            ("reiser2021kilonerf", "W2", "openalex"),
            ("muller_instant_2022", "W3", "openalex"),
        ]:
            session.add(
                IndexMatch(paper_id=ids[key], source=source, work_id=work, method="doi", score=100)
            )
    data = data_of(one_top)
    assert data["cited_by"] == {"Mildenhall20eccv_nerf": 12000, "reiser2021kilonerf": 40}
    content = page_content(data)
    by_key = {p["key"]: p for p in content["papers"]}
    nerf, kilo, instant = (
        by_key[k] for k in ("Mildenhall20eccv_nerf", "reiser2021kilonerf", "muller_instant_2022")
    )
    assert nerf["size"] > kilo["size"] > instant["size"] == node_size(0)
    assert (nerf["cited_by"], instant["cited_by"]) == (12000, None)
    keys = [content["papers"][i]["key"] for i in content["label_order"][:2]]
    assert keys == ["Mildenhall20eccv_nerf", "reiser2021kilonerf"]


def test_page_size() -> None:
    assert html_module.page_size(0, None) == node_size(0)
    assert html_module.page_size(4, 0) == node_size(4)
    assert html_module.page_size(0, 999) == pytest.approx(node_size(0) + 9.0)


def test_the_page_can_colour_by_cluster(built: Engine) -> None:
    """Two colourings on a survey with citations: by section (first) and by cluster of the
    citation graph, the same clusters `survey query clusters` finds."""
    from survey.graph.clusters import paper_clusters

    data = data_of(built)
    content = page_content(data)
    section, cluster = content["colourings"]
    assert (section["name"], cluster["name"]) == ("section", "cluster")
    assert cluster["title"] == "clusters of the citation graph"
    assert len(cluster["of"]) == len(content["papers"]) == len(section["of"])
    with session_scope(built) as session:
        expected = paper_clusters(session, None)
    largest = cluster["legend"][0]["label"]
    sizes: dict[int, int] = {}
    for found in expected.values():
        if found is not None:
            sizes[found] = sizes.get(found, 0) + 1
    assert largest == f"cluster 1 ({max(sizes.values())} papers)"
    # Papers of one cluster share a legend entry; papers without links take the last one.
    by_key = dict(zip((p["key"] for p in data["papers"]), cluster["of"], strict=True))
    for key, found in expected.items():
        if found is None:
            assert by_key[key] == len(cluster["legend"]) - 1
    assert cluster["legend"][-1]["label"] == "smaller clusters, no links"


def test_a_survey_without_citations_has_no_cluster_colouring(
    engine: Engine, tmp_path: Path
) -> None:
    from survey.ingest.load import load_bib_files

    bib = tmp_path / "one.bib"
    bib.write_text("@misc{a2020, title = {A}, year = {2020}}\n", encoding="utf-8")
    with session_scope(engine, write=True) as session:
        load_bib_files(session, [bib])
    assert [c["name"] for c in page_content(data_of(engine))["colourings"]] == ["section"]
