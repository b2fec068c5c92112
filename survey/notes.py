"""Survey notes (Markdown) -> taxonomy tree and mentions (core layer; the only user of
markdown-it-py).

Headings are the taxonomy: their levels give the nesting, a numbered heading's number
its order. Bullets (and prose with pandoc citations `[@key]`) are mentions of papers.
Never prints; problems become `Diagnostic`s, unreadable input an `InputFileError`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from survey.errors import Diagnostic, InputFileError, Severity

EMPTY = "empty"
IMAGES_ONLY = "images-only"
NORMAL = "normal"

_NUMBERED = re.compile(r"^\s*(\d+)[.)、]\s*(.+)$")
_TIMESTAMP = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?$")
_IMAGE_HTML = re.compile(r"^\s*(?:<img\b[^>]*>\s*)+$", re.IGNORECASE)
_CITATION = re.compile(r"\[(@[^\]]+)\]")
_CITEKEY = re.compile(r"@([\w:.#$%&+?<>~/-]+)")
_SLUG_JUNK = re.compile(r"[^\w]+", re.UNICODE)


@dataclass(slots=True)
class Mention:
    """One bullet (or cited prose line) of the notes, before resolution."""

    line: int
    text: str  # the bullet as written
    title: str  # the part naming the paper
    hints: list[str] = field(default_factory=list)  # the parenthetical parts: ICCV2019, 中科院
    annotation: str = ""  # the text after the title and its parenthetical
    citekeys: list[str] = field(default_factory=list)  # explicit [@key] citations


@dataclass(slots=True)
class Node:
    """One heading of the notes."""

    label: str  # as written, without its number
    slug: str
    level: int
    line: int
    number: int | None = None
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    text: list[str] = field(default_factory=list)  # prose under the heading
    images: int = 0

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

    @property
    def nodes(self) -> list[Node]:
        return self.root.walk()[1:]


def read_notes_file(path: Path) -> str:
    name = str(path)
    if not path.exists():
        raise InputFileError(f"{name}: no such file", "check the notes path in survey.toml")
    if path.is_dir():
        raise InputFileError(f"{name}: is a directory, not a Markdown file")
    data = path.read_bytes()
    if b"\x00" in data[:65536]:
        raise InputFileError(f"{name}: is a binary file, not Markdown notes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputFileError(f"{name}:{line}: not valid UTF-8", "save the notes as UTF-8") from exc


def slugify(label: str) -> str:
    """A readable, stable slug: lower case, words joined by `-`, Unicode letters kept."""
    text = unicodedata.normalize("NFKC", label).casefold()
    return _SLUG_JUNK.sub("-", text).strip("-_") or "section"


def parse_notes(text: str, filename: str, slugs: Mapping[str, str] | None = None) -> Notes:
    """Parse notes Markdown into a taxonomy tree with its mentions.

    `slugs` maps a heading label (as written, without its number) to the slug to use.
    """
    slugs = slugs or {}
    diagnostics: list[Diagnostic] = []
    body, front_matter = _split_front_matter(text, filename)
    root = Node(label="", slug="", level=0, line=0)
    stack: list[Node] = [root]
    tokens = MarkdownIt("commonmark").parse(body)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        line = (token.map[0] + 1) if token.map else 0
        if token.type == "heading_open":
            level = int(token.tag[1:])
            raw_label = tokens[index + 1].content.strip()
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
                        f"{raw_label!r} is nested under "
                        f"{parent.label or 'the top'!r}; use {'#' * (parent.level + 1)}",
                    )
                )
            node = _make_node(raw_label, level, line, parent, slugs, diagnostics, filename)
            parent.children.append(node)
            stack.append(node)
            index += 3
            continue
        current = stack[-1]
        if token.type == "bullet_list_open" or token.type == "ordered_list_open":
            index = _read_list(tokens, index, current, diagnostics, filename)
            continue
        if token.type == "html_block":
            if _IMAGE_HTML.match(token.content):
                current.images += token.content.lower().count("<img")
            elif token.content.strip():
                current.text.append(token.content.strip())
        elif token.type == "inline":
            _read_paragraph(token, line, current)
        index += 1
    _order(root)
    return Notes(root, front_matter, diagnostics)


def _split_front_matter(text: str, filename: str) -> tuple[str, dict[str, str]]:
    """Blank out a leading `---` ... `---` block (keeping line numbers) and read its keys."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return text, {}
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        raise InputFileError(
            f"{filename}:1: front matter opened with --- is never closed",
            "close it with a line holding only ---",
        )
    values: dict[str, str] = {}
    for raw in lines[1:end]:
        key, sep, value = raw.partition(":")
        if sep and key.strip() and not raw.startswith((" ", "\t", "-")):
            values[key.strip()] = value.strip().strip("\"'")
    body = "\n" * (end + 1) + "\n".join(lines[end + 1 :])
    return body, values


def _make_node(
    raw_label: str,
    level: int,
    line: int,
    parent: Node,
    slugs: Mapping[str, str],
    diagnostics: list[Diagnostic],
    filename: str,
) -> Node:
    number: int | None = None
    label = raw_label
    numbered = _NUMBERED.match(raw_label)
    if numbered:
        number, label = int(numbered.group(1)), numbered.group(2).strip()
    slug = slugs.get(label) or slugs.get(raw_label) or slugify(label)
    taken = {child.slug for child in parent.children}
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


def _read_list(
    tokens: list[Token], index: int, node: Node, diagnostics: list[Diagnostic], filename: str
) -> int:
    """Read one (possibly nested) list into mentions; returns the index after it."""
    depth = 0
    item_line = 0
    item_has_text = False
    while index < len(tokens):
        token = tokens[index]
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
            if depth == 0:
                return index + 1
        elif token.type == "list_item_open":
            item_line = (token.map[0] + 1) if token.map else 0
            item_has_text = False
        elif token.type == "inline" and not item_has_text:
            item_has_text = True
            text = token.content.strip().split("\n")[0].strip()
            if text and not _TIMESTAMP.match(text):
                node.mentions.append(parse_mention(text, item_line))
        index += 1
    return index


def _read_paragraph(token: Token, line: int, node: Node) -> None:
    text = token.content.strip()
    if not text or _TIMESTAMP.match(text):
        return
    children = token.children or []
    if children and all(c.type in ("image", "softbreak", "text") for c in children):
        images = sum(1 for c in children if c.type == "image")
        rest = "".join(c.content for c in children if c.type == "text").strip()
        if images and not rest:
            node.images += images
            return
    if _CITATION.search(text):
        node.mentions.append(parse_mention(text, line))
        return
    node.text.append(text)


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def parse_mention(text: str, line: int) -> Mention:
    """Split a bullet into the title it names, its parenthetical hints and its annotation.

    `cross-X learning ... (ICCV2019) 注释` -> title, hints ["ICCV2019"], annotation "注释".
    A pandoc citation `[@key]` names the paper outright.
    """
    citekeys = [key for group in _CITATION.findall(text) for key in _CITEKEY.findall(group)]
    plain = _CITATION.sub("", text).strip()
    title, hints, annotation = plain, [], ""
    opening = _first_parenthesis(plain)
    if opening is not None:
        closing = _matching_parenthesis(plain, opening)
        title = plain[:opening].strip()
        inside = plain[opening + 1 : closing if closing is not None else len(plain)]
        hints = [h.strip() for h in re.split(r"[,，、;；]", inside) if h.strip()]
        annotation = plain[closing + 1 :].strip() if closing is not None else ""
    else:
        cjk = _CJK.search(plain)
        if cjk and cjk.start() > 0 and re.search(r"[A-Za-z]", plain[: cjk.start()]):
            title, annotation = plain[: cjk.start()].strip(), plain[cjk.start() :].strip()
    return Mention(
        line=line,
        text=text,
        title=title.rstrip(" :：-–—"),
        hints=hints,
        annotation=annotation,
        citekeys=citekeys,
    )


def _first_parenthesis(text: str) -> int | None:
    for index, char in enumerate(text):
        if char in "(（" and index > 0:
            return index
    return None


def _matching_parenthesis(text: str, opening: int) -> int | None:
    depth = 0
    for index in range(opening, len(text)):
        if text[index] in "(（":
            depth += 1
        elif text[index] in ")）":
            depth -= 1
            if depth == 0:
                return index
    return None


def _order(node: Node) -> None:
    """Numbered headings sort by their number; the rest keep the notes' order."""
    if any(child.number is not None for child in node.children):
        indexed = list(enumerate(node.children))
        indexed.sort(key=lambda pair: pair[1].number if pair[1].number is not None else pair[0])
        node.children = [child for _, child in indexed]
    for child in node.children:
        _order(child)
