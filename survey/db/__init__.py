"""Database layer: all of survey's SQL, one module per thing stored (papers, citations,
taxonomy, mentions, settings, sources, indexes, annotations), the loader's bulk path
(bulk), and the engine, models and migrate-on-open beneath them.

`open_database` and `session_scope` are loaded on first use, so the light modules here
(`survey.db.revisions`, `survey.db.sqlite`, `survey.db.papers_light`) do not import
SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from survey.db.engine import open_database, session_scope

__all__ = ["open_database", "session_scope"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from survey.db import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'survey.db' has no attribute {name!r}")
