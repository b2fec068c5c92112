"""`survey check`: the bundled survey is clean of errors; each planted problem is found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO
from helpers import Cli, hostile_survey
from sqlalchemy import Engine

from survey.db import indexes as idx
from survey.db import papers as papers_db
from survey.db import session_scope
from survey.graph import network as g
from survey.ingest.files import forget_source
from survey.ingest.folder import build_survey
from survey.ingest.load import load_bib_files
from survey.review import check as check_module
from survey.review.check import check
from survey.sources.bibtex import raw_field_values

PLANTED = FIXTURES / "planted"


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


def _folder(tmp_path: Path, bib: str, edges: str) -> Path:
    folder = tmp_path / "survey"
    folder.mkdir()
    (folder / "refs.bib").write_text(bib, encoding="utf-8")
    (folder / "cites.csv").write_text("citing,cited,relation,evidence\n" + edges)
    (folder / "survey.toml").write_text(
        'title = "Audit"\nbibliography = ["refs.bib"]\ncitations = ["cites.csv"]\n'
    )
    return folder


THREE = (
    "@article{a2020, author = {Ann A}, title = {A}, journal = {J}, year = 2020}\n"
    "@article{b2019, author = {Bob B}, title = {B}, journal = {J}, year = 2019}\n"
    "@article{c2018, author = {Cy C}, title = {C}, journal = {J}, year = 2018}\n"
)


def test_a_paper_no_edge_touches_is_a_warning_with_its_fix(engine: Engine, tmp_path: Path) -> None:
    folder = _folder(tmp_path, THREE, "a2020,b2019,,\n")
    with session_scope(engine, write=True) as session:
        assert not build_survey(session, folder).has_errors
        findings = [f for f in check(session) if f.code == "no-citation"]
    assert [(f.key, f.severity.value) for f in findings] == [("c2018", "warning")]
    assert findings[0].file is not None and findings[0].file.endswith("refs.bib")
    assert findings[0].line == 3
    assert "survey cite add" in findings[0].fix


def test_without_any_edge_no_paper_is_reported_uncited(engine: Engine, tmp_path: Path) -> None:
    folder = _folder(tmp_path, THREE, "")
    with session_scope(engine, write=True) as session:
        assert not build_survey(session, folder).has_errors
        assert not [f for f in check(session) if f.code == "no-citation"]


PREPRINTS = (
    "@misc{pre2017, author = {Ann A}, title = {Pre}, year = 2017, eprint = {1701.00001},"
    " archiveprefix = {arXiv}}\n"
    "@inproceedings{conf2017, author = {Bob B}, title = {Conf}, booktitle = {ICML},"
    " year = 2017, eprint = {1701.00002}, archiveprefix = {arXiv}}\n"
)


def _matched(engine: Engine, tmp_path: Path, key: str, **work: object) -> list[str]:
    """Build the two-entry survey, store `work` as the one index's match for `key` and
    return the messages of the published-version findings."""
    folder = _folder(tmp_path, PREPRINTS, "conf2017,pre2017,,\n")
    with session_scope(engine, write=True) as session:
        assert not build_survey(session, folder).has_errors
        paper_id = next(p.id for p, _ in papers_db.papers_with_source(session) if p.citekey == key)
        source = str(work.pop("source", "semanticscholar"))
        idx.upsert_works(session, [{"id": "W1", "source": source, "title": "Pre", **work}])
        idx.replace_matches(session, source, [paper_id], [(paper_id, "W1", "arxiv", 100.0, None)])
    with session_scope(engine) as session:
        return [f.message for f in check(session) if f.code == "published-version"]


@pytest.mark.parametrize(
    ("work", "says"),
    [
        pytest.param(
            {
                "venue": "International Conference on Machine Learning",
                "venue_type": "conference",
                "year": 2017,
                "kind": "journalarticle",
            },
            "International Conference on Machine Learning (conference), 2017",
            id="semantic_scholar_conference_venue",
        ),
        pytest.param(
            {
                "source": "openalex",
                "venue": "Pattern Recognition",
                "venue_type": "journal",
                "doi": "10.1016/j.patcog.2017.10.002",
                "kind": "article",
            },
            "Pattern Recognition (journal), doi 10.1016/j.patcog.2017.10.002",
            id="openalex_journal_with_doi",
        ),
        pytest.param(
            {"source": "opencitations", "doi": "10.1109/cvpr.2018.00917"},
            "doi 10.1109/cvpr.2018.00917",
            id="publisher_doi_without_venue",
        ),
    ],
)
def test_a_preprint_an_index_lists_as_published_is_reported(
    engine: Engine, tmp_path: Path, work: dict[str, object], says: str
) -> None:
    messages = _matched(engine, tmp_path, "pre2017", **work)
    assert len(messages) == 1 and messages[0].startswith("pre2017 is entered as a preprint")
    assert says in messages[0] and "W1" in messages[0]


@pytest.mark.parametrize(
    ("key", "work"),
    [
        pytest.param(
            "pre2017",
            {
                "source": "openalex",
                "venue": "arXiv (Cornell University)",
                "venue_type": "repository",
                "doi": "10.48550/arxiv.1701.00001",
                "kind": "preprint",
            },
            id="openalex_arxiv_record",
        ),
        pytest.param(
            "pre2017",
            {"venue": "arXiv.org", "venue_type": "journal", "kind": "journalarticle"},
            id="semantic_scholar_arxiv_as_journal",
        ),
        pytest.param("pre2017", {"venue": "", "year": 2017}, id="no_venue_no_doi"),
        pytest.param(
            "conf2017",
            {"venue": "International Conference on Machine Learning", "venue_type": "conference"},
            id="entry_already_published",
        ),
    ],
)
def test_a_preprint_the_index_also_knows_only_as_preprint_is_quiet(
    engine: Engine, tmp_path: Path, key: str, work: dict[str, object]
) -> None:
    assert _matched(engine, tmp_path, key, **work) == []


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


def test_check_parses_again_only_the_entries_whose_values_no_column_holds(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build stored each entry's parsed fields; check reads the stored BibTeX only of
    entries with a year, DOI or author list the build could not store, and finds the
    same as when it parsed every entry again."""
    parsed: list[str] = []

    def spy(raws: list[str]) -> dict[str, dict[str, str]]:
        parsed.extend(raws)
        return raw_field_values(raws)

    monkeypatch.setattr(check_module, "raw_field_values", spy)
    with session_scope(engine, write=True) as session:
        build_survey(session, PLANTED)
        papers = len(papers_db.papers_with_source(session))
        found = check(session)
        reparsed = len(parsed)
        monkeypatch.setattr(check_module, "_needs_raw", lambda *_: True)
        everything = check(session)
    assert found == everything
    assert 0 < reparsed < papers / 2
    assert any("badyear2018" in raw for raw in parsed)


def _unknown_papers(engine: Engine) -> list[tuple[str | None, int | None, str | None]]:
    with session_scope(engine) as session:
        found = [f for f in check(session) if f.code == "unknown-paper"]
    return [(Path(f.file).name if f.file else None, f.line, f.key) for f in found]


def test_names_that_are_no_paper_come_from_what_the_build_recorded(
    engine: Engine, tmp_path: Path
) -> None:
    """check reports the names the build could not resolve, at their lines, without
    reading the citations file again: a file changed since the build does not change
    them, the next build does."""
    folder = _folder(tmp_path, THREE, "a2020,b2019,,\nghost2001,phantom2002,,\nc2018,b2019,,\n")
    with session_scope(engine, write=True) as session:
        assert build_survey(session, folder).has_errors
    expected = [("cites.csv", 3, "ghost2001"), ("cites.csv", 3, "phantom2002")]
    assert _unknown_papers(engine) == expected
    (folder / "cites.csv").write_text("citing,cited,relation,evidence\nnew2003,a2020,,\n")
    assert _unknown_papers(engine) == expected
    with session_scope(engine, write=True) as session:
        assert build_survey(session, folder).has_errors
    assert _unknown_papers(engine) == [("cites.csv", 2, "new2003")]
    (folder / "cites.csv").write_text("citing,cited,relation,evidence\nc2018,a2020,,\n")
    with session_scope(engine, write=True) as session:
        assert not build_survey(session, folder).has_errors
    assert _unknown_papers(engine) == []


def test_a_name_the_manifest_aliases_is_a_paper_to_check_as_to_the_build(
    engine: Engine, tmp_path: Path
) -> None:
    folder = _folder(tmp_path, THREE, "Attention Net,b2019,,\n")
    with (folder / "survey.toml").open("a", encoding="utf-8") as manifest:
        manifest.write('\n[aliases]\n"Attention Net" = "a2020"\n')
    with session_scope(engine, write=True) as session:
        assert not build_survey(session, folder).has_errors
    assert _unknown_papers(engine) == []


def test_a_paper_added_since_the_build_is_no_longer_unknown(engine: Engine, tmp_path: Path) -> None:
    folder = _folder(tmp_path, THREE, "a2020,d2017,,\n")
    with session_scope(engine, write=True) as session:
        assert build_survey(session, folder).has_errors
    assert _unknown_papers(engine) == [("cites.csv", 2, "d2017")]
    extra = tmp_path / "extra.bib"
    extra.write_text("@article{d2017, author = {Di D}, title = {D}, journal = {J}, year = 2017}\n")
    with session_scope(engine, write=True) as session:
        load_bib_files(session, [extra])
    assert _unknown_papers(engine) == []


def test_forgetting_a_citations_file_forgets_its_unknown_names(
    engine: Engine, tmp_path: Path
) -> None:
    folder = _folder(tmp_path, THREE, "a2020,nobody1999,,\n")
    with session_scope(engine, write=True) as session:
        assert build_survey(session, folder).has_errors
    assert _unknown_papers(engine) == [("cites.csv", 2, "nobody1999")]
    with session_scope(engine, write=True) as session:
        forget_source(session, "cites.csv")
    assert _unknown_papers(engine) == []


def test_a_name_with_a_nul_is_recorded_and_reported(engine: Engine, tmp_path: Path) -> None:
    """PostgreSQL stores no NUL in text: the recorded name holds U+FFFD in its place."""
    folder = _folder(tmp_path, THREE, "a2020,no\x00body,,\n")
    with session_scope(engine, write=True) as session:
        assert build_survey(session, folder).has_errors
    assert _unknown_papers(engine) == [("cites.csv", 2, "no\ufffdbody")]


def test_more_cycles_than_listed_are_those_a_whole_graph_search_lists(
    engine: Engine, tmp_path: Path
) -> None:
    """Two groups of four papers all citing each other hold 20 cycles each, more than
    are listed; a paper outside both citing the second group changes which group a
    search of the papers on cycles alone meets first. The cycles listed are those of a
    search of the whole graph, as `survey.graph.network.find_cycles` lists them."""
    groups = [["b1", "b2", "b3", "b4"], ["c1", "c2", "c3", "c4"]]
    keys = ["a0", *groups[0], *groups[1]]
    bib = "".join(
        f"@article{{{k}, author = {{Ann {k}}}, title = {{T {k}}}, journal = {{J}}, year = 2020}}\n"
        for k in keys
    )
    pairs = [(a, b) for group in groups for a in group for b in group if a != b]
    pairs.append(("a0", "c1"))
    folder = _folder(tmp_path, bib, "".join(f"{a},{b},,\n" for a, b in pairs))
    with session_scope(engine, write=True) as session:
        build_survey(session, folder)
        found = [f.message for f in check(session) if f.code == "citation-cycle"]
    whole = g.citation_graph(
        [(k, {}) for k in sorted(keys)], [(a, b, {}) for a, b in sorted(pairs)]
    )
    listed = g.find_cycles(whole)
    assert len(listed) == g.CYCLES_LISTED and {c[0][0] for c in listed} == {"b"}
    walked = [
        [step.split(" ")[0] for step in m.removeprefix("citation cycle: ").split(" -> ")][:-1]
        for m in found
    ]
    assert sorted(walked) == listed
