"""The schema's revisions as the migration scripts name them (db layer, no SQLAlchemy).

Opening a database compares its `alembic_version` with the newest revision; reading the
scripts' `revision = ...` and `down_revision = ...` lines finds that revision without
importing Alembic (tests/test_startup.py checks that Alembic reads the same chain).
"""

from __future__ import annotations

import ast
import re
from functools import cache

from survey.config import migrations_dir
from survey.errors import DatabaseError

# Alembic's bookkeeping table (its default name; migrations/env.py keeps it).
VERSION_TABLE = "alembic_version"

_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.M)


@cache
def revision_links() -> dict[str, tuple[str, ...]]:
    """Every migration script's revision and the revisions it follows."""
    links: dict[str, tuple[str, ...]] = {}
    for script in sorted((migrations_dir() / "versions").glob("*.py")):
        found = dict(_REVISION_LINE.findall(script.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue  # the package's __init__.py
        try:
            revision = ast.literal_eval(found["revision"])
            down = ast.literal_eval(found.get("down_revision", "None"))
        except (ValueError, SyntaxError) as exc:
            raise DatabaseError(
                f"{script}: its revision lines are not plain values ({exc})",
                'write them as revision = "NNNN" and down_revision = "NNNN" (or None)',
            ) from exc
        links[str(revision)] = (
            () if down is None else (down,) if isinstance(down, str) else tuple(down)
        )
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
