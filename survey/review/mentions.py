"""Reviewing the notes' mentions: list them with their candidates, accept a choice
(review layer).

An accepted choice is written to the survey's `survey.toml` as an alias (the mention's
title -> the chosen citekey), so the files stay the source of truth and the next
`survey build` resolves the mention. The manifest is edited by its one writer
(survey.sources.manifest_edit): locked, as TOML, verified, written whole or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from survey.db import mentions as mentions_db
from survey.db.mentions import MentionRow
from survey.db.papers import find_paper
from survey.errors import SurveyError
from survey.ingest.built_from import manifest_to_edit
from survey.sources.manifest import MANIFEST
from survey.sources.manifest_edit import edit_table
from survey.textnorm import normalize_name


@dataclass(frozen=True, slots=True)
class Accepted:
    manifest: Path
    alias: str
    key: str
    unchanged: bool  # the alias was already there
    # The survey.toml of the folder the command ran in, when another one was edited.
    other_here: Path | None = None


def list_mentions(session: Session, *, open_only: bool = False) -> list[MentionRow]:
    """Every mention of the built notes (or only the unresolved and ambiguous ones)."""
    found = mentions_db.mention_rows(session, open_only=open_only)
    found.sort(key=lambda m: (m.file, m.line))
    return found


def find_mention(session: Session, where: str) -> MentionRow:
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
    path = manifest_to_edit(
        session, manifest_path, "survey mentions accept --survey DIR FILE:LINE KEY"
    )
    done = add_alias(path, mention.title, paper.citekey)
    return replace(done, other_here=_other_manifest_here(path))


def _other_manifest_here(edited: Path) -> Path | None:
    """The survey.toml of the folder the command runs in, when it is not the one edited."""
    here = Path.cwd() / MANIFEST
    try:
        if here.is_file() and here.resolve() != edited.resolve():
            return here
    except OSError:
        return None
    return None


def add_alias(path: Path, alias: str, key: str) -> Accepted:
    """Add `"alias" = "key"` to the [aliases] table of the manifest at `path`, through
    the manifest's one writer (locked, formatting kept, verified)."""
    wanted = normalize_name(alias)
    already: list[str] = []

    def plan(aliases: Mapping[str, Any]) -> Mapping[str, Any]:
        for existing, existing_key in aliases.items():
            if normalize_name(existing) == wanted:
                if str(existing_key).lower() == key.lower():
                    already.append(existing)
                    return {}
                raise SurveyError(
                    f"{path}: [aliases] already maps {existing!r} to {existing_key!r}",
                    f"edit that line to {key!r} if that is the paper",
                )
        return {alias: key}

    edit = edit_table(path, "aliases", plan)
    if already:
        return Accepted(path, already[0], key, unchanged=True)
    return Accepted(path, alias, key, unchanged=not edit.changed)
