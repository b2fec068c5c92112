"""Reviewing the notes' mentions: list them with their candidates, accept a choice
(ingest layer).

An accepted choice is written to the survey's `survey.toml` as an alias (the mention's
title -> the chosen citekey), so the files stay the source of truth and the next
`survey build` resolves the mention. The manifest is edited in place, keeping every
other line as it was, and written whole or not at all.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from survey.db import taxonomy as tx
from survey.db.queries import find_paper
from survey.errors import InputFileError, SurveyError
from survey.inputs import decode_utf8, read_input
from survey.sources.manifest import MANIFEST
from survey.textnorm import normalize_name
from survey.vocab import ResolutionState

SURVEY_MANIFEST = "survey.manifest"


@dataclass(frozen=True, slots=True)
class MentionInfo:
    file: str  # the notes file as the survey names it (relative to the survey's folder)
    line: int
    section: str
    state: str  # resolved | ambiguous | unresolved
    title: str
    key: str | None  # the paper it resolved to
    method: str | None
    score: float | None
    candidates: tuple[tuple[str, float], ...]
    location: str = ""  # where the notes file was read (absolute)


@dataclass(frozen=True, slots=True)
class Accepted:
    manifest: Path
    alias: str
    key: str
    unchanged: bool  # the alias was already there


def list_mentions(session: Session, *, open_only: bool = False) -> list[MentionInfo]:
    """Every mention of the built notes (or only the unresolved and ambiguous ones)."""
    found: list[MentionInfo] = []
    for mention, section, file, location in tx.all_mentions(session):
        if open_only and mention.status == ResolutionState.RESOLVED:
            continue
        found.append(
            MentionInfo(
                file=file or "",
                line=mention.line,
                section=section,
                state=mention.status,
                title=mention.title,
                key=mention.paper.citekey if mention.paper is not None else None,
                method=mention.method,
                score=mention.score,
                candidates=tuple(
                    (str(c.get("key")), float(str(c.get("score", 0)))) for c in mention.candidates
                ),
                location=location or file or "",
            )
        )
    found.sort(key=lambda m: (m.file, m.line))
    return found


def find_mention(session: Session, where: str) -> MentionInfo:
    """The mention at `FILE:LINE` (FILE as its name, its path, or omitted: `:LINE`)."""
    name, sep, number = where.rpartition(":")
    if not sep or not number.isdigit():
        raise SurveyError(
            f"{where!r} is not FILE:LINE", "give the place as survey mentions shows it"
        )
    line = int(number)
    mentions = [m for m in list_mentions(session) if m.line == line]
    if name:
        mentions = [m for m in mentions if _same_file(m.file, name) or _same_file(m.location, name)]
    if len(mentions) == 1:
        return mentions[0]
    if not mentions:
        raise SurveyError(
            f"no mention at {where}", "see survey mentions for the places of the mentions"
        )
    raise SurveyError(f"several mentions at {where}", "give the notes file too: FILE:LINE")


def _same_file(stored: str, given: str) -> bool:
    if stored == given or Path(stored).name == Path(given).name:
        return True
    try:
        return Path(stored).resolve() == Path(given).resolve()
    except OSError:
        return False


def accept_mention(
    session: Session, where: str, key: str, manifest_path: Path | None = None
) -> Accepted:
    """Record that the mention at `where` names the paper `key`: an alias in survey.toml."""
    mention = find_mention(session, where)
    paper = find_paper(session, key)
    path = manifest_path or _built_manifest(session)
    if path.is_dir():
        path = path / MANIFEST
    return add_alias(path, mention.title, paper.citekey)


def _built_manifest(session: Session) -> Path:
    stored = tx.get_setting(session, SURVEY_MANIFEST)
    if not stored:
        raise SurveyError(
            "this database was not built from a survey folder",
            "give the folder: survey mentions accept --survey DIR FILE:LINE KEY",
        )
    return Path(stored)


_ALIASES_HEADER = re.compile(r"^\s*\[\s*aliases\s*\]\s*(?:#.*)?$")


def add_alias(path: Path, alias: str, key: str) -> Accepted:
    """Add `"alias" = "key"` to the [aliases] table of the manifest at `path`."""
    if not path.is_file():
        raise InputFileError(f"{path}: no such file", "give the survey folder with --survey")
    text = decode_utf8(read_input(path, "TOML manifest"), str(path), "save survey.toml as UTF-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputFileError(f"{path}: not valid TOML: {exc}", "fix it first") from exc
    aliases = data.get("aliases", {})
    if not isinstance(aliases, dict):
        raise InputFileError(f"{path}: [aliases] must be a table")
    wanted = normalize_name(alias)
    for existing, existing_key in aliases.items():
        if normalize_name(existing) == wanted:
            if str(existing_key).lower() == key.lower():
                return Accepted(path, existing, key, unchanged=True)
            raise SurveyError(
                f"{path}: [aliases] already maps {existing!r} to {existing_key!r}",
                f"edit that line to {key!r} if that is the paper",
            )
    entry = f"{json.dumps(alias, ensure_ascii=False)} = {json.dumps(key, ensure_ascii=False)}"
    lines = text.splitlines(keepends=True)
    header = next((i for i, row in enumerate(lines) if _ALIASES_HEADER.match(row)), None)
    if header is not None:
        lines.insert(header + 1, entry + "\n")
        updated = "".join(lines)
    else:
        ending = "" if not text or text.endswith("\n") else "\n"
        updated = f"{text}{ending}\n[aliases]\n{entry}\n"
    try:
        tomllib.loads(updated)
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - json strings are TOML strings
        raise SurveyError(f"{path}: the alias would not be valid TOML: {exc}") from exc
    _write_keeping_mode(path, updated)
    return Accepted(path, alias, key, unchanged=False)


def _write_keeping_mode(path: Path, text: str) -> None:
    """Write `text` to `path` whole or not at all, keeping the file's permissions."""
    temporary = path.with_name(f".{path.name}.survey-tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.chmod(path.stat().st_mode & 0o7777)
        temporary.replace(path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise SurveyError(f"{path}: cannot write: {exc.strerror}") from exc
