"""Database layer: SQLAlchemy models, engine and sessions, migrate-on-open, query helpers."""

from survey.db.engine import open_database, session_scope

__all__ = ["open_database", "session_scope"]
