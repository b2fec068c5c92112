"""Crash safety and concurrent use: SIGKILL during loads, two loaders at once, a reader
during a load. These run real `survey` processes on a real SQLite file."""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bench.generate import generate

KILLS = 20
BUILD_KILLS = 10


def survey(db: Path, *args: str | Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SURVEY_DB": str(db), "SURVEY_WORKERS": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "survey", *[str(a) for a in args]],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


# Columns that say when something ran, not what the database holds.
VOLATILE = {("sources", "loaded_at"), ("detached", "detached_at")}


def state(db: Path) -> frozenset[tuple[str, str]]:
    """The whole database: every row of every table, checked whole by SQLite and by FTS5.

    The search index is checked against the papers (FTS5's integrity-check with rank 1
    compares the index with its content table), so papers committed without their index
    rows, or index rows without papers, fail here too.
    """
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'papers_fts%' ORDER BY name"
            )
        ]
        if connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'papers_fts'").fetchone():
            connection.execute(
                "INSERT INTO papers_fts(papers_fts, rank) VALUES('integrity-check', 1)"
            )
            indexed = connection.execute("SELECT count(*) FROM papers_fts").fetchone()[0]
            rows = connection.execute("SELECT count(*) FROM papers").fetchone()[0]
            assert indexed == rows
        found: set[tuple[str, str]] = set()
        for table in tables:
            cursor = connection.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cursor.description]
            for row in cursor:
                values = tuple(
                    None if (table, name) in VOLATILE else value
                    for name, value in zip(names, row, strict=True)
                )
                found.add((table, repr(values)))
    return frozenset(found)


def kill_repeatedly(
    tmp_path: Path, base: Path, command: tuple[str | Path, ...], kills: int, seed: int
) -> dict[str, int]:
    """Run `command` on copies of `base`, SIGKILL it at seeded random moments, and check
    each time: the whole database is the state before or after, and a re-run completes."""
    before = state(base)
    reference = tmp_path / "reference.db"
    reference.write_bytes(base.read_bytes())
    started = time.perf_counter()
    assert survey(reference, *command).wait() == 0
    duration = time.perf_counter() - started
    after = state(reference)
    assert before != after
    rng = random.Random(seed)
    outcomes = {"before": 0, "after": 0}
    for attempt in range(kills):
        db = tmp_path / f"kill{attempt}.db"
        db.write_bytes(base.read_bytes())
        process = survey(db, *command)
        time.sleep(rng.uniform(0.05, duration * 1.1))
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = state(db)
        assert now in (before, after), f"kill {attempt}: half-written database"
        outcomes["before" if now == before else "after"] += 1
        rerun = survey(db, *command)
        assert rerun.wait() == 0, rerun.stderr.read() if rerun.stderr else b""
        assert state(db) == after
    return outcomes


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("corpus")
    small, big = folder / "small.bib", folder / "big.bib"
    small.write_text(generate(50, seed=1).replace("bench", "small"), encoding="utf-8")
    big.write_text(generate(2500, seed=2), encoding="utf-8")
    return small, big


@pytest.mark.slow
@pytest.mark.sqlite_only(reason="copies database files and runs SQLite's integrity_check")
def test_sigkill_during_load_leaves_before_or_after(
    tmp_path: Path, corpus: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    small, big = corpus
    base = tmp_path / "base.db"
    assert survey(base, "load", small).wait() == 0
    with sqlite3.connect(base) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    outcomes = kill_repeatedly(tmp_path, base, ("load", big), KILLS, seed=2026)
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


def write_survey(folder: Path, bib_text: str, papers: int) -> None:
    """A survey folder over a generated bibliography: notes citing its papers by key in
    many sections, and a citations file chaining them."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "refs.bib").write_text(bib_text, encoding="utf-8")
    keys = re.findall(r"^@(?!string)\w+\{([^,]+),", bib_text, flags=re.MULTILINE | re.I)[:papers]
    sections = []
    for start in range(0, len(keys), 50):
        sections.append(f"# Part {start // 50}\n")
        sections += [f"- [@{key}]\n" for key in keys[start : start + 50]]
    (folder / "notes.md").write_text("\n".join(sections), encoding="utf-8")
    edges = "".join(f"{a},{b},,\n" for a, b in zip(keys[1:], keys, strict=False))
    (folder / "cites.csv").write_text("citing,cited,relation,evidence\n" + edges)
    (folder / "survey.toml").write_text(
        'title = "Crash"\nbibliography = ["refs.bib"]\nnotes = "notes.md"\n'
        'citations = ["cites.csv"]\n'
    )


@pytest.mark.slow
@pytest.mark.sqlite_only(reason="copies database files and runs SQLite's integrity_check")
def test_sigkill_during_build_leaves_before_or_after(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "survey"
    write_survey(folder, generate(100, seed=3), 100)
    base = tmp_path / "base.db"
    assert survey(base, "build", folder).wait() == 0
    assert survey(base, "tag", "add", "bench1contrastive2004", "part-1").wait() == 0
    with sqlite3.connect(base) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    write_survey(folder, generate(1500, seed=3), 1500)
    outcomes = kill_repeatedly(tmp_path, base, ("build", folder), BUILD_KILLS, seed=7)
    with capsys.disabled():
        print(
            f"\ncrash safety (build): {BUILD_KILLS} SIGKILLs survived "
            f"({outcomes['before']} left the state before, {outcomes['after']} after)"
        )


@pytest.mark.sqlite_only(reason="copies database files and runs SQLite's integrity_check")
@pytest.mark.parametrize(
    "command",
    [
        ("tag", "add", "bench1contrastive2004", "part-1"),
        ("cite", "add", "bench1contrastive2004", "bench5bilinear2004", "--relation", "extends"),
    ],
    ids=["tag-add", "cite-add"],
)
@pytest.mark.slow
def test_sigkill_during_a_manual_edit_leaves_before_or_after(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    folder = tmp_path / "survey"
    write_survey(folder, generate(100, seed=3), 100)
    base = tmp_path / "base.db"
    assert survey(base, "build", folder).wait() == 0
    with sqlite3.connect(base) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    kill_repeatedly(tmp_path, base, command, 6, seed=len(command))


@pytest.mark.slow
def test_sigkill_during_export_keeps_the_previous_file(tmp_path: Path) -> None:
    folder = tmp_path / "survey"
    write_survey(folder, generate(1500, seed=4), 1500)
    db = tmp_path / "export.db"
    assert survey(db, "build", folder).wait() == 0
    target = tmp_path / "graph.graphml"
    target.write_text("previous contents\n")
    rng = random.Random(11)
    for _ in range(5):
        process = survey(db, "export", "graphml", target)
        time.sleep(rng.uniform(0.05, 1.5))
        process.send_signal(signal.SIGKILL)
        process.wait()
        text = target.read_text()
        assert text == "previous contents\n" or text.rstrip().endswith("</graphml>")
        target.write_text("previous contents\n")


def test_two_builds_at_once_take_turns(tmp_path: Path) -> None:
    folder = tmp_path / "survey"
    write_survey(folder, generate(800, seed=5), 800)
    db = tmp_path / "two.db"
    first, second = survey(db, "build", folder), survey(db, "build", folder)
    assert first.wait() == 0, first.stderr.read() if first.stderr else b""
    assert second.wait() == 0, second.stderr.read() if second.stderr else b""
    reference = tmp_path / "one.db"
    assert survey(reference, "build", folder).wait() == 0
    assert state(db) == state(reference)


def test_four_manual_writers_at_once_all_succeed(tmp_path: Path) -> None:
    folder = tmp_path / "survey"
    write_survey(folder, generate(60, seed=6), 60)
    db = tmp_path / "writers.db"
    assert survey(db, "build", folder).wait() == 0
    with sqlite3.connect(db) as connection:
        keys = [k for (k,) in connection.execute("SELECT citekey FROM papers ORDER BY id")]
    writers = [
        survey(db, "tag", "add", keys[0], "part-1"),
        survey(db, "tag", "add", keys[1], "part-0"),
        survey(db, "cite", "add", keys[10], keys[2]),
        survey(db, "cite", "add", keys[20], keys[3]),
    ]
    for process in writers:
        assert process.wait() == 0, process.stderr.read() if process.stderr else b""
    with sqlite3.connect(db) as connection:
        tags = connection.execute("SELECT count(*) FROM tags WHERE provenance = 'manual'")
        edges = connection.execute("SELECT count(*) FROM citations WHERE origin = 'manual'")
        assert (tags.fetchone()[0], edges.fetchone()[0]) == (2, 2)


def test_two_builds_at_once_on_the_suite_backend(tmp_path: Path, db_url: str) -> None:
    """The same on the backend the suite runs on (PostgreSQL with SURVEY_TEST_BACKEND):
    a fresh database, so the schema upgrade itself is raced too."""
    folder = tmp_path / "survey"
    write_survey(folder, generate(400, seed=8), 400)
    env = {**os.environ, "SURVEY_DB": os.environ["SURVEY_DB"], "SURVEY_WORKERS": "1"}
    command = [sys.executable, "-m", "survey", "build", str(folder)]
    runs = [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for process in runs:
        assert process.wait() == 0, process.stderr.read() if process.stderr else b""
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.connect() as connection:
        counts = [
            connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("papers", "citations", "mentions", "tags", "sources")
        ]
    engine.dispose()
    assert counts == [400, 399, 400, 400, 3]


def test_postgres_stopped_in_the_middle_of_a_build(tmp_path: Path) -> None:
    """The server goes down as in a power cut: one clear line, and after a restart the
    database is as it was before the build."""
    try:
        from pgserver import Server

        server = Server()
        url = server.start()
    except (OSError, subprocess.CalledProcessError, LookupError) as exc:
        pytest.skip(f"no PostgreSQL server can be started here: {exc}")
    try:
        folder = tmp_path / "survey"
        write_survey(folder, generate(50, seed=9), 50)
        env = {**os.environ, "SURVEY_DB": url, "SURVEY_WORKERS": "1"}
        command = [sys.executable, "-m", "survey", "build", str(folder)]
        assert subprocess.run(command, env=env, capture_output=True).returncode == 0

        def counts() -> list[int]:
            engine = create_engine(url, poolclass=NullPool)
            with engine.connect() as connection:
                found = [
                    int(connection.execute(text(f"SELECT count(*) FROM {t}")).scalar() or 0)
                    for t in ("papers", "citations", "mentions", "taxonomy_nodes")
                ]
            engine.dispose()
            return found

        before = counts()
        write_survey(folder, generate(3000, seed=9), 3000)
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        time.sleep(1.5)
        assert process.poll() is None, "the build ended before the server could be stopped"
        server.crash()
        _, errors = process.communicate(timeout=60)
        assert process.returncode == 1
        lines = [line for line in errors.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), errors
        assert "Traceback" not in errors
        server.restart()
        assert counts() == before
    finally:
        server.stop()


def test_queries_during_a_build_see_whole_states(tmp_path: Path) -> None:
    folder = tmp_path / "survey"
    write_survey(folder, generate(50, seed=10), 50)
    db = tmp_path / "read-build.db"
    assert survey(db, "build", folder).wait() == 0
    write_survey(folder, generate(1500, seed=10), 1500)
    builder = survey(db, "build", folder)
    seen: set[tuple[int, int, int]] = set()
    reader = sqlite3.connect(db, timeout=30)
    while builder.poll() is None:
        reader.execute("BEGIN")
        seen.add(
            tuple(
                reader.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("papers", "citations", "mentions")
            )
        )
        reader.execute("COMMIT")
    reader.close()
    assert builder.returncode == 0
    assert seen <= {(50, 49, 50), (1500, 1499, 1500)}, seen
