"""Docs that cannot drift: docs/commands.md carries every command's `--help` as the command
prints it today, and every path, `survey` command and link that README.md,
CONTRIBUTING.md and the pages of docs/ name exists."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from conftest import REPO

from survey.cli.docs import command_paths, help_text, main, read_page, render_page

# Reads and writes no database: run once, in the SQLite run (conftest checks it).
pytestmark = pytest.mark.backend_independent

COMMANDS_PAGE = REPO / "docs" / "commands.md"
PAGES = [REPO / "README.md", REPO / "CONTRIBUTING.md", *sorted((REPO / "docs").glob("*.md"))]
PAGE_IDS = [page.relative_to(REPO).as_posix() for page in PAGES]

# A path of the repository as the pages write it: from one of its top-level folders.
_PATH = re.compile(r"(?<![\w./~$-])((?:survey|tests|migrations|data|bench|docs|\.ci)/[\w./*-]*)")
# A placeholder in a path (`migrations/versions/NNNN_slug.py`) names no file.
_PLACEHOLDER = re.compile(r"NNNN")
_FENCE = re.compile(r"^ *(```|~~~)[^\n]*\n(.*?)^ *\1 *$", re.S | re.M)
_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
# Where code runs `survey`: a line of a code block that starts with it (after a prompt or
# a venv's bin/), or goes on to it after `&&`, `;` or `|`; a help block's usage line; a code
# span that starts with it; an indented line of a list that starts with it.
_RUN_IN_BLOCK = re.compile(
    r"(?:^[ \t]*(?:\$ )?(?:[\w./-]*/)?|&&[ \t]*|;[ \t]*|\|[ \t]*|^Usage: )(survey(?:[ \t].*)?)$",
    re.M,
)
_RUN_INDENTED = re.compile(r"^ {4,}(survey .*)$", re.M)
_COMMAND = re.compile(r"^survey((?:\s+[a-z][a-z0-9-]*)*)")
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6} +(.+?) *#* *$", re.M)


def _text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def _runs(text: str) -> list[str]:
    """Each place a Markdown text's code runs `survey`, from `survey` to the end of its line
    (shell and TOML comments taken out)."""
    runs = []
    for block in _FENCE.finditer(text):
        code = "\n".join(re.sub(r"(^|\s)#.*", "", line) for line in block.group(2).splitlines())
        runs += _RUN_IN_BLOCK.findall(code)
    prose = _FENCE.sub("", text)
    runs += [s.group(2) for s in _SPAN.finditer(prose) if re.match(r"survey(\s|$)", s.group(2))]
    return runs + _RUN_INDENTED.findall(prose)


def _prose(text: str) -> str:
    """The text without its code, where links are read."""
    return _SPAN.sub("", _FENCE.sub("", text))


@cache
def _command_tree() -> dict[str, dict[str, object]]:
    tree: dict[str, dict[str, object]] = {}
    for path in command_paths():
        node = tree
        for word in path:
            node = node.setdefault(word, {})  # type: ignore[assignment]
    return tree


def missing_paths(text: str) -> list[str]:
    """The repository paths a text names that do not exist."""
    missing = []
    for found in _PATH.findall(text):
        path = found.rstrip(".,:;")
        if _PLACEHOLDER.search(path):
            continue
        exists = any(REPO.glob(path)) if "*" in path else (REPO / path).exists()
        if not exists:
            missing.append(path)
    return sorted(set(missing))


def unknown_commands(text: str) -> list[str]:
    """The `survey …` commands a text's code names that the app does not have: each word
    after `survey` must be a command while the words so far name a group."""
    unknown = []
    for run in _runs(text):
        match = _COMMAND.match(run)
        assert match, run
        node = _command_tree()
        named = ["survey"]
        for word in match.group(1).split():
            if not node:  # a command, not a group: the rest are its arguments
                break
            if word not in node:
                unknown.append(" ".join([*named, word]))
                break
            named.append(word)
            node = node[word]  # type: ignore[assignment]
    return sorted(set(unknown))


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {_slug(h.replace("`", "")) for h in _HEADING.findall(_FENCE.sub("", _text(page)))}


def broken_links(page: Path, text: str) -> list[str]:
    """The links of a page to a file that does not exist or a heading it does not have."""
    broken = []
    for target in _LINK.findall(_prose(text)):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        file, _, anchor = target.partition("#")
        linked = (page.parent / file).resolve() if file else page
        if not linked.exists() or (anchor and linked.suffix == ".md" and not _has(linked, anchor)):
            broken.append(target)
    return sorted(set(broken))


def _has(page: Path, anchor: str) -> bool:
    return anchor in _anchors(page)


# --- docs/commands.md, generated from --help


def test_the_command_reference_matches_every_help() -> None:
    text = _text(COMMANDS_PAGE)
    assert render_page(text) == text, "docs/commands.md is out of date: python -m survey.cli.docs"


def test_every_command_is_described_by_hand() -> None:
    _, prose, _ = read_page(_text(COMMANDS_PAGE))
    names = [" ".join(("survey", *path)) for path in command_paths()]
    assert [name for name in names if not prose.get(name)] == []


def test_the_help_blocks_do_not_depend_on_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    wide = help_text(("query", "lineage"))
    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.setenv("TERMINAL_WIDTH", "40")
    assert help_text(("query", "lineage")) == wide
    assert "Usage: survey query lineage" in wide and "--descendants" in wide


def test_the_generator_rewrites_help_blocks_and_keeps_the_prose(tmp_path: Path) -> None:
    current = _text(COMMANDS_PAGE)
    stale = current.replace("Show this message and exit.", "Show this message.", 1)
    retired = "## `survey db retired`\n\nA command that is gone.\n\n"
    stale = stale.replace("## `survey db current`", retired + "## `survey db current`")
    page = tmp_path / "commands.md"
    page.write_text(stale, encoding="utf-8")

    assert main(["--check", str(page)]) == 1
    assert _text(page) == stale, "--check changed the page"
    assert main([str(page)]) == 0
    assert _text(page) == current, "the regenerated page differs from docs/commands.md"
    assert main(["--check", str(page)]) == 0


def test_checking_a_page_that_is_not_there_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--check", str(tmp_path / "commands.md")]) == 1
    assert "no such page" in capsys.readouterr().err
    assert not (tmp_path / "commands.md").exists()


def test_a_new_command_is_appended_with_its_help(tmp_path: Path) -> None:
    """A command the page lacks gets a section at the end, without prose (which the test
    above then asks for)."""
    current = _text(COMMANDS_PAGE)
    start = current.index("## `survey cite rm`")
    end = current.index("## ", start + 3)
    page = tmp_path / "commands.md"
    page.write_text(current[:start] + current[end:], encoding="utf-8")

    assert main([str(page)]) == 0
    rewritten = _text(page)
    assert rewritten.count("## `survey cite rm`") == 1
    assert rewritten.rstrip().endswith("<!-- /help -->")
    tail = rewritten[rewritten.index("## `survey cite rm`") :]
    assert "Usage: survey cite rm" in tail
    assert read_page(rewritten)[1]["survey cite rm"] == ""


# --- every path, command and link the pages name


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_every_path_named_exists(page: Path) -> None:
    missing = missing_paths(_text(page))
    assert missing == [], f"{page.name} names paths that do not exist: {', '.join(missing)}"


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_every_command_named_exists(page: Path) -> None:
    unknown = unknown_commands(_text(page))
    assert unknown == [], f"{page.name} names commands survey lacks: {', '.join(unknown)}"


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_every_link_leads_somewhere(page: Path) -> None:
    broken = broken_links(page, _text(page))
    assert broken == [], f"{page.name} links to nothing: {', '.join(broken)}"


def test_the_pages_name_paths_commands_and_links() -> None:
    """The checks above read something: the pages together name many of each."""
    texts = [_text(page) for page in PAGES]
    assert sum(len(_PATH.findall(text)) for text in texts) > 100
    assert sum(len(_runs(text)) for text in texts) > 100
    assert sum(len(_LINK.findall(_prose(text))) for text in texts) > 20


@pytest.mark.parametrize(
    ("text", "found"),
    [
        pytest.param("see `survey/nosuch.py`", ["survey/nosuch.py"], id="missing_module"),
        pytest.param("in survey/db/gone/, then", ["survey/db/gone/"], id="missing_folder"),
        pytest.param("`tests/test_nosuch.py`.", ["tests/test_nosuch.py"], id="missing_test"),
        pytest.param("`bench/*.nosuch`", ["bench/*.nosuch"], id="glob_matching_nothing"),
        pytest.param("`survey/db/models.py`, `docs/`", [], id="existing"),
        pytest.param("`migrations/versions/NNNN_slug.py`", [], id="placeholder"),
        pytest.param("`~/.cache/survey/x` https://example.org/survey/x", [], id="not_ours"),
    ],
)
def test_missing_paths_are_found(text: str, found: list[str]) -> None:
    assert missing_paths(text) == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        pytest.param("run `survey frobnicate`", ["survey frobnicate"], id="unknown_command"),
        pytest.param("`survey query nosuch KEY`", ["survey query nosuch"], id="unknown_sub"),
        pytest.param("```sh\nsurvey db nope\n```\n", ["survey db nope"], id="in_a_block"),
        pytest.param("1. x\n\n       survey tagg add\n", ["survey tagg"], id="indented"),
        pytest.param("`survey query show fu2017look`", [], id="argument_after_command"),
        pytest.param("`survey build path/to/my-survey`", [], id="path_argument"),
        pytest.param("```sh\nsurvey build  # the survey first\n```\n", [], id="comment"),
        pytest.param("the survey turns notes into `survey.toml`", [], id="prose_and_file"),
    ],
)
def test_unknown_commands_are_found(text: str, found: list[str]) -> None:
    assert unknown_commands(text) == found


def test_broken_links_are_found(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other\n\n## A `code` heading, too\n", encoding="utf-8")
    page = tmp_path / "page.md"
    text = (
        "[ok](other.md) [ok](other.md#a-code-heading-too) [self](#title) [web](https://x.org)\n"
        "[gone](nosuch.md) [no heading](other.md#nowhere) `[in code](nosuch2.md)`\n"
        "# Title\n"
    )
    page.write_text(text, encoding="utf-8")
    assert broken_links(page, text) == ["nosuch.md", "other.md#nowhere"]
