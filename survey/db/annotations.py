"""Manual annotations outlive their papers' entries (database layer).

A manual tag or manual citation is work the files do not hold. When a paper's entry
leaves the bibliography, `detach` keeps its manual tags and manual citations by citekey
and section path; `reattach` puts each back once every key it names is a paper again
(and its section exists), so an entry that leaves for one build, or moves to another
file, comes back with its annotations. `survey check` reports what is still detached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, aliased

from survey.db import taxonomy as tx
from survey.db.bulk import chunks
from survey.db.models import Citation, Detached, Paper, Tag, TaxonomyNode
from survey.vocab import is_suspect

TAG = "tag"
CITATION = "citation"
MANUAL = "manual"


@dataclass(frozen=True, slots=True)
class Reattached:
    tags: int = 0
    citations: int = 0


def detach(session: Session, paper_ids: Sequence[int]) -> int:
    """Keep the manual tags and manual citations of these papers, which are about to be
    deleted. Returns how many were kept."""
    now = datetime.now(UTC).replace(tzinfo=None)
    kept: list[Detached] = []
    for chunk in chunks(list(paper_ids)):
        for key, path, annotation in session.execute(
            select(Paper.citekey, TaxonomyNode.path, Tag.annotation)
            .join(Tag, Tag.paper_id == Paper.id)
            .join(TaxonomyNode, Tag.node_id == TaxonomyNode.id)
            .where(Paper.id.in_(chunk), Tag.provenance == MANUAL)
        ):
            kept.append(
                Detached(
                    kind=TAG, citekey=key, node_path=path, annotation=annotation, detached_at=now
                )
            )
        citing, cited = aliased(Paper), aliased(Paper)
        for citing_key, cited_key, relation, evidence in session.execute(
            select(citing.citekey, cited.citekey, Citation.relation, Citation.evidence)
            .join(citing, Citation.citing_id == citing.id)
            .join(cited, Citation.cited_id == cited.id)
            .where(
                Citation.origin == MANUAL,
                (Citation.citing_id.in_(chunk)) | (Citation.cited_id.in_(chunk)),
            )
        ):
            kept.append(
                Detached(
                    kind=CITATION,
                    citekey=citing_key,
                    other_key=cited_key,
                    relation=relation,
                    evidence=evidence,
                    detached_at=now,
                )
            )
    # An edge between two papers that both leave is seen twice: keep it once.
    unique = {(d.kind, d.citekey, d.other_key, d.node_path): d for d in kept}
    session.add_all(unique.values())
    session.flush()
    return len(unique)


def reattach(session: Session) -> Reattached:
    """Put back every detached annotation whose keys (and section) exist again."""
    rows = list(session.scalars(select(Detached).order_by(Detached.id)))
    if not rows:
        return Reattached()
    wanted = sorted({r.citekey.lower() for r in rows} | {(r.other_key or "").lower() for r in rows})
    papers: dict[str, Paper] = {}
    for keys in chunks(wanted):
        for found in session.scalars(select(Paper).where(Paper.citekey_lower.in_(keys))):
            papers[found.citekey_lower] = found
    nodes = tx.nodes_by_path(session)
    tags = citations = 0
    done: list[int] = []
    for row in rows:
        paper = papers.get(row.citekey.lower())
        if paper is None:
            continue
        if row.kind == TAG:
            node = nodes.get(row.node_path or "")
            if node is None:
                continue
            tags += tx.add_tag(session, paper, node, MANUAL, row.annotation)
        else:
            other = papers.get((row.other_key or "").lower())
            if other is None:
                continue
            exists = session.scalar(
                select(Citation.id).where(
                    Citation.citing_id == paper.id,
                    Citation.cited_id == other.id,
                    Citation.origin == MANUAL,
                )
            )
            if exists is None:
                session.add(
                    Citation(
                        citing_id=paper.id,
                        cited_id=other.id,
                        origin=MANUAL,
                        relation=row.relation,
                        evidence=row.evidence,
                        suspect=is_suspect(paper.year, other.year),
                    )
                )
                citations += 1
        done.append(row.id)
    for ids in chunks(done):
        session.execute(delete(Detached).where(Detached.id.in_(ids)))
    session.flush()
    return Reattached(tags, citations)


def detached(session: Session) -> list[Detached]:
    """What is still detached, oldest first."""
    return list(session.scalars(select(Detached).order_by(Detached.citekey, Detached.id)))
