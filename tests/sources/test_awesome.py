"""Notes as people publish them: an awesome-list README with its own BibTeX files
(tests/fixtures/awesome, in the shape of real lists), and each bullet style alone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, POSTGRES
from helpers import Cli
from sqlalchemy import Engine

from survey.db import session_scope
from survey.ingest.folder import build_survey
from survey.ingest.match import PaperRef, Resolver
from survey.review.mentions import list_mentions
from survey.sources.notes import NoteMention, parse_mention, parse_notes
from survey.textnorm import normalize_name, normalize_title

AWESOME = FIXTURES / "awesome"


def mention(text: str) -> NoteMention:
    found = parse_mention(text, 1)
    assert found is not None
    return found


def test_the_awesome_list_builds_clean_sections_from_its_h2s(engine: Engine) -> None:
    with session_scope(engine, write=True) as session:
        report = build_survey(session, AWESOME)
    assert not report.has_errors and report.open_mentions == []
    assert report.manifest.title == "Awesome Radiance Fields"
    with session_scope(engine) as session:
        found = [(m.section, m.key, m.method) for m in list_mentions(session)]
    assert found == [
        ("papers", "Mildenhall20eccv_nerf", "key"),
        ("papers", "DBLP:journals/corr/abs-2010-07492", "identifier"),
        ("papers", "Wang21arxiv_nerfmm", "title"),
        ("papers/faster-inference", "reiser2021kilonerf", "key"),
        ("papers/faster-inference", "muller_instant_2022", "title"),
        ("papers/faster-inference/fewer-views", "fridovich-keil_plenoxels_2022", "title"),
        ("papers/dynamic-scenes", "Pumarola20arxiv_D_NeRF", "title"),
        ("papers/dynamic-scenes", "Wang21arxiv_nerfmm", "title"),
    ]


def test_the_awesome_list_taxonomy(cli: Cli, engine: Engine) -> None:
    assert cli("build", AWESOME).exit_code == 0
    shown = cli("taxonomy", "--format", "csv").stdout
    assert "http" not in shown and "svg" not in shown and "Table of Contents" not in shown
    assert "Faster Inference" in shown and "Fewer Views" in shown


def parse(text: str, **options: object) -> list[tuple[str, list[str]]]:
    notes = parse_notes(text, "notes.md", **options)  # type: ignore[arg-type]
    return [(n.path, [m.title for m in n.mentions]) for n in notes.nodes]


def test_a_lone_h1_is_the_title_and_its_h2s_the_top_level() -> None:
    notes = parse_notes(
        "# My List [![b](https://x/b.svg)](https://x)\nAbout it.\n\n## One\n- A paper\n\n## Two\n",
        "notes.md",
    )
    assert notes.title == "My List" and notes.description == "About it."
    assert [n.path for n in notes.nodes] == ["one", "two"]


def test_a_lone_h1_with_papers_of_its_own_stays_a_section() -> None:
    assert parse("# Topic\n\n- A paper title here\n\n## Nothing yet\n") == [
        ("topic", ["A paper title here"]),
        ("topic/nothing-yet", []),
    ]


def test_excluded_headings_drop_their_subtree_and_unknown_ones_warn() -> None:
    text = (
        "# A\n- First paper title\n## Talks\n- A talk\n### Deeper\n- Another talk\n## Kept\n# B\n"
    )
    notes = parse_notes(text, "notes.md", exclude=["talks", "Nowhere"])
    assert [n.path for n in notes.nodes] == ["a", "a/kept", "b"]
    (warning,) = notes.diagnostics
    assert "exclude names 'nowhere'" in warning.message


def test_headings_lose_links_badges_and_comments() -> None:
    text = (
        "# [Linked](https://x) heading <!-- draft -->\n\n"
        "# Badged ![b](https://img/b.svg) and `code`\n"
    )
    assert [n.path for n in parse_notes(text, "notes.md").nodes] == [
        "linked-heading",
        "badged-and-code",
    ]


def test_details_blocks_are_subsections() -> None:
    text = (
        "# Papers\n\n<details open>\n<summary>Fast</summary>\n\n- Fast paper\n"
        "</details>\n\n- Back\n"
    )
    assert parse(text) == [("papers", ["Back"]), ("papers/fast", ["Fast paper"])]


def test_anchor_only_bullets_are_not_mentions() -> None:
    assert parse_mention("[Survey](#survey)", 1) is None
    assert parse_mention("[Survey](#survey) | [Papers](#papers)", 1) is None
    assert parse_mention("[Survey](https://arxiv.org/abs/2101.05204)", 1) is not None


@pytest.mark.parametrize(
    ("bullet", "title", "hints"),
    [
        pytest.param(
            "[Neural Sparse Voxel Fields](https://x.org/nsvf), Liu et al., NeurIPS 2020 | "
            "[github](https://github.com/x) | [bibtex](./refs.bib#L1)",
            "Neural Sparse Voxel Fields",
            ["Liu et al", "NeurIPS 2020"],
            id="link_authors_venue",
        ),
        pytest.param(
            "**Deep Residual Learning for Image Recognition**. Kaiming He, Xiangyu Zhang. "
            "CVPR 2016.",
            "Deep Residual Learning for Image Recognition",
            ["Kaiming He", "Xiangyu Zhang", "CVPR 2016"],
            id="bold_title",
        ),
        pytest.param(
            'He, Zhang, Ren, Sun. "Deep Residual Learning for Image Recognition." CVPR 2016.',
            "Deep Residual Learning for Image Recognition",
            ["He", "Zhang", "Ren", "Sun", "CVPR 2016"],
            id="quoted_title",
        ),
        pytest.param(
            "[[pdf]](https://x/p.pdf) [[code]](https://x/c) Deep Residual Learning for Image "
            "Recognition",
            "Deep Residual Learning for Image Recognition",
            [],
            id="leading_link_labels",
        ),
        pytest.param(
            "**[CVPR 2016]** Deep Residual Learning for Image Recognition",
            "Deep Residual Learning for Image Recognition",
            ["CVPR 2016"],
            id="venue_tag",
        ),
        pytest.param(
            "[NeO 360: Neural Fields for Sparse View Synthesis](https://x), Irshad et al.",
            "NeO 360: Neural Fields for Sparse View Synthesis",
            ["Irshad et al"],
            id="title_starting_like_a_venue",
        ),
    ],
)
def test_bullet_styles(bullet: str, title: str, hints: list[str]) -> None:
    found = mention(bullet)
    assert (found.title, found.hints) == (title, hints)


def test_html_comment_keys_and_link_identifiers() -> None:
    found = mention("[A Title Here](https://arxiv.org/abs/2003.08934v2) <!---Key20_x-->")
    assert found.soft_keys == ["Key20_x"] and found.citekeys == []
    assert found.identifiers == [("arxiv", "2003.08934")]
    assert mention("[T](https://doi.org/10.1109/CVPR.2016.90) x").identifiers == [
        ("doi", "10.1109/cvpr.2016.90")
    ]
    assert mention("A title <!-- a remark, not a key -->").soft_keys == []


def test_pandoc_citations_only_in_pandoc_syntax() -> None:
    assert mention("[NeRF-PyTorch](https://github.com/x), [@kwea123](https://github.com/k)")
    handle = mention("[NeRF-PyTorch](https://github.com/x), [@kwea123](https://github.com/k)")
    assert handle.citekeys == [] and handle.soft_keys == []
    cited = mention("as shown [see @fu2017look, p. 3; -@lin2015bilinear] and @he2016deep.")
    assert cited.citekeys == ["fu2017look", "lin2015bilinear"]
    assert cited.soft_keys == ["he2016deep"]
    braced = mention("a key ending in a dot [@{endsdot.}]")
    assert braced.citekeys == ["endsdot."]
    assert mention("mail someone@example.org about it").soft_keys == []


def test_sub_bullets_are_hints_of_their_parent_unless_they_name_a_paper() -> None:
    text = (
        "# Papers\n\n- Deep Residual Learning for Image Recognition\n"
        "  - Kaiming He, Xiangyu Zhang\n  - CVPR 2016\n  - [[code]](https://x)\n"
        "- Attention methods\n  - Look closer to see better\n"
    )
    notes = parse_notes(text, "notes.md")
    mentions = notes.nodes[0].mentions
    assert [(m.title, m.hints) for m in mentions] == [
        (
            "Deep Residual Learning for Image Recognition",
            ["Kaiming He", "Xiangyu Zhang", "CVPR 2016"],
        ),
        ("Attention methods", []),
        ("Look closer to see better", []),
    ]


def ref(paper_id: int, key: str, title: str, alias: str, year: int) -> PaperRef:
    return PaperRef(paper_id, key, normalize_title(title), year, aliases=(normalize_name(alias),))


def test_plus_plus_and_minus_minus_are_other_names() -> None:
    resolver = Resolver(
        [
            ref(1, "nerf", "NeRF: Representing Scenes", "NeRF", 2020),
            ref(2, "nerfpp", "NeRF++: Analyzing and Improving", "NeRF++", 2020),
            ref(3, "nerfmm", "NeRF--: Without Known Camera Parameters", "NeRF--", 2021),
            ref(4, "nerf2", "NeRF 2: A Sequel", "NeRF 2", 2022),
        ]
    )
    for name, key in (("NeRF", "nerf"), ("NeRF++", "nerfpp"), ("nerf--", "nerfmm")):
        (resolution,) = resolver.resolve(mention(name))
        assert resolution.status == "resolved", name
        assert resolution.paper is not None and resolution.paper.citekey == key
    assert normalize_name("NeRF 2") != normalize_name("NeRF")
    assert normalize_name("NeRF-v2") != normalize_name("NeRF")


def test_exact_title_one_year_off_resolves_but_a_near_miss_does_not() -> None:
    resolver = Resolver(
        [ref(1, "preprint2020", "Neural Scene Graphs for Dynamic Scenes", "x", 2020)]
    )
    (exact,) = resolver.resolve(mention("[Neural Scene Graphs for Dynamic Scenes](u), CVPR 2021"))
    assert exact.status == "resolved"
    (near,) = resolver.resolve(mention("[Neural Scene Graph for Dynamic Scene](u), CVPR 2021"))
    assert near.status != "resolved"
    (named,) = resolver.resolve(mention("[XG-NeRF: Neural Scene Graphs for Dynamic Scenes](u)"))
    assert named.status == "resolved"


def test_review_open_mentions_and_accept_one(cli: Cli, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(AWESOME, tmp_path / "awesome"))
    readme = folder / "README.md"
    readme.write_text(
        readme.read_text(encoding="utf-8").replace(
            "- Neural radiance fields without known camera parameters\n",
            "- NeRF without poses\n",
        ),
        encoding="utf-8",
    )
    built = cli("build", folder)
    assert built.exit_code == 0
    assert "1 open mentions (papers/dynamic-scenes 1)" in built.stderr
    listed = cli("mentions", "--open", "--format", "json")
    (row,) = json.loads(listed.stdout)
    assert (row["line"], row["state"], row["title"]) == (30, "unresolved", "NeRF without poses")
    accepted = cli("mentions", "accept", "README.md:30", "Wang21arxiv_nerfmm")
    assert accepted.exit_code == 0 and "[aliases]" in accepted.stdout
    manifest = (folder / "survey.toml").read_text(encoding="utf-8")
    assert manifest.endswith('[aliases]\n"NeRF without poses" = "Wang21arxiv_nerfmm"\n')
    assert manifest.startswith("# A survey folder around an awesome list")
    again = cli("build", folder)
    assert again.exit_code == 0 and "open mentions" not in again.stderr
    (row,) = [r for r in json.loads(cli("mentions", "--format", "json").stdout) if r["line"] == 30]
    assert (row["state"], row["citekey"], row["method"]) == (
        "resolved",
        "Wang21arxiv_nerfmm",
        "alias",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["README.md:999", "Wang21arxiv_nerfmm"], "no mention at", id="no_line"),
        pytest.param(["README.md", "Wang21arxiv_nerfmm"], "is not FILE:LINE", id="no_colon"),
        pytest.param(["README.md:14", "nosuchkey"], "no paper with key", id="unknown_key"),
    ],
)
def test_accept_bad_input(cli: Cli, tmp_path: Path, args: list[str], message: str) -> None:
    folder = Path(shutil.copytree(AWESOME, tmp_path / "awesome"))
    before = (folder / "survey.toml").read_text(encoding="utf-8")
    assert cli("build", folder).exit_code == 0
    result = cli("mentions", "accept", *args)
    assert result.exit_code == 1 and message in result.stderr
    assert (folder / "survey.toml").read_text(encoding="utf-8") == before


def test_accept_a_conflicting_alias_is_refused(cli: Cli, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(AWESOME, tmp_path / "awesome"))
    manifest = folder / "survey.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8")
        + '\n[aliases]\n"D-NeRF: Neural Radiance Fields for Dynamic Scenes" = '
        + '"Wang21arxiv_nerfmm"\n'
    )
    assert cli("build", folder).exit_code == 0
    result = cli("mentions", "accept", "README.md:29", "Pumarola20arxiv_D_NeRF")
    assert result.exit_code == 1 and "already maps" in result.stderr


def test_mentions_of_a_database_without_a_survey(cli: Cli) -> None:
    missing = cli("mentions")
    if not POSTGRES:  # no SQLite file yet: said, and none is created
        assert missing.exit_code == 1 and "does not exist" in missing.stderr
    assert cli("db", "upgrade").exit_code == 0
    assert cli("mentions").stdout.startswith("no mentions")
    assert cli("mentions", "accept", "x.md:1", "k").exit_code == 1


def test_accept_into_a_manifest_that_is_not_utf8_names_its_line(cli: Cli, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(AWESOME, tmp_path / "awesome"))
    assert cli("build", folder).exit_code == 0
    manifest = folder / "survey.toml"
    before = manifest.read_bytes() + "# caf\xe9\n".encode("latin-1")
    manifest.write_bytes(before)
    result = cli("mentions", "accept", "README.md:29", "Pumarola20arxiv_D_NeRF")
    assert result.exit_code == 1
    assert "not valid UTF-8 (save survey.toml as UTF-8)" in result.stderr
    assert "Traceback" not in result.stderr and manifest.read_bytes() == before
