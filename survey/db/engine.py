"""Engine, sessions and migrate-on-open (db layer).

`open_database` is the one way in: it creates the engine with the SQLite settings the
tool relies on (WAL, foreign keys, busy timeout, write transactions taken up front)
and upgrades the schema to the newest Alembic revision before anything else runs.

Opening an up-to-date database costs one read of `alembic_version`: the newest revision
is read from the migration scripts' `revision`/`down_revision` lines, and Alembic is
imported only when an upgrade (or a migration command) actually runs.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from survey import DISTRIBUTION
from survey.config import busy_timeout_seconds, migrations_dir
from survey.db.revisions import VERSION_TABLE, head_revision, is_known_revision
from survey.db.sqlite import configure_connection
from survey.errors import DatabaseError

if TYPE_CHECKING:
    from alembic.config import Config

_WRITE = "survey_write"
# The advisory lock that serialises survey's writers on a PostgreSQL database.
_LOCK = 0x5355_5256


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    # ConfigParser reads % as interpolation: a URL with %-escapes (a password, a
    # file: URI) must be stored with %% to come back unchanged.
    url = engine.url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def create_survey_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get WAL, foreign keys and a busy timeout."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(
            f"not a database URL: {url!r}", "give a path or an SQLAlchemy URL"
        ) from exc
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        # sqlite:///file:/path/x.db?mode=ro&uri=true names the file after "file:".
        database = parsed.database.removeprefix("file:").split("?")[0]
        folder = Path(database).expanduser().resolve().parent
        if not folder.is_dir():
            raise DatabaseError(
                f"cannot open database {parsed.database}: folder {folder} does not exist",
                "create the folder or choose another --db path",
            )
    # A command opens one connection and ends; a server database gets no idle pool.
    pool = {} if parsed.get_backend_name() == "sqlite" else {"poolclass": NullPool}
    try:
        engine = create_engine(
            parsed, connect_args=_connect_args(parsed.get_backend_name()), **pool
        )
    except (NoSuchModuleError, ImportError) as exc:
        raise DatabaseError(
            f"no driver for database URL {parsed.render_as_string()}: {exc}",
            f"install the driver, e.g. pip install '{DISTRIBUTION}[postgres]'",
        ) from exc
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def database_folder(session: Session) -> Path | None:
    """The folder of the session's SQLite database file; None for a server or in-memory
    database (paths the database remembers are relative to this folder, so a survey
    folder copied with its database is a new place)."""
    url = session.get_bind().engine.url
    database = url.database
    if url.get_backend_name() != "sqlite" or database in (None, "", ":memory:"):
        return None
    if database.startswith("file:") and "mode=memory" in database:
        return None
    return Path(database.removeprefix("file:").split("?")[0]).expanduser().resolve().parent


def _connect_args(backend: str) -> dict[str, Any]:
    if backend == "sqlite":
        return {"timeout": busy_timeout_seconds(), "check_same_thread": False}
    return {}


def _configure_sqlite(engine: Engine) -> None:
    is_file = engine.url.database not in (None, "", ":memory:")
    read_only = engine.url.query.get("mode") == "ro"

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Autocommit at the driver: SQLAlchemy's "begin" event below issues BEGIN, so
        # writers can ask for IMMEDIATE.
        configure_connection(dbapi_connection, is_file=is_file, read_only=read_only)

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # A writer takes the write lock at BEGIN: a deferred transaction that later needs
        # to write cannot wait for a busy lock in WAL mode and fails with "database is locked".
        connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.info.get(_WRITE) else "BEGIN")


def _translate(exc: SQLAlchemyError, url: str) -> DatabaseError:
    text = str(getattr(exc, "orig", exc))
    if "locked" in text or "busy" in text:
        return DatabaseError(
            f"database {url} is locked by another survey process and stayed locked",
            "wait for the other command to finish, then run this one again",
        )
    if "readonly" in text or "read-only" in text:
        return DatabaseError(
            f"database {url} is read-only", "check the file's permissions or choose another --db"
        )
    if "malformed" in text:
        return DatabaseError(
            f"database {url} is damaged (SQLite reports a malformed file); nothing was changed",
            "restore it from a backup, or build the survey into a new one with --db",
        )
    if "not a database" in text:
        return DatabaseError(
            f"{url} is not an SQLite database", "choose another --db path; survey creates new ones"
        )
    if (
        "disk is full" in text
        or "No space left" in text
        or "DiskFull" in type(getattr(exc, "orig", exc)).__name__
        or ("disk I/O error" in text and _no_space_beside(url))
    ):
        return DatabaseError(
            f"the disk holding {url} is full: nothing was written",
            "free some space (or choose another --db), then run the command again",
        )
    if isinstance(exc, OperationalError) and any(
        sign in text
        for sign in ("closed the connection", "terminating connection", "Connection refused")
    ):
        return DatabaseError(
            f"lost the connection to the database server {url}: this command's changes "
            "were not written",
            "check that the server is running, then run the command again",
        )
    if "unable to open" in text:
        return DatabaseError(f"cannot open database {url}", "check the path and its permissions")
    if isinstance(exc, IntegrityError):
        # A rule of the schema caught a write that survey should not have tried: the
        # database is unchanged (the transaction is rolled back); say so, not the SQL.
        first = text.splitlines()[0] if text else str(exc)
        return DatabaseError(
            f"nothing was written to {url}: the write broke a rule of the database ({first})",
            "this is a bug in survey: please report it with the command you ran",
        )
    return DatabaseError(f"database error on {url}: {text.splitlines()[0] if text else exc}")


# Free space below which an SQLite I/O error is taken for a full disk.
_NEARLY_FULL = 1 << 20


def _no_space_beside(database: str) -> bool:
    """Whether the file system of the SQLite file `database` is (nearly) full. In WAL mode
    SQLite reports a full disk as a bare "disk I/O error" when it cannot grow its -shm or
    -wal file: the free space tells the two apart."""
    try:
        info = os.statvfs(Path(database).expanduser().resolve().parent)
    except (OSError, ValueError):
        return False
    return info.f_bavail * info.f_frsize < _NEARLY_FULL


def _display_url(engine: Engine) -> str:
    if engine.dialect.name == "sqlite" and engine.url.database:
        return engine.url.database
    return engine.url.render_as_string(hide_password=True)


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision, None for a database without survey's tables."""
    try:
        with engine.connect() as connection:
            if not engine.dialect.has_table(connection, VERSION_TABLE):
                return None
            rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
    except SQLAlchemyError as exc:
        raise _translate(exc, _display_url(engine)) from exc
    if len(rows) > 1:
        # survey's chain has one head; several rows mean someone else's branches.
        several = ", ".join(sorted(str(row[0]) for row in rows))
        raise DatabaseError(
            f"database {_display_url(engine)} is at several schema revisions ({several}); "
            "nothing was changed",
            "choose another --db; survey keeps one line of revisions",
        )
    return str(rows[0][0]) if rows else None


def check_known(engine: Engine, current: str | None) -> None:
    """Refuse a database written by a newer survey: its schema revision is unknown here."""
    if current is not None and not is_known_revision(current):
        raise DatabaseError(
            f"database {_display_url(engine)} is at schema revision {current}, which this "
            f"survey does not know (its newest is {head_revision()}): a newer survey "
            "wrote it; nothing was changed",
            f"upgrade survey (pip install -U {DISTRIBUTION}), or choose another --db",
        )


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema; in one write transaction, so concurrent openers take turns."""
    from alembic import command

    config = alembic_config(engine)
    try:
        with engine.connect() as connection:
            connection.info[_WRITE] = True
            try:
                with connection.begin():
                    if engine.dialect.name == "postgresql":
                        # The writers' lock: two commands opening a fresh database take
                        # turns, and the second finds the schema already upgraded.
                        connection.execute(
                            text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK}
                        )
                    config.attributes["connection"] = connection
                    command.upgrade(config, revision)
            finally:
                connection.info.pop(_WRITE, None)
    except SQLAlchemyError as exc:
        raise _translate(exc, _display_url(engine)) from exc


def open_database(url: str) -> Engine:
    """The engine for `url`, its schema upgraded to the newest revision."""
    engine = create_survey_engine(url)
    current = current_revision(engine)
    if current != head_revision():
        check_known(engine, current)
        upgrade(engine)
    return engine


# Tables a bulk write asked to re-analyze when its unit of work ends (PostgreSQL).
_ANALYZE = "survey_analyze"


def analyze_after(session: Session, *tables: str) -> None:
    """Refresh PostgreSQL's planner statistics of `tables` at the end of this unit of work.

    A bulk load (COPY) leaves a table with no statistics until autovacuum gets to it, and
    temporary tables of a lineage walk are planned against them: the light question of
    `query lineage` ran several times slower on a freshly loaded database. ANALYZE runs in
    the same transaction and counts its own new rows. SQLite needs nothing here.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.info.setdefault(_ANALYZE, set()).update(tables)


def _analyze_requested(session: Session) -> None:
    for table in sorted(session.info.pop(_ANALYZE, ())):
        session.execute(text(f"ANALYZE {table}"))


@contextmanager
def session_scope(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """One unit of work: commits when the block ends, rolls back on any exception."""
    try:
        with engine.connect() as connection:
            connection.info[_WRITE] = write
            try:
                with connection.begin(), Session(bind=connection) as session:
                    if write and engine.dialect.name == "postgresql":
                        # Writers take turns, as SQLite's BEGIN IMMEDIATE makes them do.
                        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
                    yield session
                    session.flush()
                    _analyze_requested(session)
            finally:
                connection.info.pop(_WRITE, None)
    except SQLAlchemyError as exc:
        raise _translate(exc, _display_url(engine)) from exc
