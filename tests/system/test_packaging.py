"""The wheel holds every package: a package missing from pyproject's list installs
fine and then fails on import, but only outside an editable checkout. The version is
written once."""

from __future__ import annotations

import tomllib
from importlib import metadata

import pytest
from conftest import REPO

from survey import DISTRIBUTION

# Reads and writes no database: run once, in the SQLite run (conftest checks it).
pytestmark = pytest.mark.backend_independent


def test_every_package_of_survey_is_listed() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "survey").rglob("__init__.py")
    }
    assert found - listed == set()


def test_the_version_is_written_once() -> None:
    """survey/__init__.py holds the version; pyproject.toml declares it dynamic and the build
    backend reads it from there, so the installed distribution and `survey --version`
    agree."""
    import survey

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in config["project"], "the version belongs in survey/__init__.py"
    assert "version" in config["project"]["dynamic"]
    assert config["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "survey.__version__"}
    try:
        installed = metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        pytest.skip(f"{DISTRIBUTION} is not installed: nothing built reads the version")
    assert installed == survey.__version__, f"reinstall: {DISTRIBUTION} {installed} is installed"


def test_survey_version_prints_the_package_version() -> None:
    from typer.testing import CliRunner

    import survey
    from survey.cli.app import app

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"survey {survey.__version__}\n"
