"""Exports (export layer): GraphML, GEXF, BibTeX, CSL-JSON, CSV; and how every file is written.

A regular file (or a new path) is written to a temporary file next to it and renamed into
place, so a failed export never leaves half a file; the file keeps its mode, a new one
follows the umask; the new file is fsynced before the rename and the folder after it, so a
power loss leaves the old file or the new one. Anything else (a character device such as
/dev/null, a FIFO, a socket, /dev/stdout) is opened and written directly: renaming onto it
would replace the device node; a FIFO is opened without blocking, so one with no reader is
an error, not a hang. `-` is standard output.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from survey.errors import SurveyError
from survey.inputs import sync_folder

STDOUT = "-"


def is_stdout(path: Path | str) -> bool:
    return str(path) == STDOUT


def writes_in_place(path: Path) -> bool:
    """True when `path` is `-` or names something that is not a regular file (a device,
    a FIFO, a socket, or a /proc or /dev link to one): such a target is written directly."""
    if is_stdout(path):
        return True
    try:
        mode = path.expanduser().stat().st_mode
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise SurveyError(f"cannot write {path}: {exc.strerror}") from exc
    if not stat.S_ISREG(mode):
        return True
    real = os.path.realpath(path.expanduser())
    return real.startswith(("/proc/", "/dev/"))


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


@contextmanager
def atomic_output(path: Path, mode: str = "w") -> Iterator[IO[str]]:
    """A file handle whose content replaces `path` only when the block succeeds.

    `-` yields standard output; a device, FIFO or socket is written directly.
    """
    if is_stdout(path):
        yield sys.stdout
        sys.stdout.flush()
        return
    path = path.expanduser()
    if path.is_dir():
        raise SurveyError(f"cannot write {path}: it is a folder")
    written = _written_in_place(path, mode) if writes_in_place(path) else _replaced(path, mode)
    with written as stream:
        yield stream


@contextmanager
def _written_in_place(path: Path, mode: str) -> Iterator[IO[str]]:
    """A device, FIFO or socket, opened and written directly."""
    stream = _open_in_place(path, mode)
    try:
        with stream:
            yield stream
    except OSError as exc:
        raise _write_failed(path, exc, kept=False) from exc


@contextmanager
def _replaced(path: Path, mode: str) -> Iterator[IO[str]]:
    """A temporary file beside `path` that is renamed onto it when the block succeeds (a
    symlink to a regular file keeps the link: the file it names is replaced)."""
    import tempfile  # here, not at the top: the CLI's start-up imports this package

    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise SurveyError(f"cannot write {path}: folder {folder} does not exist")
    try:
        keep = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        keep = 0o666 & ~_umask()
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    except OSError as exc:
        raise SurveyError(f"cannot write in {folder}: {exc.strerror}") from exc
    try:
        os.fchmod(handle, keep)
        with os.fdopen(handle, mode, encoding="utf-8", newline="") as stream:
            yield stream
            # On disk before the rename: after a power loss the name holds the old
            # file or the new one, never an empty file.
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
        sync_folder(folder)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise _write_failed(path, exc, kept=True) from exc
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# How long a FIFO may take to get its reader (a reader started a moment after survey).
FIFO_READER_WAIT = 2.0


def _open_in_place(path: Path, mode: str) -> IO[str]:
    """Open a device, FIFO or socket path for writing without blocking: a FIFO with no
    reader would otherwise wait forever, so it gets FIFO_READER_WAIT seconds to have
    one, then is an error. Writes then block as usual (a slow reader)."""
    flags = os.O_WRONLY | os.O_NONBLOCK | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    deadline = time.monotonic() + FIFO_READER_WAIT
    while True:
        try:
            descriptor = os.open(path, flags)
            break
        except OSError as exc:
            no_reader = exc.errno == errno.ENXIO and stat.S_ISFIFO(path.stat().st_mode)
            if no_reader and time.monotonic() < deadline:
                time.sleep(0.05)
                continue
            error = exc
        if no_reader:
            raise SurveyError(
                f"cannot write {path}: it is a FIFO (named pipe) with no reader",
                "start the program that reads it first, or write to a regular file",
            ) from None
        raise SurveyError(f"cannot write {path}: {error.strerror}") from error
    os.set_blocking(descriptor, True)
    return os.fdopen(descriptor, mode, encoding="utf-8", newline="")


def _write_failed(path: Path, exc: OSError, kept: bool) -> SurveyError:
    """The one-line error for a write that failed half-way (a full disk, a quota, an I/O
    error): what happened to the target, and what to do."""
    state = "the previous file is unchanged" if kept else "what was written so far is incomplete"
    hint = "free some space, or write somewhere else" if exc.errno in _NO_SPACE else None
    return SurveyError(f"cannot write {path}: {exc.strerror or exc}; {state}", hint)


_NO_SPACE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def write_text(path: Path, text: str) -> None:
    with atomic_output(path) as stream:
        stream.write(text)


def write_with(path: Path, writer: Callable[[IO[str]], None]) -> None:
    with atomic_output(path) as stream:
        writer(stream)
