"""Property-based fuzzing with Hypothesis: no input makes a traceback; valid entries
round-trip; any Unicode survives every export as well-formed output.

Profiles: `ci` (default, fast) and `long` for local runs:
    HYPOTHESIS_PROFILE=long pytest tests/system/test_fuzz.py
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from survey.db import open_database, session_scope
from survey.db.models import Paper
from survey.errors import InputFileError
from survey.export.bibtex import write_bibtex
from survey.export.csljson import write_csljson
from survey.export.csvfiles import write_csv_folder
from survey.export.gexf import write_gexf
from survey.export.graphml import write_graphml
from survey.ingest.load import load_bib_files
from survey.report.gather import Report
from survey.report.markdown import render_markdown
from survey.shapes import ExportData, ExportPaper
from survey.sources.bibtex import parse_bibtex
from survey.sources.notes import parse_notes

# Reads and writes no database: run once, in the SQLite run (conftest checks it).
pytestmark = pytest.mark.backend_independent

# The CI profile is derandomised, so a run is reproducible; the long one explores.
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

TRIED: dict[str, int] = {}


def tried(name: str) -> None:
    TRIED[name] = TRIED.get(name, 0) + 1


BIBTEXISH = st.text(
    alphabet=st.sampled_from(list("@{}()=,\"#%\\ \n\tabcXYZ019-_:'~$&")) | st.characters(),
    max_size=400,
)


@given(BIBTEXISH)
def test_any_text_as_bibtex_gives_diagnostics_not_tracebacks(text: str) -> None:
    tried("bibtex text")
    try:
        result = parse_bibtex(text, "fuzz.bib")
    except InputFileError:
        return
    for diagnostic in result.diagnostics:
        assert diagnostic.file == "fuzz.bib" and diagnostic.message


MARKDOWNISH = st.text(
    alphabet=st.sampled_from(list("#-*+>`[]()!<>|_~\n 1.:@abc中文")) | st.characters(),
    max_size=400,
)


@given(MARKDOWNISH)
def test_any_text_as_notes_gives_a_tree_or_a_clear_error(text: str) -> None:
    tried("notes text")
    try:
        notes = parse_notes(text, "fuzz.md")
    except InputFileError as exc:
        assert "fuzz.md" in str(exc)
        return
    paths = [n.path for n in notes.nodes]
    assert len(paths) == len(set(paths))


WORD = st.text(alphabet=st.characters(categories=("L", "N")), min_size=1, max_size=12)
SAFE_TEXT = st.lists(WORD, min_size=1, max_size=8).map(" ".join)


@given(st.lists(SAFE_TEXT, min_size=1, max_size=6))
def test_well_formed_entries_are_all_parsed(titles: list[str]) -> None:
    """The other side of the text fuzzing: a parser that rejected everything would pass
    those tests, not this one."""
    tried("well-formed bibtex")
    text = "".join(
        f"@article{{k{i},\n  title = {{{t}}},\n  year = {{2001}}\n}}\n"
        for i, t in enumerate(titles)
    )
    result = parse_bibtex(text, "fuzz.bib")
    assert result.failed == 0 and result.diagnostics == []
    assert [(r.citekey, r.title, r.year) for r in result.records] == [
        (f"k{i}", t, 2001) for i, t in enumerate(titles)
    ]


@given(st.lists(WORD, min_size=1, max_size=8, unique_by=str.casefold))
def test_well_formed_headings_are_all_sections(labels: list[str]) -> None:
    tried("well-formed notes")
    text = "".join(f"# {label}\n\n- A paper about {label}\n\n" for label in labels)
    notes = parse_notes(text, "fuzz.md")
    assert [n.label for n in notes.nodes] == labels
    assert [[m.text for m in n.mentions] for n in notes.nodes] == [
        [f"A paper about {label}"] for label in labels
    ]


@st.composite
def entries(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(1, 5))
    found: list[dict[str, Any]] = []
    for index in range(count):
        authors = draw(st.lists(st.tuples(WORD, WORD), min_size=1, max_size=4))
        found.append(
            {
                "key": f"k{index}x{draw(st.integers(0, 9999))}",
                "title": draw(SAFE_TEXT),
                "authors": " and ".join(f"{family}, {given}" for family, given in authors),
                "year": draw(st.integers(1900, 2030)),
                "venue": draw(SAFE_TEXT),
                "doi": draw(
                    st.none() | st.from_regex(r"10\.[0-9]{4}/[a-z0-9]{1,10}", fullmatch=True)
                ),
            }
        )
    keys = {e["key"].lower() for e in found}
    return found if len(keys) == len(found) else found[:1]


def snapshot(url: str) -> dict[str, tuple[Any, ...]]:
    engine = open_database(url)
    with session_scope(engine) as session:
        return {
            p.citekey: (
                p.title,
                p.year,
                p.venue,
                p.doi,
                tuple((a.family, a.given) for a in p.authors),
            )
            for p in session.query(Paper)
        }


@given(entries())
@settings(max_examples=25)
def test_valid_entries_round_trip_through_bib_export(items: list[dict[str, Any]]) -> None:
    tried("round trips")
    text = "\n".join(
        f"@article{{{e['key']},\n  author = {{{e['authors']}}},\n  title = {{{e['title']}}},\n"
        f"  journal = {{{e['venue']}}},\n  year = {{{e['year']}}}"
        + (f",\n  doi = {{{e['doi']}}}" if e["doi"] else "")
        + "\n}\n"
        for e in items
    )
    with tempfile.TemporaryDirectory() as tmp:
        first, second = Path(tmp) / "a.bib", Path(tmp) / "b.bib"
        first.write_text(text, encoding="utf-8")
        url_a, url_b = f"sqlite:///{tmp}/a.db", f"sqlite:///{tmp}/b.db"
        engine_a = open_database(url_a)
        with session_scope(engine_a, write=True) as session:
            assert not load_bib_files(session, [first]).has_errors
        with session_scope(engine_a) as session:
            write_bibtex(session, second)
        with session_scope(open_database(url_b), write=True) as session:
            assert not load_bib_files(session, [second]).has_errors
        assert snapshot(url_a) == snapshot(url_b)


ANY_TEXT = st.text(max_size=40)


def paper(key: str, title: str, section: str) -> ExportPaper:
    return {
        "key": key,
        "entry_type": "article",
        "title": title,
        "authors": [{"family": title[:5] or "X", "given": "", "von": "", "suffix": ""}],
        "more_authors": False,
        "year": 2020,
        "venue": title,
        "doi": "",
        "arxiv_id": "",
        "abstract": title,
        "short": title[:8],
        "fields": {},
        "raw": "",
        "sections": [
            {"path": section, "label": section, "provenance": "notes", "annotation": title}
        ],
        "top_section": section.split("/")[0],
        "colour_section": section.split("/")[0],
        "colour": (1, 2, 3),
        "citations": 1,
        "pagerank": 0.5,
    }


@example(rows=[("\n", "", "")])  # a key ending in a newline once broke a report table
@given(
    st.lists(
        st.tuples(ANY_TEXT, ANY_TEXT, ANY_TEXT), min_size=1, max_size=4, unique_by=lambda t: t[0]
    )
)
@settings(max_examples=40)
def test_any_unicode_survives_every_export(rows: list[tuple[str, str, str]]) -> None:
    tried("unicode exports")
    papers = [
        paper(f"k{i}{key}", title, section or "s") for i, (key, title, section) in enumerate(rows)
    ]
    data: ExportData = {
        "papers": papers,
        "edges": [],
        "within": None,
        "sections": [],
        "colour_level": 1,
    }
    if len(papers) > 1:
        data["edges"] = [
            {
                "citing": papers[1]["key"],
                "cited": papers[0]["key"],
                "origin": "file",
                "relation": rows[0][1][:5],
                "evidence": "",
                "suspect": False,
            }
        ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_graphml(data, folder / "g.graphml")
        write_gexf(data, folder / "g.gexf")
        write_csljson(data, folder / "c.json")
        papers_csv, _ = write_csv_folder(data, folder / "csv")
        graph = nx.read_graphml(folder / "g.graphml")
        assert graph.number_of_nodes() == len(papers)
        assert nx.read_gexf(folder / "g.gexf").number_of_nodes() == len(papers)
        assert len(json.loads((folder / "c.json").read_text(encoding="utf-8"))) == len(papers)
        assert len(list(csv.DictReader(papers_csv.open(encoding="utf-8", newline="")))) == len(
            papers
        )
    report: Report = {
        "title": rows[0][1],
        "description": rows[0][2],
        "within": None,
        "overview": {
            "papers": len(papers),
            "sections": 1,
            "citations": 0,
            "from_notes": 0,
            "curated": 0,
            "first_year": 2020,
            "last_year": 2020,
            "venues": [(rows[0][1], 1)],
        },
        "sections": [
            {
                "path": p["sections"][0]["path"],
                "label": p["title"],
                "level": 1,
                "number": None,
                "flag": "normal",
                "description": p["title"],
                "papers": [
                    {
                        "key": p["key"],
                        "year": 2020,
                        "venue": p["venue"],
                        "short": p["short"],
                        "title": p["title"],
                        "curated": False,
                        "provenance": ["notes"],
                        "annotations": [p["title"]],
                    }
                ],
                "edges": [],
                "main_path": [],
                "main_path_weight": 0,
                "missing": [],
            }
            for p in papers
        ],
        "trend": {
            "level": 1,
            "within": None,
            "years": [],
            "sections": [],
            "totals": {},
            "rising": [],
            "bursts": [],
            "venues": {},
        },
        "top_cited": [],
        "top_pagerank": [],
        "coverage": [{"index": rows[0][1], "asked": 1, "matched": 1, "edges": 0, "external": 0}],
        "disagreement": None,
        "gaps": {
            "empty": [],
            "images_only": [],
            "open_mentions": [],
            "no_identifier": [],
            "no_citations": [],
        },
    }
    text = render_markdown(report)
    table: list[int] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            table.append(line.count("|") - line.count("\\|"))
        elif table:
            assert len(set(table)) == 1, text
            table = []


def test_print_examples_tried(capsys: Any) -> None:
    with capsys.disabled():
        print("\nfuzzing: " + ", ".join(f"{n} {name}" for name, n in sorted(TRIED.items())))
