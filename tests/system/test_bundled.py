"""The bundled VALSE 2020 bibliography: complete, well-formed, and loadable without warnings."""

from __future__ import annotations

import re

import pytest
from conftest import BUNDLED_BIB

from survey.sources.bibtex import parse_bibtex

# Reads and writes no database: run once, in the SQLite run (conftest checks it).
pytestmark = pytest.mark.backend_independent

# Short names the notes and the community use, by citekey.
EXPECTED = {
    "wei2018mask": "Mask-CNN",
    "ding2019selective": "S3N",
    "liu2020filtration": "FDL",
    "wang2020graph": "GCL",
    "wang2020weakly": "DF-GMM",
    "lin2015bilinear": "B-CNN",
    "zheng2019learning": "DBTNet",
    "luo2019cross": "Cross-X",
    "sun2020fine": None,
    "xiong2020fine": None,
    "fu2017look": "RA-CNN",
    "zhang2019learning": "MGE-CNN",
}


@pytest.fixture(scope="module")
def parsed():  # type: ignore[no-untyped-def]
    return parse_bibtex(BUNDLED_BIB.read_text(encoding="utf-8"), str(BUNDLED_BIB))


def test_twelve_papers_with_no_diagnostics(parsed) -> None:  # type: ignore[no-untyped-def]
    assert parsed.diagnostics == []
    assert {r.citekey: r.shorthand for r in parsed.records} == EXPECTED


def test_every_paper_has_core_metadata(parsed) -> None:  # type: ignore[no-untyped-def]
    for record in parsed.records:
        assert record.title and record.venue and record.year, record.citekey
        assert len(record.authors) >= 3, record.citekey
        assert record.doi or record.arxiv_id, record.citekey


def test_citekeys_follow_the_convention(parsed) -> None:  # type: ignore[no-untyped-def]
    for record in parsed.records:
        family = re.sub(r"[^a-z]", "", record.authors[0].family.lower())
        first_word = re.sub(r"[^a-z].*", "", record.title.lower())
        assert record.citekey == f"{family}{record.year}{first_word}"


def test_official_spellings_are_kept(parsed) -> None:  # type: ignore[no-untyped-def]
    titles = {r.citekey: r.title for r in parsed.records}
    assert "Guassian Mixture Model" in titles["wang2020weakly"]
    assert titles["luo2019cross"] == "Cross-X Learning for Fine-Grained Visual Categorization"
