"""An awesome list with a cross-index (tests/fixtures/awesome_crossindex, in the shape
of real lists): papers filed once under an anchor, listed again as in-page links; and
a title block of badges and statistics under the lone H1."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES
from sqlalchemy import Engine, select

from survey.db import session_scope
from survey.db.models import Paper, Tag, TaxonomyNode
from survey.ingest.folder import build_survey
from survey.sources.notes import parse_notes

CROSSINDEX = FIXTURES / "awesome_crossindex"


def tags(engine: Engine) -> dict[str, list[tuple[str, str]]]:
    with session_scope(engine) as session:
        rows = session.execute(
            select(TaxonomyNode.path, Paper.citekey, Tag.provenance)
            .join(Tag, Tag.node_id == TaxonomyNode.id)
            .join(Paper, Paper.id == Tag.paper_id)
            .order_by(TaxonomyNode.path, Paper.citekey)
        )
        found: dict[str, list[tuple[str, str]]] = {}
        for path, key, provenance in rows:
            found.setdefault(path, []).append((key, provenance))
    return found


def test_cross_index_sections_hold_the_papers_their_links_point_at(engine: Engine) -> None:
    with session_scope(engine, write=True) as session:
        report = build_survey(session, CROSSINDEX)
    assert report.open_mentions == []
    assert report.manifest.title == "Awesome Vision Backbones"  # the H1 over statistics
    found = tags(engine)
    convolution = ["he2016deep", "krizhevsky2012imagenet", "simonyan2015very"]
    assert found["cross-index-by-technical-route/convolution"] == [
        (key, "notes") for key in convolution
    ]
    # <a id>, <a name>, {#id} and an HTML anchor on the line before the bullet; two links
    # on one bullet; links to headings name nothing.
    assert found["cross-index-by-technical-route/attention"] == [
        ("dosovitskiy2021image", "notes"),
        ("liu2021swin", "notes"),
        ("vaswani2017attention", "notes"),
    ]
    assert found["cross-index-by-technical-route/hierarchy"] == [
        ("he2016deep", "notes"),
        ("liu2021swin", "notes"),
    ]
    # The statistics under the H1 are no section and no mention; its H2s are the top.
    assert not any(path.startswith("awesome") for path in found)
    (warning,) = [d for d in report.diagnostics if d.code == "anchor"]
    assert warning.line == 48 and "#paper-2019-gone" in warning.message


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        pytest.param(
            '- <a id="p1"></a>**A Title Of A Paper**. X. CVPR 2020.\n\n## B\n\n- [Short](#p1)\n',
            ["A Title Of A Paper"],
            id="a_id",
        ),
        pytest.param(
            "- <a name='p1'></a>**A Title Of A Paper**. X.\n\n## B\n\n- [Short](#p1)\n",
            ["A Title Of A Paper"],
            id="a_name_single_quotes",
        ),
        pytest.param(
            "- **A Title Of A Paper** {#p1}. X.\n\n## B\n\n- [Short](#p1)\n",
            ["A Title Of A Paper"],
            id="attribute_block",
        ),
        pytest.param(
            '<div id="p1"></div>\n\n- **A Title Of A Paper**. X.\n\n## B\n\n- [Short](#p1)\n',
            ["A Title Of A Paper"],
            id="html_anchor_before_the_bullet",
        ),
        pytest.param(
            "- **A Title Of A Paper**. X.\n\n## B\n\n- [Back to A](#a)\n",
            [],
            id="link_to_a_heading",
        ),
        pytest.param(
            "- **A Title Of A Paper**. X.\n\n## B {#bee}\n\n## C\n\n- [B](#bee)\n",
            [],
            id="link_to_a_heading_id",
        ),
    ],
)
def test_in_page_links(text: str, keys: list[str]) -> None:
    notes = parse_notes("# T\n\n## A\n\n" + text, "README.md")
    last = notes.nodes[-1]
    assert [m.title for m in last.mentions] == keys
    assert not [d for d in notes.diagnostics if d.code == "anchor"]


def test_a_heading_id_never_reaches_its_slug() -> None:
    notes = parse_notes("## Methods {#sec:methods}\n\n- **A Paper Title**\n", "n.md")
    assert [(n.path, n.label) for n in notes.nodes] == [("methods", "Methods")]


@pytest.mark.parametrize(
    ("block", "titled"),
    [
        pytest.param("- Papers: 174\n- Last updated: 2024-06-01\n", True, id="statistics"),
        pytest.param("- 174 papers · 17 routes\n", True, id="counts"),
        pytest.param("- ![badge](https://img.shields.io/x.svg)\n", True, id="badges"),
        pytest.param("- **Deep Residual Learning for Image Recognition**\n", False, id="a_paper"),
        pytest.param("- Survey [@he2016deep]\n", False, id="a_citation"),
    ],
)
def test_lone_h1_is_the_title_unless_its_bullets_name_a_paper(block: str, titled: bool) -> None:
    notes = parse_notes(f"# Awesome X\n\n{block}\n## Papers\n\n- **A Paper Title**\n", "n.md")
    assert (notes.title == "Awesome X") is titled
    assert notes.nodes[0].path == ("papers" if titled else "awesome-x")


def test_cross_index_copy_keeps_the_target_when_built_twice(engine: Engine, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(CROSSINDEX, tmp_path / "list"))
    for _ in range(2):
        with session_scope(engine, write=True) as session:
            build_survey(session, folder)
    assert len(tags(engine)["cross-index-by-technical-route/convolution"]) == 3
