"""Start-up: help and light commands load no database, graph or numeric library, and the
schema's newest revision is known without Alembic (a behaviour test, not a timing)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from survey.db.engine import alembic_config, create_survey_engine
from survey.db.revisions import head_revision, revision_links

HEAVY = ("sqlalchemy", "alembic", "networkx", "scipy", "numpy", "matplotlib")


def imported_modules(*args: str, cwd: Path) -> set[str]:
    """Every module `python -X importtime -m survey ARGS` imports, from its report."""
    env = {**os.environ, "SURVEY_DB": str(cwd / "absent.db")}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "survey", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip(), "the help text is missing"
    modules = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            modules.add(line.rsplit("|", 1)[1].strip())
    assert "survey.cli.app" in modules, result.stderr[-2000:]
    return modules


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("--help",), id="survey"),
        pytest.param(("query", "--help"), id="query_group"),
        pytest.param(("query", "show", "--help"), id="query_show"),
        pytest.param(("export", "--help"), id="export"),
        pytest.param(("cite", "add", "--help"), id="cite_add"),
        pytest.param(("--version",), id="version"),
    ],
)
def test_help_imports_no_heavy_library(args: tuple[str, ...], tmp_path: Path) -> None:
    modules = imported_modules(*args, cwd=tmp_path)
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert not heavy, f"survey {' '.join(args)} imports {heavy[:10]}"


def test_the_newest_revision_is_read_as_alembic_reads_it(db_url: str) -> None:
    """The start-up's cheap reading of the migration scripts (no Alembic) must agree with
    Alembic: a revision added with an unusual `revision =` line would fail here."""
    scripts = ScriptDirectory.from_config(alembic_config(create_survey_engine(db_url)))
    assert head_revision() == scripts.get_current_head()
    links = {script.revision: _downs(script.down_revision) for script in scripts.walk_revisions()}
    assert revision_links() == links


def _downs(down: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    return () if down is None else (down,) if isinstance(down, str) else tuple(down)
