"""Exports (export layer): GraphML, GEXF, BibTeX, CSL-JSON, CSV.

Every writer builds its whole output in memory or in a temporary file next to the
target and renames it into place, so a failed export never leaves half a file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from survey.errors import SurveyError


@contextmanager
def atomic_output(path: Path, mode: str = "w") -> Iterator[IO[str]]:
    """A file handle whose content replaces `path` only when the block succeeds."""
    path = path.expanduser()
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise SurveyError(f"cannot write {path}: folder {folder} does not exist")
    if path.is_dir():
        raise SurveyError(f"cannot write {path}: it is a folder")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    except OSError as exc:
        raise SurveyError(f"cannot write in {folder}: {exc.strerror}") from exc
    try:
        with os.fdopen(handle, mode, encoding="utf-8", newline="") as stream:
            yield stream
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    with atomic_output(path) as stream:
        stream.write(text)


def write_with(path: Path, writer: Callable[[IO[str]], None]) -> None:
    with atomic_output(path) as stream:
        writer(stream)
