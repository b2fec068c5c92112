"""Reading a bibliography file (BibTeX, RIS, CSL-JSON): bytes, encoding, size and hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

from survey.errors import Diagnostic, InputFileError
from survey.inputs import read_input
from survey.vocab import Severity


def read_bib_file(path: Path, what: str = "BibTeX") -> tuple[str, str, int, list[Diagnostic]]:
    """(text, sha256 of the bytes, size, warnings) of a bibliography file (`what`: its
    format's name, for messages).

    Raises `InputFileError` saying why when the file cannot be read as text.

    UTF-8 (with or without BOM) is expected; a file that is not UTF-8 is read as
    Windows-1252 (latin-1 with smart quotes and dashes, what Windows tools write), or
    as latin-1 when it holds bytes Windows-1252 leaves undefined, with a warning.
    """
    name = str(path)
    data = read_input(path, f"{what} file", "check the path; name the .bib, .ris or .json file")
    if b"\x00" in data[:65536]:
        raise InputFileError(
            f"{name}: is a binary file, not {what} text",
            "export the bibliography as .bib, .ris or CSL-JSON",
        )
    diagnostics: list[Diagnostic] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        try:
            text, encoding = data.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError:
            text, encoding = data.decode("latin-1"), "latin-1"
        diagnostics.append(
            Diagnostic(
                Severity.WARNING,
                name,
                line,
                None,
                f"not valid UTF-8; read as {encoding} (re-save the file as UTF-8 to silence this)",
            )
        )
    if not text.strip():
        raise InputFileError(f"{name}: is empty", f"add {what} entries or leave the file out")
    return text, hashlib.sha256(data).hexdigest(), len(data), diagnostics
