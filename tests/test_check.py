"""`survey check`: the bundled survey is clean of errors; each planted problem is found."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import REPO
from helpers import Cli, hostile_survey
from sqlalchemy import Engine

from survey.db import session_scope
from survey.ingest.folder import build_survey
from survey.review.check import check

PLANTED = Path(__file__).resolve().parent / "fixtures" / "planted"


def test_bundled_survey_has_no_errors(cli: Cli) -> None:
    assert cli("build", REPO / "data" / "valse2020").exit_code == 0
    result = cli("check", "--format", "json")
    assert result.exit_code == 0, result.stdout
    findings = json.loads(result.stdout)
    assert not [f for f in findings if f["severity"] == "error"]


def test_every_planted_problem_is_reported_with_its_fix(engine: Engine) -> None:
    with session_scope(engine, write=True) as session:
        build_survey(session, PLANTED)
        findings = check(session)
    got = {(f.code, f.key) for f in findings}
    expected = {
        ("missing-field", "nojournal2019"),
        ("invalid-year", "badyear2018"),
        ("invalid-doi", "baddoi2017"),
        ("invalid-arxiv", "badarxiv2016"),
        ("duplicate", "samedoi2015b"),
        ("duplicate", "zotero2015b"),
        ("versions", "published2013"),
        ("citation-cycle", "cycle2010a"),
        ("younger-citation", "preprint2012"),
        ("unknown-paper", "nosuchpaper"),
        ("no-section", "lonely2011"),
        ("empty-section", None),
    }
    assert expected <= got, expected - got
    assert any(f.code.endswith("-mention") for f in findings)
    for finding in findings:
        assert finding.fix and finding.message
    located = {f.code: f for f in findings if f.file}
    invalid_year = located["invalid-year"]
    assert invalid_year.file is not None and invalid_year.file.endswith("refs.bib")
    assert invalid_year.line == 7
    assert located["unknown-paper"].line == 5


def test_cli_check_exit_code_and_formats(cli: Cli) -> None:
    assert cli("build", PLANTED).exit_code == 1  # the unknown key in citations.csv
    table = cli("check")
    assert table.exit_code == 1
    assert "errors" in table.stdout
    csv_out = cli("check", "--format", "csv")
    assert csv_out.stdout.startswith("severity,code,citekey,file,line,message,fix")


def test_a_citations_file_gone_since_the_build_is_reported(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "survey"
    folder.mkdir()
    (folder / "refs.bib").write_text(
        "@article{a2020, title = {A}, year = 2020}\n@article{b2019, title = {B}, year = 2019}\n"
    )
    (folder / "cites.csv").write_text("citing,cited,relation,evidence\na2020,b2019,,\n")
    (folder / "survey.toml").write_text(
        'title = "Gone"\nbibliography = ["refs.bib"]\ncitations = ["cites.csv"]\n'
    )
    with session_scope(engine, write=True) as session:
        assert not build_survey(session, folder).has_errors
    (folder / "cites.csv").unlink()
    with session_scope(engine) as session:
        findings = [f for f in check(session) if f.code == "missing-file"]
    assert len(findings) == 1
    assert findings[0].file is not None and findings[0].file.endswith("cites.csv")
    assert "survey sources forget" in findings[0].fix


def test_a_raw_percent_is_warned_about_outside_verbatim_fields(
    engine: Engine, tmp_path: Path
) -> None:
    """bibtex reads `50%` as text, pandoc as a comment that cuts the title: a warning,
    with the fix; `\\%` and a URL's `%20` are fine."""
    folder = hostile_survey(tmp_path / "hostile")
    with (folder / "refs.bib").open("a", encoding="utf-8") as bib:
        bib.write(
            "\n@misc{escaped2020,\n  title = {Fine: 100\\% and a\\\\\\% too},\n"
            "  url = {https://example.org/a%20b},\n  note = {cut at 10% here},\n"
            "  year = {2020}\n}\n"
        )
    with session_scope(engine, write=True) as session:
        build_survey(session, folder)
        findings = [f for f in check(session) if f.code == "raw-percent"]
    assert [(f.key, f.message.split()[0]) for f in findings] == [
        ("hostile2019percent", "title"),
        ("escaped2020", "note"),
    ]
    assert all(f.severity == "warning" and "\\%" in f.fix for f in findings)
    assert findings[0].file.endswith("refs.bib") and findings[0].line is not None
