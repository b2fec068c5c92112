"""The one writer of a survey's `survey.toml` (sources layer; the only user of tomlkit).

The manifest is the user's file: every edit (an accepted mention, an accepted
suggestion) goes through `edit_table`, which takes a lock beside the manifest so two
survey commands edit it in turn, edits it as TOML (comments, order and formatting kept),
reads the result back to check it says what was there plus the change, and replaces the
file through a new temporary file in the same folder, written and fsynced before the
rename, with the owner, group and mode of the file it replaces. A symlinked manifest is
edited through its link: the file it names is replaced, the link stays.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import time
import tomllib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from survey.errors import InputFileError, SurveyError
from survey.inputs import decode_utf8, read_input, sync_folder

# How long an edit waits for another survey command's edit of the same manifest.
LOCK_WAIT_SECONDS = 30.0

# What a plan gets (the table as it is, plain values) and gives (the entries to set).
Plan = Callable[[Mapping[str, Any]], Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class ManifestEdit:
    path: Path  # the manifest as named (a symlink stays a symlink)
    written: Path  # the file replaced: the manifest, or the file its link names
    changed: tuple[str, ...]  # the keys set, in order; empty when nothing was written


def add_entries(path: Path, table: str, entries: Mapping[str, Any]) -> ManifestEdit:
    """Add `entries` to `[table]` of the manifest at `path` (the table is made when absent).

    A key already there with the same value is left alone; with another value it is a
    `SurveyError` and nothing is written.
    """

    def plan(current: Mapping[str, Any]) -> Mapping[str, Any]:
        for key, value in entries.items():
            if key in current and current[key] != value:
                raise SurveyError(
                    f"{path}: [{table}] already maps {key!r} to {current[key]!r}",
                    f"edit that line to {value!r} if that is what you mean",
                )
        return {k: v for k, v in entries.items() if k not in current}

    return edit_table(path, table, plan)


def edit_table(path: Path, table: str, plan: Plan) -> ManifestEdit:
    """Set the entries `plan` returns in `[table]` of the manifest at `path`, under the
    manifest's lock; `plan` sees the table as it is once the lock is held (so a check it
    makes cannot race another edit), and may raise `SurveyError` to write nothing."""
    target = _real_manifest(path)
    with _locked(target):
        info = target.stat()
        text = decode_utf8(
            read_input(target, "TOML manifest"), str(path), "save survey.toml as UTF-8"
        )
        before = _parse(text, path)
        current = before.get(table, {})
        if not isinstance(current, dict):
            raise InputFileError(f"{path}: {table!r} must be a table ([{table}])")
        wanted = dict(plan(current))
        if not wanted:
            return ManifestEdit(path, target, ())
        updated = _edited_text(text, path, table, wanted)
        _verify(path, text, before, updated, table, wanted)
        _replace(target, updated.encode("utf-8"), info)
    return ManifestEdit(path, target, tuple(wanted))


def _real_manifest(path: Path) -> Path:
    """The file to replace: `path`, or the file its symlink (chain) names."""
    try:
        target = path.resolve() if path.is_symlink() else path
    except (OSError, RuntimeError) as exc:  # a loop of links
        raise InputFileError(f"{path}: cannot follow the symlink: {exc}") from None
    if not target.is_file():
        named = f" (the symlink names {target})" if target != path else ""
        raise InputFileError(f"{path}: no such file{named}", "give the survey folder with --survey")
    return target


@contextmanager
def _locked(target: Path) -> Iterator[None]:
    """An exclusive lock on `.survey.toml.lock` beside the manifest, held for the edit.

    The lock file is never removed: removing it would let a third command lock a new
    file while a second still waits on the old one."""
    lock_path = target.with_name(f".{target.name}.lock")
    try:
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        raise SurveyError(
            f"{target}: cannot lock it for editing ({lock_path}: {exc.strerror})",
            "check that the survey folder is writable",
        ) from None
    try:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise SurveyError(
                        f"{target}: another survey command is editing it and did not finish "
                        f"within {LOCK_WAIT_SECONDS:g} s",
                        "wait for it to finish, then run this command again",
                    ) from None
                time.sleep(0.01)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _parse(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputFileError(f"{path}: not valid TOML: {exc}", "fix it first") from None
    except RecursionError:
        raise InputFileError(
            f"{path}: nested too deeply to read", "a survey.toml needs only a few levels"
        ) from None


def _edited_text(text: str, path: Path, table: str, wanted: Mapping[str, Any]) -> str:
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        document = tomlkit.parse(text)
    except (TOMLKitError, RecursionError) as exc:  # pragma: no cover - tomllib read it
        raise InputFileError(f"{path}: cannot be edited as TOML: {exc}") from None
    if table not in document:
        if text and not text.endswith("\n"):
            document.add(tomlkit.nl())
        document.add(table, tomlkit.table())
    section = document[table]
    for key, value in wanted.items():
        section[key] = value
    return tomlkit.dumps(document)


def _verify(
    path: Path,
    text: str,
    before: dict[str, Any],
    updated: str,
    table: str,
    wanted: Mapping[str, Any],
) -> None:
    """The edited text must read as the old manifest plus exactly the change, and (when
    only new keys are added) keep every line of the old text, in order."""
    expected = dict(before)
    expected[table] = {**before.get(table, {}), **wanted}
    try:
        after = tomllib.loads(updated)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise SurveyError(
            f"{path}: the edit would not be valid TOML ({exc}); not written"
        ) from None
    if after != expected:
        raise SurveyError(
            f"{path}: the edit would change more than [{table}]; not written",
            "this is a bug in survey: please report it with the manifest",
        )
    if any(key in before.get(table, {}) for key in wanted):
        return
    remaining = iter(updated.splitlines())
    if not all(any(line == new for new in remaining) for line in text.splitlines()):
        raise SurveyError(
            f"{path}: the edit would rewrite lines of the manifest; not written",
            "this is a bug in survey: please report it with the manifest",
        )


def _replace(target: Path, data: bytes, info: os.stat_result) -> None:
    """Replace `target` by `data`: a new temporary file in its folder (never an existing
    name, never through a symlink), with its owner, group and mode, fsynced, renamed."""
    import tempfile

    folder = target.parent
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    except OSError as exc:
        raise SurveyError(f"{target}: cannot write in {folder}: {exc.strerror}") from None
    try:
        try:
            os.fchown(descriptor, info.st_uid, info.st_gid)
        except PermissionError:
            # Only root gives a file away; keep at least the group when we are in it.
            with _ignoring(errno.EPERM):
                os.fchown(descriptor, -1, info.st_gid)
        os.fchmod(descriptor, stat.S_IMODE(info.st_mode))
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
        os.fsync(descriptor)
        os.close(descriptor)
        descriptor = -1
        os.replace(temporary, target)
        sync_folder(folder)
    except OSError as exc:
        if descriptor >= 0:
            os.close(descriptor)
        Path(temporary).unlink(missing_ok=True)
        full = " (the disk is full)" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else ""
        raise SurveyError(
            f"{target}: cannot write: {exc.strerror}{full}; the manifest is unchanged"
        ) from None


@contextmanager
def _ignoring(code: int) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        if exc.errno != code:
            raise
