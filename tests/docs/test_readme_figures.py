"""The figures of the bundled survey (papers, sections, citations) that the README and the
pages of docs/ state, and the figures recorded in the picture of the graph page, agree
with the bundled data."""

from __future__ import annotations

import re

import pytest
from conftest import REPO
from sqlalchemy import Engine

from survey.db import session_scope
from survey.export.html import page_content, page_data
from survey.ingest.folder import build_survey

BUNDLED = REPO / "data" / "valse2020"
# The README and the reference pages it points to.
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
PICTURE = REPO / "docs" / "graph.png"


@pytest.fixture
def figures(engine: Engine) -> dict[str, int]:
    with session_scope(engine, write=True) as session:
        assert not build_survey(session, BUNDLED).has_errors
    with session_scope(engine) as session:
        data = page_data(session)
    content = page_content(data)
    return {
        "papers": len(content["papers"]),
        "citations": len(content["edges"]),
        "sections": len(content["sections"]),
    }


# Each sentence of the README or a docs page that states a figure of the bundled survey,
# with the figure each number is.
STATEMENTS = [
    (r"the bundled survey: (\d+) papers, (\d+) sections", ["papers", "sections"]),
    (r"a\s+taxonomy of (\d+) sections", ["sections"]),
    (r"A citations file of (\d+)\s+edges", ["citations"]),
    (r"`data/valse2020/citations.csv`\s+holds (\d+) edges", ["citations"]),
    (r"(\d+) nodes for (\d+) papers", ["papers", "papers"]),
    (
        r"graph page \((\d+) papers, (\d+) citations\), as it opens\]\((?:docs/)?graph\.png\)",
        ["papers", "citations"],
    ),
]


@pytest.mark.parametrize(("pattern", "names"), STATEMENTS)
def test_the_readme_states_the_bundled_figures(
    figures: dict[str, int], pattern: str, names: list[str]
) -> None:
    text = "\n".join(page.read_text(encoding="utf-8") for page in PAGES)
    found = re.findall(pattern, text)
    assert found, f"README.md and docs/ no longer say {pattern!r}: update them or this test"
    for match in found:
        numbers = [match] if isinstance(match, str) else list(match)
        assert [int(n) for n in numbers] == [figures[n] for n in names], pattern


def test_the_picture_is_of_the_bundled_survey_as_it_is(figures: dict[str, int]) -> None:
    """docs/graph.png records the figures of the survey it shows (docs/graph_png.py)."""
    pytest.importorskip("PIL", reason="Pillow (with matplotlib in '.[test]') reads the PNG")
    from PIL import Image

    with Image.open(PICTURE) as image:
        recorded = image.info.get("survey")
    expected = f"{figures['papers']} papers, {figures['citations']} citations"
    assert recorded == expected, "run python docs/graph_png.py to redraw docs/graph.png"
