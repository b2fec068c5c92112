"""Inline Markdown -> plain text, with its links, bold spans and pandoc citations (core
layer; with markdown.py, the only users of markdown-it-py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

_MD_INLINE = MarkdownIt("commonmark")
# What may start inline Markdown in a line parsed on its own (no link definitions known):
# a line without any of it is one text token, as markdown-it would make it.
_INLINE_SYNTAX = re.compile(r"[\\`*_!<&\n\r\x00]|\]\(")
_COMMENT_ONLY = re.compile(r"^\s*(?:<!--.*?-->\s*)+$", re.DOTALL)
_HTML_ANCHOR = re.compile(r"<[A-Za-z][^>]*?\b(?:id|name)\s*=\s*[\"']?([^\"'\s>]+)", re.I)
# A pandoc/kramdown attribute block naming an id: {#sec:intro}, {#id .class}.
_ATTRIBUTE_ID = re.compile(r"\s*\{#([^\s{}]+)[^{}]*\}")
_COMMENT = re.compile(r"<!--+\s*(.*?)\s*-*-->", re.DOTALL)
# Pandoc's citation key: starts with a letter, digit or _, then word characters and
# internal punctuation (:.#$%&-+?<>~/), punctuation only between word characters.
_PANDOC_KEY = r"[\w][\w:.#$%&+?<>~/-]*?(?=[^\w:.#$%&+?<>~/-]|[:.#$%&+?<>~/-](?:[^\w]|$)|$)"
_BRACKETED = re.compile(r"\[([^\[\]]*@[^\[\]]*)\]")
_IN_BRACKET_KEY = re.compile(r"(?:^|[\s;\[-])-?@(" + _PANDOC_KEY + ")")
_IN_TEXT_KEY = re.compile(r"(?<![\w@])@(" + _PANDOC_KEY + ")")
_BRACED_KEY = re.compile(r"@\{([^{}]+)\}")


@dataclass(slots=True)
class Inline:
    """A line of inline Markdown as text: links reduced to their text, images, badges,
    HTML comments and tags dropped; what it cites and where its links and bold are."""

    text: str
    links: list[tuple[str, str, int, int]] = field(default_factory=list)  # text, href, span
    strong: list[tuple[str, int, int]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    citekeys: list[str] = field(default_factory=list)  # [@key]
    soft_keys: list[str] = field(default_factory=list)  # @key in text, <!--key-->
    anchors: list[str] = field(default_factory=list)  # <a id="x">, <a name="x">, {#x}


def clean_inline_text(text: str) -> str:
    """A line of inline Markdown as plain text (see `clean_inline`)."""
    return clean_inline(text).text


def clean_inline(source: Token | str) -> Inline:
    """Plain text of an inline Markdown line, with its links, bold spans and citations.

    Pandoc citations are read only from text outside links: `[@user](url)` is a link.
    """
    children = _parse_inline(source) if isinstance(source, str) else source.children
    reader = _InlineReader()
    for child in children or []:
        reader.read(child)
    parts, result = reader.parts, reader.result
    text = "".join(parts)
    # Trim and squeeze spaces, shifting the recorded spans to match.
    result.text, shift = _squeeze(text)
    result.links = [(t.strip(), h, shift(a), shift(b)) for t, h, a, b in result.links]
    result.strong = [(t.strip(), shift(a), shift(b)) for t, a, b in result.strong]
    return result


def _parse_inline(text: str) -> list[Token]:
    """The inline tokens of one line: markdown-it's, without running it for plain text
    (most bullets; tests/test_notes_inline.py checks the two agree)."""
    if not _INLINE_SYNTAX.search(text):
        return [Token("text", "", 0, content=text)] if text else []
    parsed = _MD_INLINE.parseInline(text)
    return (parsed[0].children or []) if parsed else []


class _InlineReader:
    """Collects the text of inline tokens, and where links and bold spans start and end
    in it; pandoc citations and comment keys go to `result`."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.result = Inline("")
        self.size = 0
        self.link_start: list[tuple[int, str]] = []
        self.strong_start: list[int] = []

    def add(self, piece: str) -> None:
        self.parts.append(piece)
        self.size += len(piece)

    def read(self, child: Token) -> None:
        kind = child.type
        if kind == "text":
            self.text(child.content)
        elif kind == "code_inline":
            self.add(child.content)
        elif kind in ("softbreak", "hardbreak"):
            self.add(" ")
        elif kind == "link_open":
            self.link_start.append((self.size, str(child.attrs.get("href", ""))))
        elif kind == "link_close" and self.link_start:
            start, href = self.link_start.pop()
            self.result.links.append(("".join(self.parts)[start:], href, start, self.size))
        elif kind == "strong_open":
            self.strong_start.append(self.size)
        elif kind == "strong_close" and self.strong_start:
            start = self.strong_start.pop()
            self.result.strong.append(("".join(self.parts)[start:], start, self.size))
        elif kind == "html_inline":
            self.comment(child.content)

    def text(self, content: str) -> None:
        """Text outside links may hold pandoc citations; inside a link it is the label.
        An attribute block `{#id}` names an anchor and is no text."""
        if "{#" in content:
            self.result.anchors.extend(_ATTRIBUTE_ID.findall(content))
            content = _ATTRIBUTE_ID.sub("", content)
        if self.link_start:
            self.add(content)
            return
        _read_citations(content, self.result)
        self.add(_strip_citations(content))

    def comment(self, html: str) -> None:
        self.result.anchors.extend(html_anchors(html))
        comment = _COMMENT.fullmatch(html.strip())
        if comment and comment.group(1).strip():
            self.result.comments.append(comment.group(1).strip())
            self.result.soft_keys.extend(_comment_keys(comment.group(1)))


def html_anchors(html: str) -> list[str]:
    """The anchors an HTML fragment defines: the `id` and `name` of its tags."""
    return _HTML_ANCHOR.findall(html) if "<" in html else []


def github_anchor(text: str) -> str:
    """The id GitHub gives a heading with this text: lower case, punctuation dropped,
    spaces as hyphens (a repeated heading's `-1`, `-2` are added by the caller)."""
    kept = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return kept.replace(" ", "-")


def _squeeze(text: str) -> tuple[str, Callable[[int], int]]:
    kept: list[str] = []
    positions: list[int] = []
    previous_space = True
    for char in text:
        space = char.isspace()
        if space and previous_space:
            positions.append(len(kept))
            continue
        positions.append(len(kept))
        kept.append(" " if space else char)
        previous_space = space
    positions.append(len(kept))
    squeezed = "".join(kept)
    stripped = squeezed.rstrip()

    def shift(offset: int) -> int:
        return min(positions[min(offset, len(positions) - 1)], len(stripped))

    return stripped, shift


def _comment_keys(body: str) -> list[str]:
    """`<!---Mildenhall20eccv_nerf-->` names a citekey: one word, no spaces."""
    words = body.strip().strip("-").strip().split()
    if len(words) == 1 and re.fullmatch(r"[\w:.#$%&+?<>~/-]+", words[0]):
        return [words[0].removeprefix("@")]
    return []


def _read_citations(text: str, result: Inline) -> None:
    for group in _BRACKETED.findall(text):
        for braced in _BRACED_KEY.findall(group):
            result.citekeys.append(braced)
        result.citekeys.extend(_IN_BRACKET_KEY.findall(_BRACED_KEY.sub("", group)))
    outside = _BRACKETED.sub(" ", text)
    for braced in _BRACED_KEY.findall(outside):
        result.soft_keys.append(braced)
    result.soft_keys.extend(_IN_TEXT_KEY.findall(_BRACED_KEY.sub(" ", outside)))


def _strip_citations(text: str) -> str:
    return _BRACKETED.sub("", text)
