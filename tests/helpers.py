"""Test helpers shared by the test modules (imported as `helpers`; tests/ is on sys.path)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from survey.cli.app import app


class Cli:
    """Runs the `survey` command in-process; stdout and stderr stay apart."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str | Path) -> Result:
        return self.runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


HOSTILE_BIB = Path(__file__).resolve().parent / "fixtures" / "hostile.bib"
HOSTILE_KEYS = (
    "hostile2020angle",
    "hostile2021formula",
    "hostile2019newline",
    "DBLP:conf/hostile/DoeS21",
    "endsdot.",
    "nerf++",
    "hostile2011report",
    "hostile2015chapter",
    "hostile2022control",
    "choi2018stargan",
    "a@b",
    "hostile2019percent",
    "hostile2020aaai",
    "hostile2026forthcoming",
)


def hostile_survey(folder: Path) -> Path:
    """A survey folder around tests/fixtures/hostile.bib: hostile title, headings and notes
    (pipes, markup, `@` handles, control characters), every entry named in the notes."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(HOSTILE_BIB, folder / "refs.bib")
    (folder / "survey.toml").write_text(
        'title = "Hostile <survey> | & ]]> 🚀 @SUM(x)"\nbibliography = ["refs.bib"]\n'
        'notes = "notes.md"\n',
        encoding="utf-8",
    )
    (folder / "notes.md").write_text(
        "# Weird <section> | `ticks` & ]]> 中文 🚀\n\n"
        "- [@hostile2020angle] (2020) annotation with | pipe and @kwea123\n"
        "- [@hostile2021formula]\n"
        "- [@hostile2019newline]\n"
        "- [@DBLP:conf/hostile/DoeS21] (2021) venue @SUM(2021)\n"
        "- [@{endsdot.}] (2018) a key ending in a dot\n\n"
        "## Control\x07 and @handles\n\n"
        "- [@{nerf++}] (2020) stray braces\n"
        "- [@hostile2011report]\n"
        "- [@hostile2015chapter]\n"
        "- [@hostile2022control] (2022) bell\x07 here\n"
        "- [@choi2018stargan]\n"
        "- [@{a@b}] (2020) a key with an at sign\n"
        "- [@hostile2019percent]\n"
        "- [@hostile2020aaai]\n"
        "- [@hostile2026forthcoming]\n",
        encoding="utf-8",
    )
    return folder


def durability_events(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The fsyncs ("file", "folder") and renames ("rename") made from now on, in order:
    what a writer that replaces a file must do, and in which order."""
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    def replace(a: str | Path, b: str | Path) -> None:
        events.append("rename")
        real_replace(a, b)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return events
