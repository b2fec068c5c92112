"""Alembic revisions, named NNNN_slug.py, each with a docstring saying why."""
