"""Inputs that are merely odd: UTF-16 files, text that looks like emoji codes or console
markup, pathological line and field sizes, and export targets that are FIFOs. Each is
one clear line (or literal output), never a traceback, a hang or unbounded work."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import REPO
from helpers import Cli, durability_events

from survey.export import write_text

ROOT = REPO

BIB = """@article{lin2015bilinear,
  title = {Bilinear {CNN} Models for Fine-Grained Visual Recognition},
  author = {Lin, Tsung-Yu and RoyChowdhury, Aruni and Maji, Subhransu},
  year = {2015},
}
"""


def survey_folder(folder: Path, notes: str, bib: str = BIB) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "papers.bib").write_text(bib, encoding="utf-8")
    (folder / "notes.md").write_text(notes, encoding="utf-8")
    (folder / "survey.toml").write_text(
        'title = "FG"\nbibliography = ["papers.bib"]\nnotes = "notes.md"\n', encoding="utf-8"
    )
    return folder


# -- UTF-16 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding", ["utf-16", "utf-16-le", "utf-16-be"], ids=["bom", "le_no_bom", "be_no_bom"]
)
def test_a_utf16_bibtex_file_is_named_as_such(cli: Cli, tmp_path: Path, encoding: str) -> None:
    """What Windows tools (Notepad's "Unicode", some reference managers) save."""
    path = tmp_path / "library.bib"
    path.write_bytes(BIB.encode(encoding))
    result = cli("load", path)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"error: {path}: is UTF-16 text, not UTF-8 (save it as UTF-8)"


@pytest.mark.parametrize("name", ["notes.md", "survey.toml"])
def test_utf16_notes_and_manifest_are_named_too(cli: Cli, tmp_path: Path, name: str) -> None:
    folder = survey_folder(tmp_path / "fg", "# FG\n\n## Parts\n\n- [@lin2015bilinear]\n")
    path = folder / name
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    result = cli("build", folder)
    assert result.exit_code == 1
    assert "is UTF-16 text, not UTF-8 (save it as UTF-8)" in result.stderr


def test_utf8_text_with_a_few_nuls_is_not_taken_for_utf16(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_bytes(BIB.encode() + b"\x00\x00")
    result = cli("load", path)
    assert result.exit_code == 1 and "binary file" in result.stderr


# -- no emoji or markup from data ----------------------------------------------------


def test_a_line_number_that_forms_an_emoji_code_prints_as_written(cli: Cli, tmp_path: Path) -> None:
    """`notes.md:100:` holds the emoji code `:100:`; the place must paste into
    `survey mentions accept FILE:LINE`."""
    notes = "# FG\n\n## Parts\n\n" + "\n" * 95 + "- Some unpublished :smile: work [bold]x[/bold]\n"
    assert notes.splitlines()[99].startswith("- Some")
    folder = survey_folder(tmp_path / "fg", notes)
    result = cli("build", folder)
    assert result.exit_code == 0
    assert f"{folder / 'notes.md'}:100: warning: unresolved mention" in result.stderr
    assert "notes.md:100" in result.stderr and "\U0001f4af" not in result.stderr
    assert ":smile: work [bold]x[/bold]" in result.stderr and "\U0001f604" not in result.stderr
    listed = cli("mentions", "--open")
    assert "notes.md:100" in listed.stdout and "\U0001f4af" not in listed.stdout
    assert "[bold]x[/bold]" in listed.stdout


def test_markup_in_names_and_errors_prints_literally(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "refs[red]:thumbs_up:.bib"
    path.write_text(BIB, encoding="utf-8")
    loaded = cli("load", path)
    assert loaded.exit_code == 0 and "refs[red]:thumbs_up:.bib" in loaded.stdout
    missing = cli("query", "show", "[bold]nokey[/bold]:fire:")
    assert missing.exit_code == 1
    assert "'[bold]nokey[/bold]:fire:'" in missing.stderr and "\U0001f525" not in missing.stderr


# -- caps on one line and one field --------------------------------------------------


def test_one_enormous_notes_line_is_refused_quickly(cli: Cli, tmp_path: Path) -> None:
    """A notes line of 5 MB (links, as a pasted page would have): the notes parser's cost
    grows faster than the line, so it is refused before parsing, naming the line."""
    line = "- " + "see [this](https://example.org/p) and " * 130_000
    folder = survey_folder(tmp_path / "fg", "# FG\n\n## Parts\n\n" + line + "\n")
    started = time.perf_counter()
    result = cli("build", folder)
    assert time.perf_counter() - started < 60  # parsing it would take many minutes
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert f"{folder / 'notes.md'}:5: the line is {len(line):,} characters long" in result.stderr
    assert "split it into lines" in result.stderr


def test_a_long_but_real_notes_line_still_builds(cli: Cli, tmp_path: Path) -> None:
    line = "- [@lin2015bilinear] " + "a long annotation " * 2_000
    folder = survey_folder(tmp_path / "fg", "# FG\n\n## Parts\n\n" + line + "\n")
    assert cli("build", folder).exit_code == 0


def test_an_entry_with_too_many_authors_is_one_error(cli: Cli, tmp_path: Path) -> None:
    people = " and ".join(f"Author{i}, A." for i in range(10_001))
    path = tmp_path / "refs.bib"
    path.write_text(
        BIB + f"@article{{atlas2012, title = {{Observation}}, author = {{{people}}}}}\n",
        encoding="utf-8",
    )
    result = cli("load", path)
    assert result.exit_code == 1
    assert "atlas2012: error: field 'author' names 10,001 people" in result.stderr
    assert "end the list with 'and others'" in result.stderr
    assert "lin2015bilinear" in cli("query", "show", "lin2015bilinear").stdout


def test_a_million_authors_are_refused_in_bounded_time(cli: Cli, tmp_path: Path) -> None:
    people = " and ".join(f"A{i}, B." for i in range(1_000_000))
    path = tmp_path / "refs.bib"
    path.write_text(BIB + f"@article{{huge, title = {{Huge}}, author = {{{people}}}}}\n")
    started = time.perf_counter()
    result = cli("load", path)
    assert time.perf_counter() - started < 60  # splitting a million names took minutes
    assert result.exit_code == 1
    assert "huge: error: field 'author' is longer than 1,000,000 characters" in result.stderr


# -- exports onto FIFOs, fsync before rename -----------------------------------------


def test_an_export_onto_a_fifo_with_no_reader_says_so_and_does_not_block(
    tmp_path: Path,
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    assert (
        subprocess.run(
            [sys.executable, "-m", "survey", "build"], env=env, capture_output=True
        ).returncode
        == 0
    )
    runner = subprocess.Popen(
        [sys.executable, "-m", "survey", "export", "bib", str(fifo)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _out, errors = runner.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        runner.kill()
        runner.communicate()
        pytest.fail("the export blocked on a FIFO with no reader")
    assert runner.returncode == 1
    assert errors.strip() == (
        f"error: cannot write {fifo}: it is a FIFO (named pipe) with no reader "
        "(start the program that reads it first, or write to a regular file)"
    )
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_an_export_onto_a_fifo_with_a_reader_streams_into_it(cli: Cli, tmp_path: Path) -> None:
    assert cli("build").exit_code == 0
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader is there first
    os.set_blocking(reader, True)
    # A writer of our own holds the pipe open, so the reader sees the end of the data
    # only once the export is done and ours is closed too.
    holder = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    received: list[bytes] = []

    def read_all() -> None:
        while chunk := os.read(reader, 65536):
            received.append(chunk)

    thread = threading.Thread(target=read_all)
    thread.start()
    result = cli("export", "bib", fifo)
    os.close(holder)
    thread.join(timeout=60)
    os.close(reader)
    assert result.exit_code == 0, result.stderr
    assert b"".join(received).decode().count("@") > 20


def test_an_export_is_fsynced_before_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "refs.bib"
    path.write_text("old\n")
    events = durability_events(monkeypatch)
    write_text(path, "new\n")
    assert path.read_text() == "new\n"
    assert events == ["file", "rename", "folder"]
