"""The settings every SQLite connection of survey gets (db layer, no SQLAlchemy): the
engine applies them on connect, and so does the quick read path of `survey.db.records`."""

from __future__ import annotations

import sqlite3

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
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()
