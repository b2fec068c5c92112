"""Paths, environment variables and defaults (bottom layer)."""

from __future__ import annotations

import os
from pathlib import Path

from survey.errors import SurveyError

DB_ENV_VAR = "SURVEY_DB"
DEFAULT_DB_PATH = "survey.db"
BUSY_TIMEOUT_ENV_VAR = "SURVEY_BUSY_TIMEOUT"
DEFAULT_BUSY_TIMEOUT_S = 60.0
# `survey discover`: keep works linked to at least this many of the section's papers.
DEFAULT_MIN_CITING = 2


WORKERS_ENV_VAR = "SURVEY_WORKERS"


def busy_timeout_seconds() -> float:
    """How long a command waits for another one's SQLite write lock before giving up:
    `$SURVEY_BUSY_TIMEOUT` seconds, else 60."""
    value = os.environ.get(BUSY_TIMEOUT_ENV_VAR, "").strip()
    if not value:
        return DEFAULT_BUSY_TIMEOUT_S
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise SurveyError(
            f"{BUSY_TIMEOUT_ENV_VAR}={value!r} is not a number of seconds",
            f"set it to 0 or more, or unset it for the default of {DEFAULT_BUSY_TIMEOUT_S:g}",
        )
    return seconds


def parser_workers() -> int:
    """Parser processes for large files: `$SURVEY_WORKERS`, else one per core (at most 4)."""
    value = os.environ.get(WORKERS_ENV_VAR, "").strip()
    if not value:
        return max(1, min(os.cpu_count() or 1, 4))
    if not value.isdigit() or not 1 <= int(value) <= 256:
        raise SurveyError(
            f"{WORKERS_ENV_VAR}={value!r} is not a number of processes",
            "set it to a whole number from 1 to 256, or unset it for one per core",
        )
    return int(value)


def database_url(explicit: str | None = None) -> str:
    """The database to use: `--db`, else `$SURVEY_DB`, else `./survey.db`.

    A bare path is turned into an SQLite URL; anything with `://` is taken as an
    SQLAlchemy URL as it is.
    """
    value = explicit or os.environ.get(DB_ENV_VAR) or DEFAULT_DB_PATH
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser()}"


def migrations_dir() -> Path:
    """Where the Alembic scripts are: inside the installed package, or the checkout's top level."""
    package_dir = Path(__file__).resolve().parent
    for candidate in (package_dir / "migrations", package_dir.parent / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError("survey's migrations folder is missing from this installation")


def bundled_survey_dir() -> Path:
    """The bundled VALSE 2020 survey: inside the installed package, or the checkout's data/."""
    package_dir = Path(__file__).resolve().parent
    for candidate in (
        package_dir / "bundled" / "valse2020",
        package_dir.parent / "data" / "valse2020",
    ):
        if (candidate / "survey.toml").is_file():
            return candidate
    raise FileNotFoundError("the bundled survey is missing from this installation")
