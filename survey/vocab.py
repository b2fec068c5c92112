"""The shared vocabularies of the knowledge base, and the rules over them (bottom layer:
imports nothing of ours).

Each vocabulary is a `StrEnum`, so a member is its stored string: rows, JSON and CSV hold
the plain values, and comparing a column with a member works on both backends.
"""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """How bad a diagnostic is: errors stop what BibTeX or the graph cannot live with,
    warnings are likely mistakes, info is worth a look (survey check only)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Relation(StrEnum):
    """What a citation says about the cited paper (empty when nobody said)."""

    EXTENDS = "extends"
    BASELINE = "baseline"
    COMPARES = "compares"
    USES_DATASET = "uses-dataset"
    RELATED = "related"


class Provenance(StrEnum):
    """Why a paper is in a section: named in the notes, curated in survey.toml, or tagged
    by hand."""

    NOTES = "notes"
    CURATED = "curated"
    MANUAL = "manual"


class Origin(StrEnum):
    """Where a citation edge came from."""

    FILE = "file"  # a citations CSV file of the survey
    FIELD = "bib-field"  # a `cites` field of a BibTeX entry
    MANUAL = "manual"  # survey cite add
    OPENALEX = "openalex"  # survey enrich, from OpenAlex
    SEMANTICSCHOLAR = "semanticscholar"  # survey enrich, from Semantic Scholar
    OPENCITATIONS = "opencitations"  # survey enrich, from OpenCitations


# The origins of edges a citation index witnessed (survey enrich), in the order enrich asks.
INDEX_ORIGINS = (Origin.OPENALEX, Origin.SEMANTICSCHOLAR, Origin.OPENCITATIONS)
INDEX_LABELS = {
    Origin.OPENALEX: "OpenAlex",
    Origin.SEMANTICSCHOLAR: "Semantic Scholar",
    Origin.OPENCITATIONS: "OpenCitations",
}


def index_label(source: str) -> str:
    """How messages name a citation index (its origin value otherwise)."""
    return INDEX_LABELS.get(Origin(source), source) if source in INDEX_LABELS else source


class AliasOrigin(StrEnum):
    """Where a stored alias of a paper came from, in order of preference for the paper's
    short name (db/papers.py `short_name_sql`)."""

    SHORTHAND = "shorthand"  # the entry's shorthand field
    TITLE = "title"  # the title's prefix before a colon ("RA-CNN: ...")


class SourceKind(StrEnum):
    """What a loaded file is to the knowledge base."""

    BIB = "bib"  # a BibTeX file
    CITATIONS = "citations"  # a citations CSV file
    NOTES = "notes"  # the survey's Markdown notes


class SectionFlag(StrEnum):
    """What the notes hold under a heading."""

    NORMAL = "normal"
    EMPTY = "empty"
    IMAGES_ONLY = "images-only"
    ORPHANED = "orphaned"  # gone from the notes, kept for its manual tags


class ResolutionState(StrEnum):
    """How a mention in the notes was matched to a paper."""

    RESOLVED = "resolved"
    AMBIGUOUS = "ambiguous"
    UNRESOLVED = "unresolved"


def is_suspect(citing_year: int | None, cited_year: int | None) -> bool:
    """A cited paper more than a year younger than the citing one: likely a wrong key."""
    return citing_year is not None and cited_year is not None and cited_year > citing_year + 1


RELATIONS = tuple(Relation)
