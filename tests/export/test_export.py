"""Every export parsed back by its consumer's reader; hostile strings; atomic writes;
the golden report; pandoc and BibTeX where they are installed."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from conftest import FIXTURES, REPO, TESTS
from helpers import Cli, hostile_survey
from sqlalchemy import Engine, select, update

from survey.db import entries as entries_db
from survey.db import open_database, session_scope
from survey.db.models import Paper
from survey.export import bibtex as bibtex_module
from survey.export import collect, write_with
from survey.export.bibtex import bib_value, write_bibtex
from survey.export.csljson import write_csljson
from survey.export.csvfiles import write_csv_folder
from survey.export.formats import ExportFormat, gather, run_export
from survey.export.gexf import write_gexf
from survey.export.graphml import write_graphml
from survey.graph import analysis, network
from survey.ingest.folder import build_survey
from survey.ingest.load import load_bib_files
from survey.report import build_report, render_markdown
from survey.report.venues import venue_name
from survey.shapes import ExportData
from survey.sources.bibtex import raw_field_values
from survey.textnorm import strip_controls

BUNDLED = REPO / "data" / "valse2020"
HOSTILE = FIXTURES / "hostile.bib"
GOLDEN = TESTS / "golden" / "valse2020-report.md"


@pytest.fixture
def built(engine: Engine) -> Engine:
    with session_scope(engine, write=True) as session:
        build_survey(session, BUNDLED)
    return engine


def read_graphml_by_key(path: Path) -> nx.DiGraph:
    """The GraphML export as networkx reads it, nodes relabelled by their citekey."""
    graph = nx.read_graphml(path)
    return nx.relabel_nodes(graph, {n: d["citekey"] for n, d in graph.nodes(data=True)})


def data_of(engine: Engine, within: str | None = None) -> ExportData:
    with session_scope(engine) as session:
        return collect.export_data(session, within)


def export_bib(engine: Engine, target: Path, within: str | None = None) -> tuple[int, int]:
    """The BibTeX export of the database's papers (of the section `within`) to `target`;
    (papers, edges) written."""
    with session_scope(engine) as session:
        return write_bibtex(session, target, within)


def test_graphml_for_gephi(built: Engine, tmp_path: Path) -> None:
    target = tmp_path / "g.graphml"
    write_graphml(data_of(built), target)
    root = ET.parse(target).getroot()
    keys = root.findall("{http://graphml.graphdrawing.org/xmlns}key")
    assert {k.get("for") for k in keys} == {"node", "edge"}
    assert all(k.get("id") == k.get("attr.name") for k in keys)
    types = {k.get("id"): k.get("attr.type") for k in keys}
    assert types["r"] == types["g"] == types["b"] == types["year"] == "int"
    graph = read_graphml_by_key(target)
    assert graph.number_of_nodes() == 81 and graph.number_of_edges() == 161
    assert all(node.startswith("n") for node in nx.read_graphml(target))
    racnn = graph.nodes["fu2017look"]
    assert racnn["label"] == "RA-CNN" and racnn["year"] == 2017
    assert isinstance(racnn["r"], int) and racnn["section"] == "fine-grained"
    assert racnn["citations"] >= 5 and racnn["size"] > 10
    assert graph.edges["luo2019cross", "lin2015bilinear"]["relation"] == "baseline"
    assert graph.edges["luo2019cross", "lin2015bilinear"]["origin"] == "file"


def test_graphml_within_a_section(built: Engine, tmp_path: Path) -> None:
    target = tmp_path / "ssl.graphml"
    write_graphml(data_of(built, "self-supervised"), target)
    graph = nx.read_graphml(target)
    assert graph.number_of_nodes() == 11
    assert all(d["section"] == "self-supervised" for _, d in graph.nodes(data=True))


def test_gexf_is_dynamic_by_year(built: Engine, tmp_path: Path) -> None:
    target = tmp_path / "g.gexf"
    write_gexf(data_of(built), target)
    graph = nx.read_gexf(target)
    assert graph.graph["mode"] == "dynamic"
    assert graph.nodes["fu2017look"]["start"] == 2017
    assert graph.nodes["fu2017look"]["viz"]["size"] > 10
    assert graph.edges["luo2019cross", "lin2015bilinear"]["start"] == 2019
    root = ET.parse(target).getroot()
    assert root.find("{http://www.gexf.net/1.2draft}graph").get("timeformat") == "integer"  # type: ignore[union-attr]


def content(engine: Engine) -> dict[str, tuple[Any, ...]]:
    with session_scope(engine) as session:
        return {
            p.citekey: (
                p.entry_type,
                p.title,
                p.year,
                p.venue,
                p.doi,
                p.arxiv_id,
                p.abstract,
                tuple((a.family, a.given, a.von, a.suffix) for a in p.authors),
                tuple(sorted((a.alias, a.origin) for a in p.aliases)),
                {k: v for k, v in p.fields.items() if k not in ("crossref", "cites")},
            )
            for p in session.scalars(select(Paper))
        }


def test_bib_export_loads_back_to_the_same_papers(built: Engine, tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    assert export_bib(built, target) == (81, 161)
    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    with session_scope(fresh, write=True) as session:
        report = load_bib_files(session, [target])
    assert not report.diagnostics
    assert content(fresh) == content(built)
    # The graph travels as `cites` fields: each paper names every paper it cites.
    with session_scope(fresh) as session:
        cites = {
            p.citekey: set(p.fields["cites"].split(","))
            for p in session.scalars(select(Paper))
            if "cites" in p.fields
        }
    edges: dict[str, set[str]] = {}
    for edge in data_of(built)["edges"]:
        edges.setdefault(edge["citing"], set()).add(edge["cited"])
    assert cites == edges and sum(map(len, edges.values())) == 161


@pytest.mark.parametrize("which", ["bundled", "hostile"])
def test_bib_export_parses_no_stored_entry(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    """The export writes each entry from its stored fields and source fields, never
    parsing the stored entry text again; a paper loaded before the source fields were
    stored (revision 0013: NULL) has its entry text parsed, to the same bytes."""
    folder = BUNDLED if which == "bundled" else hostile_survey(tmp_path / "hostile")
    with session_scope(engine, write=True) as session:
        assert not build_survey(session, folder).has_errors
    parsed: list[int] = []
    real = raw_field_values

    def spy(raws: list[str]) -> dict[str, dict[str, str]]:
        parsed.append(len(raws))
        return real(raws)

    monkeypatch.setattr(bibtex_module, "raw_field_values", spy)
    papers, _ = export_bib(engine, tmp_path / "stored.bib")
    assert parsed == []
    with session_scope(engine, write=True) as session:
        session.execute(update(Paper).values(source_fields=None))
    export_bib(engine, tmp_path / "parsed.bib")
    assert sum(parsed) == papers
    assert (tmp_path / "parsed.bib").read_bytes() == (tmp_path / "stored.bib").read_bytes()


def test_bib_export_reads_in_chunks_and_keeps_a_section(
    built: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries are read and written a chunk at a time: the chunks' size changes nothing.
    With a section, its papers and the edges among them."""
    assert export_bib(built, tmp_path / "whole.bib") == (81, 161)
    monkeypatch.setattr(entries_db, "CHUNK", 7)
    assert export_bib(built, tmp_path / "chunks.bib") == (81, 161)
    assert (tmp_path / "chunks.bib").read_bytes() == (tmp_path / "whole.bib").read_bytes()
    section = data_of(built, "self-supervised")
    target = tmp_path / "ssl.bib"
    assert export_bib(built, target, "self-supervised") == (11, len(section["edges"]))
    text = target.read_text(encoding="utf-8")
    assert re.findall(r"^@\w+\{([^,\n]+),$", text, re.M) == sorted(
        p["key"] for p in section["papers"]
    )
    written = set()
    for entry in text.split("\n\n"):
        key = entry.split("{", 1)[1].split(",", 1)[0]
        cites = re.search(r"^  cites +=\s\{([^}]*)\}$", entry, re.M)
        written |= {(key, cited) for cited in cites.group(1).split(",")} if cites else set()
    assert written == {(e["citing"], e["cited"]) for e in section["edges"]} and written


def test_csljson(built: Engine, tmp_path: Path) -> None:
    target = tmp_path / "refs.json"
    write_csljson(data_of(built), target)
    items = {i["id"]: i for i in json.loads(target.read_text(encoding="utf-8"))}
    assert len(items) == 81
    racnn = items["fu2017look"]
    assert racnn["type"] == "paper-conference"
    assert racnn["issued"] == {"date-parts": [[2017]]}
    assert racnn["author"][0] == {"family": "Fu", "given": "Jianlong"}
    assert racnn["DOI"] == "10.1109/cvpr.2017.476"
    assert items["liu2020filtration"]["page"] == "11555-11562"
    assert items["oord2018representation"]["author"][0]["non-dropping-particle"] == "van den"


def test_csv_tables(built: Engine, tmp_path: Path) -> None:
    papers, edges = write_csv_folder(data_of(built), tmp_path / "tables")
    rows = list(csv.DictReader(papers.open(encoding="utf-8")))
    assert len(rows) == 81 and rows[0]["citekey"]
    racnn = next(r for r in rows if r["citekey"] == "fu2017look")
    assert racnn["sections"] == "fine-grained/attention" and racnn["short"] == "RA-CNN"
    assert len(list(csv.DictReader(edges.open(encoding="utf-8")))) == 161


def test_hostile_strings_survive_every_format(engine: Engine, tmp_path: Path) -> None:
    with session_scope(engine, write=True) as session:
        assert not build_survey(session, hostile_survey(tmp_path / "hostile")).has_errors
    data = data_of(engine)
    titles = {p["key"]: strip_controls(p["title"]) for p in data["papers"]}
    write_graphml(data, tmp_path / "h.graphml")
    write_gexf(data, tmp_path / "h.gexf")
    write_csljson(data, tmp_path / "h.json")
    export_bib(engine, tmp_path / "h.bib")
    papers, _ = write_csv_folder(data, tmp_path / "csv")
    graph = read_graphml_by_key(tmp_path / "h.graphml")
    assert {k: d["title"] for k, d in graph.nodes(data=True)} == titles
    assert {k: d["title"] for k, d in nx.read_gexf(tmp_path / "h.gexf").nodes(data=True)} == titles
    items = json.loads((tmp_path / "h.json").read_text(encoding="utf-8"))
    assert {i["id"]: i["title"] for i in items} == titles
    rows = {r["citekey"]: r for r in csv.DictReader(papers.open(encoding="utf-8"))}
    assert rows["hostile2021formula"]["title"] == "'" + titles["hostile2021formula"]
    assert rows["hostile2021formula"]["venue"].startswith("'+")
    assert rows["hostile2020angle"]["title"] == titles["hostile2020angle"]
    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    with session_scope(fresh, write=True) as session:
        assert not load_bib_files(session, [tmp_path / "h.bib"]).has_errors
    # Only the entries the export had to repair (a stray brace, control characters) change,
    # and their display text does not; writing again gives the same bytes.
    before, after = content(engine), content(fresh)
    repaired = {"nerf++", "hostile2022control"}
    assert {k: v for k, v in after.items() if k not in repaired} == {
        k: v for k, v in before.items() if k not in repaired
    }
    assert {k: after[k][1] for k in repaired} == {k: titles[k] for k in repaired}
    # Each month loads back as it was loaded: a macro, braced abbreviations, numbers, names.
    months = {k: after[k][-1].get("month") for k in ("a@b", "hostile2019percent")}
    assert months == {"a@b": "dec", "hostile2019percent": "12"}
    assert after["hostile2020aaai"][-1]["month"] == "December"
    assert after["DBLP:conf/hostile/DoeS21"][-1]["month"] == "December"
    assert "month   = {dec}" in (tmp_path / "h.bib").read_text(encoding="utf-8")
    export_bib(fresh, tmp_path / "again.bib")
    assert (tmp_path / "again.bib").read_bytes() == (tmp_path / "h.bib").read_bytes()
    with session_scope(engine) as session:
        text = render_markdown(build_report(session))
    # Every Markdown table keeps one column count on all its rows: no pipe leaked.
    table: list[int] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            table.append(line.count("|") - line.count("\\|"))
        elif table:
            assert len(set(table)) == 1, table
            table = []
    assert "🚀" in text and "中文标题" in text


def test_atomic_write_leaves_nothing_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.graphml"
    target.write_text("old content", encoding="utf-8")

    def broken(stream: Any) -> None:
        stream.write("half a file")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_with(target, broken)
    assert target.read_text(encoding="utf-8") == "old content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.graphml"]


def test_golden_report(built: Engine) -> None:
    with session_scope(built) as session:
        first = render_markdown(build_report(session))
        second = render_markdown(build_report(session))
    assert first == second
    if os.environ.get("SURVEY_UPDATE_GOLDEN"):
        GOLDEN.write_text(first, encoding="utf-8")
    assert first == GOLDEN.read_text(encoding="utf-8")


def test_report_content(built: Engine) -> None:
    with session_scope(built) as session:
        text = render_markdown(build_report(session))
    assert text.startswith("# VALSE 2020 annual progress review")
    for label in (
        "视觉生成GAN",
        "噪声-->图像",
        "3\\. By leveraging" if False else "By leveraging attention mechanisms",
        "自监督学习",
    ):
        assert label in text or label.replace(">", "\\>") in text
    assert "```mermaid\nflowchart LR" in text
    assert "[@fu2017look]" in text and "†" in text
    assert "通过 diversification block" in text
    assert "## Gaps" in text and "`gan/challenges`" in text


def _pandoc() -> str | None:
    return shutil.which("pandoc")


@pytest.mark.skipif(_pandoc() is None, reason="pandoc is not installed (.ci/run installs it)")
@pytest.mark.parametrize("bibliography", ["refs.bib", "refs.json"])
def test_pandoc_renders_the_report_with_every_citation(
    built: Engine, tmp_path: Path, bibliography: str
) -> None:
    if bibliography.endswith(".bib"):
        export_bib(built, tmp_path / bibliography)
    else:
        write_csljson(data_of(built), tmp_path / bibliography)
    with session_scope(built) as session:
        (tmp_path / "report.md").write_text(
            render_markdown(build_report(session)), encoding="utf-8"
        )
    result = subprocess.run(
        ["pandoc", "--citeproc", "--bibliography", bibliography, "report.md", "-t", "html"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "not found" not in result.stderr, result.stderr
    assert result.stdout.count('class="csl-entry"') == 81


@pytest.mark.skipif(
    shutil.which("bibtex") is None, reason="bibtex is not installed (.ci/run installs it)"
)
def test_bibtex_accepts_the_export(built: Engine, tmp_path: Path) -> None:
    export_bib(built, tmp_path / "refs.bib")
    keys = [p["key"] for p in data_of(built)["papers"]]
    aux = "\\relax\n" + "".join(f"\\citation{{{k}}}\n" for k in keys)
    aux += "\\bibstyle{plain}\n\\bibdata{refs}\n"
    (tmp_path / "doc.aux").write_text(aux, encoding="utf-8")
    result = subprocess.run(
        ["bibtex", "doc"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    log = (tmp_path / "doc.blg").read_text(encoding="utf-8", errors="replace")
    assert result.returncode < 2, log
    assert "error message" not in log
    assert (tmp_path / "doc.bbl").read_text(encoding="utf-8").count("\\bibitem") == 81


def test_charts(built: Engine, cli: Cli, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    report = tmp_path / "out" / "report.md"
    report.parent.mkdir()
    result = cli("report", "-o", report, "--charts", tmp_path / "out" / "charts")
    assert result.exit_code == 0, result.stderr
    text = report.read_text(encoding="utf-8")
    for name in ("papers-per-section.png", "growth.png"):
        image = tmp_path / "out" / "charts" / name
        header = image.read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", header[16:24]) == (1000, 500)
        assert f"](charts/{name})" in text


def test_cli_build_with_report_and_graphml(cli: Cli, tmp_path: Path) -> None:
    report, graph = tmp_path / "report.md", tmp_path / "survey.graphml"
    result = cli("build", BUNDLED, "--report", report, "--graphml", graph)
    assert result.exit_code == 0, result.stderr
    assert report.read_text(encoding="utf-8").startswith("# VALSE")
    assert nx.read_graphml(graph).number_of_nodes() == 81
    for kind, name in (
        ("gexf", "g.gexf"),
        ("bib", "refs.bib"),
        ("csljson", "refs.json"),
        ("csv", "tables"),
    ):
        exported = cli("export", kind, tmp_path / name)
        assert exported.exit_code == 0, exported.stderr
    assert (tmp_path / "tables" / "papers.csv").exists()
    printed = cli("report")
    assert printed.exit_code == 0 and printed.stdout == report.read_text(encoding="utf-8")


def test_cli_export_errors(cli: Cli, tmp_path: Path) -> None:
    assert cli("export", "pdf", tmp_path / "x.pdf").exit_code == 2
    assert cli("db", "upgrade").exit_code == 0
    missing = cli("export", "bib", tmp_path / "no" / "such" / "refs.bib")
    assert missing.exit_code == 1 and "does not exist" in missing.stderr
    folder = cli("export", "bib", tmp_path)
    assert folder.exit_code == 1 and "is a folder" in folder.stderr


@pytest.mark.parametrize(
    ("value", "written"),
    [
        pytest.param(r"a \{ b \} c", r"a \{ b \} c", id="escaped_pair_kept"),
        pytest.param(r"a \} b \{ c", r"a \textbraceright{} b \textbraceleft{} c", id="lone"),
        pytest.param(r"{a \{ b} \}", r"a \{ b \}", id="escaped_crossing_a_group"),
        pytest.param("a } b {", "a  b ", id="real_lone_dropped"),
        pytest.param("50% off", r"50\% off", id="raw_percent"),
        pytest.param(r"50\% and \\%", r"50\% and \\\%", id="escaped_percent_kept"),
    ],
)
def test_bib_value_pairs_braces_and_escapes_percents(value: str, written: str) -> None:
    assert bib_value(value) == written
    assert bib_value(written) == written
    assert bib_value("https://example.org/a%20b", verbatim=True) == "https://example.org/a%20b"


@pytest.mark.parametrize(
    ("venue", "name"),
    [
        pytest.param(
            "Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern "
            "Recognition (CVPR)",
            "CVPR",
            id="proceedings_with_abbreviation",
        ),
        pytest.param("CVPR", "CVPR", id="short_form"),
        pytest.param("Proc. CVPR 2019", "CVPR", id="short_form_with_year"),
        pytest.param("NIPS 2017", "NeurIPS", id="old_short_name"),
        pytest.param("Advances in Neural Information Processing Systems", "NeurIPS", id="full"),
        pytest.param(
            "Proceedings of the AAAI Conference on Artificial Intelligence", "AAAI", id="aaai"
        ),
        pytest.param(
            "Proceedings of the Twenty-Eighth International Joint Conference on Artificial "
            "Intelligence (IJCAI-19)",
            "IJCAI",
            id="abbreviation_with_year",
        ),
        pytest.param(
            "Proceedings of the IEEE International Conference on Computer Vision Workshops (ICCVW)",
            "ICCV Workshops",
            id="workshop",
        ),
        pytest.param(
            "Computer Vision – ACCV 2018: 14th Asian Conference on Computer Vision, Revised "
            "Selected Papers",
            "ACCV",
            id="lncs_volume",
        ),
        pytest.param("Pattern Recognition", "Pattern Recognition", id="journal_not_cvpr"),
        pytest.param("Journal of Things (JoT)", "JoT", id="unknown_abbreviation"),
        pytest.param(
            "@SUM(2021): Workshop on Summing", "@SUM(2021): Workshop on Summing", id="as_is"
        ),
    ],
)
def test_venue_names(venue: str, name: str) -> None:
    assert venue_name(venue) == name


def test_report_names_each_venue_once_and_counts_no_institution(
    engine: Engine, tmp_path: Path
) -> None:
    with session_scope(engine, write=True) as session:
        assert not build_survey(session, hostile_survey(tmp_path / "hostile")).has_errors
    with session_scope(engine) as session:
        text = render_markdown(build_report(session))
        stored = {p.citekey: p.venue for p in session.scalars(select(Paper))}
    overview = text.split("## Taxonomy")[0]
    for row in ("| CVPR | 2 |", "| NeurIPS | 1 |", "| AAAI | 1 |"):
        assert row in overview, overview
    assert "Hostile Institute of Technology" not in overview  # a report's institution
    assert "Proceedings of the" not in text and "| 2020 | AAAI |" in text
    # The entries keep the user's spelling.
    assert (
        stored["hostile2020aaai"] == "Proceedings of the AAAI Conference on Artificial Intelligence"
    )
    assert stored["hostile2019percent"] == "CVPR"
    # A paper without a short name is named by its title, never by its key twice.
    assert not re.search(r"\| (\S+) \[@\1\]", text)


def test_bibtex_and_csljson_exports_compute_no_pagerank(
    built: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An export computes only what its format contains: BibTeX and CSL-JSON hold no
    citation counts or PageRank, so no citation graph is ranked for them."""
    ranked: list[int] = []
    real = network.influence

    def spy(graph: nx.DiGraph) -> Any:
        ranked.append(graph.number_of_nodes())
        return real(graph)

    monkeypatch.setattr(network, "influence", spy)
    with session_scope(built) as session:
        for kind in (ExportFormat.bib, ExportFormat.csljson):
            data = gather(session, kind)
            assert data["papers"] and data["edges"]
        assert run_export(session, ExportFormat.bib, tmp_path / "refs.bib")[1:] == (81, 161)
        assert ranked == []
        assert gather(session, ExportFormat.graphml)["papers"][0]["pagerank"] > 0
    assert ranked


def test_the_report_ranks_from_its_export_data_as_top_does(built: Engine) -> None:
    """The whole report takes its influence lists from the ranking it already has, and
    they are what `survey query top` answers."""
    with session_scope(built) as session:
        report = build_report(session)
        assert report["top_cited"] == analysis.top(session, limit=10)["papers"]
        ranked = analysis.top(session, metric="pagerank", limit=10)["papers"]
        assert report["top_pagerank"] == ranked
