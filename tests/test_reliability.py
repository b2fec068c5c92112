"""Crash safety and concurrent use: SIGKILL during loads, two loaders at once, a reader
during a load. These run real `survey` processes on a real SQLite file."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generate import generate

KILLS = 20


def survey(db: Path, *args: str | Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SURVEY_DB": str(db), "SURVEY_WORKERS": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "survey", *[str(a) for a in args]],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def state(db: Path) -> frozenset[tuple[str, str]]:
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        papers = connection.execute("SELECT citekey, content_hash FROM papers").fetchall()
        authors = connection.execute("SELECT count(*) FROM authors").fetchone()[0]
    return frozenset(papers) | {("#authors", str(authors))}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("corpus")
    small, big = folder / "small.bib", folder / "big.bib"
    small.write_text(generate(50, seed=1).replace("bench", "small"), encoding="utf-8")
    big.write_text(generate(2500, seed=2), encoding="utf-8")
    return small, big


@pytest.mark.sqlite_only(reason="copies database files and runs SQLite's integrity_check")
def test_sigkill_during_load_leaves_before_or_after(
    tmp_path: Path, corpus: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    small, big = corpus
    base = tmp_path / "base.db"
    assert survey(base, "load", small).wait() == 0
    with sqlite3.connect(base) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = state(base)
    reference = tmp_path / "reference.db"
    reference.write_bytes(base.read_bytes())
    started = time.perf_counter()
    assert survey(reference, "load", big).wait() == 0
    duration = time.perf_counter() - started
    after = state(reference)
    assert before != after

    rng = random.Random(2026)
    outcomes = {"before": 0, "after": 0}
    for attempt in range(KILLS):
        db = tmp_path / f"kill{attempt}.db"
        db.write_bytes(base.read_bytes())
        process = survey(db, "load", big)
        time.sleep(rng.uniform(0.05, duration * 1.1))
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = state(db)
        assert now in (before, after), f"kill {attempt}: half-written database"
        outcomes["before" if now == before else "after"] += 1
        rerun = survey(db, "load", big)
        assert rerun.wait() == 0, rerun.stderr.read() if rerun.stderr else b""
        assert state(db) == after
    with capsys.disabled():
        print(
            f"\ncrash safety: {KILLS} SIGKILLs survived "
            f"({outcomes['before']} left the state before, {outcomes['after']} after)"
        )


def test_two_loaders_at_once(tmp_path: Path, corpus: tuple[Path, Path]) -> None:
    small, big = corpus
    db = tmp_path / "shared.db"
    assert survey(db, "db", "upgrade").wait() == 0
    first, second = survey(db, "load", big), survey(db, "load", small)
    assert first.wait() == 0, first.stderr.read() if first.stderr else b""
    assert second.wait() == 0, second.stderr.read() if second.stderr else b""
    with sqlite3.connect(db) as connection:
        count = connection.execute("SELECT count(*) FROM papers").fetchone()[0]
    assert count == 2550


def test_reader_sees_before_or_after_never_half(tmp_path: Path, corpus: tuple[Path, Path]) -> None:
    small, big = corpus
    db = tmp_path / "read.db"
    assert survey(db, "load", small).wait() == 0
    loader = survey(db, "load", big)
    seen = set()
    reader = sqlite3.connect(db, timeout=30)
    while loader.poll() is None:
        seen.add(reader.execute("SELECT count(*) FROM papers").fetchone()[0])
        query = subprocess.run(
            [
                sys.executable,
                "-m",
                "survey",
                "--db",
                str(db),
                "query",
                "search",
                "learning",
                "--format",
                "json",
                "--limit",
                "1",
            ],
            capture_output=True,
            check=False,
        )
        assert query.returncode == 0, query.stderr
    seen.add(reader.execute("SELECT count(*) FROM papers").fetchone()[0])
    reader.close()
    assert loader.returncode == 0
    assert seen <= {50, 2550}
