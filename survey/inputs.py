"""One guarded way to read an input file (bottom layer).

Every reader (BibTeX, notes, citations CSV, survey.toml) goes through `read_input`: the
file's type is checked before it is opened (a FIFO would block forever, a device such
as /dev/zero never ends, a socket cannot be read), its size is bounded, UTF-16 text is
named as such (every reader wants UTF-8), and every failure is an `InputFileError`
naming the file and what to do. `check_line_lengths` bounds one line of a text.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from survey.errors import InputFileError

MAX_INPUT_ENV_VAR = "SURVEY_MAX_INPUT_MB"
DEFAULT_MAX_INPUT_MB = 2048

_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def max_input_bytes() -> int:
    """The largest input file read: `$SURVEY_MAX_INPUT_MB` MiB (default 2048)."""
    value = os.environ.get(MAX_INPUT_ENV_VAR, "")
    if not value:
        return DEFAULT_MAX_INPUT_MB * 1024 * 1024
    try:
        megabytes = float(value)
    except ValueError:
        raise InputFileError(
            f"{MAX_INPUT_ENV_VAR}={value!r} is not a number", "give a size in MiB, e.g. 4096"
        ) from None
    if megabytes <= 0:
        raise InputFileError(f"{MAX_INPUT_ENV_VAR}={value!r} must be positive")
    return int(megabytes * 1024 * 1024)


def read_input(path: Path, what: str, hint: str = "check the path") -> bytes:
    """The bytes of the regular file `path`, a `what` ("BibTeX file", "notes file", ...)."""
    name = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputFileError(f"{name}: no such file", hint) from None
    except OSError as exc:
        raise InputFileError(f"{name}: cannot be read: {exc.strerror}", hint) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputFileError(f"{name}: is a directory, not a {what}", hint)
    if not stat.S_ISREG(info.st_mode):
        kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
        raise InputFileError(
            f"{name}: is {kind}, not a {what}", "give a regular file (save the input first)"
        )
    limit = max_input_bytes()
    if info.st_size > limit:
        raise InputFileError(
            f"{name}: is {info.st_size / 2**20:,.0f} MiB, more than the "
            f"{limit / 2**20:,.0f} MiB survey reads",
            f"split it, or raise {MAX_INPUT_ENV_VAR}",
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InputFileError(f"{name}: cannot be read: {exc.strerror}", hint) from None
    if len(data) > limit:  # it grew while being read
        raise InputFileError(f"{name}: grew past {limit / 2**20:,.0f} MiB while being read")
    if _is_utf16(data):
        raise InputFileError(f"{name}: is UTF-16 text, not UTF-8", "save it as UTF-8")
    return data


def _is_utf16(data: bytes) -> bool:
    """UTF-16 text (what Windows tools often write): a UTF-16 byte order mark, or, without
    one, mostly ASCII with every other byte NUL."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    head = data[:4096]
    if len(head) < 4:
        return False
    even, odd = head[0::2], head[1::2]
    return (odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0) or (
        even.count(0) >= 0.9 * len(even) and odd.count(0) == 0
    )


# The longest line a notes file may hold: a paragraph of real notes is a few thousand
# characters; the notes parser's cost grows faster than a line's length, so one
# pathological line (a pasted data: image, a file without newlines) is refused.
MAX_LINE_CHARS = 50_000


def check_line_lengths(text: str, name: str, limit: int = MAX_LINE_CHARS) -> None:
    """An `InputFileError` naming the first line of `text` longer than `limit` characters."""
    if len(text) <= limit or max(map(len, text.split("\n"))) <= limit:
        return
    start, number = 0, 1
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if end - start > limit:
            raise InputFileError(
                f"{name}:{number}: the line is {end - start:,} characters long, more than "
                f"the {limit:,} survey reads in one line",
                "split it into lines; an embedded image: save it as a file and link it",
            )
        start, number = end + 1, number + 1


def decode_utf8(data: bytes, name: str, hint: str) -> str:
    """UTF-8 text (a BOM is dropped); an `InputFileError` with the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputFileError(f"{name}:{line}: not valid UTF-8", hint) from None


def sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable: fsync the folder (where the platform lets a
    folder be fsynced). Used by every writer that replaces a file by renaming."""
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
