"""The OpenAlex Works API as documented in 2026 (sources layer).

What this client relies on (help.openalex.org, "Authentication & pricing", "Paging",
"Filter works", "Errors"): a key is sent as `Authorization: Bearer KEY` (a free key gives
$1 of calls a day; without one the daily budget is a few cents and spent in a handful of
list calls); single-work lookups (`/works/W…`, `/works/doi:…`) are free, list and filter
calls cost $0.0001 and searches $0.001; `per_page` is 1–100; one filter ORs at most 100
values with `|`; cursor paging (`cursor=*`, then `meta.next_cursor`) for answers longer
than a page; the `*.search` filters are deprecated in favour of `search=`. A spent budget
is a 429 whose message speaks of the budget: the run stops asking OpenAlex at once.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from survey import __version__
from survey.sources.indexes.http import (
    Counts,
    Endpoint,
    IndexHttp,
    Limits,
    SourceUnavailable,
)
from survey.sources.indexes.records import (
    ARXIV_DOI_PREFIX,
    Found,
    PlannedCalls,
    Progress,
    WorkRecord,
    arxiv_of_doi,
    as_dict,
    as_list,
    asked_apart,
    batches,
    clean,
    clean_names,
    count_of,
    plain_doi,
    year_of,
)

SOURCE = "openalex"
LABEL = "OpenAlex"
DEFAULT_URL = "https://api.openalex.org"
URL_ENV = "SURVEY_OPENALEX_URL"
API_KEY_ENV = "SURVEY_OPENALEX_API_KEY"
EMAIL_ENV = "SURVEY_OPENALEX_EMAIL"
KEY_PAGE = "https://openalex.org/settings/api"
PER_PAGE = 100  # documented maximum
MAX_FILTER_VALUES = 100  # documented maximum of OR-ed values in one filter
# A batch this small is asked one work at a time: single-work lookups are free.
SINGLETON_MAX = 3
MAX_PAGES = 50  # of one cursor walk: a server that never ends its cursor is cut here
# Documented prices (US dollars per call).
PRICE_LIST = 0.0001
PRICE_SEARCH = 0.001
REQUESTS_PER_SECOND = 10.0  # the documented limit without a key (keys allow more)
OPENALEX_PREFIX = "https://openalex.org/"
WORK_FIELDS = (
    "id",
    "doi",
    "title",
    "display_name",
    "publication_year",
    "type",
    "ids",
    "primary_location",
    "authorships",
    "cited_by_count",
    "referenced_works",
)
SELECT = ",".join(WORK_FIELDS)


def budget_spent(status: int, text: str) -> bool:
    """OpenAlex's answer when the day's budget (or the key's credit) is spent."""
    lowered = text.lower()
    return status in (402, 403, 429) and ("budget" in lowered or "credit" in lowered)


class OpenAlexClient:
    """Works by DOI, arXiv id, OpenAlex id and title; works citing others."""

    source = SOURCE
    label = LABEL

    def __init__(self, http: IndexHttp, *, keyed: bool) -> None:
        self.http = http
        self.keyed = keyed
        self.spent_usd = 0.0  # the `meta.cost_usd` of this run's answers, summed

    @classmethod
    def from_env(cls, *, offline: bool = False, refresh: bool = False) -> OpenAlexClient:
        """A client for $SURVEY_OPENALEX_URL with $SURVEY_OPENALEX_API_KEY if set."""
        key = os.environ.get(API_KEY_ENV) or None
        email = os.environ.get(EMAIL_ENV) or None
        headers = {}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        if email:
            headers["User-Agent"] = f"survey/{__version__} (mailto:{email})"
        endpoint = Endpoint(
            LABEL,
            SOURCE,
            (os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/"),
            headers,
            URL_ENV,
            budget_hint=(
                f"set {API_KEY_ENV} (a free key: {KEY_PAGE}) or run again after midnight UTC; "
                "the answers so far are cached, so the next run resumes"
            ),
        )
        http = IndexHttp(
            endpoint,
            Limits.from_env(REQUESTS_PER_SECOND),
            offline=offline,
            refresh=refresh,
            budget_rule=budget_spent,
        )
        return cls(http, keyed=key is not None)

    @property
    def counts(self) -> Counts:
        return self.http.counts

    @property
    def last_limits(self) -> dict[str, str]:
        """The last rate-limit and cost headers, and what the answers said they cost."""
        limits = dict(self.http.last_limits)
        if self.spent_usd:
            limits["meta.cost_usd, summed over this run's answers"] = f"{self.spent_usd:.4f}"
        return limits

    def close(self) -> None:
        self.http.close()

    def cancel(self) -> None:
        """Every later request fails at once (the run is being interrupted)."""
        self.http.cancel()

    # -- lookups ---------------------------------------------------------------------

    def by_doi(self, dois: Sequence[str], progress: Progress) -> Found:
        found = Found()
        for doi, work in self._by_dois(dois, "OpenAlex: DOIs", progress).items():
            found.works[doi] = work
        return found

    def by_arxiv(self, ids: Sequence[str], progress: Progress) -> Found:
        wanted = {ARXIV_DOI_PREFIX + i.lower(): i for i in ids}
        works = self._by_dois(list(wanted), "OpenAlex: arXiv ids", progress)
        return Found({wanted[doi]: work for doi, work in works.items() if doi in wanted})

    def _by_dois(self, dois: Sequence[str], what: str, progress: Progress) -> dict[str, WorkRecord]:
        # A comma or a bar would end a filter value: such a DOI is asked on its own.
        plain = [d for d in dois if "," not in d and "|" not in d]
        odd = sorted(set(dois) - set(plain))
        groups = batches(plain, MAX_FILTER_VALUES)
        found: dict[str, WorkRecord] = {}
        total = len(groups) + len(odd)
        for done, group in enumerate(groups, start=1):
            if len(group) <= SINGLETON_MAX:
                odd += group
            else:
                for raw in self._walk({"filter": "doi:" + "|".join(group)}, kind="list"):
                    work = parse_work(raw)
                    if work is not None and work.doi is not None:
                        found.setdefault(work.doi, work)
            progress(what, done, total)
        for done, doi in enumerate(sorted(set(odd)), start=len(groups) + 1):
            # Single-work lookups are free; a DOI's `#`, `?` or `%` must not end the path.
            path = "/works/doi:" + quote(doi, safe="/:;()<>[]")
            raw = self.http.get(path, {"select": SELECT}, kind="singleton", missing_ok=True)
            work = parse_work(raw) if isinstance(raw, dict) else None
            if work is not None:
                found.setdefault(doi, work)  # the DOI asked (a merged work answers another)
            progress(what, min(done, total), total)
        asked = set(dois)
        return {d: w for d, w in found.items() if d in asked}

    def by_identifiers(
        self, dois: Sequence[str], arxiv_ids: Sequence[str], progress: Progress
    ) -> tuple[Found, Found]:
        """DOIs and arXiv ids in calls of their own."""
        return asked_apart(self, dois, arxiv_ids, progress)

    def title_candidates(self, title: str) -> list[WorkRecord]:
        """The ten most relevant works for the words of `title` (one search call)."""
        words = " ".join("".join(c if c.isalnum() else " " for c in title).split())
        if not words:
            return []
        body = self.http.get(
            "/works", {"search": words, "per_page": "10", "select": SELECT}, kind="search"
        )
        return [w for w in (parse_work(r) for r in self._results(body)) if w is not None]

    def by_id(self, ids: Sequence[str], progress: Progress) -> list[WorkRecord]:
        groups = batches([i for i in ids if short_id(i)], MAX_FILTER_VALUES)
        works: dict[str, WorkRecord] = {}
        for done, group in enumerate(groups, start=1):
            for raw in self._walk({"filter": "openalex_id:" + "|".join(group)}, kind="list"):
                work = parse_work(raw)
                if work is not None:
                    works[work.id] = work
            progress("OpenAlex: cited works", done, len(groups))
        return [works[i] for i in sorted(works)]

    def citing(self, ids: Sequence[str], progress: Progress, limit: int) -> dict[str, Found]:
        """Works citing each of `ids`: `filter=cites:…`, 100 works a call, the `limit` most
        cited citing works of each batch."""
        result: dict[str, Found] = {i: Found() for i in ids}
        groups = batches(list(ids), MAX_FILTER_VALUES)
        for done, group in enumerate(groups, start=1):
            params = {"filter": "cites:" + "|".join(group), "sort": "cited_by_count:desc"}
            pages = max(1, math.ceil(limit / PER_PAGE))
            members = set(group)
            for raw in self._walk(params, kind="list", max_pages=pages):
                work = parse_work(raw)
                if work is None:
                    continue
                for cited in members.intersection(work.references or ()):
                    result[cited].works[work.id] = work
            progress("OpenAlex: citing works", done, len(groups))
        return result

    def plan(self, dois: int, arxiv: int, titles: int) -> list[PlannedCalls]:
        """The calls matching takes, priced by OpenAlex's documented list."""
        plan: list[PlannedCalls] = []
        singles = 0
        lists = 0
        for count in (dois, arxiv):
            full, rest = divmod(count, MAX_FILTER_VALUES)
            lists += full
            if rest > SINGLETON_MAX:
                lists += 1
            else:
                singles += rest
        if singles:
            plan.append(PlannedCalls("singleton", singles, 0.0, "single-work lookups are free"))
        if lists:
            plan.append(PlannedCalls("list", lists, lists * PRICE_LIST, "100 DOIs a call"))
        if titles:
            plan.append(
                PlannedCalls("search", titles, titles * PRICE_SEARCH, "one per paper without ids")
            )
        plan.append(
            PlannedCalls(
                "list",
                0,
                None,
                "then one list call per 100 cited works not yet stored ($0.0001 each)",
            )
        )
        return plan

    # -- paging ----------------------------------------------------------------------

    def _walk(
        self, params: Mapping[str, str], *, kind: str, max_pages: int = MAX_PAGES
    ) -> Iterator[dict[str, Any]]:
        """Every result of a list call, page after page with a cursor."""
        cursor = "*"
        for _ in range(max_pages):
            query = {**params, "per_page": str(PER_PAGE), "select": SELECT, "cursor": cursor}
            body = self.http.get("/works", query, kind=kind)
            results = self._results(body)
            yield from results
            following = as_dict(as_dict(body).get("meta")).get("next_cursor")
            if not results or not isinstance(following, str) or not following:
                return
            cursor = following

    def _results(self, body: object) -> list[dict[str, Any]]:
        cost = as_dict(as_dict(body).get("meta")).get("cost_usd")
        if isinstance(cost, int | float) and not isinstance(cost, bool) and 0 <= cost < 1e6:
            self.spent_usd += float(cost)
        results = as_dict(body).get("results")
        if not isinstance(results, list):
            raise SourceUnavailable(LABEL, "answered without a `results` list", f"check {URL_ENV}")
        return [r for r in results if isinstance(r, dict)]


# -- reading works ---------------------------------------------------------------------


def short_id(value: object) -> str | None:
    """`https://openalex.org/W123` -> `W123`; None for anything that is not a work id."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    text = text.removeprefix(OPENALEX_PREFIX).removeprefix("http://openalex.org/")
    if 1 < len(text) <= 20 and text[0] in "Ww" and text[1:].isdigit():
        return "W" + text[1:]
    return None


def parse_work(raw: Mapping[str, Any]) -> WorkRecord | None:
    """A `WorkRecord` from one OpenAlex work object; None when it has no usable id."""
    work_id = short_id(raw.get("id"))
    if work_id is None:
        return None
    title = clean(raw.get("title")) or clean(raw.get("display_name"))
    source = as_dict(as_dict(raw.get("primary_location")).get("source"))
    authors = []
    for authorship in as_list(raw.get("authorships")):
        authorship = as_dict(authorship)
        name = as_dict(authorship.get("author")).get("display_name")
        authors.append(name if isinstance(name, str) else authorship.get("raw_author_name"))
    doi = plain_doi(raw.get("doi"))
    arxiv = arxiv_of_doi(doi) or arxiv_of_doi(plain_doi(as_dict(raw.get("ids")).get("doi")))
    references: tuple[str, ...] | None = None
    if "referenced_works" in raw:
        refs = {short_id(r) for r in as_list(raw.get("referenced_works"))}
        references = tuple(sorted(r for r in refs if r))
    return WorkRecord(
        source=SOURCE,
        id=work_id,
        title=title,
        year=year_of(raw.get("publication_year")),
        venue=clean(source.get("display_name")),
        venue_type=clean(source.get("type")),
        authors=clean_names(authors),
        doi=doi,
        arxiv_id=arxiv,
        kind=clean(raw.get("type")),
        cited_by_count=count_of(raw.get("cited_by_count")),
        references=references,
    )
