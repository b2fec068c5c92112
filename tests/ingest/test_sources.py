"""File identity: a second checkout, a moved folder, renamed and same-named files, identical
duplicate entries, `survey sources`, and one survey per database."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from conftest import REPO
from helpers import Cli
from sqlalchemy import Engine, select, text

from survey.db import citations as cdb
from survey.db import session_scope
from survey.db import settings as settings_db
from survey.db import taxonomy as tx
from survey.db.models import Paper, Source, Tag
from survey.db.papers import find_paper
from survey.errors import DatabaseError, SurveyError
from survey.ingest.files import forget_source, list_sources
from survey.ingest.folder import BuildReport, build_survey
from survey.ingest.load import LoadReport, load_bib_files

BUNDLED = REPO / "data" / "valse2020"
NOW = datetime(2026, 1, 1)


def build(engine: Engine, folder: Path, *, replace: bool = False) -> BuildReport:
    with session_scope(engine, write=True) as session:
        return build_survey(session, folder, replace=replace)


def load(engine: Engine, *paths: Path) -> LoadReport:
    with session_scope(engine, write=True) as session:
        return load_bib_files(session, list(paths))


# (citekey, title, line) of papers; (path, kind) of sources; (citing, cited, origin) of
# edges; (citekey, section path, provenance) of tags.
State = tuple[
    list[tuple[str, str | None, int | None]],
    list[tuple[str, str]],
    list[tuple[str, str, str]],
    list[tuple[str, str, str]],
]


def state(engine: Engine) -> State:
    """What a build leaves: papers, sources, edges and tags, for before/after comparisons."""
    with session_scope(engine) as session:
        papers = sorted((p.citekey, p.title, p.source_line) for p in session.scalars(select(Paper)))
        sources = sorted((s.path, s.kind) for s in session.scalars(select(Source)))
        edges = [(e.citing, e.cited, e.origin) for e in cdb.edges(session)]
        tags = sorted(
            (t.paper.citekey, t.node.path, t.provenance) for t in session.scalars(select(Tag))
        )
    return papers, sources, edges, tags


def copy(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copytree(BUNDLED, tmp_path / name))


def test_a_second_checkout_builds_into_the_same_database(engine: Engine, tmp_path: Path) -> None:
    first, second = copy(tmp_path, "alice"), copy(tmp_path, "bob")
    build(engine, first)
    before = state(engine)
    report = build(engine, second)
    assert not report.has_errors
    assert state(engine) == before
    papers, sources, edges, _ = before
    assert ("citations.csv", "citations") in sources and ("papers.bib", "bib") in sources
    assert all(not path.startswith("/") for path, _ in sources)
    assert len(edges) == 161 and len(papers) == 81


def test_a_moved_folder_is_adopted_and_its_edits_load(engine: Engine, tmp_path: Path) -> None:
    folder = copy(tmp_path, "before")
    build(engine, folder)
    moved = Path(shutil.move(folder, tmp_path / "after"))
    bib = moved / "papers.bib"
    bib.write_text(
        bib.read_text(encoding="utf-8").replace(
            "Look Closer to See Better", "Look Closer to See Much Better"
        ),
        encoding="utf-8",
    )
    report = build(engine, moved)
    assert not report.has_errors
    assert report.load.total("updated") == 1
    with session_scope(engine) as session:
        title = find_paper(session, "RA-CNN").title
        assert title is not None and title.startswith("Look Closer to See Much Better")
        locations = {s.location for s in session.scalars(select(Source))}
    assert all(str(moved) in (loc or "") for loc in locations)


def test_sources_stored_under_absolute_paths_are_adopted(engine: Engine, tmp_path: Path) -> None:
    """A database built before file identities were relative (revision 0005)."""
    folder = copy(tmp_path, "old")
    build(engine, folder)
    before = state(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE sources SET path = location"))
    moved = Path(shutil.move(folder, tmp_path / "new"))
    report = build(engine, moved)
    assert not report.has_errors
    assert state(engine) == before


def test_an_edge_in_two_citations_files_is_kept_once(engine: Engine, tmp_path: Path) -> None:
    folder = copy(tmp_path, "survey")
    lines = (folder / "citations.csv").read_text(encoding="utf-8").splitlines()
    header = next(line for line in lines if line.startswith("citing,"))
    first_edge = next(line for line in lines if line and not line.startswith(("#", "citing,")))
    (folder / "more.csv").write_text(f"{header}\n{first_edge}\n", encoding="utf-8")
    manifest = folder / "survey.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            'citations = ["citations.csv"]', 'citations = ["citations.csv", "more.csv"]'
        ),
        encoding="utf-8",
    )
    report = build(engine, folder)
    diagnostics = report.all_diagnostics
    (warning,) = [d for d in diagnostics if "kept once" in d.message]
    assert warning.file.endswith("more.csv") and warning.line == 2
    with session_scope(engine) as session:
        assert len(cdb.edges(session)) == 161


def test_a_bare_file_is_named_by_its_name_and_told_apart_by_content(
    engine: Engine, tmp_path: Path
) -> None:
    one, two = tmp_path / "a" / "refs.bib", tmp_path / "b" / "refs.bib"
    for path, key in ((one, "alpha2001"), (two, "beta2002")):
        path.parent.mkdir()
        path.write_text(f"@article{{{key}, title = {{Paper {key}}}, year = 2001}}\n")
    load(engine, one)
    report = load(engine, two)
    assert not report.has_errors
    with session_scope(engine) as session:
        names = [s.identity for s in list_sources(session)]
        keys = set(session.scalars(select(Paper.citekey)))
    assert names == ["b/refs.bib", "refs.bib"]
    assert keys == {"alpha2001", "beta2002"}
    # Renamed (same bytes, old path gone): the same source, nothing added or removed.
    renamed = one.rename(tmp_path / "a" / "renamed.bib")
    again = load(engine, renamed)
    assert again.files[0].skipped
    with session_scope(engine) as session:
        assert sorted(s.identity for s in list_sources(session)) == ["b/refs.bib", "renamed.bib"]


def test_identical_entry_in_two_files_loads_once_and_survives_leaving_one(
    engine: Engine, tmp_path: Path
) -> None:
    entry = "@article{shared2001, title = {A Shared Entry}, year = 2001}\n"
    one, two = tmp_path / "one.bib", tmp_path / "two.bib"
    one.write_text(entry + "@article{only2002, title = {Only Here}, year = 2002}\n")
    two.write_text(entry)
    report = load(engine, one, two)
    (warning,) = report.diagnostics
    assert (
        not warning.is_error and "loaded once" in warning.message and "one.bib:1" in warning.message
    )
    # The entry leaves the file it was loaded from: the identical copy takes it over.
    one.write_text("@article{only2002, title = {Only Here}, year = 2002}\n")
    report = load(engine, one, two)
    assert not report.has_errors
    with session_scope(engine) as session:
        paper = find_paper(session, "shared2001")
        assert paper.source is not None and paper.source.path == "two.bib"


def test_sources_lists_and_forget_keeps_manual_work(
    cli: Cli, engine: Engine, tmp_path: Path
) -> None:
    folder = copy(tmp_path, "survey")
    build(engine, folder)
    assert cli("tag", "add", "fu2017look", "fine-grained/datasets").exit_code == 0
    assert cli("cite", "add", "fu2017look", "lin2015bilinear").exit_code == 0
    assert cli("tag", "add", "he2020momentum", "fine-grained/datasets").exit_code == 0
    listed = cli("sources", "--format", "csv")
    assert listed.exit_code == 0
    assert (
        "curated.bib,bib,69," in listed.stdout and "citations.csv,citations,161," in listed.stdout
    )
    forgot = cli("sources", "forget", "curated.bib")
    assert forgot.exit_code == 0 and "removed 69 entries" in forgot.stdout
    with session_scope(engine) as session:
        assert session.scalar(select(Paper).where(Paper.citekey == "he2020momentum")) is None
        manual = {
            (t.paper.citekey, t.node.path)
            for t in session.scalars(select(Tag).where(Tag.provenance == tx.MANUAL))
        }
        kept = [(e.citing, e.cited) for e in cdb.edges(session) if e.origin == "manual"]
    assert manual == {("fu2017look", "fine-grained/datasets")}
    assert kept == [("fu2017look", "lin2015bilinear")]


def test_forget_an_unknown_file_says_which_are_loaded(cli: Cli, engine: Engine) -> None:
    assert cli("sources").stdout.startswith("no files loaded")
    result = cli("sources", "forget", "nothere.bib")
    assert result.exit_code == 1 and "no file is loaded" in result.stderr
    with session_scope(engine, write=True) as session:
        load_bib_files(session, [BUNDLED / "papers.bib"])
    result = cli("sources", "forget", "papres.bib")
    assert result.exit_code == 1
    assert "no loaded file 'papres.bib'" in result.stderr and "papers.bib" in result.stderr


def test_forget_notes_keeps_sections_with_manual_tags(engine: Engine, tmp_path: Path) -> None:
    build(engine, copy(tmp_path, "survey"))
    with session_scope(engine, write=True) as session:
        paper = find_paper(session, "RA-CNN")
        tx.add_tag(session, paper, tx.find_node(session, "fine-grained/datasets"), tx.MANUAL)
    with session_scope(engine, write=True) as session:
        gone = forget_source(session, "notes.md")
        paths = {n.path: n.flag for n in tx.nodes_by_path(session).values()}
    assert gone.kept_orphaned == 2 and gone.sections == 21
    assert paths == {"fine-grained": "orphaned", "fine-grained/datasets": "orphaned"}


def second_survey(tmp_path: Path, title: str = "Another survey") -> Path:
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "refs.bib").write_text(
        "@article{other2020, title = {Another Paper Entirely}, year = 2020}\n"
    )
    (folder / "notes.md").write_text("# Topic\n\n- Another Paper Entirely\n\n# More\n")
    (folder / "survey.toml").write_text(
        f'title = "{title}"\nbibliography = ["refs.bib"]\nnotes = "notes.md"\n'
    )
    return folder


def test_a_second_survey_is_refused_with_both_names(engine: Engine, tmp_path: Path) -> None:
    build(engine, copy(tmp_path, "valse"))
    before = state(engine)
    with pytest.raises(SurveyError) as caught:
        build(engine, second_survey(tmp_path))
    message = str(caught.value)
    assert "VALSE" in message and "'Another survey'" in message
    assert "--db other.db" in message and "survey build --replace" in message
    assert state(engine) == before


def test_replace_starts_the_database_over(cli: Cli, engine: Engine, tmp_path: Path) -> None:
    build(engine, copy(tmp_path, "valse"))
    assert cli("tag", "add", "fu2017look", "fine-grained/datasets").exit_code == 0
    other = second_survey(tmp_path)
    refused = cli("build", other)
    assert refused.exit_code == 1 and "holds the survey" in refused.stderr
    assert cli("build", other, "--replace").exit_code == 0
    papers, sources, edges, tags = state(engine)
    assert [p[0] for p in papers] == ["other2020"]
    assert sources == [("notes.md", "notes"), ("refs.bib", "bib")]
    assert edges == [] and tags == [("other2020", "topic", "notes")]


def test_a_renamed_survey_with_its_id_is_the_same_survey(engine: Engine, tmp_path: Path) -> None:
    folder = second_survey(tmp_path)
    build(engine, folder)
    manifest = folder / "survey.toml"
    renamed = manifest.read_text().replace("Another survey", "A better title")
    manifest.write_text(renamed)
    with pytest.raises(SurveyError, match="add id = 'another-survey'"):
        build(engine, folder)
    manifest.write_text('id = "another-survey"\n' + renamed)
    build(engine, folder)
    with session_scope(engine) as session:
        assert settings_db.get_setting(session, "survey.title") == "A better title"


def test_dangling_cite_is_a_warning_on_load_and_in_check(
    cli: Cli, engine: Engine, tmp_path: Path
) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@article{citing2020, title = {Citing}, year = 2020, cites = {cited2019, gone2018}}\n"
        "@article{cited2019, title = {Cited}, year = 2019}\n"
    )
    loaded = cli("load", bib)
    assert loaded.exit_code == 0
    assert "gone2018: warning: no paper with this key" in loaded.stderr
    assert "1 citation edges from cites fields" in loaded.stdout
    with session_scope(engine) as session:
        assert [(e.citing, e.cited, e.origin) for e in cdb.edges(session)] == [
            ("citing2020", "cited2019", "bib-field")
        ]
    checked = cli("check", "--format", "csv")
    assert "dangling-cite" in checked.stdout and "gone2018" in checked.stdout


def test_a_bibliography_only_survey_with_a_glob(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "bibonly"
    (folder / "entries").mkdir(parents=True)
    for key, year in (("first2019", 2019), ("second2020", 2020)):
        (folder / "entries" / f"{key}.bib").write_text(
            f"@article{{{key}, title = {{Paper {key}}}, year = {year}}}\n"
        )
    (folder / "survey.toml").write_text('bibliography = ["entries/*.bib"]\n')
    report = build(engine, folder)
    assert not report.has_errors
    assert report.manifest.title == "bibonly"
    with session_scope(engine) as session:
        assert sorted(s.identity for s in list_sources(session)) == [
            "entries/first2019.bib",
            "entries/second2020.bib",
        ]


def test_a_glob_that_matches_nothing_names_its_line(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "survey.toml").write_text('title = "T"\nbibliography = ["bibs/*.bib"]\n')
    result = cli("build", folder)
    assert result.exit_code == 1
    assert "survey.toml:2: bibliography pattern 'bibs/*.bib' matches no file" in result.stderr


def test_a_broken_database_rule_is_one_clear_line_and_writes_nothing(engine: Engine) -> None:
    with (
        pytest.raises(DatabaseError, match=r"nothing was written to .*this is a bug in survey"),
        session_scope(engine, write=True) as session,
    ):
        session.add(Source(path="a.bib", kind="bib", sha256="", size=0, loaded_at=NOW))
        session.add(Source(path="a.bib", kind="bib", sha256="", size=0, loaded_at=NOW))
        session.flush()
    with session_scope(engine) as session:
        assert list_sources(session) == []
