"""The hostile fixture through every export and the report, read by the tools people feed
them to: bibtex, biber, pybtex, citation-js, bibtexparser 1 and 2 (BibTeX); the GraphML
XSD and networkx (GraphML); the CSL 1.0.2 item schema (CSL-JSON); pandas (CSV); pandoc
(the report). A consumer that cannot be installed here is skipped with the reason."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from conftest import REPO, TESTS
from helpers import HOSTILE_KEYS, hostile_survey
from sqlalchemy import Engine

from survey.db import session_scope
from survey.export import collect
from survey.export.bibtex import write_bibtex
from survey.export.csljson import write_csljson
from survey.export.csvfiles import write_csv_folder
from survey.export.gexf import write_gexf
from survey.export.graphml import write_graphml
from survey.ingest.folder import build_survey
from survey.report import build_report, render_markdown
from survey.textnorm import strip_controls

SCHEMAS = TESTS / "schemas"
NODE_PACKAGES = TESTS / "consumers"
# .ci/run installs bibtexparser 1 here: it cannot share a venv with bibtexparser 2.
BIBTEXPARSER1 = REPO / ".consumers" / "bibtexparser1"
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


@pytest.fixture
def hostile(engine: Engine, tmp_path: Path) -> dict[str, Any]:
    """Every export and the report of the hostile survey, written under tmp_path/out."""
    with session_scope(engine, write=True) as session:
        assert not build_survey(session, hostile_survey(tmp_path / "survey")).has_errors
    out = tmp_path / "out"
    out.mkdir()
    with session_scope(engine) as session:
        data = collect.export_data(session, None)
        report = render_markdown(build_report(session))
        write_bibtex(session, out / "refs.bib")
    write_csljson(data, out / "refs.json")
    write_graphml(data, out / "survey.graphml")
    write_gexf(data, out / "survey.gexf")
    write_csv_folder(data, out / "tables")
    (out / "report.md").write_text(report, encoding="utf-8")
    assert sorted(p["key"] for p in data["papers"]) == sorted(HOSTILE_KEYS)
    titles = {p["key"]: strip_controls(p["title"]) for p in data["papers"]}
    return {"out": out, "data": data, "titles": titles}


def test_no_control_character_reaches_any_output(hostile: dict[str, Any]) -> None:
    out: Path = hostile["out"]
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) == 7
    for path in files:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".csv":
            text = text.replace("\r\n", "\n")  # RFC 4180's line ending, not content
        assert not CONTROL.search(text), (path.name, CONTROL.findall(text))


# ------------------------------------------------------------------------------ BibTeX


def _bibtex_run(folder: Path, keys: list[str], style: str = "plain") -> tuple[str, str]:
    aux = "\\relax\n" + "".join(f"\\citation{{{k}}}\n" for k in keys)
    (folder / "doc.aux").write_text(aux + f"\\bibstyle{{{style}}}\n\\bibdata{{refs}}\n")
    subprocess.run(["bibtex", "doc"], cwd=folder, capture_output=True, check=False)
    log = (folder / "doc.blg").read_text(encoding="utf-8", errors="replace")
    return log, (folder / "doc.bbl").read_text(encoding="utf-8", errors="replace")


@pytest.mark.skipif(shutil.which("bibtex") is None, reason="bibtex is not installed (.ci/run)")
def test_bibtex(hostile: dict[str, Any]) -> None:
    log, bbl = _bibtex_run(hostile["out"], list(HOSTILE_KEYS))
    assert "error message" not in log and "I was expecting" not in log, log
    assert bbl.count("\\bibitem") == len(HOSTILE_KEYS)


@pytest.mark.skipif(shutil.which("biber") is None, reason="biber is not installed (.ci/run)")
def test_biber(hostile: dict[str, Any]) -> None:
    result = subprocess.run(
        ["biber", "--tool", "--output-file", "checked.bib", "refs.bib"],
        cwd=hostile["out"],
        capture_output=True,
        text=True,
        check=False,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    assert "ERROR" not in log, log
    # The only warnings are about values the hostile entries hold on purpose and the
    # export keeps as loaded (a year with a suffix, a year that is a word, a braced month
    # name): biber reads them, and says they will not sort as numbers.
    warnings = {line for line in log.splitlines() if line.startswith("WARN")}
    legacy = re.compile(
        r"WARN - legacy (year|month) field '([^']*)' in entry '([^']*)' is not an integer"
    )
    assert all(legacy.match(line) for line in warnings), log
    assert {legacy.match(line).groups() for line in warnings} <= {  # type: ignore[union-attr]
        ("year", "2020a", "a@b"),
        ("month", "dec", "a@b"),
        ("year", "forthcoming", "hostile2026forthcoming"),
    }, log
    checked = (hostile["out"] / "checked.bib").read_text(encoding="utf-8")
    assert checked.count("@") >= len(HOSTILE_KEYS)


def test_pybtex_strict(hostile: dict[str, Any]) -> None:
    pybtex_database = pytest.importorskip("pybtex.database")
    errors = pytest.importorskip("pybtex.errors")
    errors.set_strict_mode(True)
    parsed = pybtex_database.parse_file(str(hostile["out"] / "refs.bib"), bib_format="bibtex")
    assert sorted(parsed.entries) == sorted(HOSTILE_KEYS)
    assert parsed.entries["DBLP:conf/hostile/DoeS21"].fields["month"] == "December"


def test_bibtexparser_2(hostile: dict[str, Any]) -> None:
    from bibtexparser.entrypoint import parse_file

    library = parse_file(str(hostile["out"] / "refs.bib"))
    assert not library.failed_blocks
    assert sorted(e.key for e in library.entries) == sorted(HOSTILE_KEYS)


@pytest.mark.skipif(
    not (BIBTEXPARSER1 / "bibtexparser").is_dir(),
    reason="bibtexparser 1 is not installed in .consumers/bibtexparser1 (.ci/run installs it)",
)
def test_bibtexparser_1(hostile: dict[str, Any]) -> None:
    script = (
        "import json, sys, bibtexparser\n"
        "from bibtexparser.bparser import BibTexParser\n"
        "assert bibtexparser.__version__.startswith('1.'), bibtexparser.__version__\n"
        "text = open(sys.argv[1], encoding='utf-8').read()\n"
        "db = bibtexparser.loads(text, BibTexParser(common_strings=True))\n"
        "print(json.dumps({e['ID']: e.get('title', '') for e in db.entries}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(hostile["out"] / "refs.bib")],
        env={**os.environ, "PYTHONPATH": str(BIBTEXPARSER1)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(json.loads(result.stdout)) == sorted(HOSTILE_KEYS)


@pytest.mark.skipif(
    shutil.which("node") is None or not (NODE_PACKAGES / "node_modules").is_dir(),
    reason="node or tests/consumers/node_modules is missing (.ci/run runs npm ci there)",
)
def test_citation_js(hostile: dict[str, Any]) -> None:
    result = subprocess.run(
        ["node", str(NODE_PACKAGES / "parse-bibtex.js"), str(hostile["out"] / "refs.bib")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    items = {i["id"]: i["title"] for i in json.loads(result.stdout)}
    # citation-js decodes the LaTeX itself: it must read the same titles survey shows.
    assert items == hostile["titles"]


# ------------------------------------------------------------------ GraphML, CSL, CSV


def test_graphml_xsd_and_networkx(hostile: dict[str, Any]) -> None:
    etree = pytest.importorskip("lxml.etree")
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "graphml.xsd")))
    document = etree.parse(str(hostile["out"] / "survey.graphml"))
    assert schema.validate(document), schema.error_log
    graph = nx.read_graphml(hostile["out"] / "survey.graphml")
    assert sorted(d["citekey"] for _, d in graph.nodes(data=True)) == sorted(HOSTILE_KEYS)
    pytest.importorskip("pandas")
    edges = nx.to_pandas_edgelist(graph)
    assert list(edges.columns[:2]) == ["source", "target"] and "origin" in edges.columns
    assert set(edges["origin"]) == {"bib-field"}
    gexf = nx.read_gexf(hostile["out"] / "survey.gexf")
    assert {k: d["title"] for k, d in gexf.nodes(data=True)} == hostile["titles"]


def test_csl_json_schema(hostile: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((SCHEMAS / "csl-data.json").read_text(encoding="utf-8"))
    items = json.loads((hostile["out"] / "refs.json").read_text(encoding="utf-8"))
    jsonschema.validate(items, schema)
    by_id = {i["id"]: i for i in items}
    report = by_id["hostile2011report"]
    assert report["type"] == "report" and report["number"] == "HIT-TR-2011-001"
    assert "issue" not in report and report["publisher-place"] == "Pasadena, CA"
    chapter = by_id["hostile2015chapter"]
    assert chapter["editor"] == [
        {"family": "Roe", "given": "Richard"},
        {"family": "Poe", "given": "Edgar"},
    ]
    assert chapter["publisher"] == "Hostile Press"
    assert chapter["collection-title"] == "Lecture Notes in Hostility"
    assert chapter["container-title"] == "Handbook of Hostile Input"
    assert by_id["DBLP:conf/hostile/DoeS21"]["issued"] == {"date-parts": [[2021, 12]]}
    suffixed = by_id["a@b"]
    assert suffixed["issued"] == {"date-parts": [[2020, 12]], "literal": "2020a"}
    assert suffixed["author"][-1] == {"literal": "others"} and len(suffixed["author"]) == 4
    assert by_id["hostile2019percent"]["issued"] == {"date-parts": [[2019, 12]]}
    forthcoming = by_id["hostile2026forthcoming"]
    assert forthcoming["status"] == "forthcoming" and "issued" not in forthcoming
    assert forthcoming["URL"] == "https://github.com/hostile/forthcoming-tool"


def test_csv_keeps_arxiv_ids_as_text(hostile: dict[str, Any]) -> None:
    pandas = pytest.importorskip("pandas")
    papers = pandas.read_csv(hostile["out"] / "tables" / "papers.csv")
    arxiv = dict(zip(papers["citekey"], papers["arxiv_id"], strict=True))
    assert arxiv["choi2018stargan"] == "arXiv:1711.09020"


# ------------------------------------------------------------------------------ pandoc


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed (.ci/run)")
@pytest.mark.parametrize("bibliography", ["refs.bib", "refs.json"])
def test_pandoc_finds_every_citation(hostile: dict[str, Any], bibliography: str) -> None:
    result = subprocess.run(
        ["pandoc", "--citeproc", "--bibliography", bibliography, "report.md", "-t", "html"],
        cwd=hostile["out"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "not found" not in result.stderr, result.stderr
    assert result.stdout.count('class="csl-entry"') == len(HOSTILE_KEYS)
    # The handles and venues with `@` stayed text.
    assert "@kwea123" in result.stdout and "@SUM(2021)" in result.stdout


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed (.ci/run)")
def test_pandoc_citeproc_reads_et_al_suffixed_years_and_forthcoming(
    hostile: dict[str, Any],
) -> None:
    """`and others`, `2020a`, `forthcoming` and a `howpublished` URL, through citeproc from
    the CSL-JSON export (never "n.d." or a lost "et al.")."""
    (hostile["out"] / "cite.md").write_text(
        "[@{a@b}; @hostile2026forthcoming; @hostile2019percent]\n", encoding="utf-8"
    )
    result = subprocess.run(
        ["pandoc", "--citeproc", "--bibliography=refs.json", "cite.md", "-tplain", "--wrap=none"],
        cwd=hostile["out"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("(van der Berg et al. 2020a; Poe, forthcoming; Doe 2019)"), text
    assert "Berg, Charlotte van der, John Smith Jr., OpenAI, et al. 2020a." in text
    assert "Poe, Edgar. Forthcoming." in text and "n.d." not in text
    assert "https://github.com/hostile/forthcoming-tool" in text


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed (.ci/run)")
def test_pandoc_reads_the_bibtex_as_survey_does(hostile: dict[str, Any]) -> None:
    """Escaped braces that pair up and an escaped `%` reach pandoc's BibTeX reader; a raw
    `%` in the input does not cut the title (the export writes `\\%`)."""
    result = subprocess.run(
        ["pandoc", "-f", "bibtex", "-t", "csljson", "refs.bib"],
        cwd=hostile["out"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    items = {i["id"]: i for i in json.loads(result.stdout)}
    assert sorted(items) == sorted(HOSTILE_KEYS)
    titles: dict[str, str] = hostile["titles"]
    # pandoc puts English titles in sentence case and keeps maths as TeX.
    assert "Braces { and } escaped" in items["a@b"]["title"]
    assert items["a@b"]["title"].endswith("r&d and 100% of it")
    for key in ("hostile2019percent", "hostile2015chapter", "DBLP:conf/hostile/DoeS21"):
        assert items[key]["title"].casefold() == titles[key].casefold(), key
    # A lone escaped brace has no spelling both BibTeX and pandoc keep (README, exports).
    assert items["nerf++"]["title"] == "Stray  closing and  opening braces"


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed (.ci/run)")
def test_pandoc_reads_inline_markup_in_copied_text_as_text(engine: Engine, tmp_path: Path) -> None:
    """Superscript `^x^`, subscript `~x~`, entities `&amp;` and maths `$x$` in a title or a
    section's text reach the reader as the characters typed, never as markup."""
    folder = tmp_path / "survey"
    folder.mkdir()
    (folder / "refs.bib").write_text(
        "@inproceedings{sup2020,\n  title = {The ^super^ trick, R\\&D and \\$5 \\$6},\n"
        "  author = {Doe, Jane},\n  year = {2020},\n}\n",
        encoding="utf-8",
    )
    (folder / "survey.toml").write_text(
        'title = "Markup"\nbibliography = ["refs.bib"]\nnotes = "notes.md"\n', encoding="utf-8"
    )
    (folder / "notes.md").write_text(
        "# Section\n\nH~2~O and x^2^ with &amp; &copy; and $a$ $b$\n\n- [@sup2020] (2020)\n",
        encoding="utf-8",
    )
    with session_scope(engine, write=True) as session:
        assert not build_survey(session, folder).has_errors
    with session_scope(engine) as session:
        report = render_markdown(build_report(session))
    result = subprocess.run(
        ["pandoc", "-f", "markdown", "-t", "json"],
        input=report,
        capture_output=True,
        text=True,
        check=True,
    )
    ast = result.stdout
    for node in ("Superscript", "Subscript", "Math"):
        assert f'"t":"{node}"' not in ast, node
    plain = subprocess.run(
        ["pandoc", "-f", "markdown", "-t", "plain", "--wrap=none"],
        input=report,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "The ^super^ trick, R&D and $5 $6" in plain
    assert "H~2~O and x^2^ with &amp; &copy; and $a$ $b$" in plain
