"""DOIs and arXiv ids: recognise and normalise them; when two entries are one work
(bottom layer: imports nothing of ours).

Used by the BibTeX reader for stored values and by the queries for what a user types:
`10.1109/X`, `doi:10.1109/X`, `https://doi.org/10.1109/X`; `1504.07889`,
`arXiv:1504.07889v2`, `https://arxiv.org/abs/1504.07889`.
"""

from __future__ import annotations

import re

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_ARXIV_NEW = re.compile(r"^(\d{4}\.\d{4,5})(v\d+)?$")
_ARXIV_OLD = re.compile(r"^([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?$")
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s?#]+?)(?:\.pdf)?(?:[?#].*)?$", re.IGNORECASE)
ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)


def _unbraced(value: str) -> str:
    return value.replace("{", "").replace("}", "")


def normalize_doi(value: str) -> str | None:
    """`https://doi.org/10.1109/X` -> `10.1109/x`; None when it is not a DOI."""
    doi = _DOI_PREFIX.sub("", _unbraced(value).strip()).strip().lower()
    doi = doi.replace("\\_", "_")
    return doi if _DOI.match(doi) else None


def normalize_arxiv_id(value: str) -> str | None:
    """`arXiv:1504.07889v2` / an arXiv URL -> `1504.07889`; None when it is not one."""
    text = _unbraced(value).strip()
    url = _ARXIV_URL.search(text)
    if url:
        text = url.group(1)
    if text.lower().startswith("arxiv:"):
        text = text[6:].strip()
    for pattern in (_ARXIV_NEW, _ARXIV_OLD):
        match = pattern.match(text)
        if match:
            return match.group(1)
    return None


def identifier_of(text: str) -> tuple[str, str] | None:
    """("doi", doi) or ("arxiv", id) when `text` is one, as a user would type it."""
    value = text.strip()
    doi = normalize_doi(value)
    if doi is not None:
        arxiv = ARXIV_DOI.match(doi)
        if arxiv and normalize_arxiv_id(arxiv.group(1)):
            return "arxiv", str(normalize_arxiv_id(arxiv.group(1)))
        return "doi", doi
    arxiv_id = normalize_arxiv_id(value)
    if arxiv_id is not None:
        return "arxiv", arxiv_id
    return None


# ------------------------------------------------------------ when two entries are one work

# Two rules, one strict and one loose. `survey load` warns with the strict one as it
# writes (exact values, looked up in indexes); `survey check` reports both afterwards.


def work_identities(
    doi: str | None, arxiv_id: str | None, title_norm: str | None, year: int | None
) -> list[tuple[str, str]]:
    """The strict rule: two entries sharing one of these (kind, value) pairs are likely the
    same work: the same DOI, the same arXiv id, or the same normalised title and year.
    See `same_work_by_title` for the loose rule."""
    found: list[tuple[str, str]] = []
    if doi:
        found.append(("doi", doi))
    if arxiv_id:
        found.append(("arxiv", arxiv_id))
    if title_norm and year is not None:
        found.append(("title", f"{title_norm}\x00{year}"))
    return found


def same_work_by_title(
    year_a: int | None, year_b: int | None, families_a: set[str], families_b: set[str]
) -> bool:
    """The loose rule, for two entries with the same normalised title: years within one
    (or unknown) and at least one author family name in common, so a preprint and its
    published version count too. `survey check` applies it besides the DOI and arXiv parts
    of `work_identities`."""
    near = year_a is None or year_b is None or abs(year_a - year_b) <= 1
    return near and bool(families_a & families_b)
