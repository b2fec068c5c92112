"""Lineage, paths, main path, influence, relatedness and trends on the bundled survey."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO
from helpers import Cli
from sqlalchemy import Engine, select

from survey.db import citations as cdb
from survey.db import session_scope
from survey.db.models import Paper
from survey.errors import SurveyError, UnknownKeyError
from survey.graph import analysis
from survey.graph import lineage as walk
from survey.ingest.folder import build_survey
from survey.review.check import check
from survey.vocab import Severity

BUNDLED = REPO / "data" / "valse2020"


@pytest.fixture
def built(engine: Engine) -> Engine:
    with session_scope(engine, write=True) as session:
        report = build_survey(session, BUNDLED)
    assert not report.has_errors, report.all_diagnostics
    assert report.edges >= 80
    return engine


def test_lineage_of_a_2019_paper_reaches_bcnn(built: Engine) -> None:
    with session_scope(built) as session:
        result = walk.lineage(session, "Cross-X")
    keys = {p["key"]: p for p in result["papers"]}
    assert "lin2015bilinear" in keys and keys["lin2015bilinear"]["generation"] == 1
    assert keys["lin2015bilinear"]["relation"] == "baseline"
    # RA-CNN is itself reached, and through it CUB is one more generation away at most.
    assert keys["wah2011the"]["generation"] == 1


def test_descendants_of_racnn_and_depth(built: Engine) -> None:
    with session_scope(built) as session:
        result = walk.lineage(session, "RA-CNN", descendants=True)
        shallow = walk.lineage(session, "ra-cnn", descendants=True, depth=1)
    keys = {p["key"] for p in result["papers"]}
    assert {"luo2019cross", "zhang2019learning", "zheng2019learning", "ding2019selective"} <= keys
    assert all(p["generation"] == 1 for p in shallow["papers"])
    assert result["direction"] == "descendants"


def test_lineage_within_a_section(built: Engine) -> None:
    with session_scope(built) as session:
        everything = walk.lineage(session, "MoCo")
        inside = walk.lineage(session, "MoCo", within="self-supervised")
    assert "vanhorn2018the" in {p["key"] for p in everything["papers"]}
    assert "vanhorn2018the" not in {p["key"] for p in inside["papers"]}
    assert {p["key"] for p in inside["papers"]} >= {"wu2018unsupervised", "oord2018representation"}


def test_path_between_crossx_and_bcnn(built: Engine) -> None:
    with session_scope(built) as session:
        direct = analysis.paths(session, "luo2019cross", "lin2015bilinear")
        none = analysis.paths(session, "lin2015bilinear", "luo2019cross")
        undirected = analysis.paths(session, "lin2015bilinear", "luo2019cross", undirected=True)
    assert [[p["key"] for p in path] for path in direct["paths"]] == [
        ["luo2019cross", "lin2015bilinear"]
    ]
    assert none["paths"] == []
    assert undirected["paths"]


def test_main_path_of_fine_grained(built: Engine) -> None:
    with session_scope(built) as session:
        result = analysis.main_path(session, "fine-grained")
    keys = [p["key"] for p in result["path"]]
    years = [p["year"] for p in result["path"] if p["year"] is not None]
    assert len(keys) >= 3 and len(years) == len(keys) and years == sorted(years)
    assert "lin2015bilinear" in keys
    assert result["weight"] > 0


def test_top_within_self_supervised(built: Engine) -> None:
    with session_scope(built) as session:
        by_citations = analysis.top(session, within="self-supervised", limit=3)
        by_rank = analysis.top(session, metric="pagerank", within="self-supervised", limit=3)
    # Colorization and context prediction have four local citations each; PageRank breaks
    # the tie (pix2pix, itself much cited, cites colorization).
    first, second = by_citations["papers"][:2]
    assert (first["key"], second["key"]) == ("zhang2016colorful", "doersch2015unsupervised")
    assert first["citations"] == second["citations"] == 4
    counts = [p["citations"] for p in by_citations["papers"]]
    assert counts == sorted(counts, reverse=True)
    ranks = [p["pagerank"] for p in by_rank["papers"]]
    assert ranks == sorted(ranks, reverse=True)
    with pytest.raises(SurveyError, match="unknown metric"):
        analysis.top(session, metric="hindex")


def test_related_by_co_citation(built: Engine) -> None:
    with session_scope(built) as session:
        result = analysis.related(session, "RA-CNN")
    co = {p["key"]: p["count"] for p in result["co_citation"]}
    assert co["wah2011the"] >= 3 and co["lin2015bilinear"] >= 2


def test_fine_grained_trend_spans_2008_to_2020(built: Engine) -> None:
    with session_scope(built) as session:
        result = analysis.trend(session, level=1, within="fine-grained")
        level2 = analysis.trend(session, level=2)
    assert [s["path"] for s in result["sections"]] == ["fine-grained"]
    assert result["years"][0] == 2008 and result["years"][-1] == 2020
    assert result["sections"][0]["total"] == 32
    paths = [s["path"] for s in level2["sections"]]
    assert paths[:3] == ["gan/background", "gan/problems", "gan/challenges"]
    assert "fine-grained/datasets" in paths
    # The totals count papers, each once: 81 papers, filed 84 times at level 2.
    assert sum(level2["totals"].values()) == 81
    assert sum(s["total"] for s in level2["sections"]) == 84


def test_cli_trend_total_says_it_counts_each_paper_once(cli: Cli, built: Engine) -> None:
    table = cli("query", "trend", "--level", "2")
    assert table.exit_code == 0, table.stderr
    (row,) = [line for line in table.stdout.splitlines() if "papers (each once)" in line]
    # Papers filed in two sections would count twice in a sum over the sections.
    data = json.loads(cli("query", "trend", "--level", "2", "--format", "json").stdout)
    over_sections = sum(section["total"] for section in data["sections"])
    assert over_sections > 81
    assert " 81 " in row and f" {over_sections} " not in row


def test_unknown_key_and_section(built: Engine) -> None:
    with session_scope(built) as session:
        with pytest.raises(UnknownKeyError):
            walk.lineage(session, "no-such-paper")
        with pytest.raises(SurveyError, match="no taxonomy section"):
            analysis.main_path(session, "no-such-section")


def test_cycle_is_reported_by_name(engine: Engine, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(BUNDLED, tmp_path / "survey"))
    with (folder / "citations.csv").open("a", encoding="utf-8") as handle:
        handle.write("lin2015bilinear,luo2019cross,related,planted cycle\n")
    with session_scope(engine, write=True) as session:
        report = build_survey(session, folder)
        assert any("more than a year younger" in d.message for d in report.diagnostics)
        with pytest.raises(SurveyError) as raised:
            analysis.main_path(session, "fine-grained")
        manual = cdb.set_edge(
            session,
            session.scalars(select(Paper).where(Paper.citekey == "luo2019cross")).one(),
            session.scalars(select(Paper).where(Paper.citekey == "lin2015bilinear")).one(),
            "baseline",
            "",
        )
        assert manual == "added"
        findings = [f for f in check(session) if f.code == "citation-cycle"]
    # The message names each edge's origin (the citations file's line), and the fix says
    # where to remove it: the file's line, or the manual edge's command.
    message, fix = raised.value.message, raised.value.hint or ""
    assert "citation cycle: " in message and "lin2015bilinear" in message
    assert re.search(r"luo2019cross \(citations\.csv:\d+\)", message), message
    assert re.search(r"delete line \d+ of .*citations\.csv", fix), fix
    assert any("survey cite rm luo2019cross lin2015bilinear" in f.fix for f in findings)
    assert any("manual)" in f.message for f in findings)


def test_bad_citations_lines(engine: Engine, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(BUNDLED, tmp_path / "survey"))
    with (folder / "citations.csv").open("a", encoding="utf-8") as handle:
        handle.write("lin2015bilinear,lin2015bilinear,related,self\n")
        handle.write("luo2019cross,lin2015bilinearr,related,typo\n")
        handle.write("luo2019cross,fu2017look,inspired,bad relation\n")
    with session_scope(engine, write=True) as session:
        report = build_survey(session, folder)
    errors = [d for d in report.all_diagnostics if d.is_error]
    lines = [d.line for d in errors]
    assert lines == sorted(line for line in lines if line is not None)
    messages = " | ".join(d.message for d in errors)
    assert "cannot cite itself" in messages
    assert "did you mean lin2015bilinear" in messages
    assert "unknown relation 'inspired'" in messages
    assert all(str(folder / "citations.csv") == d.file for d in errors)


def test_cli_graph_queries(cli: Cli, built: Engine) -> None:
    for args in (
        ["query", "lineage", "RA-CNN", "--descendants"],
        ["query", "path", "luo2019cross", "lin2015bilinear"],
        ["query", "mainpath", "--within", "fine-grained"],
        ["query", "trend", "--level", "2"],
        ["query", "top", "--within", "self-supervised"],
        ["query", "related", "RA-CNN"],
    ):
        table = cli(*args)
        assert table.exit_code == 0, (args, table.stderr)
        data = json.loads(cli(*args, "--format", "json").stdout)
        assert data
        csv_out = cli(*args, "--format", "csv").stdout
        assert csv_out.count("\n") >= 1
    lineage = json.loads(cli("query", "lineage", "RA-CNN", "--descendants", "-f", "json").stdout)
    assert lineage["paper"]["citekey"] == "fu2017look"


def test_cli_graph_query_errors(cli: Cli, built: Engine) -> None:
    unknown = cli("query", "lineage", "no-such-paper")
    assert unknown.exit_code == 1 and "no paper with key" in unknown.stderr
    empty = cli("query", "path", "lin2015bilinear", "luo2019cross")
    assert empty.exit_code == 0 and "no path" in empty.stdout
    bad_depth = cli("query", "lineage", "RA-CNN", "--depth", "0")
    assert bad_depth.exit_code == 2


def test_cli_cite_add_and_rm(cli: Cli, built: Engine) -> None:
    added = cli("cite", "add", "Cross-X", "DBTNet", "--relation", "compares", "--evidence", "x")
    assert added.exit_code == 0 and "added luo2019cross -> zheng2019learning" in added.stdout
    assert "already" in cli("cite", "add", "Cross-X", "DBTNet").stdout
    # Adding it again with another relation updates the edge instead of ignoring it.
    updated = cli("cite", "add", "Cross-X", "DBTNet", "--relation", "extends")
    assert updated.exit_code == 0 and "updated" in updated.stdout
    edges = json.loads(cli("query", "lineage", "Cross-X", "-f", "json").stdout)["papers"]
    assert {p["citekey"]: p["relation"] for p in edges}["zheng2019learning"] == "extends"
    lineage = json.loads(cli("query", "lineage", "Cross-X", "-f", "json").stdout)
    assert "zheng2019learning" in {p["citekey"] for p in lineage["papers"]}
    assert cli("build", BUNDLED).exit_code == 0  # manual edges survive a rebuild
    lineage = json.loads(cli("query", "lineage", "Cross-X", "-f", "json").stdout)
    assert "zheng2019learning" in {p["citekey"] for p in lineage["papers"]}
    assert cli("cite", "rm", "Cross-X", "DBTNet").exit_code == 0
    missing = cli("cite", "rm", "Cross-X", "DBTNet")
    assert missing.exit_code == 1 and "no manual edge" in missing.stderr
    self_cite = cli("cite", "add", "Cross-X", "luo2019cross")
    assert self_cite.exit_code == 1 and "cannot cite itself" in self_cite.stderr
    bad = cli("cite", "add", "Cross-X", "DBTNet", "--relation", "loves")
    assert bad.exit_code == 2 and "'loves' is not one of" in bad.stderr


def test_cites_field_edges_and_their_errors(engine: Engine, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(BUNDLED, tmp_path / "survey"))
    bib = folder / "papers.bib"
    text = bib.read_text(encoding="utf-8")
    text = text.replace(
        "  shorthand = {DBTNet}\n",
        "  shorthand = {DBTNet},\n  cites     = {luo2019cross, nosuchkey}\n",
    )
    bib.write_text(text, encoding="utf-8")
    with session_scope(engine, write=True) as session:
        report = build_survey(session, folder)
        rows = [e for e in cdb.edges(session) if e.origin == "bib-field"]
    assert [(e.citing, e.cited) for e in rows] == [("zheng2019learning", "luo2019cross")]
    (error,) = [d for d in report.all_diagnostics if d.key == "nosuchkey"]
    assert error.file == str(bib.resolve()) and error.line is not None
    assert error.severity is Severity.WARNING


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(None, "citations.csv: no such file", id="missing_file"),
        pytest.param("", "citations.csv: is empty", id="empty_file"),
        pytest.param("# only a comment\n", "citations.csv: is empty", id="only_comments"),
    ],
)
def test_unreadable_citations_file_stops_the_build(
    engine: Engine, tmp_path: Path, content: str | None, message: str
) -> None:
    from survey.errors import InputFileError

    folder = Path(shutil.copytree(BUNDLED, tmp_path / "survey"))
    target = folder / "citations.csv"
    if content is None:
        target.unlink()
    else:
        target.write_text(content, encoding="utf-8")
    with pytest.raises(InputFileError, match=message), session_scope(engine, write=True) as s:
        build_survey(s, folder)


def test_citations_file_without_header(engine: Engine, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(BUNDLED, tmp_path / "survey"))
    (folder / "citations.csv").write_text("luo2019cross,lin2015bilinear,baseline,x\n")
    with session_scope(engine, write=True) as session:
        report = build_survey(session, folder)
    (error,) = [d for d in report.all_diagnostics if d.is_error]
    assert error.line == 1 and "must be the header" in error.message
    assert report.edges == 0
