"""The one writer of survey.toml: a lock, TOML edited as TOML, a verified result, a new
temporary file fsynced before the rename, owner/group/mode and symlinks kept."""

from __future__ import annotations

import fcntl
import os
import stat
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from conftest import REPO
from helpers import durability_events

from survey.errors import SurveyError
from survey.review.mentions import add_alias
from survey.sources import manifest_edit
from survey.sources.manifest_edit import add_entries, edit_table

# Reads and writes no database: run once, in the SQLite run (conftest checks it).
pytestmark = pytest.mark.backend_independent

ROOT = REPO

# Shaped like a real manifest: comments after values, a multi-line description that
# quotes a TOML table header, tables in the user's order.
MANIFEST = '''# Survey of fine-grained recognition (kept by hand)
title = "Fine-grained recognition"   # shown on the report
description = """
Paste these into survey.toml when a mention does not resolve:
[aliases]
"Bilinear CNN" = "lin2015bilinear"
"""
bibliography = ["papers.bib"]  # one file
notes = "notes.md"

[slugs]                 # heading label as written -> slug
"细粒度视觉识别" = "fine-grained"

[aliases]               # a name the notes use -> citekey
"RA-CNN" = "fu2017look"   # recurrent attention

[curated]
"fine-grained/datasets" = ["wah2011the"]
'''


def manifest(tmp_path: Path, text: str = MANIFEST) -> Path:
    path = tmp_path / "survey.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_alias_goes_into_the_table_not_into_a_string_that_quotes_its_header(
    tmp_path: Path,
) -> None:
    path = manifest(tmp_path)
    before = tomllib.loads(MANIFEST)
    done = add_alias(path, "Mask-CNN", "wei2018mask")
    assert not done.unchanged
    after = tomllib.loads(path.read_text(encoding="utf-8"))
    assert after["description"] == before["description"]
    assert after["aliases"] == {"RA-CNN": "fu2017look", "Mask-CNN": "wei2018mask"}
    assert {k: v for k, v in after.items() if k != "aliases"} == {
        k: v for k, v in before.items() if k != "aliases"
    }


def test_comments_order_and_formatting_are_kept(tmp_path: Path) -> None:
    path = manifest(tmp_path)
    add_alias(path, 'S3N "selective" 采样', "ding2019selective")
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    old = MANIFEST.splitlines()
    # Every old line is still there, in order, and exactly one line was added.
    assert len(lines) == len(old) + 1
    rest = iter(lines)
    assert all(any(line == new for new in rest) for line in old)
    assert tomllib.loads(text)["aliases"]['S3N "selective" 采样'] == "ding2019selective"


def test_a_manifest_without_the_table_gets_it_at_the_end(tmp_path: Path) -> None:
    path = manifest(tmp_path, 'title = "T"  # no newline at the end')
    add_entries(path, "aliases", {"B-CNN": "lin2015bilinear"})
    text = path.read_text(encoding="utf-8")
    assert text.startswith('title = "T"  # no newline at the end\n')
    assert tomllib.loads(text) == {"title": "T", "aliases": {"B-CNN": "lin2015bilinear"}}


def test_add_entries_to_curated_and_refuse_a_different_value(tmp_path: Path) -> None:
    path = manifest(tmp_path)
    done = add_entries(path, "curated", {"fine-grained/parts": ["zhang2014part", "wei2018mask"]})
    assert done.changed == ("fine-grained/parts",)
    again = add_entries(path, "curated", {"fine-grained/parts": ["zhang2014part", "wei2018mask"]})
    assert again.changed == ()
    before = path.read_bytes()
    with pytest.raises(SurveyError, match="already maps 'fine-grained/datasets'"):
        add_entries(path, "curated", {"fine-grained/datasets": ["khosla2011novel"]})
    assert path.read_bytes() == before


def test_a_plan_can_replace_a_value_in_place(tmp_path: Path) -> None:
    path = manifest(tmp_path)
    edit_table(
        path, "curated", lambda t: {"fine-grained/datasets": [*t["fine-grained/datasets"], "x"]}
    )
    text = path.read_text(encoding="utf-8")
    assert tomllib.loads(text)["curated"] == {"fine-grained/datasets": ["wah2011the", "x"]}
    assert text.startswith(MANIFEST.split("[curated]")[0])


def test_an_edit_that_reads_back_differently_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = manifest(tmp_path)
    before = path.read_bytes()
    monkeypatch.setattr(
        manifest_edit, "_edited_text", lambda text, *_: text.replace("fu2017look", "other")
    )
    with pytest.raises(SurveyError, match="would change more than"):
        add_entries(path, "aliases", {"Mask-CNN": "wei2018mask"})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["survey.toml"] or all(
        p.name in ("survey.toml", ".survey.toml.lock") for p in tmp_path.iterdir()
    )


def test_a_symlinked_manifest_is_edited_through_its_link(tmp_path: Path) -> None:
    real = tmp_path / "shared" / "survey.toml"
    real.parent.mkdir()
    real.write_text(MANIFEST, encoding="utf-8")
    folder = tmp_path / "survey"
    folder.mkdir()
    link = folder / "survey.toml"
    link.symlink_to(Path("..") / "shared" / "survey.toml")
    add_alias(link, "Mask-CNN", "wei2018mask")
    assert link.is_symlink() and os.readlink(link) == str(Path("..") / "shared" / "survey.toml")
    assert tomllib.loads(real.read_text(encoding="utf-8"))["aliases"]["Mask-CNN"] == "wei2018mask"


def test_a_dangling_symlink_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "survey.toml"
    link.symlink_to(tmp_path / "gone.toml")
    with pytest.raises(SurveyError, match=r"no such file \(the symlink names"):
        add_alias(link, "Mask-CNN", "wei2018mask")
    assert not (tmp_path / "gone.toml").exists()


def test_owner_group_and_mode_are_kept(tmp_path: Path) -> None:
    path = manifest(tmp_path)
    path.chmod(0o640)
    owner = (4321, 4322) if os.geteuid() == 0 else (os.getuid(), os.getgid())
    if os.geteuid() == 0:
        os.chown(path, *owner)
    add_alias(path, "Mask-CNN", "wei2018mask")
    info = path.stat()
    assert stat.S_IMODE(info.st_mode) == 0o640
    assert (info.st_uid, info.st_gid) == owner


def test_a_planted_symlink_at_a_temporary_name_is_never_followed(tmp_path: Path) -> None:
    path = manifest(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    # The old writer used this fixed name, and wrote through a symlink planted there.
    (tmp_path / ".survey.toml.survey-tmp").symlink_to(victim)
    add_alias(path, "Mask-CNN", "wei2018mask")
    assert victim.read_text() == "keep me\n"
    assert "Mask-CNN" in tomllib.loads(path.read_text(encoding="utf-8"))["aliases"]


def test_the_file_is_fsynced_before_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = manifest(tmp_path)
    events = durability_events(monkeypatch)
    add_alias(path, "Mask-CNN", "wei2018mask")
    assert events == ["file", "rename", "folder"]


def test_an_edit_waits_for_the_lock_and_says_when_it_gave_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = manifest(tmp_path)
    lock = os.open(tmp_path / ".survey.toml.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(lock, fcntl.LOCK_EX)
    monkeypatch.setattr(manifest_edit, "LOCK_WAIT_SECONDS", 0.2)
    started = time.monotonic()
    try:
        with pytest.raises(SurveyError, match="another survey command is editing it"):
            add_alias(path, "Mask-CNN", "wei2018mask")
    finally:
        os.close(lock)
    assert time.monotonic() - started >= 0.2
    assert path.read_text(encoding="utf-8") == MANIFEST


_WRITER = """
import sys, time
from pathlib import Path
from survey.review.mentions import add_alias
path, name, rounds, go = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
while time.time() < go:
    pass
for i in range(rounds):
    add_alias(path, f"{name} {i}", f"{name}{i}")
"""

ROUNDS = 40


def test_two_writers_at_once_lose_no_update(tmp_path: Path) -> None:
    """Two processes each add ROUNDS aliases to one manifest at the same time: every
    alias is there after (the old writer, with no lock, lost some in every run)."""
    path = manifest(tmp_path)
    go = time.time() + 2.0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), name, str(ROUNDS), str(go)],
            env=env,
            stderr=subprocess.PIPE,
        )
        for name in ("left", "right")
    ]
    errors = [w.communicate(timeout=120)[1].decode() for w in writers]
    assert [w.returncode for w in writers] == [0, 0], errors
    aliases = tomllib.loads(path.read_text(encoding="utf-8"))["aliases"]
    for name in ("left", "right"):
        assert all(aliases.get(f"{name} {i}") == f"{name}{i}" for i in range(ROUNDS)), name
    assert len(aliases) == 2 * ROUNDS + 1
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    assert leftovers == [".survey.toml.lock", "survey.toml"]
