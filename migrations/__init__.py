"""Alembic migrations of survey's database (ships inside the package as survey.migrations)."""
