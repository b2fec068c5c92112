"""One bibliography over many files: BibTeX files loaded together share `@string` macros
and `crossref` parents in the order given; a redefined macro is a warning with both places."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES
from helpers import Cli
from sqlalchemy import Engine, select

from survey.db import session_scope
from survey.db.models import Paper
from survey.ingest.folder import build_survey
from survey.ingest.load import LoadReport, load_bib_files
from survey.sources.bibtex import parse_bibtex

JABREF = FIXTURES / "bibformats" / "jabref"


def load(engine: Engine, *paths: Path) -> LoadReport:
    with session_scope(engine, write=True) as session:
        return load_bib_files(session, list(paths))


def authors(engine: Engine) -> dict[str, list[str]]:
    with session_scope(engine) as session:
        return {
            p.citekey: [f"{a.family}, {a.given}" for a in p.authors]
            for p in session.scalars(select(Paper))
        }


@pytest.mark.parametrize(
    "order", [("strings.bib", "library.bib"), ("library.bib", "strings.bib")], ids=str
)
def test_jabref_library_with_a_macros_file(engine: Engine, order: tuple[str, str]) -> None:
    report = load(engine, *(JABREF / name for name in order))
    assert [str(d) for d in report.diagnostics] == []
    assert authors(engine) == {
        "fu2017look": ["Fu, Jianlong", "Zheng, Heliang", "Mei, Tao"],
        "zheng2019learning": ["Zheng, Heliang", "Fu, Jianlong", "Zha, Zheng-Jun", "Luo, Jiebo"],
    }
    with session_scope(engine) as session:
        venue = session.scalars(select(Paper.venue).where(Paper.citekey == "fu2017look")).one()
    assert venue == (
        "Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition (CVPR)"
    )


def test_alone_the_library_warns_of_its_macros(engine: Engine) -> None:
    report = load(engine, JABREF / "library.bib")
    assert any("undefined macro 'fuJ'" in d.message for d in report.diagnostics)


def test_editing_the_macros_file_updates_the_entries_using_them(
    engine: Engine, tmp_path: Path
) -> None:
    for name in ("strings.bib", "library.bib"):
        shutil.copy(JABREF / name, tmp_path / name)
    files = (tmp_path / "strings.bib", tmp_path / "library.bib")
    load(engine, *files)
    again = load(engine, *files)
    assert all(f.skipped for f in again.files)
    strings = files[0].read_text(encoding="utf-8").replace("{Mei, Tao}", "{Mei, T.}")
    files[0].write_text(strings, encoding="utf-8")
    edited = load(engine, *files)
    assert (edited.total("updated"), edited.total("unchanged")) == (1, 1)
    assert authors(engine)["fu2017look"][-1] == "Mei, T."


def test_redefined_macro_across_files_names_both_places(engine: Engine, tmp_path: Path) -> None:
    first, second = tmp_path / "a.bib", tmp_path / "b.bib"
    first.write_text("@string{cvpr = {CVPR}}\n", encoding="utf-8")
    second.write_text(
        "\n@string{cvpr = {Computer Vision and Pattern Recognition}}\n"
        "@inproceedings{x2020y, title = {Y}, booktitle = cvpr, year = 2020}\n",
        encoding="utf-8",
    )
    report = load(engine, first, second)
    assert not report.has_errors
    [warning] = report.diagnostics
    assert (warning.file, warning.line, warning.key) == (str(second), 2, "@string cvpr")
    assert f"first defined at {first}:1, again at {second}:2" in warning.message
    with session_scope(engine) as session:
        assert session.scalars(select(Paper.venue)).one() == (
            "Computer Vision and Pattern Recognition"
        )


def test_redefined_macro_in_one_file_is_a_warning_not_a_duplicate_key() -> None:
    text = (
        "@string{cvpr = {CVPR}}\n@string{cvpr = {IEEE CVPR}}\n"
        "@inproceedings{x2020y, title = {Y}, booktitle = cvpr, year = 2020}\n"
    )
    parsed = parse_bibtex(text, "one.bib")
    assert [(d.severity.value, d.line, d.message) for d in parsed.diagnostics] == [
        (
            "warning",
            2,
            "macro redefined: first defined at line 1, again at line 2; the later value is used",
        )
    ]
    assert parsed.records[0].venue == "IEEE CVPR"


def test_crossref_parent_in_another_file(engine: Engine, tmp_path: Path) -> None:
    proceedings, papers = tmp_path / "proceedings.bib", tmp_path / "papers.bib"
    proceedings.write_text(
        "@proceedings{iccv2019,\n  title = {Proceedings of the IEEE/CVF International "
        "Conference on Computer Vision (ICCV)},\n  year = 2019\n}\n",
        encoding="utf-8",
    )
    papers.write_text(
        "@inproceedings{luo2019cross,\n  author = {Luo, Wei and Yang, Xitong},\n"
        "  title = {{Cross-X} Learning for Fine-Grained Visual Categorization},\n"
        "  crossref = {iccv2019}\n}\n",
        encoding="utf-8",
    )
    report = load(engine, papers, proceedings)
    assert [str(d) for d in report.diagnostics] == []
    with session_scope(engine) as session:
        paper = session.scalars(select(Paper).where(Paper.citekey == "luo2019cross")).one()
        assert (paper.year, paper.venue) == (
            2019,
            "Proceedings of the IEEE/CVF International Conference on Computer Vision (ICCV)",
        )


def test_a_survey_shares_macros_across_its_bibliography(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "survey"
    folder.mkdir()
    for name in ("strings.bib", "library.bib"):
        shutil.copy(JABREF / name, folder / name)
    (folder / "survey.toml").write_text(
        'bibliography = ["library.bib", "strings.bib"]\nnotes = "notes.md"\n', encoding="utf-8"
    )
    (folder / "notes.md").write_text("# Attention\n\n- [@fu2017look]\n", encoding="utf-8")
    with session_scope(engine, write=True) as session:
        report = build_survey(session, folder)
    assert [d.message for d in report.diagnostics if "macro" in d.message] == []
    assert authors(engine)["fu2017look"][0] == "Fu, Jianlong"


def test_cli_load_of_two_files_is_quiet(cli: Cli) -> None:
    result = cli("load", JABREF / "strings.bib", JABREF / "library.bib")
    assert result.exit_code == 0 and "undefined macro" not in result.stderr
