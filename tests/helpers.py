"""Test helpers shared by the test modules (imported as `helpers`; tests/ is on sys.path)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner, Result

from survey.cli.app import app


class Cli:
    """Runs the `survey` command in-process; stdout and stderr stay apart."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str | Path) -> Result:
        return self.runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
