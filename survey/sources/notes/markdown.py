"""Markdown notes -> the notes' tree (core layer; with inline.py, the only users of
markdown-it-py).

Headings are the taxonomy: their levels give the nesting, a numbered heading's number
its order. Bullets (and prose with pandoc citations `[@key]`) are mentions of papers.
Never prints; problems become `Diagnostic`s, unreadable input an `InputFileError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token

from survey.errors import Diagnostic, InputFileError
from survey.sources.notes.anchors import Anchors
from survey.sources.notes.bullets import (
    detail_hints,
    in_page_links,
    is_detail_line,
    names_no_paper,
    parse_mention,
)
from survey.sources.notes.inline import (
    clean_inline,
    clean_inline_text,
    github_anchor,
    html_anchors,
)
from survey.sources.notes.tree import Node, NoteMention, Notes, open_section, order_sections
from survey.vocab import Severity

_TIMESTAMP = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?$")
_IMAGE_HTML = re.compile(r"^\s*(?:<img\b[^>]*>\s*)+$", re.IGNORECASE)
_SUMMARY = re.compile(r"<summary[^>]*>(.*?)</summary>", re.IGNORECASE | re.DOTALL)
_DETAILS_OPEN = re.compile(r"<details\b", re.IGNORECASE)
_DETAILS_CLOSE = re.compile(r"</details\s*>", re.IGNORECASE)
_HTML_COMMENT_ONLY = re.compile(r"^\s*(?:<!--.*?-->\s*)+$", re.DOTALL)

# The block structure is parsed without the inline text of every line: a bullet's text
# is read again from its source (survey.sources.notes.bullets), so only headings and
# paragraphs have theirs parsed (`_inline_children`), as the full parse would have.
_BLOCKS = MarkdownIt("commonmark").disable("inline")
_INLINES = MarkdownIt("commonmark")


def parse_notes(
    text: str,
    filename: str,
    slugs: Mapping[str, str] | None = None,
    *,
    exclude: Sequence[str] = (),
) -> Notes:
    """Parse notes Markdown into a taxonomy tree with its mentions.

    `slugs` maps a heading label (as written, or as shown: links reduced to their
    text) to the slug to use. `exclude` names headings whose subtree is not part of
    the taxonomy (a table of contents, talks). A document whose only H1 has H2s under
    it is titled by that H1, and its H2s are the top level. `<details>` blocks with a
    `<summary>` are subsections of the heading they stand under.
    """
    body, front_matter = _split_front_matter(text, filename)
    env: dict[str, object] = {}
    tokens = _BLOCKS.parse(body, env)
    title_line = _lone_h1(tokens)
    notes = _walk(tokens, env, front_matter, filename, slugs or {}, exclude, title_line)
    if title_line is not None and not all(names_no_paper(m) for m in notes.root.mentions):
        # The H1 names papers of its own: it is a section after all, not a title. Its
        # statistics and labels (`Papers: 174`) name none.
        notes = _walk(tokens, env, front_matter, filename, slugs or {}, exclude, None)
    return notes


def _inline_children(token: Token, env: dict[str, object]) -> Token:
    """`token` (an inline token of the block parse) with its inline tokens, parsed once
    with the document's link references, as the full parse gives them."""
    if not token.children and token.content:
        token.children = _INLINES.parseInline(token.content, env)[0].children
    return token


def _walk(
    tokens: list[Token],
    env: dict[str, object],
    front_matter: dict[str, str],
    filename: str,
    slugs: Mapping[str, str],
    exclude: Sequence[str],
    title_line: int | None,
) -> Notes:
    walker = _Walker(front_matter, filename, slugs, exclude, title_line)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        line = (token.map[0] + 1) if token.map else 0
        if token.type == "heading_open":
            walker.heading(token, _inline_children(tokens[index + 1], env), line)
            index += 3
            continue
        if walker.skip_below is not None:
            index += 1
            continue
        current = walker.stack[-1]
        if token.type == "bullet_list_open" or token.type == "ordered_list_open":
            index = _read_list(tokens, index, current, walker.anchors)
            continue
        if token.type == "html_block":
            walker.html_block(token.content, line)
        elif token.type == "inline":
            _read_paragraph(_inline_children(token, env), line, current)
        index += 1
    return walker.finish()


class _Walker:
    """The section tree as the notes' tokens are read: the open sections, the excluded
    subtree being skipped, the open `<details>` blocks."""

    def __init__(
        self,
        front_matter: dict[str, str],
        filename: str,
        slugs: Mapping[str, str],
        exclude: Sequence[str],
        title_line: int | None,
    ) -> None:
        self.filename = filename
        self.slugs = slugs
        self.title_line = title_line
        self.diagnostics: list[Diagnostic] = []
        self.root = Node(label="", slug="", level=0, line=0)
        self.stack: list[Node] = [self.root]
        self.excluded = {e.casefold() for e in exclude}
        self.used: set[str] = set()
        self.skip_below: int | None = None  # inside an excluded subtree at this level
        self.details: list[int] = []  # stack sizes at each open <details>
        self.notes = Notes(self.root, front_matter, self.diagnostics)
        self.anchors = Anchors()

    def open(self, raw_label: str, label: str, level: int, line: int) -> None:
        open_section(
            self.stack,
            raw_label,
            label,
            level,
            line,
            self.slugs,
            self.diagnostics,
            self.filename,
            fix=lambda wanted: "#" * wanted,
        )

    def heading(self, token: Token, inline: Token, line: int) -> None:
        raw_label = inline.content.strip()
        cleaned = clean_inline(inline)
        label = cleaned.text or raw_label
        level = int(token.tag[1:])
        self.anchors.heading(label, cleaned.anchors, github_anchor(label))
        if self.title_line is not None:
            if line == self.title_line:
                self.notes.title = label
                self.skip_below = None
                self.stack[:] = [self.root]
                return
            level = max(level - 1, 1)
        if self.skip_below is not None and level > self.skip_below:
            return
        self.skip_below = None
        names = {raw_label.casefold(), label.casefold()}
        if names & self.excluded:
            self.used.update(names & self.excluded)
            self.skip_below = level
            return
        del self.details[:]
        self.open(raw_label, label, level, line)

    def html_block(self, content: str, line: int) -> None:
        """`<details><summary>` opens a subsection, `</details>` closes it; images count
        as slides; comments are dropped; other HTML is the section's text."""
        current = self.stack[-1]
        self.anchors.pending.extend(html_anchors(content))
        summary = _SUMMARY.search(content)
        if summary and _DETAILS_OPEN.search(content):
            label = clean_inline_text(summary.group(1)) or "details"
            if label.casefold() in self.excluded:
                self.used.add(label.casefold())
            else:
                self.details.append(len(self.stack))
                self.open(label, label, self.stack[-1].level + 1, line)
        elif _DETAILS_CLOSE.search(content):
            if self.details:
                del self.stack[self.details.pop() :]
        elif _IMAGE_HTML.match(content):
            current.images += content.lower().count("<img")
        elif not _HTML_COMMENT_ONLY.match(content) and content.strip():
            current.text.append(content.strip())

    def finish(self) -> Notes:
        self.anchors.resolve(self.diagnostics, self.filename)
        for name in sorted(self.excluded - self.used):
            self.diagnostics.append(
                Diagnostic(
                    Severity.WARNING,
                    self.filename,
                    None,
                    None,
                    f"exclude names {name!r}, which is no heading of the notes; "
                    "give the heading as written",
                )
            )
        if self.title_line is not None:
            self.notes.description = "\n\n".join(self.root.text)
            self.root.text = []
        order_sections(self.root)
        return self.notes


def _lone_h1(tokens: list[Token]) -> int | None:
    """The line of the document's only H1 when H2s follow it, else None."""
    h1 = [t for t in tokens if t.type == "heading_open" and t.tag == "h1"]
    if len(h1) != 1 or h1[0].map is None:
        return None
    line = h1[0].map[0] + 1
    later_h2 = any(
        t.type == "heading_open" and t.tag == "h2" and t.map is not None and t.map[0] + 1 > line
        for t in tokens
    )
    return line if later_h2 else None


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


def _read_list(tokens: list[Token], index: int, node: Node, anchors: Anchors) -> int:
    """Read one (possibly nested) list into mentions; returns the index after it.

    A nested bullet that only gives facts of the bullet above it (authors, venue,
    year, links) adds them as hints to that bullet's mention instead of being one. A
    bullet that is only in-page links is left to `anchors` (a cross-index).
    """
    depth = 0
    item_line = 0
    item_has_text = False
    # The mention of the open item at each depth (None: that item named no paper).
    open_items: list[NoteMention | None] = []
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
            del open_items[depth - 1 :]
            open_items.extend([None] * (depth - len(open_items)))
        elif token.type == "inline" and not item_has_text:
            item_has_text = True
            parent = open_items[depth - 2] if depth >= 2 else None
            mention = _read_item(token.content, item_line, parent, node, anchors)
            if mention is not None:
                open_items[depth - 1] = mention
        index += 1
    return index


def _read_item(
    content: str, line: int, parent: NoteMention | None, node: Node, anchors: Anchors
) -> NoteMention | None:
    """One bullet: hints of its parent's paper, a link of a cross-index, or the
    mention of a paper (returned)."""
    lines = content.strip().split("\n")
    first = lines[0].strip()
    if parent is not None and is_detail_line(first):
        parent.hints.extend(detail_hints(first))
        return None
    if not first or _TIMESTAMP.match(first):
        return None
    if "](#" in first and (targets := in_page_links(clean_inline(first))):
        anchors.link(node, targets, line, first)
        return None
    mention = parse_mention(first, line)
    if mention is None:
        return None
    if "<" in first or "{#" in first or anchors.pending:
        anchors.bullet(mention, clean_inline(first).anchors)
    for more in lines[1:]:
        if is_detail_line(more.strip()):
            mention.hints.extend(detail_hints(more.strip()))
    node.mentions.append(mention)
    return mention


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
    cleaned = clean_inline(token)
    if not cleaned.text:
        return
    if cleaned.citekeys or cleaned.soft_keys:
        node.mentions.append(
            NoteMention(
                line=line,
                text=text,
                title=cleaned.text,
                citekeys=cleaned.citekeys,
                soft_keys=cleaned.soft_keys,
                prose=True,
            )
        )
        return
    node.text.append(text)
