"""Named settings the database keeps about itself and its survey (db layer; takes a
session, never commits): the survey's id, title and manifest, what the last build made
of the notes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from survey.db.models import Setting


def set_setting(session: Session, name: str, value: str) -> None:
    row = session.get(Setting, name)
    if row is None:
        session.add(Setting(name=name, value=value))
    else:
        row.value = value


def get_setting(session: Session, name: str, default: str = "") -> str:
    row = session.get(Setting, name)
    return row.value if row is not None else default
