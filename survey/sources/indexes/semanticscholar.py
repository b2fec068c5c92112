"""The Semantic Scholar Graph API as a citation index (sources layer).

Works are looked up in batches of at most 500 ids (`POST /paper/batch`, by `DOI:`,
`ARXIV:` or the bare paperId), each with its references inline; papers without an
identifier by `GET /paper/search/match` (the single closest title, scored by the
caller); the works citing one by `GET /paper/{id}/citations`, paged. Keyless by
default; `SURVEY_S2_API_KEY` is sent as the `x-api-key` header. Everything goes through
the bounded `IndexHttp` at one request a second (the documented rate of a key; the
keyless pool is shared by everyone, so no faster). What was relied on, from the Graph
API's reference (https://api.semanticscholar.org/api-docs/graph):

- batch: `fields` is a query parameter, never in the body; "Can only process 500 paper
  ids at a time"; "Can only return up to 10 MB of data at a time" (a 400 "Response would
  exceed maximum size", answered here by halving the batch); the answer is a list as
  long as the ids asked, `null` where an id is unknown;
- nested fields with a dot (`references.title`), `paperId` always returned;
- `/paper/search/match`: one paper in `data`, 404 "Title match not found" otherwise;
- `/citations`: `limit` "Must be <= 1000", `offset`, and `next` "Absent if no more data";
- `externalIds` keys `DOI` (any case) and `ArXiv`; every field but `paperId` may be null.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from survey.identifiers import normalize_arxiv_id
from survey.sources.indexes.http import (
    Endpoint,
    IndexHttp,
    Limits,
    OnIndexHttp,
    SourceUnavailable,
)
from survey.sources.indexes.records import (
    Found,
    PlannedCalls,
    Progress,
    WorkRecord,
    arxiv_of_doi,
    as_dict,
    as_list,
    batches,
    clean,
    clean_names,
    count_of,
    plain_doi,
    year_of,
)

SOURCE = "semanticscholar"
LABEL = "Semantic Scholar"
DEFAULT_URL = "https://api.semanticscholar.org/graph/v1"
URL_ENV = "SURVEY_S2_URL"
API_KEY_ENV = "SURVEY_S2_API_KEY"
ID_PREFIX = "S2:"
RATE = 1.0  # requests a second: a key's documented rate, and as polite without one
BATCH_SIZE = 500  # "Can only process 500 paper ids at a time"
PAGE_SIZE = 1000  # citations: "limit ... Must be <= 1000"
TOO_LARGE = "response would exceed maximum size"  # the 400 of an answer over 10 MB
VENUE_TYPES = frozenset({"journal", "conference"})
# A paperId is a 40-digit hex sha; anything else is refused before it reaches a URL path.
_PAPER_ID = re.compile(r"[0-9A-Za-z]{1,64}")

WORK_FIELDS = (
    "paperId",
    "externalIds",
    "title",
    "year",
    "venue",
    "publicationVenue",
    "journal",
    "authors",
    "citationCount",
    "publicationTypes",
)
# What a referenced work brings along: enough to describe it as an external work.
REFERENCE_FIELDS = ("paperId", "title", "year", "externalIds", "venue", "authors")
BATCH_FIELDS = ",".join(WORK_FIELDS + tuple(f"references.{f}" for f in REFERENCE_FIELDS))
# by_id returns records only: the ids of the references are enough there.
ID_FIELDS = ",".join((*WORK_FIELDS, "references.paperId"))
# /search/match and /citations describe works without their references.
PLAIN_FIELDS = ",".join(WORK_FIELDS)
RATE_NOTE = (
    "free; 1 request a second with SURVEY_S2_API_KEY, a pool shared by every keyless "
    "user without one"
)


class SemanticScholarClient(OnIndexHttp):
    """Works, references and citing works from the Semantic Scholar Graph API."""

    source = SOURCE
    label = LABEL

    @classmethod
    def from_env(
        cls, *, offline: bool = False, refresh: bool = False, limits: Limits | None = None
    ) -> SemanticScholarClient:
        """A client for $SURVEY_S2_URL (the public API by default), sending
        $SURVEY_S2_API_KEY when set; `limits` replaces the polite defaults (tests)."""
        base_url = (os.environ.get(URL_ENV) or "").strip() or DEFAULT_URL
        key = (os.environ.get(API_KEY_ENV) or "").strip()
        endpoint = Endpoint(
            label=LABEL,
            name=SOURCE,
            base_url=base_url.rstrip("/"),
            headers={"x-api-key": key} if key else {},
            url_env=URL_ENV,
        )
        return cls(
            IndexHttp(endpoint, limits or Limits.from_env(RATE), offline=offline, refresh=refresh)
        )

    # -- lookups ----------------------------------------------------------------------

    def by_doi(self, dois: Sequence[str], progress: Progress) -> Found:
        """Works by DOI (lower case), keyed by the DOI asked, with their references."""
        return self._lookup([("DOI:", d) for d in dois], "DOIs", progress)[0]

    def by_arxiv(self, ids: Sequence[str], progress: Progress) -> Found:
        """Works by arXiv id (lower case, no version), keyed by the id asked."""
        return self._lookup([("ARXIV:", i) for i in ids], "arXiv ids", progress)[1]

    def by_identifiers(
        self, dois: Sequence[str], arxiv_ids: Sequence[str], progress: Progress
    ) -> tuple[Found, Found]:
        """Works by DOI and by arXiv id asked in the same batches (one batch takes ids of
        any kind): 500 identifiers a call, whatever their mix."""
        asked = [("DOI:", d) for d in dois] + [("ARXIV:", i) for i in arxiv_ids]
        by_kind = self._lookup(asked, "identifiers", progress)
        return by_kind[0], by_kind[1]

    def by_id(self, ids: Sequence[str], progress: Progress) -> list[WorkRecord]:
        """Works by `S2:<paperId>` (other indexes' ids are skipped)."""
        wanted = [paper for paper in (_paper_id(i) for i in ids) if paper]
        records: list[WorkRecord] = []
        groups = batches(wanted, BATCH_SIZE)
        done = 0
        for group in groups:
            for paper in self._batch(group, ID_FIELDS):
                record = _record(paper)
                if record is not None:
                    records.append(record)
            done += len(group)
            progress("works", done, len(set(wanted)))
        return records

    def title_candidates(self, title: str) -> list[WorkRecord]:
        """The single closest title Semantic Scholar knows ([] when none)."""
        # "No special query syntax is supported"; hyphenated terms match nothing.
        query = " ".join(clean(title).replace("-", " ").split())
        if not query:
            return []
        answer = self._http.get(
            "/paper/search/match",
            {"query": query, "fields": PLAIN_FIELDS},
            kind="search",
            missing_ok=True,
        )
        if answer is None:  # 404 "Title match not found"
            return []
        if not isinstance(answer, dict):
            raise self._garbage("/paper/search/match", "an object with `data`", answer)
        for paper in as_list(answer.get("data")):
            record = _record(paper)
            if record is not None:
                return [record]
        return []

    def citing(self, ids: Sequence[str], progress: Progress, limit: int) -> dict[str, Found]:
        """For each `S2:<paperId>`, the works citing it (at most `limit`)."""
        wanted = sorted({i for i in ids if _paper_id(i)})
        found: dict[str, Found] = {}
        for done, work in enumerate(wanted, start=1):
            found[work] = self._citing_one(work, limit)
            progress("citing works", done, len(wanted))
        return found

    def plan(self, dois: int, arxiv: int, titles: int) -> list[PlannedCalls]:
        """Batch calls (500 ids each) and title matches; Semantic Scholar charges nothing."""
        batch_calls = _ceil(dois + arxiv, BATCH_SIZE)  # DOIs and arXiv ids share batches
        planned = [
            PlannedCalls("batch", batch_calls, None, RATE_NOTE),
            PlannedCalls("search", titles, None, RATE_NOTE),
        ]
        return [p for p in planned if p.calls]

    # -- the requests -----------------------------------------------------------------

    def _lookup(
        self, asked: Sequence[tuple[str, str]], what: str, progress: Progress
    ) -> tuple[Found, Found]:
        """Works for (prefix, value) pairs, 500 to a batch: the DOIs' finds and the arXiv
        ids' finds, each keyed by the value asked."""
        wanted = sorted({(prefix, v) for prefix, v in asked if v and v.strip()})
        found = {"DOI:": Found(), "ARXIV:": Found()}
        done = 0
        for start in range(0, len(wanted), BATCH_SIZE):
            group = wanted[start : start + BATCH_SIZE]
            papers = self._batch([f"{prefix}{value}" for prefix, value in group], BATCH_FIELDS)
            for (prefix, value), paper in zip(group, papers, strict=True):
                record = _record(paper)
                if record is None:
                    continue
                found[prefix].works[value] = record
                for cited in _references(paper):
                    found[prefix].also.setdefault(cited.id, cited)
            done += len(group)
            progress(what, done, len(wanted))
        for part in found.values():
            for record in [*found["DOI:"].works.values(), *found["ARXIV:"].works.values()]:
                part.also.pop(record.id, None)  # the fuller record is in `works`
        return found["DOI:"], found["ARXIV:"]

    def _batch(self, ids: list[str], fields: str) -> list[Any]:
        """The batch answer for `ids`, one entry (or None) per id; a batch whose answer
        would pass the 10 MB cap is asked again in halves."""
        try:
            answer = self._http.post("/paper/batch", {"fields": fields}, {"ids": ids}, kind="batch")
        except SourceUnavailable as exc:
            if len(ids) > 1 and "answered 400" in str(exc) and TOO_LARGE in str(exc).lower():
                half = len(ids) // 2
                return self._batch(ids[:half], fields) + self._batch(ids[half:], fields)
            raise
        if not isinstance(answer, list):
            raise self._garbage("/paper/batch", "a list", answer)
        if len(answer) != len(ids):
            raise SourceUnavailable(
                LABEL,
                f"answered {len(answer)} works for the {len(ids)} ids asked of /paper/batch",
                "try again later; nothing was written",
            )
        return answer

    def _citing_one(self, work: str, limit: int) -> Found:
        paper = work.removeprefix(ID_PREFIX)
        found = Found()
        offset = 0
        seen = 0
        while seen < limit:
            path = f"/paper/{paper}/citations"
            params = {
                "fields": PLAIN_FIELDS,
                "offset": str(offset),
                "limit": str(min(PAGE_SIZE, limit - seen)),
            }
            answer = self._http.get(path, params, kind="citations", missing_ok=True)
            if answer is None:  # 404: Semantic Scholar does not know the work (any more)
                break
            if not isinstance(answer, dict):
                raise self._garbage(path, "an object with `data`", answer)
            data = as_list(answer.get("data"))
            for entry in data[: limit - seen]:
                record = _record(as_dict(entry).get("citingPaper"))
                if record is not None:
                    found.works.setdefault(record.id, record)
            seen += len(data)
            following = answer.get("next")
            if not data or not isinstance(following, int) or following <= offset:
                break
            offset = following
        return found

    def _garbage(self, path: str, expected: str, answer: object) -> SourceUnavailable:
        return SourceUnavailable(
            LABEL,
            f"answered {_kind_of(answer)} instead of {expected} for {path}",
            "try again later; nothing was written",
        )


# -- reading a paper --------------------------------------------------------------------


def _record(paper: object) -> WorkRecord | None:
    """The record of one paper object of the Graph API; None without a usable paperId."""
    fields = as_dict(paper)
    paper_id = _valid_paper_id(fields.get("paperId"))
    if paper_id is None:
        return None
    external = as_dict(fields.get("externalIds"))
    doi = plain_doi(external.get("DOI"))
    references = fields.get("references")
    return WorkRecord(
        source=SOURCE,
        id=ID_PREFIX + paper_id,
        title=clean(fields.get("title")),
        year=year_of(fields.get("year")),
        venue=_venue(fields),
        venue_type=_venue_type(fields.get("publicationVenue")),
        authors=clean_names(as_dict(a).get("name") for a in as_list(fields.get("authors"))),
        doi=doi,
        arxiv_id=_arxiv(external.get("ArXiv")) or arxiv_of_doi(doi),
        kind=_kind(fields.get("publicationTypes")),
        cited_by_count=count_of(fields.get("citationCount")),
        references=_reference_ids(references) if isinstance(references, list) else None,
    )


def _references(paper: object) -> Iterable[WorkRecord]:
    """The referenced works of a batch answer that Semantic Scholar could resolve."""
    for cited in as_list(as_dict(paper).get("references")):
        record = _record(cited)
        if record is not None:
            yield record


def _reference_ids(references: list[Any]) -> tuple[str, ...]:
    ids = (_valid_paper_id(as_dict(cited).get("paperId")) for cited in references)
    return tuple(dict.fromkeys(ID_PREFIX + i for i in ids if i))


def _venue(fields: Mapping[str, Any]) -> str:
    return (
        clean(fields.get("venue"))
        or clean(as_dict(fields.get("publicationVenue")).get("name"))
        or clean(as_dict(fields.get("journal")).get("name"))
    )


def _venue_type(venue: object) -> str:
    kind = clean(as_dict(venue).get("type")).lower()
    return kind if kind in VENUE_TYPES else ""


def _kind(types: object) -> str:
    """The first publication type, lower case without spaces (the reference spells one
    both `JournalArticle` and `Journal Article`)."""
    for value in as_list(types):
        kind = clean(value).lower().replace(" ", "")
        if kind:
            return kind
    return ""


def _arxiv(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    arxiv = normalize_arxiv_id(clean(value))
    return arxiv.lower() if arxiv else None


def _valid_paper_id(value: object) -> str | None:
    if isinstance(value, str) and _PAPER_ID.fullmatch(value):
        return value
    return None


def _paper_id(work: str) -> str | None:
    """The bare paperId of `S2:<paperId>`; None for another index's id."""
    if not work.startswith(ID_PREFIX):
        return None
    return _valid_paper_id(work.removeprefix(ID_PREFIX))


def _ceil(count: int, size: int) -> int:
    return -(-max(count, 0) // size)


def _kind_of(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"
