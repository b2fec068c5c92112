"""Manual curation: the citations and tags a researcher adds by hand (review layer).

Both survive every rebuild (the files never hold them) and follow a paper whose entry
leaves for a while (db/annotations.py). `survey cite` and `survey tag` are thin wrappers
around these functions, which take a session and return what happened.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from survey.db import citations as cdb
from survey.db import taxonomy as tx
from survey.db.papers import find_paper
from survey.errors import SurveyError
from survey.vocab import Provenance, Relation, is_suspect

# What adding did: a new row, new relation/evidence/note on the existing one, or nothing.
ADDED, UPDATED, UNCHANGED = "added", "updated", "unchanged"


@dataclass(frozen=True, slots=True)
class ManualCitation:
    citing: str  # citekeys
    cited: str
    outcome: str  # ADDED, UPDATED or UNCHANGED (removals: always removed)
    suspect: bool = False  # the cited paper is more than a year younger


@dataclass(frozen=True, slots=True)
class ManualTag:
    key: str
    path: str
    outcome: str  # ADDED, UPDATED or UNCHANGED (removals: always removed)


def add_citation(
    session: Session,
    citing: str,
    cited: str,
    relation: Relation | None = None,
    evidence: str | None = None,
) -> ManualCitation:
    """Record that `citing` cites `cited` (keys or short names), or give the existing
    manual edge this relation and evidence (None keeps what it has)."""
    first, second = find_paper(session, citing), find_paper(session, cited)
    if first.id == second.id:
        raise SurveyError(f"{first.citekey} cannot cite itself")
    outcome = cdb.set_edge(
        session, first, second, None if relation is None else relation.value, evidence
    )
    return ManualCitation(
        first.citekey, second.citekey, outcome, is_suspect(first.year, second.year)
    )


def remove_citation(session: Session, citing: str, cited: str) -> ManualCitation:
    """Remove the manual edge `citing` -> `cited`; an edge from a file stays with its file."""
    first, second = find_paper(session, citing), find_paper(session, cited)
    if not cdb.remove_edge(session, first, second):
        raise SurveyError(
            f"no manual edge {first.citekey} -> {second.citekey}",
            "edges from a citations file or a cites field are removed there",
        )
    return ManualCitation(first.citekey, second.citekey, "removed")


def add_tag(session: Session, key: str, section: str, note: str | None = None) -> ManualTag:
    """File the paper `key` under `section` (slug path, label or path ending) by hand, or
    give its manual tag there this note (None keeps it)."""
    paper = find_paper(session, key)
    node = tx.find_node(session, section)
    outcome = tx.set_tag(session, paper, node, Provenance.MANUAL, note)
    return ManualTag(paper.citekey, node.path, outcome)


def remove_tag(session: Session, key: str, section: str) -> ManualTag:
    """Take the paper `key` out of `section` where it was filed by hand; a tag from the
    notes follows the notes."""
    paper = find_paper(session, key)
    node = tx.find_node(session, section)
    if not tx.remove_tag(session, paper, node, Provenance.MANUAL):
        raise SurveyError(
            f"{paper.citekey} has no manual tag on {node.path}",
            "see its tags with survey query show " + paper.citekey,
        )
    return ManualTag(paper.citekey, node.path, "removed")
