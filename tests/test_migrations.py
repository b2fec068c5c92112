"""The schema: migrations reach head from empty, agree with the models, and run both ways."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from survey.db.engine import (
    alembic_config,
    create_survey_engine,
    current_revision,
    head_revision,
    open_database,
)
from survey.db.models import Base


def test_empty_database_is_upgraded_on_open(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'new.db'}")
    assert current_revision(engine) == head_revision(engine) == "0004"
    tables = set(inspect(engine).get_table_names())
    assert {"papers", "authors", "aliases", "sources", "papers_fts"} <= tables


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'head.db'}")
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": lambda obj, name, type_, reflected, other: (
                    not (type_ == "table" and name is not None and name.startswith("papers_fts"))
                ),
            },
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_downgrade_to_base_and_up_again(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'cycle.db'}")
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    reopened = open_database(f"sqlite:///{tmp_path / 'cycle.db'}")
    assert current_revision(reopened) == "0004"


def test_current_does_not_create_tables(tmp_path: Path) -> None:
    engine = create_survey_engine(f"sqlite:///{tmp_path / 'peek.db'}")
    assert current_revision(engine) is None
    assert inspect(engine).get_table_names() == []
