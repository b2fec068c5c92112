"""The shapes of the data that crosses layers (bottom layer: imports nothing of ours).

The analyses return these, the exports, the report and the command line read them. They
are TypedDicts because their point is JSON: `survey query ... --format json` prints
them as they are, and the exports write them out; mypy checks every key on both sides.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict


class Brief(TypedDict):
    """What the analyses show of a paper."""

    key: str
    year: int | None
    short: str
    title: str


class LineageStep(Brief):
    generation: int  # hops from the paper asked about
    via: str | None  # the paper of the generation before that links to it
    relation: str  # of the edge between `via` and this paper ('' when nobody said)


class Lineage(TypedDict):
    paper: Brief
    direction: str  # ancestors | descendants
    within: str | None
    depth: int | None
    papers: list[LineageStep]


# "from" is a Python keyword, hence the functional form.
Paths = TypedDict(
    "Paths", {"from": Brief, "to": Brief, "undirected": bool, "paths": list[list[Brief]]}
)


class MainPathStep(Brief):
    spc: int | None  # search path count of the edge to the next paper; None for the last


class MainPath(TypedDict):
    within: str | None
    papers_considered: int
    edges_considered: int
    weight: int
    path: list[MainPathStep]


class Ranked(Brief):
    citations: int
    pagerank: float


class Top(TypedDict):
    metric: str
    within: str | None
    papers: list[Ranked]


class Counted(Brief):
    count: int


class Related(TypedDict):
    paper: Brief
    co_citation: list[Counted]
    coupling: list[Counted]


class TrendSection(TypedDict):
    path: str
    label: str
    counts: dict[int, int]  # papers per year, every year of the span
    total: int
    cumulative: dict[int, int]
    share_of_parent: float | None
    sparkline: str


class RisingSection(TypedDict):
    path: str
    recent_share: float
    earlier_share: float
    change: float
    recent: int
    earlier: int


class BurstSpan(TypedDict):
    path: str
    start: int
    end: int
    weight: float


class Trend(TypedDict):
    level: int
    within: str | None
    years: list[int]
    sections: list[TrendSection]
    totals: dict[int, int]  # papers of the sections shown per year, a paper in two once
    rising: list[RisingSection]
    bursts: list[BurstSpan]
    venues: dict[str, dict[int, int]]


class AuthorName(TypedDict):
    family: str
    given: str
    von: str
    suffix: str


class PaperSection(TypedDict):
    path: str
    label: str
    provenance: str
    annotation: str


class ExportPaper(TypedDict):
    """A paper as every export reads it."""

    key: str
    entry_type: str
    title: str
    authors: list[AuthorName]
    more_authors: bool
    year: int | None
    venue: str
    doi: str
    arxiv_id: str
    abstract: str
    short: str
    fields: dict[str, str]
    raw: str
    sections: list[PaperSection]  # the notes' order
    top_section: str  # '' for a paper in no section
    # The paper's first section cut to the export's colour level ('' for no section).
    colour_section: str
    colour: tuple[int, int, int]
    citations: int
    pagerank: float
    # Only when asked (export_data(clusters=True), survey export --clusters): the paper's
    # cluster of the citation graph (survey query clusters), None for a paper without links.
    cluster: NotRequired[int | None]


class ExportEdge(TypedDict):
    citing: str
    cited: str
    origin: str
    relation: str
    evidence: str
    suspect: bool


class ExportData(TypedDict):
    """What the exports write: papers by citekey, the edges among them (sorted citing,
    cited, origin), every section path in the notes' order."""

    within: str | None
    papers: list[ExportPaper]
    edges: list[ExportEdge]
    sections: list[str]
    # The taxonomy level that colours the papers: the first whose sections split them.
    colour_level: int


class PageData(ExportData):
    """The graph page's data: the exports' data with every section's label and the
    survey's title."""

    labels: dict[str, str]
    title: str
    # Global citation counts from `survey enrich`, by citekey (only the papers an index counted).
    cited_by: dict[str, int]


class MissingWork(TypedDict):
    """A work the survey's papers cite (per the citation indexes) that is not in the
    knowledge base."""

    work: str  # the index's id (the first index's, for a work several indexes know)
    count: int  # how many of the section's papers cite it
    title: str
    year: int | None
    venue: str
    first_author: str
    doi: str | None
    cited_by_count: int | None
    papers: list[str]  # the citing papers' keys
    suggested: str | None  # the section the citing papers point to (survey suggest's rule)
    confidence: float | None  # the share of the citing papers' weight it holds


class SourceRef(TypedDict):
    file: str
    line: int | None


class IndexSummary(TypedDict):
    """What one citation index said of a paper."""

    source: str  # openalex | semanticscholar | opencitations
    work: str | None  # None: the index has no work for the paper
    method: str  # doi | arxiv | title | none
    score: float | None
    cited_by_count: int | None
    doi_suggestion: str | None


class LoadedPaper(TypedDict):
    """A paper's own record: what `survey query search` prints of each paper."""

    citekey: str
    entry_type: str
    title: str | None
    authors: list[AuthorName]
    more_authors: bool
    year: int | None
    venue: str | None
    doi: str | None
    arxiv_id: str | None
    aliases: list[str]
    abstract: str | None
    fields: dict[str, str]
    source: SourceRef | None


class PaperRecord(LoadedPaper):
    """One paper as `survey query show --format json` prints it."""

    sections: list[PaperSection]
    indexes: NotRequired[list[IndexSummary]]  # only after survey enrich, by index


class ClusterPaper(Brief):
    citations: int  # papers of the survey citing it


class Cluster(TypedDict):
    cluster: int  # 0 the largest
    size: int
    label: list[str]  # its distinctive title and abstract words, heaviest first
    top: list[ClusterPaper]  # its most cited papers
    sections: dict[str, int]  # papers per section of the level compared (notes' order)


class Clusters(TypedDict):
    """`survey query clusters`: the clusters of the citation graph against the sections."""

    within: str | None
    level: int  # the taxonomy depth compared
    resolution: float
    papers: int
    citations: int
    clustered: int  # papers with at least one link, hence in a cluster
    weights: dict[str, str]  # how each relation weighs, in words
    clusters: list[Cluster]
    sections: list[str]  # the sections at `level`, the contingency table's columns
    contingency: list[list[int]]  # clusters x sections: papers in both
    agreement: float | None  # adjusted mutual information; None when nothing to compare
    compared: int  # papers both clustered and filed at `level` (each by its first section)


class Neighbour(TypedDict):
    """A neighbour that decides a suggestion."""

    key: str
    weight: float  # its link's weight
    relation: str  # cites | cited by | shares references | cited together
    section: str  # its section under the suggestion


class PaperSuggestion(TypedDict):
    """`survey suggest`: where a paper's citation neighbourhood points."""

    kind: str  # misfiled | unfiled
    citekey: str
    title: str
    sections: list[str]  # where it is filed now
    suggested: str  # a section path
    confidence: float  # the suggestion's share of the neighbourhood's weight
    score: float  # the neighbourhood's weight in the suggested section
    support: float  # the neighbourhood's whole weight
    why: list[Neighbour]


SectionFinding = TypedDict(
    "SectionFinding",
    {
        "kind": str,  # split | merge
        "section": str,
        "with": list[str],  # split: the clusters it spreads over; merge: the other section
        "why": str,
        "papers": dict[str, list[str]],  # the papers of each part, by cluster or section
    },
)
