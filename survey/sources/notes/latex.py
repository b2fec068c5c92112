"""LaTeX notes -> the notes' tree (core layer): a survey written as a paper.

The sectioning commands are the taxonomy (the shallowest one used is level 1); each key
of a citation command names a paper in the section where it stands, captions and
footnotes included, and the sentence around it, decoded to Unicode, is its annotation.
`\\input`, `\\include` and `\\subfile` are followed inside the survey folder. Prose names
nothing. Never prints; unreadable or unparsable input is an `InputFileError` naming the
file and line.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from survey.errors import Diagnostic, InputFileError
from survey.sources.latex import latex_to_unicode
from survey.sources.notes.files import read_notes_file
from survey.sources.notes.tex import TexItem, TexSyntaxError, tex_items
from survey.sources.notes.texnames import SECTIONING
from survey.sources.notes.tree import Node, NoteMention, Notes, open_section, order_sections
from survey.vocab import Severity

_COMMAND_AT_DEPTH = {depth: name for name, depth in SECTIONING.items()}
_MARK = "\ue010"  # where a citation stood in a paragraph's text
# A sentence ends at . ! ? before a capital, a digit, a quote or a bracket (or at CJK
# full stops); not after the abbreviations below.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\d“\"'(\[" + _MARK + "])|(?<=[。！？])")
_ABBREVIATION = re.compile(
    r"(?:\bet al|\be\.g|\bi\.e|\bcf|\bvs|\bFig|\bFigs|\bSec|\bSect|\bEq|\bTab|\bRef|\bNo"
    r"|\bvol|\bpp|\bp|\bch|\b[A-Z])\.$"
)
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?)\]])")
_LEFT_MACRO = re.compile(r"\\[A-Za-z]+\*?")
_EMPTY_BRACKETS = re.compile(r"\(\s*[,;]?\s*\)|\[\s*[,;]?\s*\]")


@dataclass(frozen=True, slots=True)
class _Located:
    """An item of the body with the file and line it stands at."""

    item: TexItem
    file: str
    line: int


def read_latex_notes(
    path: Path,
    folder: Path,
    slugs: Mapping[str, str] | None = None,
    *,
    exclude: Sequence[str] = (),
) -> tuple[Notes, int]:
    """The LaTeX notes in `path`, its inputs followed, and the bytes read."""
    collector = _Collector(path, folder)
    located = collector.collect(path, ())
    builder = _Builder(str(path), slugs or {}, exclude, located)
    return builder.build(), collector.size


class _Collector:
    """Reads the main file and the files it inputs into one list of located items."""

    def __init__(self, main: Path, folder: Path) -> None:
        self.main_dir = main.parent
        self.folder = folder.resolve()
        self.size = 0

    def collect(self, path: Path, chain: tuple[Path, ...]) -> list[_Located]:
        text = read_notes_file(path, "LaTeX notes file")
        self.size += len(text.encode())
        name = str(path)
        starts = [0, *(i + 1 for i, char in enumerate(text) if char == "\n")]
        try:
            items = tex_items(text)
        except TexSyntaxError as error:
            raise InputFileError(
                f"{name}:{error.line}: {error.message}",
                "balance the braces, environments and $ of the LaTeX (it must compile)",
            ) from None
        found: list[_Located] = []
        for item in items:
            line = bisect_right(starts, item.pos)
            if item.kind == "input":
                target = self.resolve(item, path, line, (*chain, path.resolve()))
                found.extend(self.collect(target, (*chain, path.resolve())))
            else:
                found.append(_Located(item, name, line))
        return found

    def resolve(self, item: TexItem, including: Path, line: int, chain: tuple[Path, ...]) -> Path:
        """The file an `\\input` names: from the main file's folder (as LaTeX does), then
        from the including file's; `.tex` added when the name has no suffix."""
        where = f"{including}:{line}: \\{item.name}{{{item.value}}}"
        if not item.value:
            raise InputFileError(f"{where} names no file", "give the file to input")
        names = [item.value] if Path(item.value).suffix else [item.value + ".tex", item.value]
        tried: list[Path] = []
        for base in dict.fromkeys([self.main_dir, including.parent]):
            for name in names:
                candidate = base / name
                tried.append(candidate)
                resolved = candidate.resolve()
                if not resolved.is_relative_to(self.folder):
                    raise InputFileError(
                        f"{where} points outside the survey folder {self.folder}",
                        "survey reads only inside the survey folder: move the file there",
                    )
                if resolved in chain:
                    raise InputFileError(
                        f"{where} inputs {candidate} again, which is already being read "
                        "(a cycle of \\input)",
                        "remove the \\input that closes the cycle",
                    )
                if resolved.is_file():
                    return candidate
        looked = ", ".join(str(t) for t in tried)
        raise InputFileError(f"{where}: no such file (looked for {looked})", "fix the name")


@dataclass(slots=True)
class _Paragraph:
    """Text of one paragraph (or footnote, caption) and the citations standing in it."""

    pieces: list[str] = field(default_factory=list)
    cites: list[tuple[_Located, Node]] = field(default_factory=list)


class _Builder:
    """Builds the tree from the located items: sections, then a mention per cited key."""

    def __init__(
        self,
        filename: str,
        slugs: Mapping[str, str],
        exclude: Sequence[str],
        located: list[_Located],
    ) -> None:
        self.filename = filename
        self.slugs = slugs
        self.located = located
        self.diagnostics: list[Diagnostic] = []
        self.root = Node(label="", slug="", level=0, line=0)
        self.stack: list[Node] = [self.root]
        self.excluded = {e.casefold() for e in exclude}
        self.used: set[str] = set()
        self.skip_below: int | None = None
        depths = [x.item.depth for x in located if x.item.kind == "heading"]
        self.top = min(depths, default=0)
        self.open: list[_Paragraph] = [_Paragraph()]

    def build(self) -> Notes:
        for located in self.located:
            kind = located.item.kind
            if kind == "heading":
                self.flush()
                self.heading(located)
            elif self.skip_below is not None:
                continue
            elif kind == "cite":
                self.open[-1].pieces.append(_MARK)
                self.open[-1].cites.append((located, self.stack[-1]))
            elif kind in ("text", "math"):
                self.open[-1].pieces.append(located.item.value)
            elif kind == "break":
                self.flush()
            elif kind == "open":
                self.open.append(_Paragraph())
            elif kind == "close" and len(self.open) > 1:
                self.flush()
                self.open.pop()
        self.flush()
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
        order_sections(self.root)
        return Notes(self.root, {}, self.diagnostics)

    def heading(self, located: _Located) -> None:
        item = located.item
        level = item.depth - self.top + 1
        if self.skip_below is not None and level > self.skip_below:
            return
        self.skip_below = None
        shown = latex_to_unicode("".join(p.value for p in _label_pieces(item, math=True)))
        plain = latex_to_unicode("".join(p.value for p in _label_pieces(item, math=False)))
        if shown.casefold() in self.excluded:
            self.used.add(shown.casefold())
            self.skip_below = level
            return
        node = open_section(
            self.stack,
            shown,
            shown or plain,
            level,
            located.line,
            self.slugs,
            self.diagnostics,
            located.file,
            fix=lambda wanted: "\\" + _COMMAND_AT_DEPTH.get(self.top + wanted - 1, "section"),
            file=located.file,
            slug_label=plain,
        )
        cites = [x for x in item.label if x.kind == "cite"]
        for cite in cites:
            for key in cite.keys:
                node.mentions.append(_mention(key, shown, located.file, located.line))

    def flush(self) -> None:
        """End the open paragraph: each citation in it becomes a mention per key, with
        its sentence; a paragraph without citations is its section's text."""
        paragraph = self.open[-1]
        self.open[-1] = _Paragraph()
        text = latex_to_unicode("".join(paragraph.pieces))
        if not paragraph.cites:
            if text and self.stack[-1] is not self.root:
                self.stack[-1].text.append(text)
            return
        sentences = _sentences(text)
        marks = iter(s for s in sentences for _ in range(s.count(_MARK)))
        for (located, node), sentence in zip(paragraph.cites, marks, strict=False):
            for key in located.item.keys:
                node.mentions.append(_mention(key, _clean(sentence), located.file, located.line))


def _label_pieces(heading: TexItem, *, math: bool) -> list[TexItem]:
    """A heading's text (and math, when asked), without its footnotes and citations."""
    pieces: list[TexItem] = []
    aside = 0
    for piece in heading.label:
        if piece.kind == "open":
            aside += 1
        elif piece.kind == "close":
            aside = max(aside - 1, 0)
        elif not aside and (piece.kind == "text" or (math and piece.kind == "math")):
            pieces.append(piece)
    return pieces


def _mention(key: str, sentence: str, file: str, line: int) -> NoteMention:
    return NoteMention(
        line=line,
        text=sentence,
        title=key,
        citekeys=[key],
        annotation=sentence,
        prose=True,
        file=file,
    )


def _sentences(text: str) -> list[str]:
    """The text cut into sentences (abbreviations such as `et al.` and `Fig.` kept)."""
    found: list[str] = []
    start = 0
    for end in _SENTENCE_END.finditer(text):
        if _ABBREVIATION.search(text[start : end.start()]):
            continue
        found.append(text[start : end.start()])
        start = end.end()
    found.append(text[start:])
    return [s for s in found if s.strip()]


def _clean(sentence: str) -> str:
    """A sentence without its citation marks, the brackets they leave empty, and the
    user's own macros the decoder left standing (`\\etal`)."""
    text = " ".join(_LEFT_MACRO.sub(" ", sentence.replace(_MARK, " ")).split())
    text = _EMPTY_BRACKETS.sub("", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return " ".join(text.split())
