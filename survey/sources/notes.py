"""Survey notes (Markdown) -> taxonomy tree and mentions (core layer; the only user of
markdown-it-py).

Headings are the taxonomy: their levels give the nesting, a numbered heading's number
its order. Bullets (and prose with pandoc citations `[@key]`) are mentions of papers.
Never prints; problems become `Diagnostic`s, unreadable input an `InputFileError`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from survey.errors import Diagnostic, InputFileError
from survey.inputs import decode_utf8, read_input
from survey.vocab import SectionFlag, Severity

EMPTY = SectionFlag.EMPTY
IMAGES_ONLY = SectionFlag.IMAGES_ONLY
NORMAL = SectionFlag.NORMAL

_NUMBERED = re.compile(r"^\s*(\d+)[.)、]\s*(.+)$")
_TIMESTAMP = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?$")
_IMAGE_HTML = re.compile(r"^\s*(?:<img\b[^>]*>\s*)+$", re.IGNORECASE)
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
    # Keys that name the paper only if they are citekeys: `@key` in text, `<!--key-->`.
    soft_keys: list[str] = field(default_factory=list)
    # ("arxiv", id) and ("doi", doi) read from the bullet's links.
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    prose: bool = False  # a paragraph with citations, not a bullet


@dataclass(slots=True, eq=False)  # nodes are compared by identity: a tree, not values
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


def read_notes_file(path: Path) -> str:
    name = str(path)
    data = read_input(path, "Markdown notes file", "check the notes path in survey.toml")
    if b"\x00" in data[:65536]:
        raise InputFileError(f"{name}: is a binary file, not Markdown notes")
    text = decode_utf8(data, name, "save the notes as UTF-8")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InputFileError(f"{name}:{line}: holds a NUL byte", "remove it; notes are text")
    return text


def slugify(label: str) -> str:
    """A readable, stable slug: lower case, words joined by `-`, Unicode letters kept."""
    text = unicodedata.normalize("NFKC", label).casefold()
    return _SLUG_JUNK.sub("-", text).strip("-_") or "section"


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
    tokens = MarkdownIt("commonmark").parse(body)
    title_line = _lone_h1(tokens)
    notes = _walk(tokens, front_matter, filename, slugs or {}, exclude, title_line)
    if title_line is not None and notes.root.mentions:
        # The H1 names papers of its own: it is a section after all, not a title.
        notes = _walk(tokens, front_matter, filename, slugs or {}, exclude, None)
    return notes


def _walk(
    tokens: list[Token],
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
            walker.heading(token, tokens[index + 1], line)
            index += 3
            continue
        if walker.skip_below is not None:
            index += 1
            continue
        current = walker.stack[-1]
        if token.type == "bullet_list_open" or token.type == "ordered_list_open":
            index = _read_list(tokens, index, current)
            continue
        if token.type == "html_block":
            walker.html_block(token.content, line)
        elif token.type == "inline":
            _read_paragraph(token, line, current)
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

    def open(self, raw_label: str, label: str, level: int, line: int) -> None:
        _open_section(
            self.stack, raw_label, label, level, line, self.slugs, self.diagnostics, self.filename
        )

    def heading(self, token: Token, inline: Token, line: int) -> None:
        raw_label = inline.content.strip()
        label = clean_inline(inline).text or raw_label
        level = int(token.tag[1:])
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
        _order(self.root)
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


def _open_section(
    stack: list[Node],
    raw_label: str,
    label: str,
    level: int,
    line: int,
    slugs: Mapping[str, str],
    diagnostics: list[Diagnostic],
    filename: str,
) -> None:
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
                f"{parent.label or 'the top'!r}; use {'#' * (parent.level + 1)}",
                "heading-level",
            )
        )
    node = _make_node(raw_label, label, level, line, parent, slugs, diagnostics, filename)
    parent.add_child(node)
    stack.append(node)


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
    shown: str,
    level: int,
    line: int,
    parent: Node,
    slugs: Mapping[str, str],
    diagnostics: list[Diagnostic],
    filename: str,
) -> Node:
    number: int | None = None
    label = shown
    numbered = _NUMBERED.match(shown)
    if numbered:
        number, label = int(numbered.group(1)), numbered.group(2).strip()
    slug = slugs.get(label) or slugs.get(shown) or slugs.get(raw_label) or slugify(label)
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


def _read_list(tokens: list[Token], index: int, node: Node) -> int:
    """Read one (possibly nested) list into mentions; returns the index after it.

    A nested bullet that only gives facts of the bullet above it (authors, venue,
    year, links) adds them as hints to that bullet's mention instead of being one.
    """
    depth = 0
    item_line = 0
    item_has_text = False
    # The mention of the open item at each depth (None: that item named no paper).
    open_items: list[Mention | None] = []
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
            lines = token.content.strip().split("\n")
            parent = open_items[depth - 2] if depth >= 2 else None
            first = lines[0].strip()
            if parent is not None and is_detail_line(first):
                parent.hints.extend(detail_hints(first))
            elif first and not _TIMESTAMP.match(first):
                mention = parse_mention(first, item_line)
                if mention is not None:
                    for more in lines[1:]:
                        if is_detail_line(more.strip()):
                            mention.hints.extend(detail_hints(more.strip()))
                    node.mentions.append(mention)
                    open_items[depth - 1] = mention
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
    cleaned = clean_inline(token)
    if not cleaned.text:
        return
    if cleaned.citekeys or cleaned.soft_keys:
        node.mentions.append(
            Mention(
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


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
_MD_INLINE = MarkdownIt("commonmark")
_SUMMARY = re.compile(r"<summary[^>]*>(.*?)</summary>", re.IGNORECASE | re.DOTALL)
_DETAILS_OPEN = re.compile(r"<details\b", re.IGNORECASE)
_DETAILS_CLOSE = re.compile(r"</details\s*>", re.IGNORECASE)
_HTML_COMMENT_ONLY = re.compile(r"^\s*(?:<!--.*?-->\s*)+$", re.DOTALL)
_COMMENT = re.compile(r"<!--+\s*(.*?)\s*-*-->", re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
# Pandoc's citation key: starts with a letter, digit or _, then word characters and
# internal punctuation (:.#$%&-+?<>~/), punctuation only between word characters.
_PANDOC_KEY = r"[\w][\w:.#$%&+?<>~/-]*?(?=[^\w:.#$%&+?<>~/-]|[:.#$%&+?<>~/-](?:[^\w]|$)|$)"
_BRACKETED = re.compile(r"\[([^\[\]]*@[^\[\]]*)\]")
_IN_BRACKET_KEY = re.compile(r"(?:^|[\s;\[-])-?@(" + _PANDOC_KEY + ")")
_IN_TEXT_KEY = re.compile(r"(?<![\w@])@(" + _PANDOC_KEY + ")")
_BRACED_KEY = re.compile(r"@\{([^{}]+)\}")
# Link texts that label a link rather than name a paper: [pdf], [code], [project].
_LINK_WORDS = frozenset(
    [
        "pdf",
        "paper",
        "code",
        "github",
        "project",
        "page",
        "website",
        "blog",
        "video",
        "bibtex",
        "bibtext",
        "bib",
        "arxiv",
        "slides",
        "poster",
        "demo",
        "talk",
        "supp",
        "supplementary",
        "dataset",
        "data",
        "model",
        "models",
        "doi",
        "html",
        "openreview",
        "cvf",
        "official",
        "unofficial",
        "pytorch",
        "tensorflow",
        "jax",
        "colab",
        "youtube",
        "link",
        "abs",
        "homepage",
        "site",
        "notes",
        "review",
        "reviews",
    ]
)
_QUOTED = re.compile(r"[\"“”]([^\"“”]{8,})[\"“”]")
# A leading venue label: [CVPR 2020], [NeurIPS'21], [ECCV 2022 Oral].
_VENUE_TAG = re.compile(r"^\s*\[([A-Za-z][A-Za-z&-]{1,12}\s*'?\d{2,4}(?:\s+\w+)?)\]\s*")
_ARXIV_LINK = re.compile(
    r"arxiv\.org/(?:abs|pdf|html)/((?:\d{4}\.\d{4,5})|(?:[a-z-]+(?:\.[A-Z]{2})?/\d{7}))", re.I
)
_DOI_LINK = re.compile(r"(?:dx\.)?doi\.org/(10\.\d{4,9}/[^\s?#]+)", re.I)


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


def clean_inline_text(text: str) -> str:
    """A line of inline Markdown as plain text (see `clean_inline`)."""
    return clean_inline(text).text


def clean_inline(source: Token | str) -> Inline:
    """Plain text of an inline Markdown line, with its links, bold spans and citations.

    Pandoc citations are read only from text outside links: `[@user](url)` is a link.
    """
    if isinstance(source, str):
        parsed = _MD_INLINE.parseInline(source)
        children = parsed[0].children if parsed else []
    else:
        children = source.children
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
        """Text outside links may hold pandoc citations; inside a link it is the label."""
        if self.link_start:
            self.add(content)
            return
        _read_citations(content, self.result)
        self.add(_strip_citations(content))

    def comment(self, html: str) -> None:
        comment = _COMMENT.fullmatch(html.strip())
        if comment and comment.group(1).strip():
            self.result.comments.append(comment.group(1).strip())
            self.result.soft_keys.extend(_comment_keys(comment.group(1)))


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


def is_detail_line(text: str) -> bool:
    """True for a line that gives facts of a paper rather than naming one: only links,
    a venue and year, an author list, or a `Field: value` label."""
    cleaned = clean_inline(text)
    plain = cleaned.text
    if not plain:
        return bool(cleaned.links)
    if cleaned.links and all(_is_link_word(t) for t, *_ in cleaned.links):
        rest = plain
        for t, *_ in cleaned.links:
            rest = rest.replace(t, " ")
        if not re.sub(r"[\W_]+", "", rest):
            return True
    if _FIELD_LABEL.match(plain):
        return True
    pieces = [p.strip() for p in _HINT_SPLIT.split(plain) if p.strip()]
    return bool(pieces) and all(_is_fact(p) for p in pieces)


def detail_hints(text: str) -> list[str]:
    """The hints a detail line gives: its venue/year and author pieces, links dropped."""
    cleaned = clean_inline(text)
    plain = cleaned.text
    for link_text, *_ in cleaned.links:
        if _is_link_word(link_text):
            plain = plain.replace(link_text, " ")
    plain = _FIELD_LABEL.sub("", plain)
    pieces = (p.strip(" .") for p in _HINT_SPLIT.split(plain))
    return [p for p in pieces if p and not _is_link_word(p)]


def _is_link_word(text: str) -> bool:
    words = re.sub(r"[\W_]+", " ", text).lower().split()
    return bool(words) and all(w in _LINK_WORDS for w in words)


# Hints are separated by commas, semicolons, bars, or a full stop ending a part.
_HINT_SPLIT = re.compile(r"[,;|]|\.\s")
_FIELD_LABEL = re.compile(
    r"^(?:authors?|venue|conference|journal|year|code|paper|published|in)\s*[:：]\s*", re.I
)
_NAME_WORD = re.compile(r"^(?:[A-Z][\w'’.-]*|[A-Z]\.|de|van|von|der|da|di|del|le|la)$")
_VENUE_YEAR_TEXT = re.compile(r"^[A-Za-z][\w&. -]*?\s*'?(?:19|20)?\d{2}\b.*$")


def _is_fact(piece: str) -> bool:
    """An author name, `et al.`, a year, or a venue with its year."""
    text = piece.strip(" .*")
    if not text:
        return True
    if re.fullmatch(r"(?:19|20)\d{2}", text) or "et al" in text:
        return True
    words = text.replace("and ", "").split()
    if 1 < len(words) <= 4 and all(_NAME_WORD.match(w) for w in words):
        return True
    venue = re.match(r"^([A-Za-z][A-Za-z&-]*)\s*'?((?:19|20)\d{2}|\d{2})\b", text)
    return bool(venue) and len(text.split()) <= 4


def parse_mention(text: str, line: int) -> Mention | None:
    """Split a bullet into the title it names, its hints and its annotation.

    `cross-X learning ... (ICCV2019) 注释` -> title, hints ["ICCV2019"], annotation "注释".
    `[Title](url), Authors, VENUE 2020 | [code](url) <!--key-->` -> the link text is the
    title, the authors and venue are hints, the comment a key to try first.
    `**Title**. Authors. VENUE 2020.` and `Authors. "Title." VENUE 2020.` likewise.
    A pandoc citation `[@key]` names the paper outright. A bullet that is only links
    inside the page (a table of contents) names no paper: None.
    """
    cleaned = clean_inline(text)
    plain = cleaned.text
    if not plain and not cleaned.citekeys and not cleaned.soft_keys:
        return None
    if cleaned.links and all(h.startswith("#") for _, h, *_ in cleaned.links):
        rest = plain
        for link_text, *_ in cleaned.links:
            rest = rest.replace(link_text, " ")
        if not re.sub(r"[\W_]+", "", rest):
            return None
    mention = Mention(
        line=line,
        text=text,
        title=plain,
        citekeys=cleaned.citekeys,
        soft_keys=cleaned.soft_keys,
        identifiers=link_identifiers(href for _, href, *_ in cleaned.links),
    )
    styled = _styled_title(cleaned)
    if styled is not None:
        title, rest = styled
        mention.title = _trim_title(title.strip().rstrip("."))
        mention.hints = detail_hints(rest) if rest.strip() else []
        return mention
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
    mention.title = _trim_title(title)
    mention.hints = hints
    mention.annotation = annotation
    return mention


def link_identifiers(hrefs: Iterable[str]) -> list[tuple[str, str]]:
    """The arXiv ids and DOIs that links point at, in order, once each."""
    found: list[tuple[str, str]] = []
    for href in hrefs:
        arxiv = _ARXIV_LINK.search(href)
        if arxiv:
            found.append(("arxiv", arxiv.group(1).lower()))
        doi = _DOI_LINK.search(href)
        if doi:
            found.append(("doi", doi.group(1).lower().rstrip(".")))
    return list(dict.fromkeys(found))


_TRAILING = re.compile(r"(?:\s*[:：–—]+|\s+-+)\s*$")


def _trim_title(title: str) -> str:
    """Drop a trailing colon or dash that joined the title to what followed; `NeRF--`
    keeps its dashes."""
    return _TRAILING.sub("", title.strip()).strip()


def _styled_title(cleaned: Inline) -> tuple[str, str] | None:
    """(title, rest) when the bullet marks its title: a leading link, bold, or quotes."""
    plain = cleaned.text
    # Leading labels that are not the title: [[pdf]](url), [CVPR 2020], **[CVPR 2020]**.
    start = 0
    for link_text, _href, a, b in cleaned.links:
        if a <= start + 1 and (
            _is_link_word(link_text.strip("[]"))
            or _VENUE_TAG.match("[" + link_text.strip("[]") + "]")
        ):
            start = b
            continue
        break
    lead = plain[start:]
    venue = _VENUE_TAG.match(lead)
    prefix_hints = ""
    if venue:
        prefix_hints = venue.group(1)
        start += venue.end()
    for link_text, _href, a, b in cleaned.links:
        if a < start:
            continue
        if plain[start:a].strip(" -–—*:") == "" and _looks_like_title(link_text):
            rest = prefix_hints + ", " + plain[b:] if prefix_hints else plain[b:]
            return link_text, rest
        break
    for bold, a, b in cleaned.strong:
        if a < start:
            continue
        if plain[start:a].strip(" -–—*:[]") == "" and _looks_like_title(bold):
            rest = prefix_hints + ", " + plain[b:] if prefix_hints else plain[b:]
            return bold, rest
        break
    quoted = _QUOTED.search(plain, start)
    if quoted and _looks_like_title(quoted.group(1)):
        before = plain[start : quoted.start()]
        rest = ", ".join(p for p in (prefix_hints, before, plain[quoted.end() :]) if p.strip())
        return quoted.group(1), rest
    if start > 0 and plain[start:].strip():
        # [[pdf]](url) Title, or [CVPR 2020] Title: the rest of the line is the title.
        return plain[start:], prefix_hints
    return None


def _looks_like_title(text: str) -> bool:
    words = text.split()
    return bool(words) and not _is_link_word(text) and (len(words) >= 2 or len(text) >= 4)


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
