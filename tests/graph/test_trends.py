"""Trend counts, rising sections and Kleinberg bursts on synthetic series."""

from __future__ import annotations

import pytest

from survey.graph import trends
from survey.graph.trends import Placement

# Reads and writes no database: run once, in the SQLite run (conftest checks it).
pytestmark = pytest.mark.backend_independent


def test_counts_include_subsections_once() -> None:
    placements = [
        Placement("a/x", "p1", 2019),
        Placement("a/y", "p1", 2019),  # the same paper in two subsections
        Placement("a/y", "p2", 2020),
        Placement("b", "p3", 2020),
        Placement("b", "p4", None),
    ]
    assert trends.counts_by_year(placements) == {
        "a": {2019: 1, 2020: 1},
        "a/x": {2019: 1},
        "a/y": {2019: 1, 2020: 1},
        "b": {2020: 1},
    }


def test_cumulative_and_share() -> None:
    assert trends.cumulative({2018: 2, 2020: 1}, [2018, 2019, 2020]) == {
        2018: 2,
        2019: 2,
        2020: 3,
    }
    counts = {"a": {2019: 4}, "a/x": {2019: 1}}
    assert trends.share_of_parent(counts, "a/x") == 0.25
    assert trends.share_of_parent(counts, "a") is None


def test_rising_ranks_growing_share_first() -> None:
    counts = {
        "a": {2010: 10, 2011: 10, 2019: 10, 2020: 10},
        "a/old": {2010: 8, 2011: 8, 2019: 2, 2020: 2},
        "a/new": {2010: 2, 2011: 2, 2019: 8, 2020: 8},
    }
    ranked = trends.rising(counts, window=2)
    assert [r.path for r in ranked] == ["a/new", "a/old"]
    assert ranked[0].earlier_share == 0.2 and ranked[0].recent_share == 0.8
    assert ranked[0].change == 0.6


def test_burst_on_a_synthetic_series() -> None:
    totals = {2010 + i: 100 for i in range(10)}
    series = dict(zip(totals, [5, 5, 5, 30, 35, 30, 5, 5, 5, 5], strict=True))
    (burst,) = trends.bursts(series, totals)
    assert (burst.start, burst.end) == (2013, 2015)
    assert burst.weight > 0


def test_no_burst_in_a_flat_series() -> None:
    totals = {2010 + i: 100 for i in range(10)}
    assert trends.bursts(dict.fromkeys(totals, 10), totals) == []


def test_venues_and_sparkline() -> None:
    assert trends.venues_by_year([("CVPR", 2019), ("CVPR", 2019), ("ICCV", 2019), ("", 2020)]) == {
        "CVPR": {2019: 2},
        "ICCV": {2019: 1},
    }
    assert trends.sparkline([0, 1, 2, 4]) == " ▂▄█"
