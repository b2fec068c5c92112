"""Lineage: what a paper builds on, or what builds on it, generation by generation
(graph layer). The walk runs in SQL (`survey.db.citations.lineage_rows`); this module
turns its rows into the plain data the CLI and the page print. It imports no NetworkX,
so `survey query lineage` starts without loading it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from survey.db import citations as cdb
from survey.db import taxonomy as tx
from survey.db.papers import find_paper_id
from survey.errors import SurveyError
from survey.gcpause import gc_paused
from survey.shapes import Lineage, LineageStep


def lineage(
    session: Session,
    key: str,
    *,
    descendants: bool = False,
    depth: int | None = None,
    within: str | None = None,
) -> Lineage:
    """What `key` builds on (or, with `descendants`, what builds on it), by generation."""
    if depth is not None and depth < 1:
        raise SurveyError("--depth must be at least 1")
    paper_id, _ = find_paper_id(session, key)
    path = None if within is None else tx.find_node(session, within).path
    with gc_paused():  # a heavy question builds 10^5 rows and dicts
        return _lineage_result(
            cdb.lineage_rows(session, paper_id, descendants=descendants, depth=depth, within=path),
            descendants=descendants,
            within=path,
            depth=depth,
        )


def _lineage_result(
    rows: list[cdb.Reached], *, descendants: bool, within: str | None, depth: int | None
) -> Lineage:
    # The walk already brought each paper's key, year, title and short name.
    keys = {r.paper_id: r.citekey for r in rows}
    start = rows[0]
    steps: list[LineageStep] = [
        {
            "key": r.citekey,
            "year": r.year,
            "short": r.short,
            "title": r.title,
            "generation": r.generation,
            "via": keys[r.via_id] if r.via_id is not None else None,
            "relation": r.relation,
        }
        for r in rows[1:]
    ]
    steps.sort(key=lambda s: (s["generation"], s["key"]))
    return {
        "paper": {
            "key": start.citekey,
            "year": start.year,
            "short": start.short,
            "title": start.title,
        },
        "direction": "descendants" if descendants else "ancestors",
        "within": within,
        "depth": depth,
        "papers": steps,
    }
