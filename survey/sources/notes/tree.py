"""The notes' shared model: a tree of sections holding mentions of papers (core layer).

Every notes reader (Markdown, LaTeX) builds this tree; what comes after the readers
never knows the format. Never prints; problems become `Diagnostic`s.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from survey.errors import Diagnostic
from survey.vocab import SectionFlag, Severity

EMPTY = SectionFlag.EMPTY
IMAGES_ONLY = SectionFlag.IMAGES_ONLY
NORMAL = SectionFlag.NORMAL

_NUMBERED = re.compile(r"^\s*(\d+)[.)、]\s*(.+)$")
_SLUG_JUNK = re.compile(r"[^\w]+", re.UNICODE)


@dataclass(slots=True)
class NoteMention:
    """One bullet (or cited prose line) of the notes, before resolution."""

    line: int
    text: str  # the bullet as written
    title: str  # the part naming the paper
    hints: list[str] = field(default_factory=list)  # the parenthetical parts: ICCV2019, 中科院
    annotation: str = ""  # the text after the title and its parenthetical
    citekeys: list[str] = field(default_factory=list)  # explicit [@key] citations
    # Keys that name the paper only if they are citekeys: `@key` in text, `<!--key-->`.
    soft_keys: list[str] = field(default_factory=list)
    # ("arxiv", id) and ("doi", doi) read from the bullet's links.
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    prose: bool = False  # a paragraph with citations, not a bullet
    # The file the mention stands in when it is not the notes file itself (an \input).
    file: str = ""


@dataclass(slots=True, eq=False)  # nodes are compared by identity: a tree, not values
class Node:
    """One heading of the notes."""

    label: str  # as written, without its number
    slug: str
    level: int
    line: int
    number: int | None = None
    file: str = ""  # the file the heading stands in when not the notes file (an \input)
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    mentions: list[NoteMention] = field(default_factory=list)
    text: list[str] = field(default_factory=list)  # prose under the heading
    images: int = 0
    child_slugs: set[str] = field(default_factory=set)  # kept with children: no rescans

    def add_child(self, child: Node) -> None:
        self.children.append(child)
        self.child_slugs.add(child.slug)

    @property
    def path(self) -> str:
        parts: list[str] = []
        node: Node | None = self
        while node is not None and node.level > 0:
            parts.append(node.slug)
            node = node.parent
        return "/".join(reversed(parts))

    @property
    def flag(self) -> str:
        if self.children or self.mentions or self.text:
            return NORMAL
        return IMAGES_ONLY if self.images else EMPTY

    def walk(self) -> list[Node]:
        """This node and every node under it, in the notes' order."""
        found = [self]
        for child in self.children:
            found.extend(child.walk())
        return found


@dataclass(slots=True)
class Notes:
    """A parsed notes file: its front matter, its tree and its diagnostics."""

    root: Node
    front_matter: dict[str, str]
    diagnostics: list[Diagnostic]
    # The document's only H1, when H2s stand under it: the survey's title, not a section.
    title: str = ""
    description: str = ""

    @property
    def nodes(self) -> list[Node]:
        return self.root.walk()[1:]


def slugify(label: str) -> str:
    """A readable, stable slug: lower case, words joined by `-`, Unicode letters kept."""
    text = unicodedata.normalize("NFKC", label).casefold()
    return _SLUG_JUNK.sub("-", text).strip("-_") or "section"


def open_section(
    stack: list[Node],
    raw_label: str,
    label: str,
    level: int,
    line: int,
    slugs: Mapping[str, str],
    diagnostics: list[Diagnostic],
    filename: str,
    *,
    fix: Callable[[int], str],
    file: str = "",
    slug_label: str = "",
) -> Node:
    """Open a section at `level` under the nearest shallower one on `stack`; a skipped
    level is a warning whose fix names the level to use (`##`, `\\subsection`).
    `slug_label` is the label's text for its slug when it differs (math left out)."""
    while stack[-1].level >= level:
        stack.pop()
    parent = stack[-1]
    if level > parent.level + 1:
        diagnostics.append(
            Diagnostic(
                Severity.WARNING,
                filename,
                line,
                None,
                f"heading level {level} follows level {parent.level}: "
                f"{label!r} is nested under "
                f"{parent.label or 'the top'!r}; use {fix(parent.level + 1)}",
                "heading-level",
            )
        )
    node = make_node(
        raw_label, label, level, line, parent, slugs, diagnostics, filename, slug_label
    )
    node.file = file
    parent.add_child(node)
    stack.append(node)
    return node


def make_node(
    raw_label: str,
    shown: str,
    level: int,
    line: int,
    parent: Node,
    slugs: Mapping[str, str],
    diagnostics: list[Diagnostic],
    filename: str,
    slug_label: str = "",
) -> Node:
    number: int | None = None
    label = shown
    numbered = _NUMBERED.match(shown)
    if numbered:
        number, label = int(numbered.group(1)), numbered.group(2).strip()
    slug = (
        slugs.get(label) or slugs.get(shown) or slugs.get(raw_label) or slugify(slug_label or label)
    )
    taken = parent.child_slugs
    if slug in taken:
        diagnostics.append(
            Diagnostic(
                Severity.WARNING,
                filename,
                line,
                None,
                f"heading {label!r} has the same slug {slug!r} as an earlier sibling; "
                "give it another slug in survey.toml",
            )
        )
        suffix = 2
        while f"{slug}-{suffix}" in taken:
            suffix += 1
        slug = f"{slug}-{suffix}"
    return Node(label=label, slug=slug, level=level, line=line, number=number, parent=parent)


def order_sections(node: Node) -> None:
    """Numbered headings sort by their number; the rest keep the notes' order."""
    if any(child.number is not None for child in node.children):
        indexed = list(enumerate(node.children))
        indexed.sort(key=lambda pair: pair[1].number if pair[1].number is not None else pair[0])
        node.children = [child for _, child in indexed]
    for child in node.children:
        order_sections(child)
