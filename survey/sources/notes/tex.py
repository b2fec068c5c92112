"""LaTeX source -> the flat list of items the LaTeX notes reader needs (core layer; the
only user of pylatexenc).

pylatexenc's walker parses the body (the preamble is skipped: its macro definitions need
not balance); this module turns its node tree into headings, citations, inputs, text and
math pieces, paragraph breaks, and the footnotes and captions they stand in. Comments,
verbatim and display math are dropped. Positions are offsets into the source.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pylatexenc.latexwalker import (
    LatexCharsNode,
    LatexCommentNode,
    LatexEnvironmentNode,
    LatexGroupNode,
    LatexMacroNode,
    LatexMathNode,
    LatexNode,
    LatexSpecialsNode,
    LatexWalker,
    LatexWalkerEndOfStream,
    LatexWalkerError,
    LatexWalkerParseError,
    get_default_latex_context_db,
)
from pylatexenc.macrospec import MacroSpec

from survey.sources.notes.texnames import (
    ASIDES,
    BREAKS,
    DROPPED,
    INPUTS,
    MULTI_CITES,
    SECTIONING,
    SINGLE_CITES,
    SKIPPED_ENVIRONMENTS,
)

_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")

_CONTEXT = get_default_latex_context_db()
_CONTEXT.add_context_category(
    "survey-notes",
    macros=[
        *(MacroSpec(name, "*[[{") for name in SINGLE_CITES),
        *(MacroSpec(name, "") for name in MULTI_CITES),
        *(MacroSpec(name, "*[{") for name in SECTIONING),
        MacroSpec("caption", "*[{"),
        MacroSpec("captionof", "*{[{"),
        MacroSpec("footnotetext", "[{"),
        MacroSpec("subfile", "{"),
        MacroSpec("href", "{{"),
    ],
    prepend=True,
)


@dataclass(frozen=True, slots=True)
class TexItem:
    """One piece of the body, in source order.

    kind: `heading` (name: the command, depth, label: its title as items), `cite`
    (keys), `input` (name: the command, value: the file named), `text` and `math`
    (value: the LaTeX source), `break` (a paragraph ends), `open`/`close` (name: the
    footnote or caption whose text lies between).
    """

    kind: str
    pos: int
    name: str = ""
    value: str = ""
    keys: tuple[str, ...] = ()
    depth: int = 0
    label: tuple[TexItem, ...] = ()


class TexSyntaxError(Exception):
    """The source does not parse: `line` is where the unclosed thing opened (or where
    the parser stopped)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def tex_items(source: str) -> list[TexItem]:
    """The body's items; raises `TexSyntaxError` for unbalanced braces, environments
    and math."""
    walker = LatexWalker(source, latex_context=_CONTEXT, tolerant_parsing=False)
    try:
        start = _body_start(walker)
        if start is None:
            nodes, _, _ = walker.get_latex_nodes(pos=0)
        else:
            nodes, _, _ = walker.get_latex_nodes(pos=start, stop_upon_end_environment="document")
    except LatexWalkerParseError as error:
        raise _syntax_error(error) from None
    except LatexWalkerError as error:  # pragma: no cover - other walker failures
        raise TexSyntaxError(1, str(error)) from None
    return list(_items(nodes))


def _syntax_error(error: LatexWalkerParseError) -> TexSyntaxError:
    message = str(error.msg).rstrip(".")
    contexts = getattr(error, "open_contexts", None) or []
    if contexts:
        what, _pos, line, _col = contexts[-1]
        return TexSyntaxError(
            int(line),
            f"{what} opened here is never closed ({message} at line {error.lineno})",
        )
    return TexSyntaxError(int(error.lineno or 1), message)


def _body_start(walker: LatexWalker) -> int | None:
    """The offset after `\\begin{document}`, found with the tokenizer (so one in a
    comment does not count), or None for a file without one (an `\\input` part)."""
    pos = 0
    while True:
        try:
            token = walker.get_token(pos, include_brace_chars=None)
        except LatexWalkerEndOfStream:
            return None
        except LatexWalkerError:
            return None
        if token.tok == "begin_environment" and token.arg == "document":
            return int(token.pos + token.len)
        pos = token.pos + max(token.len, 1)


def _items(nodes: Sequence[LatexNode | None]) -> Iterator[TexItem]:
    index = 0
    while index < len(nodes):
        node = nodes[index]
        index += 1
        if node is None or isinstance(node, LatexCommentNode):
            continue
        if isinstance(node, LatexMacroNode) and node.macroname in MULTI_CITES:
            keys, index, rest = _multicite(nodes, index)
            yield TexItem("cite", node.pos, name=node.macroname, keys=keys)
            if rest is not None:
                yield rest
            continue
        yield from _node_items(node)


def _node_items(node: LatexNode) -> Iterator[TexItem]:
    if isinstance(node, LatexCharsNode):
        yield from _chars(node.chars, node.pos)
    elif isinstance(node, LatexSpecialsNode):
        yield TexItem("text", node.pos, value=node.latex_verbatim())
    elif isinstance(node, LatexMathNode):
        yield TexItem("math", node.pos, value=node.latex_verbatim())
    elif isinstance(node, LatexGroupNode) and _structural(node):
        yield from _items(node.nodelist)
    elif isinstance(node, LatexGroupNode):
        # Kept whole: a group may be the argument of a macro the walker does not know
        # (`\IEEEPARstart{T}{he}`), which the decoder reads with it.
        yield TexItem("text", node.pos, value=node.latex_verbatim())
    elif isinstance(node, LatexEnvironmentNode):
        if node.environmentname in SKIPPED_ENVIRONMENTS:
            return
        yield TexItem("break", node.pos)
        yield from _items(node.nodelist)
        yield TexItem("break", node.pos + node.len)
    elif isinstance(node, LatexMacroNode):
        yield from _macro(node)


def _chars(chars: str, pos: int) -> Iterator[TexItem]:
    """Text, with a break at each blank line (the end of a TeX paragraph)."""
    start = 0
    for blank in _BLANK_LINE.finditer(chars):
        yield TexItem("text", pos + start, value=chars[start : blank.start()])
        yield TexItem("break", pos + blank.start())
        start = blank.end()
    yield TexItem("text", pos + start, value=chars[start:])


def _macro(node: LatexMacroNode) -> Iterator[TexItem]:
    name = node.macroname
    args = _args(node)
    if name in SECTIONING and args:
        yield TexItem("break", node.pos)
        label = tuple(_items(_arg_nodes(args[-1])))
        yield TexItem("heading", node.pos, name=name, depth=SECTIONING[name], label=label)
    elif name in SINGLE_CITES and args:
        keys = _keys(args[-1])
        if keys:
            yield TexItem("cite", node.pos, name=name, keys=keys)
    elif name in INPUTS and args:
        target = _plain(args[-1])
        yield TexItem("input", node.pos, name=name, value=target)
    elif name in ASIDES and args:
        yield TexItem("open", node.pos, name=name)
        yield from _items(_arg_nodes(args[-1]))
        yield TexItem("close", node.pos + node.len, name=name)
    elif name in BREAKS:
        yield TexItem("break", node.pos)
    elif name == "href" and len(args) == 2:
        yield from _items(_arg_nodes(args[1]))
    elif name in DROPPED:
        return
    elif any(_structural(arg) for arg in args):
        for arg in args:
            yield from _items(_arg_nodes(arg))
    else:
        yield TexItem("text", node.pos, value=node.latex_verbatim())


def _args(node: LatexMacroNode) -> list[LatexNode]:
    """The macro's given arguments, a star and optional ones that were left out dropped."""
    if node.nodeargd is None or not node.nodeargd.argnlist:
        return []
    return [
        arg
        for arg in node.nodeargd.argnlist
        if arg is not None and not (isinstance(arg, LatexCharsNode) and arg.chars == "*")
    ]


def _arg_nodes(arg: LatexNode) -> list[LatexNode | None]:
    if isinstance(arg, LatexGroupNode):
        return list(arg.nodelist)
    return [arg]


def _structural(node: LatexNode | None) -> bool:
    """True when the node holds a citation, heading, input or aside somewhere inside."""
    if node is None:
        return False
    if isinstance(node, LatexMacroNode):
        name = node.macroname
        if name in SINGLE_CITES or name in MULTI_CITES or name in INPUTS or name in ASIDES:
            return True
        if name in SECTIONING:
            return True
        return any(_structural(arg) for arg in _args(node))
    if isinstance(node, LatexGroupNode | LatexEnvironmentNode):
        return any(_structural(child) for child in node.nodelist)
    return False


def _plain(arg: LatexNode) -> str:
    """An argument's source without its braces (a key list, a file name)."""
    text = str(arg.latex_verbatim())
    if isinstance(arg, LatexGroupNode) and text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    return text.strip()


def _keys(arg: LatexNode) -> tuple[str, ...]:
    """The keys of `{a, b,c}`; `*` (\\nocite{*}: every entry) names no one paper."""
    keys = []
    for node in _arg_nodes(arg):
        if isinstance(node, LatexCommentNode) or node is None:
            continue
        keys.append(node.latex_verbatim() if not isinstance(node, LatexCharsNode) else node.chars)
    found = (k.strip() for k in "".join(keys).split(","))
    return tuple(k for k in found if k and k != "*")


def _multicite(
    nodes: Sequence[LatexNode | None], index: int
) -> tuple[tuple[str, ...], int, TexItem | None]:
    """The keys of a multicite's `{...}` groups after it, skipping `(...)` and `[...]`
    notes: (keys, the index after them, the text left over in the node that ended
    them)."""
    keys: list[str] = []
    depth = 0  # inside () or []
    while index < len(nodes):
        node = nodes[index]
        if isinstance(node, LatexGroupNode):
            if depth == 0:
                keys.extend(_keys(node))
            index += 1
            continue
        if isinstance(node, LatexCharsNode):
            for offset, char in enumerate(node.chars):
                if char in "([":
                    depth += 1
                elif char in ")]" and depth:
                    depth -= 1
                elif depth == 0 and not char.isspace():
                    rest = TexItem("text", node.pos + offset, value=node.chars[offset:])
                    return tuple(keys), index + 1, rest
            index += 1
            continue
        if depth == 0 and not isinstance(node, LatexCommentNode):
            break
        index += 1
    return tuple(keys), index, None
