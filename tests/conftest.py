"""Shared fixtures: every test gets its own database; nothing touches ./survey.db."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers import Cli
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from survey.db import open_database, session_scope

REPO = Path(__file__).resolve().parent.parent
BUNDLED_BIB = REPO / "data" / "valse2020" / "papers.bib"


@pytest.fixture(autouse=True)
def isolated_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "survey.db"
    monkeypatch.setenv("SURVEY_DB", str(path))
    monkeypatch.setenv("COLUMNS", "200")
    return path


@pytest.fixture
def engine(isolated_db: Path) -> Engine:
    return open_database(f"sqlite:///{isolated_db}")


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_scope(engine, write=True) as s:
        yield s


@pytest.fixture
def write_bib(tmp_path: Path) -> Callable[..., Path]:
    """Write BibTeX text (dedented) to a file in the test's folder and return its path."""

    def write(text: str, name: str = "refs.bib") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def cli() -> Cli:
    return Cli()
