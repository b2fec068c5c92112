"""The settings every SQLite connection of survey gets (db layer, no SQLAlchemy): the
engine applies them on connect, and so does the quick read of `survey.db.papers_light`."""

from __future__ import annotations

import sqlite3
import time

from survey.config import busy_timeout_seconds


def configure_connection(connection: sqlite3.Connection, *, is_file: bool, read_only: bool) -> None:
    """Autocommit at the driver (the caller issues BEGIN), a busy timeout, foreign keys,
    page and cache sizes, and WAL for a writable file."""
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_seconds() * 1000)}")
    cursor.execute("PRAGMA foreign_keys = ON")
    # Papers keep their entry text and abstract (a few KB each): 16 KiB pages hold
    # them with less overflow, and a 64 MiB cache keeps a large load's index pages in
    # memory (measured in bench/: about 10% faster loads). page_size only takes
    # effect on a new, empty database.
    cursor.execute("PRAGMA page_size = 16384")
    cursor.execute("PRAGMA cache_size = -65536")
    if is_file and not read_only:
        _enable_wal(cursor, busy_timeout_seconds())
        cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _enable_wal(cursor: sqlite3.Cursor, timeout_s: float) -> None:
    """Switch the file to WAL, waiting for a lock as long as the busy timeout allows.

    The switch needs the file to itself, and SQLite answers "database is locked" at once
    instead of calling the busy handler: two commands opening a new database together
    would see one of them fail. Once the file is in WAL the pragma needs no lock.
    """
    deadline = time.monotonic() + timeout_s
    delay = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.1)
