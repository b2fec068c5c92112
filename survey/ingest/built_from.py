"""Which survey.toml a database was built from (ingest layer): the build records it, the
commands that edit the manifest (survey mentions accept, survey suggest accept) find it.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.orm import Session

from survey.db import settings as settings_db
from survey.db.engine import database_folder
from survey.errors import SurveyError
from survey.sources.manifest import MANIFEST

# The setting holding the manifest's path, as remembered_path gives it.
SURVEY_MANIFEST = "survey.manifest"


def remembered_path(session: Session, manifest: Path) -> str:
    """How the database remembers the manifest it was built from: for a database file,
    relative to the file's folder, so a survey folder copied with its database edits its
    own manifest, not the original's; for a server database (which has no folder and is
    reached from anywhere), the absolute path."""
    base = database_folder(session)
    if base is None:
        return str(manifest.resolve())
    return os.path.relpath(manifest.resolve(), base.resolve())


def manifest_to_edit(session: Session, given: Path | None, command: str) -> Path:
    """The survey.toml a command edits: `given` (a folder or the file), else the one the
    database was built from; `command` is how to give it when there is neither."""
    path = given if given is not None else built_manifest(session)
    if path is None:
        raise SurveyError(
            "this database was not built from a survey folder", f"give the folder: {command}"
        )
    return path / MANIFEST if path.is_dir() else path


def built_manifest(session: Session) -> Path | None:
    """The manifest the database was built from (None when it was not built from a
    survey folder). An absolute path, as older databases stored it, is kept."""
    stored = settings_db.get_setting(session, SURVEY_MANIFEST)
    if not stored:
        return None
    base = database_folder(session) or Path.cwd()  # an absolute path ignores the base
    return Path(os.path.normpath(base / stored))
