"""Start-up: help and light commands load no database, graph or numeric library, and the
schema's newest revision is known without Alembic (a behaviour test, not a timing)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from helpers import HOSTILE_BIB, Cli
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.db import open_database, papers_light, session_scope
from survey.db.engine import alembic_config, create_survey_engine
from survey.db.models import IndexMatch, IndexWork, Paper, Tag, TaxonomyNode
from survey.db.papers import find_paper, loaded_paper_record
from survey.db.papers_light import quick_paper_record, read_paper_record, session_fetch
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


# -- query show's record, read with plain SQL -------------------------------------------


@pytest.fixture
def built(cli: Cli, db_url: str, tmp_path: Path) -> str:
    """The bundled survey and the hostile entries, with OpenAlex answers for two papers:
    one matched to a work, one looked up and not found."""
    assert cli("build").exit_code == 0
    text = HOSTILE_BIB.read_text(encoding="utf-8")
    hostile = tmp_path / "hostile.bib"
    hostile.write_text(text[: text.index("@inproceedings{choi2018stargan")], encoding="utf-8")
    assert cli("load", hostile).exit_code == 0
    with session_scope(open_database(db_url), write=True) as session:
        session.add(IndexWork(id="W1", source="openalex", title="Look closer", cited_by_count=42))
        session.flush()
        fu = find_paper(session, "fu2017look")
        other = find_paper(session, "B-CNN")
        session.add(
            IndexMatch(source="openalex", paper_id=fu.id, work_id="W1", method="doi", score=100.0)
        )
        session.add(
            IndexMatch(
                source="openalex",
                paper_id=other.id,
                work_id=None,
                method="none",
                score=0.0,
                doi_suggestion="10.1/x",
            )
        )
    return db_url


def tags_of_paper(session: Session, paper_id: int) -> list[Tag]:
    return list(
        session.scalars(
            select(Tag)
            .where(Tag.paper_id == paper_id)
            .join(TaxonomyNode, Tag.node_id == TaxonomyNode.id)
            .order_by(TaxonomyNode.path, Tag.provenance)
        )
    )


def indexes_of(session: Session, paper_id: int) -> list[dict[str, object]]:
    matches = session.scalars(
        select(IndexMatch).where(IndexMatch.paper_id == paper_id).order_by(IndexMatch.source)
    )
    return [
        {
            "source": match.source,
            "work": match.work_id,
            "method": match.method,
            "score": match.score,
            "cited_by_count": match.work.cited_by_count if match.work is not None else None,
            "doi_suggestion": match.doi_suggestion,
        }
        for match in matches
    ]


def orm_record(session: Session, paper: Paper) -> dict[str, object]:
    """What `query show` printed before its read path was plain SQL: the ORM's objects."""
    record: dict[str, object] = dict(loaded_paper_record(paper))
    record["sections"] = [
        {
            "path": tag.node.path,
            "label": tag.node.label,
            "provenance": tag.provenance,
            "annotation": tag.annotation,
        }
        for tag in tags_of_paper(session, paper.id)
    ]
    indexes = indexes_of(session, paper.id)
    if indexes:
        record["indexes"] = indexes
    return record


def test_the_sql_record_is_the_orm_record_for_every_paper(built: str) -> None:
    with session_scope(open_database(built)) as session:
        papers = list(session.scalars(select(Paper).order_by(Paper.citekey)))
        assert len(papers) > 70
        fetch = session_fetch(session)
        expected = {p.citekey: orm_record(session, p) for p in papers}
        got = {p.citekey: read_paper_record(fetch, p.id) for p in papers}
        named: dict[str, set[str]] = {}
        for p in papers:
            for a in p.aliases:
                named.setdefault(a.alias_lower, set()).add(p.citekey)
    assert got == expected
    assert got["fu2017look"]["indexes"][0]["cited_by_count"] == 42
    assert any(r["sections"] for r in got.values()) and any(r["source"] for r in got.values())
    if not built.startswith("sqlite"):
        assert quick_paper_record(built, "fu2017look") is None  # the general path's
        return
    for key, record in expected.items():
        assert quick_paper_record(built, key.upper()) == record, key
    citekeys = {key.lower() for key in expected}
    for alias, keys in sorted(named.items()):
        found = quick_paper_record(built, f"  {alias.upper()} ")
        if len(keys) > 1 or alias in citekeys:
            # Several papers' short name (find_paper's message), or another paper's key.
            assert found is None or found["citekey"].lower() == alias, alias
        else:
            assert found == expected[keys.pop()], alias


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("nosuchpaper2020", id="unknown_key"),
        pytest.param("10.1109/cvpr.2017.476", id="doi"),
        pytest.param("arXiv:1504.07889", id="arxiv_id"),
        pytest.param("Look Closer to See", id="title_start"),
    ],
)
def test_the_quick_path_leaves_other_keys_to_find_paper(built: str, key: str) -> None:
    if not built.startswith("sqlite"):
        pytest.skip("the quick path reads SQLite files only")
    assert quick_paper_record(built, key) is None


def test_the_quick_path_leaves_other_databases_to_the_engine(built: str, tmp_path: Path) -> None:
    if not built.startswith("sqlite"):
        pytest.skip("the quick path reads SQLite files only")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 100)
    for url in (
        f"sqlite:///{tmp_path / 'missing.db'}",
        f"sqlite:///{garbage}",
        built + "?mode=ro",
        "postgresql://localhost/survey",
    ):
        assert quick_paper_record(url, "fu2017look") is None, url
    # An older schema: opening the database upgrades it, which the quick path never does.
    engine = create_survey_engine(built)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{EARLIER}'")
    engine.dispose()
    assert quick_paper_record(built, "fu2017look") is None


# An older revision's id: the quick path must leave such a database to the general path.
EARLIER = "0006"


@pytest.mark.parametrize("output", ["table", "json", "csv"])
@pytest.mark.parametrize("key", ["RA-CNN", "fu2017look", "B-CNN", "10.1109/cvpr.2017.476"])
def test_show_prints_the_same_on_both_paths(
    built: str, cli: Cli, monkeypatch: pytest.MonkeyPatch, key: str, output: str
) -> None:
    quick = cli("query", "show", key, "--format", output)
    assert quick.exit_code == 0, quick.stderr
    monkeypatch.setattr(papers_light, "quick_paper_record", lambda _url, _key: None)
    general = cli("query", "show", key, "--format", output)
    assert (quick.stdout, quick.stderr) == (general.stdout, general.stderr)


def test_show_on_an_up_to_date_sqlite_file_imports_no_sqlalchemy(
    built: str, tmp_path: Path
) -> None:
    if not built.startswith("sqlite"):
        pytest.skip("the quick path reads SQLite files only")
    modules = imported_modules("--db", built, "query", "show", "RA-CNN", cwd=tmp_path)
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert not heavy, heavy[:10]
