"""The core functions behind the thin CLI wrappers, called directly with a session:
manual citations and tags, the taxonomy tree, the export dispatch and the report."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from conftest import REPO
from sqlalchemy import Engine

from survey.db import session_scope
from survey.db import taxonomy as tx
from survey.errors import SurveyError
from survey.export.formats import ExportFormat, gather, run_export, write_export
from survey.ingest.folder import build_survey
from survey.report.document import write_report
from survey.review import manual
from survey.vocab import Relation

BUNDLED = REPO / "data" / "valse2020"


@pytest.fixture
def built(engine: Engine) -> Engine:
    with session_scope(engine, write=True) as session:
        assert not build_survey(session, BUNDLED).has_errors
    return engine


def test_manual_citation_add_update_remove(built: Engine) -> None:
    with session_scope(built, write=True) as session:
        added = manual.add_citation(session, "RA-CNN", "B-CNN", Relation.EXTENDS, "Sec. 2")
        assert (added.citing, added.cited, added.outcome) == (
            "fu2017look",
            "lin2015bilinear",
            manual.ADDED,
        )
        assert not added.suspect
        again = manual.add_citation(session, "fu2017look", "lin2015bilinear")
        assert again.outcome == manual.UNCHANGED
        changed = manual.add_citation(session, "fu2017look", "lin2015bilinear", Relation.BASELINE)
        assert changed.outcome == manual.UPDATED
        # A 2015 paper citing a 2017 one: more than a year younger, so suspect.
        assert manual.add_citation(session, "B-CNN", "RA-CNN").suspect
        assert manual.remove_citation(session, "fu2017look", "lin2015bilinear").outcome == (
            "removed"
        )
        with pytest.raises(SurveyError, match="no manual edge fu2017look -> lin2015bilinear"):
            manual.remove_citation(session, "fu2017look", "lin2015bilinear")
        with pytest.raises(SurveyError, match="cannot cite itself"):
            manual.add_citation(session, "RA-CNN", "fu2017look")


def test_manual_tag_add_update_remove(built: Engine) -> None:
    with session_scope(built, write=True) as session:
        section = tx.tree(session)[0]["path"]
        added = manual.add_tag(session, "B-CNN", section, "a classic")
        assert (added.key, added.path, added.outcome) == ("lin2015bilinear", section, manual.ADDED)
        assert manual.add_tag(session, "B-CNN", section).outcome == manual.UNCHANGED
        assert manual.add_tag(session, "B-CNN", section, "changed").outcome == manual.UPDATED
        assert manual.remove_tag(session, "B-CNN", section).outcome == "removed"
        with pytest.raises(SurveyError, match="has no manual tag"):
            manual.remove_tag(session, "B-CNN", section)


def test_tree_nests_sections_with_counts(built: Engine) -> None:
    with session_scope(built) as session:
        tree = tx.tree(session)
        paths = list(tx.nodes_by_path(session))

    def walk(nodes: list[tx.TreeNode]) -> list[tx.TreeNode]:
        return [m for n in nodes for m in [n, *walk(n["children"])]]

    every = walk(tree)
    assert sorted(n["path"] for n in every) == sorted(paths)
    for node in every:
        assert all(child["path"].startswith(node["path"] + "/") for child in node["children"])
    assert sum(n["counts"]["papers"] for n in every) > 0
    json.dumps(tree)  # plain data, as `survey taxonomy --format json` prints it


def test_export_dispatch_writes_each_format(built: Engine, tmp_path: Path) -> None:
    with session_scope(built) as session:
        data = gather(session, ExportFormat.graphml)
        page = gather(session, ExportFormat.html)
    (graphml,) = write_export(ExportFormat.graphml, data, tmp_path / "g.graphml")
    assert nx.read_graphml(graphml).number_of_nodes() == len(data["papers"])
    (html,) = write_export(ExportFormat.html, page, tmp_path / "g.html")
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    tables = write_export(ExportFormat.csv, data, tmp_path / "tables")
    assert sorted(p.name for p in tables) == ["edges.csv", "papers.csv"]
    with pytest.raises(SurveyError, match="csv writes two tables"):
        write_export(ExportFormat.csv, data, Path("-"))
    # The page needs its labels and title: the exports' data alone is refused, unwritten.
    with pytest.raises(ValueError, match="gather it for html"):
        write_export(ExportFormat.html, data, tmp_path / "bare.html")
    assert not (tmp_path / "bare.html").exists()
    # BibTeX is written from the database as it is read, not from gathered data.
    with session_scope(built) as session:
        written, papers, edges = run_export(session, ExportFormat.bib, tmp_path / "refs.bib")
    assert written == [tmp_path / "refs.bib"] and written[0].read_text(encoding="utf-8")
    assert (papers, edges) == (len(data["papers"]), len(data["edges"]))
    with pytest.raises(ValueError, match="written from the database"):
        write_export(ExportFormat.bib, data, tmp_path / "gathered.bib")
    assert not (tmp_path / "gathered.bib").exists()


def test_report_document_links_the_graph_page_relative_to_the_report(
    built: Engine, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "report.md"
    out.parent.mkdir()
    with session_scope(built) as session:
        text = write_report(session, out, graph_page=tmp_path / "page.html")
        again = write_report(session)
    assert out.read_text(encoding="utf-8") == text
    assert "../page.html" in text
    assert again.startswith("# VALSE")
