"""The command reference, docs/commands.md, kept in step with every command's `--help`
(cli layer).

`python -m survey.cli.docs` rewrites the page in place; `--check` changes nothing and
exits 1 when the page is out of date (tests/docs/test_docs.py runs the same comparison). The
page has one section per command, in the page's own order (a new command is appended,
a removed one dropped): a heading, the prose written by hand under it (kept as it is),
and the command's `--help` output, generated.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import typer

# The help blocks are wrapped at this width whatever the terminal, so the page is the same
# bytes on every machine.
WIDTH = 88
DEFAULT_PAGE = Path("docs") / "commands.md"
TITLE = "# Commands\n"
REGENERATE = "python -m survey.cli.docs"

_HEADING = re.compile(r"^## `(survey(?: [\w-]+)*)`$", re.M)
_HELP_BLOCK = re.compile(r"<!-- help: [^>]* -->\n```text\n.*?\n```\n<!-- /help -->\n?", re.S)


def command_paths(app: typer.Typer | None = None) -> list[tuple[str, ...]]:
    """Every command and group of the app as the words that name it: the root `()`
    first, then each command, each group followed by its own, as the app registers them."""
    return [(), *_walk(_app(app), ())]


def help_text(path: tuple[str, ...], app: typer.Typer | None = None) -> str:
    """What `survey PATH --help` prints on a terminal WIDTH columns wide."""
    from typer.testing import CliRunner

    result = CliRunner().invoke(
        _app(app), [*path, "--help"], prog_name="survey", terminal_width=WIDTH
    )
    if result.exit_code != 0:
        raise KeyError(f"`survey {' '.join(path)} --help` failed: {result.output.strip()}")
    return result.stdout


def render_page(current: str, app: typer.Typer | None = None) -> str:
    """The page with every help block generated: `current`'s introduction and the prose
    under each command's heading kept, sections in `current`'s order, new commands last."""
    intro, prose, order = read_page(current)
    names = {_name(path): path for path in command_paths(app)}
    ordered = [name for name in order if name in names]
    ordered += [name for name in names if name not in ordered]
    sections = [
        _section(name, prose.get(name, ""), help_text(names[name], app)) for name in ordered
    ]
    return intro + "\n".join(sections)


def _app(app: typer.Typer | None) -> typer.Typer:
    if app is not None:
        return app
    from survey.cli.app import app as survey_app

    return survey_app


def _walk(group: typer.Typer, prefix: tuple[str, ...]) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for info in group.registered_commands:
        name = info.name or (info.callback.__name__ if info.callback else "")
        found.append((*prefix, name))
    for sub in group.registered_groups:
        assert sub.typer_instance is not None and sub.name, sub
        found.append((*prefix, sub.name))
        found += _walk(sub.typer_instance, (*prefix, sub.name))
    return found


def _name(path: tuple[str, ...]) -> str:
    return " ".join(("survey", *path))


def read_page(text: str) -> tuple[str, dict[str, str], list[str]]:
    """The introduction (everything before the first command heading), each command's
    prose with its help block taken out, and the commands in the page's order."""
    headings = list(_HEADING.finditer(text))
    if not headings:
        return (text or TITLE).rstrip("\n") + "\n\n", {}, []
    intro = text[: headings[0].start()].rstrip("\n") + "\n\n"
    prose: dict[str, str] = {}
    order: list[str] = []
    for heading, following in zip(headings, [*headings[1:], None], strict=True):
        end = following.start() if following else len(text)
        body = _HELP_BLOCK.sub("", text[heading.end() : end]).strip("\n")
        prose[heading.group(1)] = body
        order.append(heading.group(1))
    return intro, prose, order


def _section(name: str, prose: str, usage: str) -> str:
    body = f"{prose}\n\n" if prose else ""
    block = f"<!-- help: {name} -->\n```text\n{usage.rstrip()}\n```\n<!-- /help -->\n"
    return f"## `{name}`\n\n{body}{block}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=REGENERATE, description="Regenerate the help blocks of the command reference."
    )
    parser.add_argument("page", nargs="?", type=Path, default=DEFAULT_PAGE)
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if the page is stale"
    )
    options = parser.parse_args(argv)
    page: Path = options.page
    if options.check and not page.is_file():
        print(f"{page}: no such page (run from the checkout's root, or name it)", file=sys.stderr)
        return 1
    current = page.read_text(encoding="utf-8") if page.exists() else ""
    wanted = render_page(current)
    if wanted == current:
        return 0
    if options.check:
        print(f"{page} is out of date: run {REGENERATE}", file=sys.stderr)
        return 1
    page.write_text(wanted, encoding="utf-8")
    print(f"{page} regenerated", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
