"""At 80 columns: `survey check` keeps every column of a finding with 50-character
citekeys, and `survey taxonomy` never splits a slug path inside a word."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import Cli

from survey.cli.render import break_at

KEYS = (
    "DBLP:conf/cvpr/FuZM17-look-closer-to-see-better-ra",  # 50 characters
    "DBLP:journals/pr/WeiXWS18-mask-cnn-localizing-parts",
)
HOSTILE = f"""
@inproceedings{{{KEYS[0]},
  author = {{Fu, Jianlong and Zheng, Heliang and Mei, Tao}},
  title  = {{Look Closer to See Better | a `pipe` & <tag> 中文}},
  year   = {{2017}},
  doi    = {{not-a-doi}}
}}

@article{{{KEYS[1]},
  author = {{Wei, Xiu-Shen}},
  title  = {{Mask-CNN}},
  year   = {{20xx}}
}}
"""


@pytest.fixture
def narrow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")


def test_check_stacks_findings_with_long_keys(cli: Cli, tmp_path: Path, narrow: None) -> None:
    assert len(KEYS[0]) == 50
    bib = tmp_path / "long-keys.bib"
    bib.write_text(HOSTILE, encoding="utf-8")
    assert cli("load", bib).exit_code == 0  # the bad year and DOI are warnings
    result = cli("check")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), result.stdout
    text = result.stdout
    for key in KEYS:
        assert any(line.startswith("error  " + key) for line in lines), text
    # Each finding keeps its place, its whole message and its fix.
    assert "at  long-keys.bib:2" in text and "at  long-keys.bib:9" in text
    assert "doi 'not-a-doi' is not a DOI" in text
    assert "fix write it as 10.NNNN/suffix, or remove it" in text
    assert "year '20xx' is not a year" in text and "@article without journal" in text
    assert "…" not in text


def test_check_keeps_the_table_when_it_fits(cli: Cli, tmp_path: Path, narrow: None) -> None:
    bib = tmp_path / "k.bib"
    bib.write_text("@article{fu2017look, title = {Look}, year = {2017}}\n", encoding="utf-8")
    cli("load", bib)
    result = cli("check")
    header = next(line for line in result.stdout.splitlines() if "severity" in line)
    assert header.split() == ["severity", "key", "where", "problem", "fix"]
    assert "k.bib:1" in result.stdout


def test_taxonomy_never_splits_a_slug(cli: Cli, tmp_path: Path, narrow: None) -> None:
    folder = tmp_path / "deep"
    folder.mkdir()
    (folder / "refs.bib").write_text(
        "@article{fu2017look, author = {Fu, Jianlong}, title = {Look Closer}, "
        "journal = {J}, year = {2017}}\n",
        encoding="utf-8",
    )
    headings = [
        "Weakly supervised localization-classification subnetworks",
        "Recurrent attention convolutional networks at several scales",
        "Part-based attention with multi-granularity feature learning",
        "Extremely-long-hyphenated-heading-that-keeps-going-past-the-margin-of-the-screen",
    ]
    notes = "".join(f"{'#' * (depth + 1)} {h}\n\n" for depth, h in enumerate(headings))
    (folder / "notes.md").write_text(notes + "- [@fu2017look]\n", encoding="utf-8")
    (folder / "survey.toml").write_text(
        'bibliography = ["refs.bib"]\nnotes = "notes.md"\n', encoding="utf-8"
    )
    assert cli("build", folder).exit_code == 0
    result = cli("taxonomy")
    lines = result.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), result.stdout
    deepest = "/".join(re.sub(r"[^a-z]+", "-", h.lower()).strip("-") for h in headings[1:])
    content = [re.sub(r"^[│├└─ ]+", "", line) for line in lines]
    last = max(i for i, c in enumerate(content) if c.startswith("recurrent-"))
    path_lines = [c.split("  ")[0] for c in content[last:]]
    assert "".join(path_lines) == deepest, result.stdout
    # Each break falls after a `/` or `-`: no word of a slug is cut in two.
    assert all(line.endswith(("/", "-")) for line in path_lines[:-1]), path_lines
    words = set(re.findall(r"[a-z]+", deepest))
    assert all(set(re.findall(r"[a-z]+", line)) <= words for line in path_lines)
    # A heading too long for its line breaks at a hyphen too.
    assert "margin-o\n" not in "\n".join(content) and any(
        c.endswith("-") and c[0].isupper() for c in content
    ), result.stdout


@pytest.mark.parametrize(
    ("path", "width", "expected"),
    [
        pytest.param("a/b-c", 10, ["a/b-c"], id="fits"),
        pytest.param(
            "fine-grained/localization-classification",
            20,
            ["fine-grained/", "localization-", "classification"],
            id="at-slash-and-hyphen",
        ),
        pytest.param("supercalifragilistic/x", 8, ["supercalifragilistic/", "x"], id="long-word"),
    ],
)
def test_break_at(path: str, width: int, expected: list[str]) -> None:
    assert break_at(path, width) == expected
