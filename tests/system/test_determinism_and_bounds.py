"""Reliability, round two: determinism across processes, inputs that are not regular
files, bounded input, schema revisions from the future, quiet builds at scale."""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO
from helpers import Cli
from sqlalchemy import Engine, select, text

from survey.db import citations as cdb
from survey.db import session_scope
from survey.db.models import Paper, Tag
from survey.db.papers import find_paper

sys.path.insert(0, str(REPO))

from bench.generate import generate

BUNDLED = REPO / "data" / "valse2020"


def synthetic_survey(folder: Path, papers: int = 3000, bullets: int = 300) -> Path:
    """Titles drawn from a small vocabulary, so many candidates tie on rare words."""
    folder.mkdir(parents=True)
    rng = random.Random(7)
    vocabulary = [f"w{i}" for i in range(60)]
    titles = [" ".join(rng.sample(vocabulary, 6)) for _ in range(papers)]
    (folder / "refs.bib").write_text(
        "".join(
            f"@article{{p{i}, title = {{{t}}}, year = {2000 + i % 20}}}\n"
            for i, t in enumerate(titles)
        )
    )
    lines = ["# Topic\n"]
    for _ in range(bullets):
        words = rng.choice(titles).split()
        rng.shuffle(words)
        lines.append("- " + " ".join(words[:5]) + "\n")
    (folder / "notes.md").write_text("".join(lines) + "\n# Other\n")
    (folder / "survey.toml").write_text(
        'title = "Ties"\nbibliography = ["refs.bib"]\nnotes = "notes.md"\n'
    )
    return folder


@pytest.mark.sqlite_only(reason="each seed's build writes its own SQLite file on either backend")
def test_the_same_inputs_resolve_the_same_under_every_hash_seed(tmp_path: Path) -> None:
    folder = synthetic_survey(tmp_path / "survey")
    results = []
    for seed in ("0", "1", "2", "3"):
        database = tmp_path / f"seed{seed}.db"
        env = {**os.environ, "PYTHONHASHSEED": seed, "SURVEY_DB": str(database)}
        done = subprocess.run(
            [sys.executable, "-m", "survey", "build", str(folder)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        with sqlite3.connect(database) as connection:
            results.append(
                connection.execute(
                    "SELECT line, status, paper_id, candidates FROM mentions ORDER BY line"
                ).fetchall()
            )
    assert len(results[0]) == 300
    assert all(result == results[0] for result in results[1:])


def special_file(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"input.{kind}"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        # A node made here, never the machine's own devices.
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 5))
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.close()
    else:
        path.mkdir()
    return path


KIND_WORDS = {
    "fifo": "is a FIFO",
    "device": "is a character device",
    "socket": "is a socket",
    "directory": "is a directory",
}


@pytest.mark.parametrize("kind", list(KIND_WORDS))
def test_a_bib_that_is_not_a_regular_file_is_refused_at_once(
    cli: Cli, tmp_path: Path, kind: str
) -> None:
    if kind == "device" and os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    path = special_file(tmp_path, kind)
    started = time.monotonic()
    result = cli("load", path)
    assert time.monotonic() - started < 10
    assert result.exit_code == 1 and KIND_WORDS[kind] in result.stderr
    assert str(path) in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("role", ["notes", "citations", "manifest"])
def test_survey_inputs_that_are_fifos_are_refused(cli: Cli, tmp_path: Path, role: str) -> None:
    folder = Path(shutil.copytree(BUNDLED, tmp_path / "survey"))
    target = {
        "notes": folder / "notes.md",
        "citations": folder / "citations.csv",
        "manifest": folder / "survey.toml",
    }[role]
    target.unlink()
    os.mkfifo(target)
    result = cli("build", folder)
    assert result.exit_code == 1 and "is a FIFO" in result.stderr
    assert str(target) in result.stderr


def test_a_manifest_that_is_not_utf8_names_its_line(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "survey"
    folder.mkdir()
    (folder / "survey.toml").write_bytes(
        'title = "Caf\xe9"\nbibliography = ["a.bib"]\n'.encode("latin-1")
    )
    result = cli("build", folder)
    assert result.exit_code == 1
    assert "survey.toml:1: not valid UTF-8 (save survey.toml as UTF-8)" in result.stderr
    assert "Traceback" not in result.stderr


# The busy timeout is SQLite's: a PostgreSQL connection never reads it.
SQLITE_TIMEOUT = pytest.mark.sqlite_only(reason="SURVEY_BUSY_TIMEOUT is read for SQLite only")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        pytest.param("SURVEY_WORKERS", "four", "is not a number of processes", id="workers_word"),
        pytest.param("SURVEY_WORKERS", "0", "is not a number of processes", id="workers_zero"),
        pytest.param(
            "SURVEY_BUSY_TIMEOUT",
            "soon",
            "is not a number of seconds",
            id="busy_word",
            marks=SQLITE_TIMEOUT,
        ),
        pytest.param(
            "SURVEY_BUSY_TIMEOUT",
            "-5",
            "is not a number of seconds",
            id="busy_negative",
            marks=SQLITE_TIMEOUT,
        ),
        pytest.param(
            "SURVEY_BUSY_TIMEOUT",
            "nan",
            "is not a number of seconds",
            id="busy_nan",
            marks=SQLITE_TIMEOUT,
        ),
    ],
)
def test_a_bad_environment_setting_is_one_clear_line(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    result = cli("load", REPO / "data" / "valse2020" / "papers.bib")
    assert result.exit_code == 1
    assert f"{name}={value!r} {message}" in result.stderr and "unset it" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_input_over_the_size_limit_is_refused(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bib = tmp_path / "big.bib"
    bib.write_text("@article{a2001, title = {A}, year = 2001}\n" * 30_000)
    monkeypatch.setenv("SURVEY_MAX_INPUT_MB", "1")
    result = cli("load", bib)
    assert result.exit_code == 1 and "more than the 1 MiB survey reads" in result.stderr
    monkeypatch.setenv("SURVEY_MAX_INPUT_MB", "lots")
    result = cli("load", bib)
    assert result.exit_code == 1 and "SURVEY_MAX_INPUT_MB='lots' is not a number" in result.stderr


def test_nested_string_macros_are_bounded(cli: Cli, tmp_path: Path, engine: Engine) -> None:
    lines = ['@string{s0 = "xxxxxxxxxxxxxxxx"}']
    lines += [f"@string{{s{i} = s{i - 1} # s{i - 1}}}" for i in range(1, 40)]
    lines += ["@article{fine2001, title = {Fine}, year = 2001}"]
    bomb = tmp_path / "bomb.bib"
    bomb.write_text("\n".join(lines) + "\n")
    assert bomb.stat().st_size < 1100
    result = cli("load", bomb)
    assert result.exit_code == 1
    assert "bomb.bib:17: @string s16: error: expands to more than 1,000,000" in result.stderr
    with session_scope(engine) as session:
        assert find_paper(session, "fine2001").title == "Fine"


def test_a_nul_byte_past_64_kib_fails_its_entry_only(
    cli: Cli, tmp_path: Path, engine: Engine
) -> None:
    filler = "".join(
        f"@article{{fill{i}, title = {{Filler number {i}}}, year = 2001}}\n" for i in range(1500)
    )
    assert len(filler) > 65536
    bib = tmp_path / "nul.bib"
    bib.write_text(filler + "@article{nul2001, title = {Has a \x00 byte}, year = 2001}\n")
    result = cli("load", bib)
    assert result.exit_code == 1
    assert "nul.bib:1501: nul2001: error: holds a NUL byte" in result.stderr
    with session_scope(engine) as session:
        keys = set(session.scalars(select(Paper.citekey)))
    assert len(keys) == 1500 and "nul2001" not in keys


def test_a_database_from_a_newer_survey_is_refused_unchanged(cli: Cli, engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    result = cli("query", "search", "anything")
    assert result.exit_code == 1
    assert "at schema revision 0999, which this survey does not know" in result.stderr
    current = cli("db", "current")
    assert "written by a newer survey" in current.stdout
    assert "will be upgraded" not in current.stdout
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            "0999"
        )


@pytest.mark.parametrize(
    "args",
    [
        ["query", "search", "x", "--limit", "99999999999999999999"],
        ["query", "top", "--limit", "0"],
        ["query", "lineage", "RA-CNN", "--depth", "0"],
        ["query", "lineage", "RA-CNN", "--depth", "-3"],
        ["query", "path", "RA-CNN", "B-CNN", "--limit", "10000001"],
    ],
)
def test_out_of_range_numbers_are_usage_errors(cli: Cli, args: list[str]) -> None:
    result = cli(*args)
    assert result.exit_code == 2 and "Invalid value" in result.stderr


@pytest.mark.parametrize(
    "query", ['"', "*", "NEAR(a b)", "a OR b", "-x", "^x", "'", "a AND", "(", "title:x"]
)
def test_search_text_is_never_interpreted(cli: Cli, query: str) -> None:
    assert cli("load", BUNDLED / "papers.bib").exit_code == 0
    result = cli("query", "search", "--format", "json", "--", query)
    assert result.exit_code in (0, 1) and "Traceback" not in result.stderr
    if result.exit_code == 1:
        assert "has no words" in result.stderr


def entry_of(text: str, key: str) -> str:
    start = text.rfind("@", 0, text.index("{" + key + ","))
    end = text.find("\n@", start + 1)
    return text[start : end + 1 if end != -1 else len(text)]


def manual_work(engine: Engine) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    with session_scope(engine) as session:
        tags = sorted(
            (t.paper.citekey, t.node.path, t.annotation)
            for t in session.scalars(select(Tag).where(Tag.provenance == "manual"))
        )
        edges = [(e.citing, e.cited) for e in cdb.edges(session) if e.origin == "manual"]
    return tags, edges


def test_manual_work_survives_an_entry_leaving_and_returns_with_it(
    cli: Cli, engine: Engine, tmp_path: Path
) -> None:
    folder = Path(shutil.copytree(BUNDLED, tmp_path / "survey"))
    assert cli("build", folder).exit_code == 0
    assert cli("tag", "add", "RA-CNN", "fine-grained/datasets", "--note", "zoom").exit_code == 0
    assert cli("cite", "add", "RA-CNN", "B-CNN", "--relation", "baseline").exit_code == 0
    before = manual_work(engine)
    bib = folder / "papers.bib"
    text = bib.read_text(encoding="utf-8")
    entry = entry_of(text, "fu2017look")
    bib.write_text(text.replace(entry, ""), encoding="utf-8")
    gone = cli("build", folder)  # the citations file now names a missing paper: exit 1
    assert "fu2017look" in gone.stderr
    assert manual_work(engine) == ([], [])
    checked = cli("check", "--format", "csv").stdout
    assert "detached" in checked and "manual tag of fu2017look in fine-grained/datasets" in checked
    bib.write_text(text, encoding="utf-8")
    assert cli("build", folder).exit_code == 0
    assert manual_work(engine) == before
    assert "detached" not in cli("check", "--format", "csv").stdout


def test_an_entry_moving_to_another_file_keeps_its_paper(
    cli: Cli, engine: Engine, tmp_path: Path
) -> None:
    folder = Path(shutil.copytree(BUNDLED, tmp_path / "survey"))
    assert cli("build", folder).exit_code == 0
    assert cli("tag", "add", "RA-CNN", "fine-grained/datasets").exit_code == 0
    with session_scope(engine) as session:
        paper_id = find_paper(session, "fu2017look").id
    papers, curated = folder / "papers.bib", folder / "curated.bib"
    text = papers.read_text(encoding="utf-8")
    entry = entry_of(text, "fu2017look")
    papers.write_text(text.replace(entry, ""), encoding="utf-8")
    edited = entry.rstrip().removesuffix("}").rstrip().rstrip(",") + ",\n  note = {moved}\n}\n"
    curated.write_text(curated.read_text(encoding="utf-8") + "\n" + edited, encoding="utf-8")
    result = cli("build", folder)
    assert result.exit_code == 0, result.stderr
    assert "fu2017look" not in result.stderr
    with session_scope(engine) as session:
        paper = find_paper(session, "fu2017look")
        assert paper.id == paper_id and paper.fields.get("note") == "moved"
        assert paper.source is not None and paper.source.path == "curated.bib"
    assert manual_work(engine)[0] == [("fu2017look", "fine-grained/datasets", "")]


def test_thousands_of_suspect_edges_are_summarised(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "suspects"
    folder.mkdir()
    count = 2000
    (folder / "refs.bib").write_text(
        "@article{old2000, title = {The Old One}, year = 2000}\n"
        + "".join(f"@article{{new{i}, title = {{New {i}}}, year = 2010}}\n" for i in range(count))
    )
    (folder / "cites.csv").write_text(
        "citing,cited,relation,evidence\n" + "".join(f"old2000,new{i},,\n" for i in range(count))
    )
    (folder / "survey.toml").write_text(
        'title = "S"\nbibliography = ["refs.bib"]\ncitations = ["cites.csv"]\n'
    )
    quiet = cli("build", folder)
    assert quiet.exit_code == 0
    assert quiet.stderr.count("flagged suspect") == 5
    assert f"... and {count - 5} more suspect-edge warnings ({count} in all" in quiet.stderr
    loud = cli("build", folder, "--verbose")
    assert loud.stderr.count("flagged suspect") == count


def test_escape_sequences_never_reach_the_terminal_and_csv_formulas_are_neutral(
    cli: Cli, tmp_path: Path
) -> None:
    bib = tmp_path / "hostile.bib"
    bib.write_text(
        "@article{esc2020, title = {Red \x1b[31mALERT\x1b[0m and \x1b]0;owned\x07 title},"
        " year = 2020}\n"
        '@article{formula2020, title = {=HYPERLINK("http://x","click")}, year = 2020}\n'
    )
    assert cli("load", bib).exit_code == 0
    for args in (["query", "show", "esc2020"], ["query", "search", "red"]):
        result = cli(*args)
        assert result.exit_code == 0
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
        assert "ALERT" in result.stdout
    rows = cli("query", "search", "hyperlink", "--format", "csv").stdout
    assert "'=HYPERLINK" in rows


@pytest.mark.sqlite_only(reason="fills the disk under an SQLite file")
def test_a_disk_that_fills_up_during_a_load(tmp_path: Path, small_disk: Path) -> None:
    small, big = tmp_path / "small.bib", tmp_path / "big.bib"
    small.write_text(generate(20, seed=1).replace("bench", "small"), encoding="utf-8")
    big.write_text(generate(1500, seed=2), encoding="utf-8")
    db = small_disk / "survey.db"
    env = {**os.environ, "SURVEY_DB": str(db)}
    first = subprocess.run(
        [sys.executable, "-m", "survey", "load", str(small)], env=env, capture_output=True
    )
    assert first.returncode == 0, first.stderr
    second = subprocess.run(
        [sys.executable, "-m", "survey", "load", str(big)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert second.returncode == 1
    assert "is full: nothing was written" in second.stderr
    assert "Traceback" not in second.stderr
    connection = sqlite3.connect(db)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("SELECT count(*) FROM papers").fetchone()[0] == 20
    finally:
        connection.close()


@pytest.mark.sqlite_only(reason="fills the disk under an SQLite file in WAL mode")
def test_a_full_disk_in_wal_mode_says_the_disk_is_full(tmp_path: Path, small_disk: Path) -> None:
    """A database file with no -wal and -shm yet (closed cleanly, copied) on a full disk:
    SQLite cannot make its WAL index and answers "disk I/O error"; survey says what it is."""
    built = tmp_path / "built.db"
    small = tmp_path / "small.bib"
    small.write_text(generate(20, seed=1).replace("bench", "small"), encoding="utf-8")
    env = {**os.environ, "SURVEY_DB": str(built)}
    load = [sys.executable, "-m", "survey", "load", str(small)]
    assert subprocess.run(load, env=env, capture_output=True).returncode == 0
    with sqlite3.connect(built) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(built, small_disk / "survey.db")
    fill(small_disk, leave=0)
    env["SURVEY_DB"] = str(small_disk / "survey.db")
    for args in (["query", "search", "small"], ["tag", "add", "small0x", "x"], ["load", small]):
        done = subprocess.run(
            [sys.executable, "-m", "survey", *map(str, args)],
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 1, args
        message = done.stderr.strip()
        assert "is full: nothing was written" in message and "I/O" not in message, message
        assert len(message.splitlines()) == 1


def fill(disk: Path, leave: int) -> None:
    """Fill `disk` until only about `leave` bytes are free."""
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    (disk / "filler").write_bytes(b"\0" * max(free - leave, 0))


def test_a_disk_that_fills_up_during_an_export_keeps_the_previous_file(
    cli: Cli, small_disk: Path
) -> None:
    """Every export and the report on a full disk: one line naming the file and the fix,
    exit 1, the previous file byte for byte, and no temporary file left behind."""
    assert cli("build").exit_code == 0
    previous = {
        "graphml": small_disk / "survey.graphml",
        "gexf": small_disk / "survey.gexf",
        "bib": small_disk / "refs.bib",
        "csljson": small_disk / "refs.json",
        "html": small_disk / "survey.html",
    }
    tables = small_disk / "tables"
    tables.mkdir()
    for path in [*previous.values(), tables / "papers.csv", tables / "edges.csv"]:
        path.write_text(f"previous {path.name}\n")
    report = small_disk / "report.md"
    report.write_text("previous report\n")
    fill(small_disk, leave=4096)
    runs = [("export", kind, path) for kind, path in previous.items()]
    runs += [("export", "csv", tables), ("report", "-o", report)]
    for args in runs:
        result = cli(*args)
        assert result.exit_code == 1, args
        message = result.stderr.strip()
        assert "No space left on device; the previous file is unchanged" in message, args
        assert "free some space" in message and len(message.splitlines()) == 1, message
    for path in [*previous.values(), tables / "papers.csv", tables / "edges.csv", report]:
        assert path.read_text().startswith("previous "), path
    leftovers = [p.name for p in small_disk.rglob(".*")]
    assert leftovers == []


def hub_bib(path: Path, citing: int) -> None:
    path.write_text(
        "@article{hub2000, title = {The Hub}, year = 2000}\n"
        + "".join(
            f"@article{{c{i}, title = {{Citing {i}}}, year = 2005, cites = {{hub2000}}}}\n"
            for i in range(citing)
        )
        + "@article{alone2001, title = {Alone}, year = 2001}\n"
    )


def test_a_paper_cited_by_twenty_thousand(cli: Cli, tmp_path: Path) -> None:
    bib = tmp_path / "hub.bib"
    hub_bib(bib, 20_000)
    assert cli("load", bib).exit_code == 0
    result = cli("query", "lineage", "hub2000", "--descendants", "--format", "json")
    assert result.exit_code == 0
    papers = json.loads(result.stdout)["papers"]
    assert len({row["citekey"] for row in papers}) == 20_000
    assert {row["generation"] for row in papers} == {1}
    assert str(20_000) in cli("query", "top", "--limit", "1").stdout.replace(",", "")


def test_no_path_between_unconnected_papers(cli: Cli, tmp_path: Path) -> None:
    bib = tmp_path / "hub.bib"
    hub_bib(bib, 3)
    assert cli("load", bib).exit_code == 0
    result = cli("query", "path", "c0", "alone2001")
    assert result.exit_code == 0 and "no path from c0 to alone2001" in result.stdout


def test_a_cycle_of_manual_edges_is_named(cli: Cli, tmp_path: Path) -> None:
    bib = tmp_path / "hub.bib"
    hub_bib(bib, 2)
    assert cli("load", bib).exit_code == 0
    assert cli("cite", "add", "hub2000", "c0").exit_code == 0
    main = cli("query", "mainpath")
    assert main.exit_code == 1 and "citation cycle" in main.stderr and "hub2000" in main.stderr
    assert "survey cite rm hub2000 c0" in main.stderr  # the fix that matches a manual edge
    checked = cli("check", "--format", "csv").stdout
    assert "citation-cycle" in checked


@pytest.mark.sqlite_only(reason="holds SQLite's write lock from a second connection")
def test_a_writer_waits_for_the_lock_and_then_writes(tmp_path: Path) -> None:
    """A writer that began deferred would read a snapshot, then fail when it writes after
    the other writer commits (SQLITE_BUSY_SNAPSHOT, no waiting). survey's writers take
    the write lock at BEGIN, so this one waits and then succeeds, every time."""
    db = tmp_path / "lock.db"
    bib = tmp_path / "refs.bib"
    hub_bib(bib, 3)
    env = {**os.environ, "SURVEY_DB": str(db)}
    run = [sys.executable, "-m", "survey"]
    assert subprocess.run([*run, "load", str(bib)], env=env, capture_output=True).returncode == 0
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    writer = subprocess.Popen(
        [*run, "cite", "add", "c1", "hub2000", "--relation", "extends"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(4)  # long enough for the writer to start and reach its transaction
    holder.execute("INSERT INTO settings (name, value) VALUES ('held', 'yes')")
    holder.execute("COMMIT")
    holder.close()
    _, errors = writer.communicate(timeout=60)
    assert writer.returncode == 0, errors
    connection = sqlite3.connect(db)
    try:
        edges = connection.execute(
            "SELECT count(*) FROM citations WHERE origin = 'manual'"
        ).fetchone()[0]
    finally:
        connection.close()
    assert edges == 1


@pytest.mark.sqlite_only(reason="truncates an SQLite file")
def test_a_truncated_database_is_one_clear_line(tmp_path: Path) -> None:
    db = tmp_path / "cut.db"
    bib = tmp_path / "refs.bib"
    hub_bib(bib, 500)
    env = {**os.environ, "SURVEY_DB": str(db)}
    run = [sys.executable, "-m", "survey"]
    assert subprocess.run([*run, "load", str(bib)], env=env, capture_output=True).returncode == 0
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3])
    result = subprocess.run(
        [*run, "query", "search", "citing"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error:") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "is damaged" in result.stderr or "not an SQLite database" in result.stderr
