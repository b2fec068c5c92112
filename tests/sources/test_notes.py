"""The notes parser on each quirk of real notes (one fixture file per quirk)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO, TESTS
from markdown_it import MarkdownIt

from survey.errors import InputFileError
from survey.sources.notes import Notes, inline, parse_notes, read_notes_file, slugify

# Reads and writes no database: run once, in the SQLite run (conftest checks it).
pytestmark = pytest.mark.backend_independent

FIXTURES = TESTS / "fixtures" / "notes"
SEED = REPO.parent / "shared" / "seed" / "valse2020-notes.md"


def parse(name: str, slugs: dict[str, str] | None = None) -> Notes:
    path = FIXTURES / name
    return parse_notes(read_notes_file(path), str(path), slugs)


def flags(notes: Notes) -> dict[str, str]:
    return {n.path: n.flag for n in notes.nodes}


def test_front_matter_with_blank_line_after_opening() -> None:
    notes = parse("front_matter_blank_line.md")
    assert notes.front_matter == {"layout": "post", "title": "My survey"}
    assert [(n.label, n.line) for n in notes.nodes] == [("Topic", 7)]


def test_horizontal_rule_is_not_front_matter() -> None:
    notes = parse("horizontal_rule.md")
    assert notes.front_matter == {}
    assert [n.path for n in notes.nodes] == ["first", "second"]


def test_images_make_images_only_sections() -> None:
    notes = parse("images.md")
    assert flags(notes) == {
        "slides": "normal",
        "slides/html-image": "images-only",
        "slides/markdown-image": "images-only",
        "slides/image-and-text": "normal",
        "appendix": "normal",
    }
    html = next(n for n in notes.nodes if n.slug == "html-image")
    assert html.images == 2


def test_numbered_headings_order_by_number_and_slug_without_it() -> None:
    notes = parse("numbered_headings.md")
    methods = notes.nodes[0]
    assert [(c.number, c.slug) for c in methods.children] == [
        (1, "first-approach"),
        (2, "second-approach"),
        (10, "tenth-approach"),
    ]
    assert methods.children[0].label == "First approach"


def test_chinese_headings_get_readable_unicode_slugs_or_mapped_ones() -> None:
    notes = parse("chinese_headings.md")
    assert [n.path for n in notes.nodes] == [
        "细粒度视觉识别",
        "细粒度视觉识别/视觉生成背景介绍",
        "细粒度视觉识别/视觉生成背景介绍/噪声-图像",
        "appendix",
    ]
    mapped = parse(
        "chinese_headings.md", {"细粒度视觉识别": "fine-grained", "噪声-->图像": "noise"}
    )
    assert mapped.nodes[-2].path == "fine-grained/视觉生成背景介绍/noise"
    assert mapped.nodes[-2].label == "噪声-->图像"


def test_empty_sections_are_flagged() -> None:
    assert flags(parse("empty_sections.md")) == {
        "area": "normal",
        "area/empty-one": "empty",
        "area/empty-two": "empty",
        "area/not-empty": "normal",
        "appendix": "normal",
    }


def test_empty_bullet_is_not_a_mention() -> None:
    notes = parse("empty_bullet.md")
    assert [m.title for m in notes.nodes[0].mentions] == [
        "Real paper title here",
        "Another real paper title",
    ]


def test_timestamp_line_is_ignored() -> None:
    area = parse("timestamp.md").nodes[0]
    assert [m.title for m in area.mentions] == ["A paper title in a bullet"]
    assert area.text == []


def test_parenthetical_hints_and_trailing_annotation() -> None:
    mentions = parse("parenthetical.md").nodes[0].mentions
    got = [(m.title, m.hints, m.annotation) for m in mentions]
    assert got == [
        (
            "Selective sparse sampling for fine-grained image recognition",
            ["ICCV2019", "中科院"],
            "",
        ),
        (
            "fine-grained recognition: accounting for subtle differences",
            ["AAAI2020"],
            "通过 diversification block 使网络聚焦",
        ),
        ("Mask-CNN", ["Xiushen Wei"], ""),
        ("Bilinear CNN", [], ""),
        ("某方法 细粒度", [], ""),
        ("fine-grained image-to-image transformation", [], "细粒度图像的GAN"),
    ]
    assert [m.line for m in mentions] == [3, 4, 5, 6, 7, 8]


def test_pandoc_citations_in_prose_and_bullets() -> None:
    area = parse("citations.md").nodes[0]
    assert [m.citekeys for m in area.mentions] == [
        ["fu2017look", "lin2015bilinear", "zheng2019learning"],
        ["fu2017look"],
    ]
    assert area.text == ["Plain prose without a citation."]


def test_every_list_style_gives_mentions() -> None:
    titles = [m.title for m in parse("list_styles.md").nodes[0].mentions]
    assert titles == [
        "star bullet paper title",
        "plus bullet paper title",
        "ordered item paper title",
        "nested bullet paper title",
    ]


def test_unclosed_front_matter_is_an_error_with_its_line() -> None:
    with pytest.raises(InputFileError, match=r"unclosed_front_matter.md:1: front matter"):
        parse("unclosed_front_matter.md")


def test_skipped_heading_level_warns_with_line_and_still_nests() -> None:
    notes = parse("skipped_levels.md")
    (warning,) = notes.diagnostics
    assert warning.line == 3 and not warning.is_error
    assert "heading level 3 follows level 1" in warning.message
    assert [n.path for n in notes.nodes] == ["top", "top/too-deep", "top/fine", "appendix"]


def test_binary_file_is_refused() -> None:
    with pytest.raises(InputFileError, match="binary file"):
        read_notes_file(FIXTURES / "binary.md")


def test_not_utf8_is_refused_with_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.md"
    path.write_bytes("# Title\n\n- M\xfcller\n".encode("latin-1"))
    with pytest.raises(InputFileError, match=r"latin.md:3: not valid UTF-8"):
        read_notes_file(path)


def test_slugs_are_stable() -> None:
    assert slugify("By leveraging attention mechanisms") == "by-leveraging-attention-mechanisms"
    assert slugify("噪声-->图像") == "噪声-图像"
    assert (
        slugify("讲者（华南理工大学Mingkui Tan）相关工作")
        == "讲者-华南理工大学mingkui-tan-相关工作"
    )
    text = (FIXTURES / "numbered_headings.md").read_text()
    before = {n.label: n.path for n in parse_notes(text, "a.md").nodes}
    edited = text.replace("# Methods\n", "# Methods\n\n## 0. A new first section\n\nNew.\n")
    after = {n.label: n.path for n in parse_notes(edited, "a.md").nodes}
    assert {label: after[label] for label in before} == before


@pytest.mark.skipif(not SEED.exists(), reason="the shared seed notes are not checked out here")
def test_the_seed_notes() -> None:
    notes = parse_notes(SEED.read_text(encoding="utf-8"), str(SEED))
    assert notes.diagnostics == []
    assert notes.front_matter["layout"] == "post"
    assert len(notes.nodes) == 20
    fine = next(n for n in notes.nodes if n.label == "细粒度视觉识别")
    assert [c.number for c in fine.children] == [1, 2, 3, 4, 5, 6, 7]
    assert [len(c.mentions) for c in fine.children] == [5, 5, 2, 0, 0, 0, 0]
    assert [c.flag for c in fine.children][3:] == ["empty"] * 4
    assert sum(1 for n in notes.nodes if n.flag == "images-only") == 9


INLINE_LINES = [
    pytest.param("", id="empty"),
    pytest.param("   ", id="spaces"),
    pytest.param("[@wei2018mask]", id="pandoc_citation"),
    pytest.param("[@a; @b, p. 3] and @c", id="citations_and_soft_key"),
    pytest.param("Mask-CNN: parts (CVPR 2020) 注释", id="plain_with_cjk"),
    pytest.param("[Title] (not a link) [x][y]", id="brackets_without_link"),
    pytest.param("[Title](https://arxiv.org/abs/1504.07889)", id="link"),
    pytest.param("[Title] (x)](y)", id="bracket_then_paren"),
    pytest.param("**Bold Title**. Someone.", id="bold"),
    pytest.param("`code` and \\*escaped\\*", id="code_and_escape"),
    pytest.param("a <!--wei2018mask--> b", id="comment_key"),
    pytest.param("AT&amp;T &copy; &#42;", id="entities"),
    pytest.param("![img](a.png) title", id="image"),
    pytest.param("<https://example.com> auto", id="autolink"),
    pytest.param("_under_ score_d", id="underscores"),
    pytest.param("trailing  ", id="trailing_spaces"),
    pytest.param("nul \x00 byte", id="nul"),
    pytest.param("a\tb ~~c~~ {#id} $x$", id="tab_strike_attr_math"),
]


@pytest.mark.parametrize("line", INLINE_LINES)
def test_a_line_reads_as_markdown_it_reads_it(line: str) -> None:
    got = inline._parse_inline(line)
    parsed = MarkdownIt("commonmark").parseInline(line)
    want = (parsed[0].children or []) if parsed else []
    assert [t.as_dict() for t in got] == [t.as_dict() for t in want]


def test_plain_bullets_are_read_without_markdown_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object) -> object:
        raise AssertionError("markdown-it parsed a line without inline Markdown")

    monkeypatch.setattr(inline._MD_INLINE, "parseInline", refuse)
    notes = parse_notes("# Section\n\n- [@wei2018mask]\n- Mask-CNN (CVPR 2020)\n", "notes.md")
    mentions = notes.nodes[0].mentions
    assert [(m.citekeys, m.title, m.hints) for m in mentions] == [
        (["wei2018mask"], "", []),
        ([], "Mask-CNN", ["CVPR 2020"]),
    ]


def test_link_references_resolve_in_headings_and_paragraphs_not_in_bullets() -> None:
    text = (
        "# The [survey][home]\n\nSee [the page][home] [@key].\n\n- [Title][home] (2020)\n\n"
        '[home]: https://example.com "Home"\n'
    )
    (node,) = parse_notes(text, "notes.md").nodes
    assert node.label == "The survey"
    # A bullet is read on its own, as it always was: its link reference stays text.
    assert [(m.title, m.prose, m.citekeys, m.hints) for m in node.mentions] == [
        ("See the page .", True, ["key"], []),
        ("[Title][home]", False, [], ["2020"]),
    ]
