"""A notes file -> the notes' tree, by its format (core layer).

`.tex` notes are LaTeX, anything else Markdown. Notes that yield no heading and no
mention are refused: an empty build would look like a survey with nothing in it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from survey.errors import InputFileError
from survey.inputs import check_line_lengths, decode_utf8, read_input
from survey.sources.notes.markdown import parse_notes
from survey.sources.notes.tree import Notes

FORMATS = "Markdown (# headings, bullets naming papers) or LaTeX (.tex: \\section, \\cite)"


def read_notes_file(path: Path, kind: str = "Markdown notes file") -> str:
    """The text of a notes file; binary, non-UTF-8 or NUL-holding files are refused."""
    name = str(path)
    data = read_input(path, kind, "check the notes path in survey.toml")
    if b"\x00" in data[:65536]:
        raise InputFileError(f"{name}: is a binary file, not notes", f"survey reads {FORMATS}")
    text = decode_utf8(data, name, "save the notes as UTF-8")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InputFileError(f"{name}:{line}: holds a NUL byte", "remove it; notes are text")
    # The notes parsers' cost grows faster than a line's length: one line is capped.
    check_line_lengths(text, name)
    return text


def load_notes(
    path: Path,
    folder: Path,
    slugs: Mapping[str, str] | None = None,
    *,
    exclude: Sequence[str] = (),
) -> tuple[Notes, int]:
    """The notes in `path` (its format by its suffix) and the bytes read.

    `folder` is the survey's folder: LaTeX `\\input`s are followed inside it only.
    Raises `InputFileError` for unreadable notes and for notes with no heading and no
    mention.
    """
    if path.suffix.lower() == ".tex":
        from survey.sources.notes.latex import read_latex_notes

        notes, size = read_latex_notes(path, folder, slugs, exclude=exclude)
    else:
        text = read_notes_file(path)
        notes, size = parse_notes(text, str(path), slugs, exclude=exclude), len(text.encode())
    if not notes.nodes and not notes.root.mentions and not notes.title:
        raise InputFileError(
            f"{path}: holds no heading and no mention of a paper, so it gives the survey "
            "no sections",
            f"survey reads notes as {FORMATS}; check the notes path in survey.toml",
        )
    return notes, size
