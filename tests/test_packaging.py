"""The wheel holds every package: a package missing from pyproject's list installs
fine and then fails on import, but only outside an editable checkout."""

from __future__ import annotations

import tomllib
import warnings

from conftest import REPO


def test_every_package_of_survey_is_listed() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "survey").rglob("__init__.py")
    }
    assert found - listed == set()


def test_the_version_is_written_once() -> None:
    """survey/__init__.py holds the version; pyproject.toml declares it dynamic and the
    build backend reads it from there, so the wheel and `survey --version` agree."""
    from setuptools.config.pyprojecttoml import read_configuration

    import survey

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in config["project"], "the version belongs in survey/__init__.py"
    assert "version" in config["project"]["dynamic"]
    assert config["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "survey.__version__"}
    with warnings.catch_warnings():
        # setuptools calls its [tool.setuptools] support beta; the build reads it all the same.
        warnings.simplefilter("ignore")
        resolved = read_configuration(REPO / "pyproject.toml", expand=True)
    assert resolved["project"]["version"] == survey.__version__


def test_survey_version_prints_the_package_version() -> None:
    from typer.testing import CliRunner

    import survey
    from survey.cli.app import app

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"survey {survey.__version__}\n"
