"""The analyses' reads (survey/db/citations.py, survey/db/papers.py): the citation graph
of a set of papers reads only those papers and their citations, and a paper's short name
follows one rule in every read that shows it."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from sqlalchemy import Engine, event

from survey.db import citations as cdb
from survey.db import papers as papers_db
from survey.db import session_scope
from survey.export import collect
from survey.graph import lineage as walk
from survey.ingest.folder import build_survey
from survey.ingest.load import load_bib_files

BUNDLED = REPO / "data" / "valse2020"


@pytest.fixture
def built(engine: Engine) -> Engine:
    with session_scope(engine, write=True) as session:
        assert not build_survey(session, BUNDLED).has_errors
    return engine


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on `engine` inside the block."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_graph_of_a_subset_is_the_whole_graph_cut_down(built: Engine) -> None:
    with session_scope(built) as session:
        every_paper, every_edge = cdb.graph_rows(session)
        ids = [paper_id for paper_id, _, _ in every_paper]
        chooser = random.Random(17)
        for size in (1, 5, len(ids) // 2, len(ids)):
            chosen = set(chooser.sample(ids, size))
            papers, edges = cdb.graph_rows(session, chosen)
            assert papers == [p for p in every_paper if p[0] in chosen]
            assert edges == [e for e in every_edge if e[0] in chosen and e[1] in chosen]


def test_graph_of_a_subset_reads_only_those_papers(built: Engine) -> None:
    with session_scope(built) as session:
        some = {paper_id for paper_id, _, _ in cdb.graph_rows(session)[0][:3]}
        with statements(built) as seen:
            cdb.graph_rows(session, some)
    assert seen, "no statement ran"
    assert all(" IN " in sql.upper() for sql in seen), seen


BIB = """\
@article{lin2015bilinear,
  title = {B-CNN: Bilinear Models},
  shorthand = {BCNN},
  author = {Lin, Tsung-Yu},
  journal = {J},
  year = {2015},
}
@article{fu2017look,
  title = {RA-CNN: Look Closer to See Better},
  author = {Fu, Jianlong},
  journal = {J},
  year = {2017},
  cites = {lin2015bilinear},
}
@article{plain2018,
  title = {Nothing Short About It},
  author = {Doe, Jane},
  journal = {J},
  year = {2018},
  cites = {fu2017look},
}
"""


def test_short_name_is_the_shorthand_then_the_title_prefix_everywhere(
    engine: Engine, tmp_path: Path
) -> None:
    bib = tmp_path / "short.bib"
    bib.write_text(BIB, encoding="utf-8")
    with session_scope(engine, write=True) as session:
        assert not load_bib_files(session, [bib]).has_errors
    expected = {"lin2015bilinear": "BCNN", "fu2017look": "RA-CNN", "plain2018": ""}
    with session_scope(engine) as session:
        exported = {p["key"]: p["short"] for p in collect.export_data(session)["papers"]}
        walked = walk.lineage(session, "plain2018")
        ids = {paper_id for paper_id, _, _ in cdb.graph_rows(session)[0]}
        briefs = {b["key"]: b["short"] for b in papers_db.briefs(session, ids).values()}
    assert exported == expected
    assert briefs == expected
    lineage = {walked["paper"]["key"]: walked["paper"]["short"]}
    lineage.update({step["key"]: step["short"] for step in walked["papers"]})
    assert lineage == expected
