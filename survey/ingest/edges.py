"""Citation edges from citations files and BibTeX `cites` fields (ingest layer).

Names on either end of an edge are citekeys (any case), a paper's alias, or an alias
of the manifest. A name that is no paper is reported with the closest keys; an edge
named twice (in two files, or twice in one) is kept once, with a warning.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy.orm import Session

from survey.db import citations as citations_db
from survey.db import papers as papers_db
from survey.errors import Diagnostic, did_you_mean
from survey.textnorm import closest, normalize_name
from survey.vocab import Origin, Severity, is_suspect

FIELD_ORIGIN = Origin.FIELD
FILE_ORIGIN = Origin.FILE


class NamedEdge(NamedTuple):
    """One edge as an input names its ends (citekeys or aliases, not yet resolved to
    papers), with where it is written: a citations file's line or a `cites` field (a
    tuple: a large citations file has 10^6 of them)."""

    file: str
    line: int | None
    citing: str
    cited: str
    relation: str = ""
    evidence: str = ""
    source_id: int | None = None


@dataclass(slots=True)
class EdgeResult:
    rows: list[citations_db.EdgeValues] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    suspect: int = 0
    # Every end of a line that named no paper, with its line (the diagnostic names the first).
    unknown: list[tuple[NamedEdge, str]] = field(default_factory=list)


class EdgeNames:
    """Finds the paper an edge's end names: citekey, a paper's alias, a manifest alias."""

    def __init__(
        self, facts: Sequence[papers_db.PaperFacts], aliases: Mapping[str, str] | None = None
    ):
        self.facts = list(facts)
        self._by_name: dict[str, papers_db.PaperFacts] = {f.citekey.lower(): f for f in facts}
        by_alias: dict[str, list[papers_db.PaperFacts]] = {}
        for fact in facts:
            for alias in fact.aliases:
                by_alias.setdefault(alias, []).append(fact)
        for alias, fact_list in by_alias.items():
            if len(fact_list) == 1:
                self._by_name.setdefault(alias, fact_list[0])
        for alias, key in (aliases or {}).items():
            if key.lower() in self._by_name:
                self._by_name.setdefault(normalize_name(alias), self._by_name[key.lower()])

    def find(self, name: str) -> papers_db.PaperFacts | None:
        return self._by_name.get(name.lower()) or self._by_name.get(normalize_name(name))


def resolve_edges(
    lines: Sequence[NamedEdge], names: EdgeNames, *, unknown: Severity = Severity.ERROR
) -> EdgeResult:
    """Edge rows (`citations_db.EdgeValues`) for the lines whose two ends name papers,
    and a diagnostic for each that does not."""
    result = EdgeResult()
    first: dict[tuple[int, int], NamedEdge] = {}
    # A paper is named on many lines (a citing paper on each of its references): each
    # name is looked up once.
    found: dict[str, papers_db.PaperFacts | None] = {}

    def find(name: str) -> papers_db.PaperFacts | None:
        try:
            return found[name]
        except KeyError:
            paper = found[name] = names.find(name)
            return paper

    def problem(
        severity: Severity, line: NamedEdge, key: str | None, text: str, kind: str = ""
    ) -> None:
        result.diagnostics.append(Diagnostic(severity, line.file, line.line, key, text, kind))

    for line in lines:
        citing, cited = find(line.citing), find(line.cited)
        if citing is None or cited is None:
            missing = [n for n, f in ((line.citing, citing), (line.cited, cited)) if f is None]
            result.unknown += [(line, name) for name in missing]
            near = did_you_mean(closest(missing[0], (f.citekey for f in names.facts)))
            hint = f"; {near}" if near else ""
            kind = "dangling-cite" if unknown is Severity.WARNING else ""
            problem(unknown, line, missing[0], f"no paper with this key{hint}", kind)
            continue
        if citing.paper_id == cited.paper_id:
            problem(Severity.ERROR, line, citing.citekey, "a paper cannot cite itself")
            continue
        pair = (citing.paper_id, cited.paper_id)
        if pair in first:
            earlier = first[pair]
            where = earlier.file if earlier.line is None else f"{earlier.file}:{earlier.line}"
            problem(
                Severity.WARNING,
                line,
                citing.citekey,
                f"the edge {citing.citekey} -> {cited.citekey} is also at {where}; kept once",
                "repeated-edge",
            )
            continue
        first[pair] = line
        suspect = is_suspect(citing.year, cited.year)
        if suspect:
            result.suspect += 1
            problem(
                Severity.WARNING,
                line,
                citing.citekey,
                f"cites {cited.citekey} ({cited.year}), more than a year younger than "
                f"itself ({citing.year}): kept, flagged suspect",
                "suspect-edge",
            )
        result.rows.append(
            (
                citing.paper_id,
                cited.paper_id,
                line.relation,
                line.evidence,
                suspect,
                line.source_id,
                line.line,
            )
        )
    return result


def field_lines(session: Session) -> list[NamedEdge]:
    """One named edge per key in a BibTeX `cites = {a, b}` field."""
    found: list[NamedEdge] = []
    for key, file, line, cites in citations_db.cites_fields(session):
        for cited in (c.strip() for c in cites.split(",")):
            if cited:
                found.append(NamedEdge(file, line, key, cited, "", "cites field"))
    return found


def sync_field_edges(session: Session, names: Callable[[], EdgeNames] | None = None) -> EdgeResult:
    """Replace the `bib-field` edges with what the stored entries' `cites` fields say.

    A cited key that names no paper is a warning: the entry may cite a paper that is
    not (yet) in the bibliography. `names` makes the names to resolve them with (by
    default every paper's), when there is a field to resolve.
    """
    lines = field_lines(session)
    result = EdgeResult()
    if lines:
        found = names() if names is not None else EdgeNames(papers_db.paper_facts(session))
        result = resolve_edges(lines, found, unknown=Severity.WARNING)
    citations_db.replace_edge_values(session, FIELD_ORIGIN, result.rows)
    return result
