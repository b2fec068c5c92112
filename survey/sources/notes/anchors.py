"""In-page anchors of Markdown notes and the cross-index bullets that link to them (core
layer).

A list may file each paper once and list it again elsewhere as an in-page link,
`[Title](#paper-2024-x)`, pointing at the first bullet's `<a id>`, `<a name>`, `{#id}`
or an HTML anchor on the line before it. Such a link names that bullet's paper in the
section it stands in; a link to a heading (its `{#id}` or the id GitHub gives it) is
navigation and names nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from survey.errors import Diagnostic
from survey.sources.notes.tree import Node, NoteMention
from survey.vocab import Severity


@dataclass(slots=True)
class _Link:
    node: Node
    anchor: str
    line: int
    text: str


@dataclass(slots=True)
class Anchors:
    """The anchors seen so far and the in-page links waiting to be resolved."""

    papers: dict[str, NoteMention] = field(default_factory=dict)
    headings: set[str] = field(default_factory=set)
    links: list[_Link] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # HTML anchors before the next item
    _heading_ids: dict[str, int] = field(default_factory=dict)

    def heading(self, label: str, explicit: list[str], github_id: str) -> None:
        """A heading's anchors: its own ids, pending ones, and GitHub's id for it
        (`-1`, `-2` after a repeat)."""
        seen = self._heading_ids.get(github_id)
        self._heading_ids[github_id] = 0 if seen is None else seen + 1
        generated = github_id if seen is None else f"{github_id}-{seen + 1}"
        self.headings.update([generated, *explicit, *self.pending])
        self.pending.clear()

    def bullet(self, mention: NoteMention, explicit: list[str]) -> None:
        for anchor in [*self.pending, *explicit]:
            self.papers.setdefault(anchor, mention)
        self.pending.clear()

    def link(self, node: Node, anchors: list[str], line: int, text: str) -> None:
        self.links.extend(_Link(node, anchor, line, text) for anchor in anchors)

    def resolve(self, diagnostics: list[Diagnostic], filename: str) -> None:
        """Each link to a paper's anchor becomes a mention of that paper where the link
        stands; a link to no anchor at all is a warning."""
        for link in self.links:
            target = self.papers.get(link.anchor)
            if target is not None:
                link.node.mentions.append(
                    replace(target, line=link.line, text=link.text, hints=list(target.hints))
                )
            elif link.anchor not in self.headings:
                diagnostics.append(
                    Diagnostic(
                        Severity.WARNING,
                        filename,
                        link.line,
                        None,
                        f"in-page link #{link.anchor} points at no anchor of the notes; "
                        f'give the paper\'s bullet <a id="{link.anchor}"></a>, or fix the link',
                        "anchor",
                    )
                )
