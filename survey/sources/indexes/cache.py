"""The on-disk answer cache of one citation index (sources layer).

One SQLite file per index, an answer per request key (method, path, parameters and body;
never the API key). Only whole, parsed answers are stored, each in its own transaction,
so a run cut short (Ctrl-C, SIGKILL, a full disk) leaves every answer it stored usable
and none half-written, and a re-run resumes where the last one stopped.
"""

from __future__ import annotations

import errno
import hashlib
import json
import sqlite3
import threading
from collections.abc import Mapping
from pathlib import Path

from survey.errors import SurveyError

_SCHEMA = "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, request TEXT, body BLOB)"


class CacheError(SurveyError):
    """The answer cache cannot be created, read or written."""


def request_key(
    base_url: str, method: str, path: str, params: Mapping[str, str], body: object
) -> str:
    """The cache key of one request: what identifies the answer (the server too, so a
    mirror or a stand-in never answers for another), nothing secret."""
    canonical = json.dumps(
        [base_url, method, path, sorted(params.items()), body], sort_keys=True, ensure_ascii=True
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


class AnswerCache:
    """Answers by request key, in one SQLite file (created on first use)."""

    def __init__(self, path: Path, label: str) -> None:
        self.path = path
        self._label = label
        self._connection: sqlite3.Connection | None = None
        # One connection shared by the threads asking one index, one statement at a time.
        self._lock = threading.RLock()

    def _open(self) -> sqlite3.Connection:
        if self._connection is not None:
            return self._connection
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(str(self.path), timeout=30.0, check_same_thread=False)
            connection.execute(_SCHEMA)
            connection.commit()
        except (OSError, sqlite3.Error) as exc:
            raise self._error("cannot open", exc) from exc
        self._connection = connection
        return connection

    def get(self, key: str) -> bytes | None:
        with self._lock:
            try:
                row = (
                    self._open()
                    .execute("SELECT body FROM answers WHERE key = ?", (key,))
                    .fetchone()
                )
            except sqlite3.Error as exc:
                raise self._error("cannot read", exc) from exc
        return bytes(row[0]) if row else None

    def put(self, key: str, request: str, body: bytes) -> None:
        with self._lock:
            connection = self._open()
            try:
                with connection:
                    connection.execute(
                        "INSERT OR REPLACE INTO answers (key, request, body) VALUES (?, ?, ?)",
                        (key, request, body),
                    )
            except sqlite3.Error as exc:
                raise self._error("cannot write", exc) from exc

    def delete(self, key: str) -> None:
        with self._lock:
            try:
                with self._open() as connection:
                    connection.execute("DELETE FROM answers WHERE key = ?", (key,))
            except sqlite3.Error as exc:
                raise self._error("cannot write", exc) from exc

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _error(self, verb: str, exc: BaseException) -> CacheError:
        reason = getattr(exc, "strerror", None) or str(exc)
        if "full" in reason.lower() or getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT):
            reason = "the disk is full"
        elif "disk i/o error" in reason.lower():
            reason = "disk I/O error (the disk may be full, or a size limit reached)"
        return CacheError(
            f"{verb} the {self._label} answer cache {self.path}: {reason}",
            "free some space or point SURVEY_CACHE_DIR at a writable folder; "
            "the database was not changed",
        )
