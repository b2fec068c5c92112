"""Every command's failure paths: one clear line, exit code 1 (or 2 for usage), never a
traceback; a missing database folder, a read-only database, unknown keys, bad arguments."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, REPO
from helpers import Cli

BUNDLED = REPO / "data" / "valse2020"

# Every command, with arguments naming things that do not exist.
COMMANDS = [
    ("build", "/no/such/survey"),
    ("check",),
    ("export", "bib", "{tmp}/refs.bib"),
    ("load", "{tmp}/missing.bib"),
    ("report",),
    ("taxonomy",),
    ("tag", "add", "nokey2099", "no/section"),
    ("tag", "rm", "nokey2099", "no/section"),
    ("cite", "add", "nokey2099", "fu2017look"),
    ("cite", "rm", "nokey2099", "fu2017look"),
    ("query", "show", "nokey2099"),
    ("query", "search", "bilinear"),
    ("query", "lineage", "nokey2099"),
    ("query", "path", "nokey2099", "fu2017look"),
    ("query", "mainpath", "--within", "no/section"),
    ("query", "top", "--within", "no/section"),
    ("query", "related", "nokey2099"),
    ("query", "trend", "--within", "no/section"),
    ("db", "upgrade"),
    ("db", "current"),
]
WRITES = {"build", "load", "tag", "cite", "db upgrade"}


def run(cli: Cli, tmp: Path, *args: str | Path) -> tuple[int, str, str]:
    result = cli(*[str(a).replace("{tmp}", str(tmp)) for a in args])
    return result.exit_code, result.stdout, result.stderr


def assert_clean_failure(code: int, stdout: str, stderr: str) -> None:
    assert code in (1, 2), (code, stdout, stderr)
    assert "Traceback" not in stdout + stderr
    if code == 1:
        assert stderr.startswith("error: ") and stderr.count("\n") == 1, stderr


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_missing_database_folder(cli: Cli, tmp_path: Path, command: tuple[str, ...]) -> None:
    code, stdout, stderr = run(cli, tmp_path, "--db", tmp_path / "no" / "such" / "x.db", *command)
    assert_clean_failure(code, stdout, stderr)
    if code == 1 and command[0] not in ("build", "load"):
        assert "does not exist" in stderr


@pytest.fixture(scope="module")
def built_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("built") / "survey.db"
    result = Cli()("--db", str(db), "build", str(BUNDLED))
    assert result.exit_code == 0, result.stderr
    return db


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_unknown_keys_and_sections(
    cli: Cli, tmp_path: Path, built_db: Path, command: tuple[str, ...]
) -> None:
    db = tmp_path / "copy.db"
    db.write_bytes(built_db.read_bytes())
    code, stdout, stderr = run(cli, tmp_path, "--db", db, *command)
    if code == 0:
        assert (
            command[0] in ("check", "report", "taxonomy", "db", "export") or command[1] == "search"
        )
        return
    assert_clean_failure(code, stdout, stderr)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_read_only_database(
    cli: Cli, tmp_path: Path, built_db: Path, command: tuple[str, ...]
) -> None:
    db = tmp_path / "ro.db"
    db.write_bytes(built_db.read_bytes())
    url = f"sqlite:///file:{db}?mode=ro&uri=true"
    args = list(command)
    if command[0] == "load":
        args[1] = str(FIXTURES / "hostile.bib")
    if command[0] == "build":
        args[1] = str(BUNDLED)
    code, stdout, stderr = run(cli, tmp_path, "--db", url, *args)
    if " ".join(command[:2]) in ("build /no/such/survey",) or command[0] in ("build", "load"):
        assert code == 1 and "read-only" in stderr, stderr
    if code != 0:
        assert_clean_failure(code, stdout, stderr)


@pytest.mark.parametrize(
    "args",
    [
        ("query", "lineage", "RA-CNN", "--depth", "abc"),
        ("query", "top", "--limit", "0"),
        ("query", "show"),
        ("export", "pdf", "x.pdf"),
        ("tag", "add", "only-one-argument"),
        ("load",),
        ("query", "trend", "--level", "zero"),
        ("no-such-command",),
    ],
    ids=lambda a: " ".join(a),
)
def test_bad_arguments_are_usage_errors(cli: Cli, tmp_path: Path, args: tuple[str, ...]) -> None:
    code, stdout, stderr = run(cli, tmp_path, *args)
    assert code == 2, (stdout, stderr)
    assert "Traceback" not in stdout + stderr
