"""Small promises the commands keep alike: a bad option value exits 2, re-adding a tag or
an edge updates it, sections match in any case, candidates come best first, the trend
and top views say what they mean, and counts agree with their nouns."""

from __future__ import annotations

import json

import pytest
from conftest import BUNDLED_BIB
from helpers import Cli
from sqlalchemy import Engine, select

from survey.db import session_scope
from survey.db.models import Mention


@pytest.fixture
def built(cli: Cli) -> Cli:
    result = cli("build")
    assert result.exit_code == 0, result.stderr
    return cli


@pytest.mark.parametrize(
    "args",
    [
        ("query", "top", "--metric", "pagernak"),
        ("query", "top", "--format", "yaml"),
        ("cite", "add", "RA-CNN", "B-CNN", "--relation", "loves"),
        ("export", "pdf", "x.pdf"),
    ],
    ids=lambda a: " ".join(a[:3]),
)
def test_an_invalid_option_value_exits_2(built: Cli, args: tuple[str, ...]) -> None:
    result = built(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)


def test_tag_add_matches_sections_in_any_case_and_updates_the_note(built: Cli) -> None:
    first = built("tag", "add", "RA-CNN", "Fine-Grained/Attention", "--note", "zooms in")
    assert first.exit_code == 0 and "tagged fu2017look" in first.stdout
    again = built("tag", "add", "RA-CNN", "FINE-GRAINED/ATTENTION", "--note", "recurrent zoom")
    assert again.exit_code == 0 and "updated the note" in again.stdout
    same = built("tag", "add", "RA-CNN", "fine-grained/attention")
    assert same.exit_code == 0 and "already has a manual tag" in same.stdout
    shown = json.loads(built("query", "show", "RA-CNN", "-f", "json").stdout)
    manual = [s for s in shown["sections"] if s["provenance"] == "manual"]
    assert [s["annotation"] for s in manual] == ["recurrent zoom"]


def test_candidates_are_listed_best_first(built: Cli, engine: Engine) -> None:
    with session_scope(engine, write=True) as session:
        mention = session.scalars(select(Mention).order_by(Mention.id)).first()
        assert mention is not None
        mention.status, mention.paper_id = "ambiguous", None
        mention.candidates = [
            {"key": "lin2015bilinear", "score": 61.0},
            {"key": "zheng2019learning", "score": 93.5},
            {"key": "fu2017look", "score": 77.0},
        ]
    order = ["zheng2019learning", "fu2017look", "lin2015bilinear"]
    text = built("taxonomy").stdout
    assert [text.index(k) for k in order] == sorted(text.index(k) for k in order)
    findings = json.loads(built("check", "-f", "json").stdout)
    message = next(f["message"] for f in findings if "ambiguous" in f["message"])
    assert ", ".join(order) in message


def test_top_without_citations_says_so(cli: Cli) -> None:
    assert cli("load", BUNDLED_BIB).exit_code == 0  # papers, no citation edges
    result = cli("query", "top")
    assert result.exit_code == 0
    assert "no citations" in result.stdout and "pagerank" not in result.stdout
    assert "fu2017look" not in result.stdout  # no table of zeros


def test_trend_since_filters_the_bursts(built: Cli) -> None:
    everything = json.loads(built("query", "trend", "-f", "json").stdout)
    assert any(b["start"] < 2016 for b in everything["bursts"])
    recent = json.loads(built("query", "trend", "--since", "2016", "-f", "json").stdout)
    assert all(b["start"] >= 2016 for b in recent["bursts"])
    assert recent["years"] == list(range(2016, recent["years"][-1] + 1))
    future = built("query", "trend", "--since", "2030")
    assert "burst" not in future.stdout


def test_years_are_contiguous(built: Cli) -> None:
    years = json.loads(built("query", "trend", "-f", "json").stdout)["years"]
    assert years == list(range(years[0], years[-1] + 1)) and 2005 in years


def test_singular_counts(built: Cli) -> None:
    path = built("query", "path", "luo2019cross", "lin2015bilinear")
    assert "(1 step)" in path.stdout
    # A 2017 paper citing a 2019 one, which also closes a cycle: one error among them.
    assert built("cite", "add", "RA-CNN", "DBTNet").exit_code == 0
    check = built("check")
    assert ", 1 error " in check.stdout and "1 errors" not in check.stdout, check.stdout
