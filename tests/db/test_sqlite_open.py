"""Two commands opening a new SQLite database at the same moment both get it: switching
the file to WAL waits for the lock instead of failing (SQLite does not call the busy
handler for that switch)."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

from survey.db.sqlite import configure_connection


def _open_and_write(path: str, results: multiprocessing.Queue[str]) -> None:
    try:
        connection = sqlite3.connect(path)
        configure_connection(connection, is_file=True, read_only=False)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("CREATE TABLE IF NOT EXISTS opened (n INTEGER)")
        connection.execute("INSERT INTO opened VALUES (1)")
        connection.execute("COMMIT")
        connection.close()
        results.put("ok")
    except sqlite3.Error as exc:
        results.put(repr(exc))


def test_two_openers_of_a_new_file_both_succeed(tmp_path: Path) -> None:
    # Without the wait, about one race in five failed here (2 cores); 40 races make a
    # regression all but certain to show.
    context = multiprocessing.get_context("fork")
    for attempt in range(40):
        path = str(tmp_path / f"new{attempt}.db")
        results: multiprocessing.Queue[str] = context.Queue()
        openers = [context.Process(target=_open_and_write, args=(path, results)) for _ in "ab"]
        for opener in openers:
            opener.start()
        for opener in openers:
            opener.join(timeout=60)
        assert [results.get(timeout=5), results.get(timeout=5)] == ["ok", "ok"], attempt
        with sqlite3.connect(path) as check:
            assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert check.execute("SELECT count(*) FROM opened").fetchone()[0] == 2
