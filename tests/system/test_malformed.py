"""Bad input through the CLI: one clear line naming file and line, exit code, database state."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import Cli
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

GOOD = "@article{good2000, title = {A good entry}, author = {Doe, Jane}, year = 2000}\n"


@dataclass
class Case:
    content: bytes | str | None  # None: no file at all; "<dir>": a directory
    message: str  # expected on stderr
    exit_code: int
    keys: set[str]  # papers in the database afterwards
    line: int | None = None  # the file:line the message must name


def papers_in(db: Path) -> set[str]:
    """Citekeys in the test's database (SQLite file or PostgreSQL), without migrating it."""
    url = os.environ["SURVEY_DB"]
    if "://" not in url:
        if not db.exists():
            return set()
        url = f"sqlite:///{db}"
    engine = create_engine(url, poolclass=NullPool)
    try:
        if "papers" not in inspect(engine).get_table_names():
            return set()
        with engine.connect() as connection:
            return {r[0] for r in connection.execute(text("SELECT citekey FROM papers"))}
    finally:
        engine.dispose()


CASES = [
    pytest.param(Case(None, "no such file", 1, set()), id="missing_file"),
    pytest.param(Case("<dir>", "is a directory", 1, set()), id="directory"),
    pytest.param(Case("", "is empty", 1, set()), id="empty_file"),
    pytest.param(Case("  \n\n\t\n", "is empty", 1, set()), id="whitespace_only"),
    pytest.param(Case(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary file", 1, set()), id="binary"),
    pytest.param(
        Case("% just a comment\n@comment{nothing}\n", "holds no BibTeX entries", 1, set()),
        id="no_entries",
    ),
    pytest.param(
        Case(
            "@article{mueller2001, title = {M\xfcller}, year = 2001}\n".encode("cp1252"),
            "not valid UTF-8; read as Windows-1252",
            0,
            {"mueller2001"},
            line=1,
        ),
        id="windows1252_file",
    ),
    pytest.param(
        Case(
            b"@article{ctrl2001, title = {A \x81 byte}, year = 2001}\n",
            "not valid UTF-8; read as latin-1",
            0,
            {"ctrl2001"},
            line=1,
        ),
        id="latin1_file",
    ),
    pytest.param(
        Case(
            GOOD + "\n@article{broken,\n  title = {Unbalanced,\n  year = 2001\n}\n",
            "never closed",
            1,
            {"good2000"},
            line=3,
        ),
        id="unbalanced_brace",
    ),
    pytest.param(
        Case(
            GOOD + '@article{quote, title = "Unterminated, year = 2001}\n',
            "never closed",
            1,
            {"good2000"},
            line=2,
        ),
        id="unterminated_quote",
    ),
    pytest.param(
        Case(
            GOOD + "@article{title = {No key}, year = 2001}\n",
            "the key is missing",
            1,
            {"good2000"},
            line=2,
        ),
        id="missing_key",
    ),
    pytest.param(
        Case(
            GOOD + "@article{, title = {Empty key}, year = 2001}\n",
            "has no valid citekey",
            1,
            {"good2000"},
            line=2,
        ),
        id="empty_key",
    ),
    pytest.param(
        Case(
            GOOD + "@article{good2000, title = {Again}, year = 2001}\n",
            "duplicate key: already used by the entry at line 1",
            1,
            {"good2000"},
            line=2,
        ),
        id="duplicate_key",
    ),
    pytest.param(
        Case(
            GOOD + "@article{GOOD2000, title = {Again}, year = 2001}\n",
            "duplicate key",
            1,
            {"good2000"},
            line=2,
        ),
        id="duplicate_key_other_case",
    ),
    pytest.param(
        Case(
            GOOD + "@article{nocomma, title = {X} year = 2001}\n",
            "a comma between fields is probably missing",
            1,
            {"good2000"},
            line=2,
        ),
        id="missing_comma_between_fields",
    ),
    pytest.param(
        Case(
            GOOD + "@article{dupfield, title = {One}, title = {Two}, year = 2001}\n",
            "field title given more than once",
            0,
            {"good2000", "dupfield"},
            line=2,
        ),
        id="duplicate_field",
    ),
    pytest.param(
        Case(
            GOOD + "@article{badyear, title = {X}, year = {2019a}}\n",
            "year '2019a' is not a four-digit year",
            0,
            {"good2000", "badyear"},
            line=2,
        ),
        id="invalid_year",
    ),
    pytest.param(
        Case(
            GOOD + "@article{baddoi, title = {X}, year = 2001, doi = {unknown}}\n",
            "is not a DOI",
            0,
            {"good2000", "baddoi"},
            line=2,
        ),
        id="invalid_doi",
    ),
    pytest.param(
        Case(
            GOOD + "@article{badarxiv, title = {X}, year = 2001, arxiv = {soon}}\n",
            "is not an arXiv identifier",
            0,
            {"good2000", "badarxiv"},
            line=2,
        ),
        id="invalid_arxiv",
    ),
    pytest.param(
        Case(
            GOOD + "@article{macro, title = {X}, journal = jmlr, year = 2001}\n",
            "undefined macro 'jmlr'",
            0,
            {"good2000", "macro"},
            line=2,
        ),
        id="undefined_macro",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_malformed_input(case: Case, cli: Cli, tmp_path: Path, isolated_db: Path) -> None:
    path = tmp_path / "input.bib"
    if case.content == "<dir>":
        path.mkdir()
    elif isinstance(case.content, bytes):
        path.write_bytes(case.content)
    elif case.content is not None:
        path.write_text(case.content, encoding="utf-8")
    result = cli("load", path)
    assert result.exit_code == case.exit_code, result.stderr
    stderr: str = result.stderr
    assert case.message in stderr
    assert "Traceback" not in stderr + result.stdout
    if case.line is not None:
        assert f"{path}:{case.line}:" in stderr
    assert papers_in(isolated_db) == case.keys


def test_strict_loads_nothing(cli: Cli, write_bib: Callable[..., Path], isolated_db: Path) -> None:
    path = write_bib(GOOD + "@article{broken,\n  title = {Unbalanced,\n  year = 2001\n}\n")
    result = cli("load", "--strict", path)
    assert result.exit_code == 1
    assert "--strict: nothing was loaded" in result.stderr
    assert f"{path}:2:" in result.stderr
    assert papers_in(isolated_db) == set()


def test_one_missing_file_among_good_ones_loads_nothing(
    cli: Cli, write_bib: Callable[..., Path], tmp_path: Path, isolated_db: Path
) -> None:
    result = cli("load", write_bib(GOOD), tmp_path / "nope.bib")
    assert result.exit_code == 1
    assert "nope.bib: no such file" in result.stderr
    assert papers_in(isolated_db) == set()


def test_missing_database_folder(cli: Cli, write_bib: Callable[..., Path], tmp_path: Path) -> None:
    result = cli("--db", tmp_path / "no" / "such" / "x.db", "load", write_bib(GOOD))
    assert result.exit_code == 1
    assert "does not exist" in result.stderr


def test_file_that_is_not_a_database(
    cli: Cli, write_bib: Callable[..., Path], tmp_path: Path
) -> None:
    db = tmp_path / "notes.txt"
    db.write_text("these are my notes, not a database\n" * 200)
    result = cli("--db", db, "load", write_bib(GOOD))
    assert result.exit_code == 1
    assert "is not an SQLite database" in result.stderr
    assert db.read_text().startswith("these are my notes")


@pytest.mark.sqlite_only(reason="holds SQLite's write lock from a second connection")
def test_locked_database_waits_then_fails_cleanly(
    cli: Cli,
    write_bib: Callable[..., Path],
    isolated_db: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert cli("load", write_bib(GOOD)).exit_code == 0
    monkeypatch.setenv("SURVEY_BUSY_TIMEOUT", "0.2")
    holder = sqlite3.connect(isolated_db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        other = write_bib("@article{other2001, title = {Other}, year = 2001}\n", "other.bib")
        result = cli("load", other)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1
    assert "is locked by another survey process" in result.stderr
    assert papers_in(isolated_db) == {"good2000"}
