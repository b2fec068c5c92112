"""One diagnostic type for load, build and check: the same fields, the same JSON shape,
one severity vocabulary."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import Cli

from survey.db import open_database, session_scope
from survey.errors import Diagnostic
from survey.ingest.load import load_bib_files
from survey.review.check import check
from survey.sources.bibtex import parse_bibtex
from survey.vocab import Severity

BIB = """\
@article{noyear2020,
  title = {A Paper Without a Journal},
  author = {Doe, Jane},
  year = {20x0},
}
"""


def test_load_and_check_report_the_same_type(tmp_path: Path) -> None:
    bib = tmp_path / "one.bib"
    bib.write_text(BIB, encoding="utf-8")
    (parsed,) = parse_bibtex(BIB, "one.bib").diagnostics
    assert isinstance(parsed, Diagnostic) and parsed.severity is Severity.WARNING
    assert str(parsed).startswith("one.bib:1: noyear2020: warning: year '20x0'")
    engine = open_database(f"sqlite:///{tmp_path / 'survey.db'}")
    with session_scope(engine, write=True) as session:
        loaded = load_bib_files(session, [bib])
    with session_scope(engine) as session:
        found = check(session)
    assert all(isinstance(d, Diagnostic) for d in [*loaded.diagnostics, *found])
    missing = next(d for d in found if d.code == "missing-field")
    assert missing.severity is Severity.ERROR and missing.key == "noyear2020"
    assert missing.fix and missing.file.endswith("one.bib") and missing.line == 1
    assert list(missing.as_dict()) == ["severity", "code", "key", "file", "line", "message", "fix"]


def test_check_json_is_the_diagnostics_as_dicts(cli: Cli, tmp_path: Path) -> None:
    bib = tmp_path / "one.bib"
    bib.write_text(BIB, encoding="utf-8")
    assert cli("load", bib).exit_code == 0
    result = cli("check", "--format", "json")
    assert result.exit_code == 1  # the missing journal is an error
    rows = json.loads(result.stdout)
    assert {row["severity"] for row in rows} <= {s.value for s in Severity}
    assert all(
        set(row) == {"severity", "code", "citekey", "file", "line", "message", "fix"}
        for row in rows
    )
    # A finding about the knowledge base as a whole has no file, in JSON null.
    assert all(row["file"] is None or row["file"].endswith("one.bib") for row in rows)
