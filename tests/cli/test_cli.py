"""The command line: happy paths, output formats, unknown keys, help text for every command."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import typer
from conftest import BUNDLED_BIB, REPO
from helpers import Cli
from typer.testing import CliRunner

from survey.cli.app import app


@pytest.fixture
def loaded(cli: Cli) -> Cli:
    result = cli("load", BUNDLED_BIB)
    assert result.exit_code == 0, result.stderr
    return cli


def test_load_summary_then_unchanged(cli: Cli) -> None:
    first = cli("load", BUNDLED_BIB)
    assert first.exit_code == 0
    assert "12 papers in the database" in first.stdout
    second = cli("load", BUNDLED_BIB)
    assert second.exit_code == 0
    assert "unchanged file, skipped" in second.stdout
    row = next(line for line in second.stdout.splitlines() if "papers.bib" in line)
    assert row.split()[-6:] == ["0", "0", "12", "0", "0", "0"]
    # Named relative to the current folder (or as <bundled>/...), never by its absolute path.
    assert str(BUNDLED_BIB) not in second.stdout


def test_show_json(loaded: Cli) -> None:
    result = loaded("query", "show", "fu2017look", "--format", "json")
    assert result.exit_code == 0
    record = json.loads(result.stdout)
    assert record["title"].startswith("Look Closer to See Better")
    assert [a["family"] for a in record["authors"]] == ["Fu", "Zheng", "Mei"]
    assert record["year"] == 2017
    assert record["venue"].startswith("Proceedings of the IEEE Conference on Computer Vision")
    assert "RA-CNN" in record["aliases"]


@pytest.mark.parametrize("key", ["RA-CNN", "ra-cnn", "FU2017LOOK", "look closer to see better"])
def test_show_finds_by_alias_and_ignores_case(loaded: Cli, key: str) -> None:
    result = loaded("query", "show", key, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["citekey"] == "fu2017look"


def test_show_table_and_csv(loaded: Cli) -> None:
    table = loaded("query", "show", "B-CNN")
    assert table.exit_code == 0
    assert "Bilinear CNN Models for Fine-Grained Visual Recognition" in table.stdout
    assert "Tsung-Yu Lin; Aruni RoyChowdhury; Subhransu Maji" in table.stdout
    rows = list(csv.reader(io.StringIO(loaded("query", "show", "B-CNN", "-f", "csv").stdout)))
    assert rows[0][:3] == ["citekey", "entry_type", "title"]
    assert rows[1][0] == "lin2015bilinear"


def test_unknown_key_suggests_closest(loaded: Cli) -> None:
    result = loaded("query", "show", "lin2015bilnear")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "no paper with key or alias 'lin2015bilnear'" in result.stderr
    assert "did you mean lin2015bilinear" in result.stderr


def test_show_on_an_empty_database_says_what_to_do(cli: Cli) -> None:
    assert cli("db", "upgrade").exit_code == 0
    result = cli("query", "show", "RA-CNN")
    assert result.exit_code == 1
    assert "the database is empty" in result.stderr and "survey load" in result.stderr


def test_a_read_only_command_creates_no_database(cli: Cli, tmp_path: Path) -> None:
    typo = tmp_path / "typo.db"
    for command in (
        ("query", "show", "RA-CNN"),
        ("query", "top"),
        ("taxonomy",),
        ("db", "current"),
    ):
        result = cli("--db", typo, *command)
        assert not typo.exists(), command
        if command[0] != "db":
            assert result.exit_code == 1 and "does not exist" in result.stderr
            assert "survey build" in result.stderr
    assert "no database file" in cli("--db", typo, "db", "current").stdout


def test_search_finds_bilinear_papers(loaded: Cli) -> None:
    result = loaded("query", "search", "bilinear", "-f", "json")
    assert result.exit_code == 0
    keys = {r["citekey"] for r in json.loads(result.stdout)}
    assert keys == {"lin2015bilinear", "zheng2019learning"}
    table = loaded("query", "search", "bilinear")
    assert "B-CNN" in table.stdout and "DBTNet" in table.stdout


def test_search_by_author_and_accent_insensitive(loaded: Cli, write_bib: object) -> None:
    assert "wang2020graph" in loaded("query", "search", "zhuhui", "-f", "csv").stdout
    assert loaded("query", "search", "nothing-like-this", "-f", "json").stdout.strip() == "[]"
    assert "no papers match" in loaded("query", "search", "nothinglikethis").stdout


def test_search_without_words_is_a_clear_error(loaded: Cli) -> None:
    result = loaded("query", "search", "%%%")
    assert result.exit_code == 1
    assert "has no words" in result.stderr


def test_bad_format_is_a_usage_error(loaded: Cli) -> None:
    result = loaded("query", "show", "B-CNN", "--format", "xml")
    assert result.exit_code == 2


@pytest.mark.empty_database
def test_db_current_and_upgrade(cli: Cli) -> None:
    before = cli("db", "current")
    assert before.exit_code == 0
    # No SQLite file yet (nothing is created by looking), or an empty PostgreSQL database.
    assert "none (no database file" in before.stdout or "none (empty database)" in before.stdout
    upgraded = cli("db", "upgrade")
    assert upgraded.exit_code == 0 and "0013" in upgraded.stdout
    assert "up to date" in cli("db", "current").stdout


def test_version(cli: Cli) -> None:
    result = cli("--version")
    assert result.exit_code == 0 and result.stdout.startswith("survey ")


def _commands(group: typer.Typer, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for info in group.registered_commands:
        name = info.name or (info.callback.__name__ if info.callback else "")
        found.append((*prefix, name))
    for sub in group.registered_groups:
        assert sub.typer_instance is not None and sub.name
        found.append((*prefix, sub.name))
        found.extend(_commands(sub.typer_instance, (*prefix, sub.name)))
    return found


ALL_COMMANDS = _commands(app)


@pytest.mark.parametrize("command", ALL_COMMANDS, ids=lambda c: " ".join(c))
def test_every_command_has_help(cli: Cli, command: tuple[str, ...]) -> None:
    result = cli(*command, "--help")
    assert result.exit_code == 0
    usage, _, rest = result.stdout.partition("\n\n")
    assert "Usage:" in usage
    assert rest.strip(), f"`survey {' '.join(command)}` has no help text"


def test_the_command_reference_names_every_command() -> None:
    """docs/commands.md, the reference the README points to, names every command."""
    page = (REPO / "docs" / "commands.md").read_text(encoding="utf-8")
    for command in ALL_COMMANDS:
        name = f"survey {' '.join(command)}"
        assert name in page, f"docs/commands.md lacks `{name}`"


def test_the_distribution_name_is_used_for_every_extra() -> None:
    """`survey` on the package index is another project: hints must name ours."""
    import tomllib

    from survey import DISTRIBUTION

    root = REPO
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == DISTRIBUTION == "survey-kb"
    docs = [root / "README.md", root / "CONTRIBUTING.md", *sorted((root / "docs").glob("*.md"))]
    texts = [*docs, *sorted((root / "survey").rglob("*.py"))]
    for path in texts:
        text = path.read_text(encoding="utf-8")
        assert "'survey[" not in text and " survey[" not in text, path


def test_readme_tour_installs_the_extra_its_charts_line_needs() -> None:
    """The tour runs after the README's first line, which installs no extra: `--charts`
    needs matplotlib, so the tour installs the `charts` extra before using it."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    tour = readme.split("## A short tour", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    lines = tour.splitlines()
    charts = next(i for i, line in enumerate(lines) if line.startswith("survey report --charts"))
    assert any(line.startswith("pip install 'survey-kb[charts]'") for line in lines[:charts])
    extras = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '\ncharts = ["matplotlib' in extras and 'name = "survey-kb"' in extras


def test_mentions_json_names_the_notes_relative_to_the_survey(cli: Cli) -> None:
    """Wherever the survey was read from (the bundled one lives inside the installed
    package), JSON and CSV name the notes file as the survey does."""
    assert cli("build").exit_code == 0
    rows = json.loads(cli("mentions", "--format", "json").stdout)
    assert rows and {row["file"] for row in rows} == {"notes.md"}
    table = list(csv.DictReader(io.StringIO(cli("mentions", "--format", "csv").stdout)))
    assert {row["file"] for row in table} == {"notes.md"}
    line = rows[0]["line"]
    shown = cli("mentions")
    assert shown.exit_code == 0 and f"notes.md:{line}" in shown.stdout


def test_shell_completion_is_not_offered() -> None:
    """Typer's completion options are off (they exited 2 here): `--help` does not list
    them and asking for one is a usage error, not a half-installed script."""
    runner = CliRunner()
    shown = runner.invoke(app, ["--help"])
    assert shown.exit_code == 0 and "completion" not in shown.stdout
    asked = runner.invoke(app, ["--install-completion"])
    assert asked.exit_code == 2 and "No such option" in asked.stderr


def test_json_and_csv_call_a_paper_key_citekey(cli: Cli) -> None:
    """One vocabulary: `citekey` in every JSON object and CSV header, as in the exports."""
    assert cli("build").exit_code == 0
    for args in (
        ["query", "show", "RA-CNN"],
        ["query", "search", "bilinear"],
        ["query", "lineage", "RA-CNN", "--descendants"],
        ["query", "top"],
        ["query", "related", "RA-CNN"],
        ["mentions"],
    ):
        text = cli(*args, "--format", "json").stdout
        assert '"citekey"' in text and '"key"' not in text, args
        header = cli(*args, "--format", "csv").stdout.splitlines()[0].split(",")
        assert "key" not in header, (args, header)
