"""The wheel holds every package: a package missing from pyproject's list installs
fine and then fails on import, but only outside an editable checkout."""

from __future__ import annotations

import tomllib

from conftest import REPO


def test_every_package_of_survey_is_listed() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "survey").rglob("__init__.py")
    }
    assert found - listed == set()
