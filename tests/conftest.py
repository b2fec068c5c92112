"""Shared fixtures: every test gets its own database; nothing touches ./survey.db.

The backend is SQLite unless SURVEY_TEST_BACKEND=postgresql: then a PostgreSQL server
is started for the session (or SURVEY_TEST_PG_URL names one) and each test gets a fresh
database on it, copied from one migrated to the newest revision at the start (tests of
an empty or older schema are marked `empty_database`). Tests that need one backend are
marked and say why; modules that never open a database are marked
`backend_independent` and run in the SQLite run only (the SQLite run checks the mark).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import Cli
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from survey.db import open_database, session_scope

TESTS: Path = Path(__file__).resolve().parent
REPO: Path = TESTS.parent
FIXTURES: Path = TESTS / "fixtures"
BUNDLED_BIB = REPO / "data" / "valse2020" / "papers.bib"


BACKEND = os.environ.get("SURVEY_TEST_BACKEND", "sqlite")
POSTGRES = BACKEND == "postgresql"
_SERVER: dict[str, Any] = {}
_NUMBERS = itertools.count()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only(reason): the test needs SQLite itself")
    config.addinivalue_line(
        "markers",
        "slow: kills processes at many moments (seconds to minutes); run by the test command"
        " and CI, skipped locally with -m 'not slow'",
    )
    config.addinivalue_line(
        "markers",
        "backend_independent: never opens the test's database; run in the SQLite run only",
    )
    config.addinivalue_line(
        "markers",
        "empty_database: on PostgreSQL, start from an empty database, not the newest schema",
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    if not POSTGRES:
        return
    admin = os.environ.get("SURVEY_TEST_PG_URL")
    if admin is None:
        from pgserver import Server

        server = Server()
        admin = server.start()
        _SERVER["server"] = server
    _SERVER["admin"] = admin
    engine = create_engine(admin, poolclass=NullPool)
    with engine.connect() as connection:
        version = connection.execute(text("SHOW server_version")).scalar()
    _SERVER["template"] = _migrated_template()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    line = f"PostgreSQL backend: server version {version} at {admin}"
    if reporter is not None:
        reporter.write_line(line)
    else:
        print(line)


def pytest_sessionfinish(session: pytest.Session) -> None:
    template = _SERVER.pop("template", None)
    if template is not None:
        admin = create_engine(_SERVER["admin"], poolclass=NullPool, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
    server = _SERVER.pop("server", None)
    if server is not None:
        server.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not POSTGRES:
        return
    for item in items:
        if item.get_closest_marker("backend_independent") is not None:
            item.add_marker(pytest.mark.skip(reason="opens no database: run on SQLite only"))
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


def _migrated_template() -> str:
    """A database migrated to the newest revision, which tests' databases are copied
    from (migrating each one took a third of a second)."""
    name = f"template{os.getpid()}"
    admin = create_engine(_SERVER["admin"], poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    open_database(_SERVER["admin"].rsplit("/", 1)[0] + "/" + name).dispose()
    return name


def _pg_database(*, empty: bool = True) -> tuple[str, Callable[[], None]]:
    """A new database on the session's server: empty, or a copy of the migrated one."""
    name = f"t{os.getpid()}_{next(_NUMBERS)}"
    admin = create_engine(_SERVER["admin"], poolclass=NullPool, isolation_level="AUTOCOMMIT")
    template = "" if empty else f' TEMPLATE "{_SERVER["template"]}"'
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{template}'))
    url = _SERVER["admin"].rsplit("/", 1)[0] + "/" + name

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return url, drop


@pytest.fixture(autouse=True)
def isolated_db(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[Path]:
    """The test's database: SURVEY_DB points at it. On SQLite the path is the file."""
    monkeypatch.setenv("COLUMNS", "200")
    # No test reaches a citation index: a closed local port unless a test serves recorded
    # answers; the answer caches live in the test's folder.
    for name in ("SURVEY_OPENALEX_URL", "SURVEY_S2_URL", "SURVEY_OPENCITATIONS_URL"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.setenv("SURVEY_CACHE_DIR", str(tmp_path / "index-cache"))
    monkeypatch.setenv("SURVEY_INDEX_BACKOFF", "0.01")
    for name in (
        "SURVEY_OPENALEX_EMAIL",
        "SURVEY_OPENALEX_API_KEY",
        "SURVEY_S2_API_KEY",
        "SURVEY_OPENCITATIONS_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "survey.db"
    if not POSTGRES:
        monkeypatch.setenv("SURVEY_DB", str(path))
        yield path
        if request.node.get_closest_marker("backend_independent") is not None:
            assert not path.exists(), "this test opens its database: drop backend_independent"
        return
    empty = request.node.get_closest_marker("empty_database") is not None
    url, drop = _pg_database(empty=empty)
    monkeypatch.setenv("SURVEY_DB", url)
    yield path
    drop()


@pytest.fixture
def db_url() -> str:
    return os.environ["SURVEY_DB"] if POSTGRES else f"sqlite:///{os.environ['SURVEY_DB']}"


@pytest.fixture
def engine(isolated_db: Path, db_url: str) -> Engine:
    return open_database(db_url)


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


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1.5 MiB tmpfs inside the test's folder (needs root; skipped elsewhere)."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1500k", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        # Lazy: a file still open on it (a connection not yet collected) must not keep
        # the mount alive after the test.
        subprocess.run(["umount", "--lazy", str(mount_point)], check=False)
