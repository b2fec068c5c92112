"""A survey folder reads only itself, its manifest is odd-input safe, and a copied
folder is a new place (the database remembers its manifest relatively)."""

from __future__ import annotations

import os
import re
import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import Cli
from sqlalchemy import Engine

from survey.db.engine import session_scope
from survey.errors import InputFileError
from survey.ingest.folder import build_survey
from survey.sources.manifest import read_manifest

BIB = """@article{lin2015bilinear,
  title = {Bilinear {CNN} Models for Fine-Grained Visual Recognition},
  author = {Lin, Tsung-Yu and RoyChowdhury, Aruni and Maji, Subhransu},
  year = {2015},
}

@inproceedings{fu2017look,
  title = {Look Closer to See Better: Recurrent Attention Convolutional Neural Network},
  author = {Fu, Jianlong and Zheng, Heliang and Mei, Tao},
  year = {2017},
}
"""

NOTES = """# Fine-grained recognition

## Part localisation

- RA-CNN (CVPR 2017) zooms in recursively
- Bilinear pooling of two streams
"""


def make_survey(folder: Path, manifest: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "papers.bib").write_text(BIB, encoding="utf-8")
    (folder / "notes.md").write_text(NOTES, encoding="utf-8")
    (folder / "survey.toml").write_text(
        manifest or 'title = "FG"\nbibliography = ["papers.bib"]\nnotes = "notes.md"\n',
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file of the user's machine, outside any survey folder."""
    path = tmp_path / "home" / "secret.bib"
    path.parent.mkdir()
    path.write_text(
        "@misc{secret2024, title = {Private draft: not for publication}, year = {2024}}\n"
    )
    return path


def outside_cases(secret: Path) -> list[tuple[str, str]]:
    return [
        ("absolute_notes", f'bibliography = ["papers.bib"]\nnotes = "{secret}"\n'),
        ("dotdot_bibliography", 'bibliography = ["papers.bib", "../../home/secret.bib"]\n'),
        ("absolute_glob", f'bibliography = ["{secret.parent}/*.bib"]\n'),
        ("dotdot_glob", 'bibliography = ["papers.bib", "../../home/*.bib"]\n'),
        ("dotdot_citations", 'bibliography = ["papers.bib"]\ncitations = ["../../home/s.csv"]\n'),
    ]


@pytest.mark.parametrize(
    "case",
    ["absolute_notes", "dotdot_bibliography", "absolute_glob", "dotdot_glob", "dotdot_citations"],
)
def test_a_path_leaving_the_survey_folder_is_refused(
    tmp_path: Path, secret: Path, case: str
) -> None:
    (secret.parent / "s.csv").write_text("citing,cited\nsecret2024,fu2017look\n")
    manifest = dict(outside_cases(secret))[case]
    folder = make_survey(tmp_path / "clone" / "survey", 'title = "FG"\n' + manifest)
    with pytest.raises(InputFileError) as caught:
        read_manifest(folder)
    message = str(caught.value)
    assert "is outside the survey folder" in message
    assert "survey build --allow-outside" in message and "\n" not in message
    assert f"{folder / 'survey.toml'}:2:" in message or f"{folder / 'survey.toml'}:3:" in message


def test_a_symlink_leading_out_is_refused(tmp_path: Path, secret: Path) -> None:
    folder = make_survey(tmp_path / "survey")
    (folder / "more.bib").symlink_to(secret)
    (folder / "survey.toml").write_text('bibliography = ["papers.bib", "more.bib"]\n')
    with pytest.raises(InputFileError, match=f"'more.bib' .resolves to {secret}. is outside"):
        read_manifest(folder)
    (folder / "survey.toml").write_text('bibliography = ["*.bib"]\n')
    with pytest.raises(InputFileError, match=r"'\*\.bib' .resolves to .*secret\.bib. is outside"):
        read_manifest(folder)


def test_a_symlink_inside_the_folder_is_fine(tmp_path: Path) -> None:
    folder = make_survey(tmp_path / "survey")
    (folder / "bib").mkdir()
    (folder / "bib" / "all.bib").symlink_to(folder / "papers.bib")
    (folder / "survey.toml").write_text('bibliography = ["bib/all.bib"]\nnotes = "./notes.md"\n')
    assert read_manifest(folder).bibliography == [folder / "bib" / "all.bib"]


def test_allow_outside_lets_the_user_read_a_named_place(tmp_path: Path, secret: Path) -> None:
    folder = make_survey(
        tmp_path / "survey", f'bibliography = ["papers.bib", "{secret}"]\nnotes = "notes.md"\n'
    )
    assert read_manifest(folder, [secret]).bibliography[1] == secret
    assert read_manifest(folder, [secret.parent]).bibliography[1] == secret
    with pytest.raises(InputFileError, match="outside"):
        read_manifest(folder, [tmp_path / "elsewhere"])


def test_build_refuses_then_allows_outside_paths(cli: Cli, tmp_path: Path, secret: Path) -> None:
    folder = make_survey(
        tmp_path / "survey", 'bibliography = ["papers.bib", "../home/secret.bib"]\n'
    )
    refused = cli("build", folder)
    assert refused.exit_code == 1 and "Traceback" not in refused.stderr
    line = refused.stderr.strip()
    assert "\n" not in line and "../home/secret.bib" in line and "--allow-outside" in line
    allowed = cli("build", folder, "--allow-outside", secret)
    assert allowed.exit_code == 0, allowed.stderr
    assert "secret2024" in cli("query", "show", "secret2024").stdout


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        pytest.param(
            'id = "\\u0000x"\nbibliography = ["papers.bib"]\n',
            "survey.toml:1: '\\x00x' holds the control character U+0000",
            id="nul_in_id",
        ),
        pytest.param(
            'bibliography = ["papers.bib"]\nnotes = "notes\\u0000.md"\n',
            "survey.toml:2: 'notes\\x00.md' holds the control character U+0000",
            id="nul_in_path",
        ),
        pytest.param(
            'bibliography = ["papers.bib"]\n[aliases]\n"RA\\u001bCNN" = "fu2017look"\n',
            "holds the control character U+001B",
            id="escape_in_alias",
        ),
        pytest.param(
            "a = " + "[" * 5000 + "]" * 5000 + '\nbibliography = ["papers.bib"]\n',
            "nested too deeply to read",
            id="nested_5000_levels",
        ),
        pytest.param(
            'bibliography = ["papers.bib"]\n[curated]\n"x" = ['
            + ", ".join(['"k"'] * 100_001)
            + "]\n",
            "lists 100,001 papers, more than the 100,000",
            id="curated_section_too_long",
        ),
    ],
)
def test_odd_manifests_are_one_clear_line(
    cli: Cli, tmp_path: Path, manifest: str, message: str
) -> None:
    folder = make_survey(tmp_path / "survey", manifest)
    result = cli("build", folder)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_a_table_past_the_cap_is_refused(tmp_path: Path) -> None:
    rows = "".join(f'"s{i}" = ["k"]\n' for i in range(100_001))
    folder = make_survey(tmp_path / "survey", 'bibliography = ["papers.bib"]\n[curated]\n' + rows)
    with pytest.raises(InputFileError, match=r"survey\.toml:2: \[curated\] has 100,001 entries"):
        read_manifest(folder)


class _CountingPattern:
    """The manifest's key pattern, counting the lines it is run over."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.lines = 0

    def finditer(self, line: str) -> Iterator[re.Match[str]]:
        self.lines += 1
        return self.pattern.finditer(line)


def test_fifty_thousand_curated_entries_are_checked_in_linear_time(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old checks looked up each entry's line in the whole manifest: 50,000 entries
    took minutes. Most name sections the notes do not have: each is a warning. Each line
    of the manifest is scanned once for all the lookups (the cost grows with its size,
    not with its size squared); the time is bench's business, not a test's."""
    import survey.sources.manifest as manifest_module

    counting = _CountingPattern(manifest_module._QUOTED_OR_BARE)
    monkeypatch.setattr(manifest_module, "_QUOTED_OR_BARE", counting)
    rows = "".join(f'"part-{i}/sub" = ["lin2015bilinear", "fu2017look"]\n' for i in range(50_000))
    folder = make_survey(
        tmp_path / "survey",
        'bibliography = ["papers.bib"]\nnotes = "notes.md"\n[curated]\n'
        '"part-localisation" = ["fu2017look"]\n' + rows,
    )
    with session_scope(engine, write=True) as session:
        report = build_survey(session, folder)
    assert report.curated_tags == 1
    warnings = [d for d in report.diagnostics if d.code == "curated-section"]
    assert len(warnings) == 50_000 and warnings[-1].line == 50_004
    lines = (folder / "survey.toml").read_text(encoding="utf-8").count("\n")
    assert 0 < counting.lines <= lines + 1


# -- a copied folder is a new place -------------------------------------------------


def test_a_copied_survey_edits_its_own_manifest(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = make_survey(tmp_path / "proj")
    monkeypatch.chdir(original)
    monkeypatch.setenv("SURVEY_DB", str(original / "survey.db"))
    assert cli("build", ".").exit_code == 0
    copy = Path(shutil.copytree(original, tmp_path / "proj2"))
    before = (original / "survey.toml").read_bytes()
    monkeypatch.chdir(copy)
    monkeypatch.setenv("SURVEY_DB", str(copy / "survey.db"))
    done = cli("mentions", "accept", "notes.md:6", "lin2015bilinear")
    assert done.exit_code == 0, done.stderr
    assert str(copy / "survey.toml") in done.stdout
    assert (original / "survey.toml").read_bytes() == before
    aliases = tomllib.loads((copy / "survey.toml").read_text(encoding="utf-8"))["aliases"]
    assert aliases == {"Bilinear pooling of two streams": "lin2015bilinear"}


def test_run_inside_another_survey_folder_it_says_which_manifest_it_edits(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = make_survey(tmp_path / "proj")
    assert cli("build", built).exit_code == 0
    other = make_survey(tmp_path / "other")
    before = (other / "survey.toml").read_bytes()
    monkeypatch.chdir(other)
    done = cli("mentions", "accept", "notes.md:6", "lin2015bilinear")
    assert done.exit_code == 0, done.stderr
    assert f"note: editing {built / 'survey.toml'}" in done.stderr
    assert f"not {other / 'survey.toml'}" in done.stderr and "--survey ." in done.stderr
    assert (other / "survey.toml").read_bytes() == before


def test_a_database_remembers_its_manifest_relative_to_itself(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if "://" in os.environ["SURVEY_DB"]:
        pytest.skip("an SQLite file's folder is the base")
    folder = make_survey(tmp_path / "proj")
    monkeypatch.setenv("SURVEY_DB", str(tmp_path / "dbs" / "fg.db"))
    (tmp_path / "dbs").mkdir()
    assert cli("build", folder).exit_code == 0
    import sqlite3

    with sqlite3.connect(tmp_path / "dbs" / "fg.db") as connection:
        (stored,) = connection.execute(
            "SELECT value FROM settings WHERE name = 'survey.manifest'"
        ).fetchone()
    assert stored == os.path.join("..", "proj", "survey.toml")


def test_mentions_accept_on_a_deeply_nested_manifest_is_one_line(cli: Cli, tmp_path: Path) -> None:
    folder = make_survey(tmp_path / "proj")
    assert cli("build", folder).exit_code == 0
    nested = "a = " + "[" * 5000 + "]" * 5000 + "\n"
    (folder / "survey.toml").write_text(nested)
    result = cli("mentions", "accept", "notes.md:6", "lin2015bilinear")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "nested too deeply to read" in result.stderr
    assert (folder / "survey.toml").read_text() == nested
