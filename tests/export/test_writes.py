"""How survey writes files: temp-and-rename only for regular files, devices and FIFOs
written in place, `-` for standard output, modes kept (never a real device: nodes are
made with mknod in the test's folder)."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest
from helpers import Cli

from survey.errors import SurveyError
from survey.export import write_text, writes_in_place

ROOT = os.geteuid() == 0


def _null_device(folder: Path) -> Path:
    node = folder / "null"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return node


@pytest.mark.skipif(not ROOT, reason="mknod of a character device needs root")
def test_a_character_device_is_written_in_place(tmp_path: Path) -> None:
    node = _null_device(tmp_path)
    assert writes_in_place(node)
    write_text(node, "anything\n")
    assert stat.S_ISCHR(node.stat().st_mode), "the device node was replaced by a file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


@pytest.mark.skipif(not ROOT, reason="mknod of a character device needs root")
def test_every_export_onto_a_device_keeps_the_node(cli: Cli, tmp_path: Path) -> None:
    assert cli("build").exit_code == 0
    node = _null_device(tmp_path)
    for kind in ("graphml", "gexf", "bib", "csljson"):
        result = cli("export", kind, node)
        assert result.exit_code == 0, result.stderr
        assert stat.S_ISCHR(node.stat().st_mode), kind
        assert result.stdout == "" and "wrote" in result.stderr
    assert cli("report", "-o", node).exit_code == 0
    assert cli("build", "--report", node, "--graphml", node).exit_code == 0
    assert stat.S_ISCHR(node.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("survey.db")) == [
        "null"
    ]


def test_a_fifo_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    write_text(fifo, "through the pipe\n")
    reader.join(timeout=10)
    assert received == ["through the pipe\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_dash_is_standard_output_for_every_export_and_the_report(cli: Cli) -> None:
    assert cli("build").exit_code == 0
    for kind, start in (
        ("graphml", "<?xml"),
        ("gexf", "<?xml"),
        ("bib", "@"),
        ("csljson", "["),
    ):
        result = cli("export", kind, "-")
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith(start), kind
        assert "wrote" not in result.stdout and "wrote -" in result.stderr
    report = cli("report", "-o", "-")
    assert report.exit_code == 0 and report.stdout.startswith("# VALSE")
    assert report.stdout == cli("report").stdout
    refused = cli("export", "csv", "-")
    assert refused.exit_code == 1 and "give a folder" in refused.stderr


def test_new_files_follow_the_umask_and_existing_files_keep_their_mode(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        fresh = tmp_path / "fresh.bib"
        write_text(fresh, "x")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o640
        kept = tmp_path / "kept.bib"
        kept.write_text("old", encoding="utf-8")
        kept.chmod(0o644)
        write_text(kept, "new")
        assert stat.S_IMODE(kept.stat().st_mode) == 0o644
        assert kept.read_text(encoding="utf-8") == "new"
    finally:
        os.umask(previous)


def test_a_symlink_keeps_pointing_at_the_replaced_file(tmp_path: Path) -> None:
    real = tmp_path / "real.bib"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.bib"
    link.symlink_to(real)
    write_text(link, "new")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SurveyError, match="does not exist"):
        write_text(tmp_path / "no" / "such.bib", "x")
