"""Errors and diagnostics shared by every layer (bottom layer: imports only survey.vocab).

Core code raises `SurveyError` or returns `Diagnostic`s; only the CLI prints them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from survey.vocab import Severity


class SurveyError(Exception):
    """A failure the user can fix; its message names what went wrong and what to do."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class InputFileError(SurveyError):
    """A file given on the command line cannot be read as the kind of file expected."""


def did_you_mean(names: Sequence[str]) -> str | None:
    """The hint for a name that was not found: "did you mean a, b?" with the closest names
    (survey.textnorm.closest finds them), or None when none is close."""
    return f"did you mean {', '.join(names)}?" if names else None


class UnknownKeyError(SurveyError):
    """A citekey or alias that names no paper in the database."""

    def __init__(self, key: str, suggestions: list[str]) -> None:
        hint = did_you_mean(suggestions) or "run `survey query search TEXT` to find the key"
        super().__init__(f"no paper with key or alias {key!r}", hint)
        self.key = key
        self.suggestions = suggestions


class DatabaseError(SurveyError):
    """The database cannot be opened, upgraded or written."""


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding, of `survey load`, `survey build` or `survey check`: what is wrong,
    where (`file:line`, the entry's key) and, when the message does not say, how to fix it."""

    severity: Severity
    file: str  # "" for a finding about the knowledge base as a whole
    line: int | None
    key: str | None
    message: str
    # What sort of finding (suspect-edge, heading-level, missing-field, ...): many of one
    # kind are summarised on the terminal. Empty for findings that are always shown.
    code: str = ""
    fix: str = ""

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.severity.value}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        """The finding as JSON: severity, code, key, file, line, message, fix."""
        return {
            "severity": self.severity.value,
            "code": self.code,
            "key": self.key,
            "file": self.file or None,
            "line": self.line,
            "message": self.message,
            "fix": self.fix,
        }

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR
