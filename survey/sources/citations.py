"""Citations files (`citing,cited,relation,evidence` CSV) -> edge rows (sources layer).

`#` starts a comment line. Keys are checked against the database by the builder; this
module only reads the file and reports malformed lines with their line numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from survey.errors import Diagnostic, InputFileError
from survey.inputs import decode_utf8, read_input
from survey.vocab import RELATIONS, Severity

HEADER = ["citing", "cited", "relation", "evidence"]
KNOWN_RELATIONS = frozenset(relation.value for relation in RELATIONS)


class CitationLine(NamedTuple):
    """One edge line of a citations file, as parsed: its keys are not yet checked (a
    tuple: a large file has 10^6 of them)."""

    line: int
    citing: str
    cited: str
    relation: str
    evidence: str


def read_citations(
    path: Path, data: bytes | None = None
) -> tuple[list[CitationLine], list[Diagnostic]]:
    """The edges of a citations CSV file (its bytes `data`, when already read), and one
    error per malformed line."""
    name = str(path)
    if data is None:
        data = read_input(path, "citations CSV file", "check the citations path in survey.toml")
    text = decode_utf8(data, name, "save the file as UTF-8")
    rows: list[CitationLine] = []
    diagnostics: list[Diagnostic] = []

    def error(line: int, message: str) -> None:
        diagnostics.append(Diagnostic(Severity.ERROR, name, line, None, message))

    header_seen = False
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped[0] == "#":
            continue
        fields = _fields(raw)
        if not header_seen:
            header_seen = True
            if [f.lower() for f in fields[:4]] == HEADER[: len(fields[:4])] and fields[
                0
            ].lower() == "citing":
                continue
            error(number, f"the first line must be the header {','.join(HEADER)}")
            continue
        problem = _line_problem(fields)
        if problem:
            error(number, problem)
            continue
        relation = fields[2].lower() if len(fields) > 2 else ""
        rows.append(
            CitationLine(
                number, fields[0], fields[1], relation, fields[3] if len(fields) > 3 else ""
            )
        )
    if not header_seen:
        raise InputFileError(f"{name}: is empty", f"start it with the header {','.join(HEADER)}")
    return rows, diagnostics


def _fields(raw: str) -> list[str]:
    """The stripped fields of one line: a line without quotes is its commas (what csv
    makes of it, many times faster)."""
    if '"' in raw or "\0" in raw:
        return list(map(str.strip, next(csv.reader(io.StringIO(raw)))))
    return list(map(str.strip, raw.split(",")))


def _line_problem(fields: Sequence[str]) -> str:
    """What is wrong with an edge line's fields, or "" when nothing is."""
    if len(fields) < 2 or not fields[0] or not fields[1]:
        return "a line needs at least citing and cited keys: citing,cited,relation,evidence"
    if len(fields) > 4:
        return "more than 4 fields: quote an evidence text that holds commas"
    relation = fields[2].lower() if len(fields) > 2 else ""
    if relation and relation not in KNOWN_RELATIONS:
        return f"unknown relation {relation!r} (known: {', '.join(RELATIONS)})"
    return ""
