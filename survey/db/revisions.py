"""The schema's revisions as the migration scripts name them (db layer, no SQLAlchemy).

Opening a database compares its `alembic_version` with the newest revision; reading the
scripts' `revision = ...` and `down_revision = ...` lines finds that revision without
importing Alembic (tests/cli/test_startup.py checks that Alembic reads the same chain).
"""

from __future__ import annotations

import re
from functools import cache

from survey.config import migrations_dir
from survey.errors import DatabaseError

# Alembic's bookkeeping table (its default name; migrations/env.py keeps it).
VERSION_TABLE = "alembic_version"

_QUOTED = re.compile(r"""^(['"])([^'"]*)\1$""")


def _literal(value: str, script: str) -> str | tuple[str, ...] | None:
    """The value of a revision line: None, a quoted id, or a tuple or list of them (what
    Alembic writes); anything else is refused rather than guessed."""
    value = value.split("#", 1)[0].strip()
    if value == "None":
        return None
    if value[:1] in "([" and value[-1:] in ")]":
        items = [item.strip() for item in value[1:-1].split(",") if item.strip()]
        parsed = [_QUOTED.match(item) for item in items]
        if all(parsed):
            return tuple(match.group(2) for match in parsed if match)
    elif (single := _QUOTED.match(value)) is not None:
        return single.group(2)
    raise DatabaseError(
        f"migration script {script}: its revision line {value!r} is not a plain value",
        'write revision = "NNNN" and down_revision = "NNNN" (or None, or a tuple)',
    )


_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.M)


@cache
def revision_links() -> dict[str, tuple[str, ...]]:
    """Every migration script's revision and the revisions it follows."""
    links: dict[str, tuple[str, ...]] = {}
    for script in sorted((migrations_dir() / "versions").glob("*.py")):
        found = dict(_REVISION_LINE.findall(script.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue  # the package's __init__.py
        revision = _literal(found["revision"], script.name)
        down = _literal(found.get("down_revision", "None"), script.name)
        if not isinstance(revision, str):
            raise DatabaseError(
                f"migration script {script.name} names no single revision",
                'write its revision line as revision = "NNNN"',
            )
        links[revision] = () if down is None else (down,) if isinstance(down, str) else down
    return links


def head_revision() -> str | None:
    """The newest revision of this installation: the one no other revision follows."""
    links = revision_links()
    followed = {down for downs in links.values() for down in downs}
    heads = sorted(set(links) - followed)
    if len(heads) > 1:
        raise DatabaseError(
            f"survey's migrations have several heads ({', '.join(heads)})",
            "this installation is broken: reinstall survey",
        )
    return heads[0] if heads else None


def is_known_revision(revision: str) -> bool:
    """True when this installation has the migration script of `revision`."""
    return revision in revision_links()
