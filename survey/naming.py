"""How people and papers are named in text, tables and graphs (bottom layer: imports
only survey.shapes).

One rule each, used by the BibTeX reader, the models, the exports, the report and the
command line alike, so a name reads the same wherever it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survey.shapes import AuthorName


def person_name(family: str, given: str = "", von: str = "", suffix: str = "") -> str:
    """A person as read in running text: `Given von Family`, then `, Suffix`
    (`Ludwig van Beethoven`, `Martin Luther King, Jr.`)."""
    name = " ".join(part for part in (given, von, family) if part)
    return f"{name}, {suffix}" if suffix else name


def author_name(author: AuthorName) -> str:
    """`person_name` of an author as the exports carry one (family, given, von, suffix)."""
    return person_name(author["family"], author["given"], author["von"], author["suffix"])


def paper_label(paper: Mapping[str, Any], *, year_with_short: bool = False) -> str:
    """A paper's name on a graph node: its short name, else its first author's family
    name and the year, else its key and the year.

    `paper` carries `short`, `year`, `authors` and `key`, as the exports' papers do.
    With `year_with_short` a short name is followed by the year in brackets
    (`RA-CNN (2017)`), as the report's diagrams show it.
    """
    short, year = paper["short"], paper["year"]
    if short:
        return f"{short} ({year})" if year_with_short and year else str(short)
    first = paper["authors"][0]["family"] if paper["authors"] else paper["key"]
    return f"{first} {year}" if year else str(first)
