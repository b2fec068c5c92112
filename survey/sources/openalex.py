"""The OpenAlex Works API client: the only module of survey that talks to the network.

Polite and robust by construction: requests with urllib3's `Retry` (exponential backoff
on 429 and 5xx, `Retry-After` honoured, connect and read timeouts), at most ten requests
a second, a contact e-mail and an API key from the environment, and requests-cache's
on-disk SQLite cache, so a re-run (or a run resumed after Ctrl-C) asks nothing again and
`offline` answers from the cache alone. Every failure becomes one `OpenAlexError` line.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests_cache import NEVER_EXPIRE, CachedSession
from requests_cache.policy.settings import DEFAULT_IGNORED_PARAMS
from urllib3.util.retry import Retry

from survey import __version__
from survey.errors import SurveyError

DEFAULT_URL = "https://api.openalex.org"
URL_ENV = "SURVEY_OPENALEX_URL"
EMAIL_ENV = "SURVEY_OPENALEX_EMAIL"
API_KEY_ENV = "SURVEY_OPENALEX_API_KEY"
CACHE_ENV = "SURVEY_OPENALEX_CACHE"
BACKOFF_ENV = "SURVEY_OPENALEX_BACKOFF"
TIMEOUT_ENV = "SURVEY_OPENALEX_TIMEOUT"
# OpenAlex ORs at most 100 values in one filter; a page holds at most 200 results.
MAX_FILTER_VALUES = 100
MAX_PER_PAGE = 200
REQUESTS_PER_SECOND = 10.0
RETRY_STATUSES = (429, 500, 502, 503, 504)
OPENALEX_PREFIX = "https://openalex.org/"
DOI_PREFIX = "https://doi.org/"
ARXIV_DOI_PREFIX = "10.48550/arxiv."
# The fields survey reads of a work; `select` keeps responses small.
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


class OpenAlexError(SurveyError):
    """OpenAlex could not be asked, or answered something survey cannot use."""


@dataclass(frozen=True, slots=True)
class ClientSettings:
    base_url: str = DEFAULT_URL
    email: str | None = None
    api_key: str | None = None
    cache_path: Path = Path("openalex-cache.sqlite")
    offline: bool = False
    refresh: bool = False  # ask again and overwrite the cached answers
    timeout: tuple[float, float] = (10.0, 60.0)  # connect, read (seconds)
    retries: int = 5
    backoff: float = 1.0  # seconds; doubled at each retry
    rate: float = REQUESTS_PER_SECOND

    @classmethod
    def from_env(cls, *, offline: bool = False, refresh: bool = False) -> ClientSettings:
        """Settings from SURVEY_OPENALEX_URL, _EMAIL, _API_KEY and _CACHE."""
        return cls(
            base_url=(os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/"),
            email=os.environ.get(EMAIL_ENV) or None,
            api_key=os.environ.get(API_KEY_ENV) or None,
            cache_path=default_cache_path(),
            offline=offline,
            refresh=refresh,
            timeout=(10.0, _seconds(TIMEOUT_ENV, 60.0)),
            backoff=_seconds(BACKOFF_ENV, 1.0),
        )


def _seconds(name: str, default: float) -> float:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return max(float(value), 0.0)
    except ValueError as exc:
        raise OpenAlexError(f"{name}={value!r} is not a number of seconds") from exc


def default_cache_path() -> Path:
    """$SURVEY_OPENALEX_CACHE, else $XDG_CACHE_HOME/survey/openalex.sqlite (~/.cache)."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "survey" / "openalex.sqlite"


@dataclass(slots=True)
class RequestCounts:
    network: int = 0  # requests sent (each retry counts)
    cached: int = 0  # answers read from the cache


class _PoliteAdapter(HTTPAdapter):
    """Keeps at least 1/rate seconds between requests that really go out."""

    def __init__(self, rate: float, counts: RequestCounts, retry: Retry) -> None:
        super().__init__(max_retries=retry)
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._last = 0.0
        self._lock = threading.Lock()
        self._counts = counts

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        with self._lock:
            wait = self._last + self._interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last = time.monotonic()
        self._counts.network += 1
        return super().send(request, *args, **kwargs)


class OpenAlexClient:
    """Works lookups: by filter (batched), by title search, and works citing others."""

    def __init__(self, settings: ClientSettings) -> None:
        self.settings = settings
        self.counts = RequestCounts()
        folder = settings.cache_path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OpenAlexError(
                f"cannot create the OpenAlex cache folder {folder}: {exc.strerror}",
                f"set {CACHE_ENV} to a writable file path",
            ) from exc
        self._session = CachedSession(
            str(settings.cache_path),
            backend="sqlite",
            expire_after=NEVER_EXPIRE,
            allowable_codes=(200,),
            # The contact address and key do not change the answer: keep them out of the key.
            ignored_parameters=[*DEFAULT_IGNORED_PARAMS, "mailto", "api_key"],
        )
        retry = Retry(
            total=settings.retries,
            connect=settings.retries,
            read=settings.retries,
            status=settings.retries,
            backoff_factor=settings.backoff,
            backoff_max=120.0,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        adapter = _PoliteAdapter(settings.rate, self.counts, retry)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        contact = f" (mailto:{settings.email})" if settings.email else ""
        self._session.headers["User-Agent"] = f"survey/{__version__}{contact}"

    def close(self) -> None:
        self._session.close()  # type: ignore[no-untyped-call]

    def __enter__(self) -> OpenAlexClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- one request ---------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, str]) -> dict[str, Any]:
        """One GET of the API as parsed JSON (an object), through the cache."""
        query = dict(params)
        if self.settings.email:
            query["mailto"] = self.settings.email
        if self.settings.api_key:
            query["api_key"] = self.settings.api_key
        url = f"{self.settings.base_url}{path}"
        try:
            response = self._session.get(
                url,
                params=query,
                timeout=self.settings.timeout,
                only_if_cached=self.settings.offline,
                force_refresh=self.settings.refresh and not self.settings.offline,
            )
        except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as exc:
            if not _timed_out(exc):
                raise OpenAlexError(
                    f"cannot reach OpenAlex at {self.settings.base_url}: {_reason(exc)}",
                    "check the network (or SURVEY_OPENALEX_URL), or run with --offline",
                ) from exc
            raise OpenAlexError(
                f"OpenAlex at {self.settings.base_url} did not answer within "
                f"{self.settings.timeout[1]:g} s ({self.settings.retries + 1} tries)",
                "try again later, or run with --offline to use the cache",
            ) from exc
        except requests.exceptions.RetryError as exc:
            raise OpenAlexError(
                f"OpenAlex at {self.settings.base_url} kept failing after "
                f"{self.settings.retries + 1} tries: {_reason(exc)}",
                "try again later, or run with --offline to use the cache",
            ) from exc
        except requests.exceptions.RequestException as exc:
            raise OpenAlexError(f"request to OpenAlex failed: {_reason(exc)}") from exc
        if getattr(response, "from_cache", False):
            self.counts.cached += 1
        if self.settings.offline and response.status_code == 504:
            raise OpenAlexError(
                f"--offline: {path}?{_query_text(params)} is not in the cache "
                f"({self.settings.cache_path})",
                "run once without --offline to fetch it",
            )
        if response.status_code != 200:
            raise OpenAlexError(
                f"OpenAlex answered {response.status_code} for {path}?{_query_text(params)}: "
                f"{_error_text(response)}",
                "try again later" if response.status_code >= 500 else "check the request",
            )
        try:
            body = response.json()
        except (ValueError, json.JSONDecodeError):
            body = None
        if not isinstance(body, dict):
            # Never keep a broken answer: the next run asks again.
            self._session.cache.delete(requests=[response.request])
            raise OpenAlexError(
                f"OpenAlex returned malformed JSON for {path}?{_query_text(params)}",
                "try again later; nothing was written",
            )
        return body

    # -- works -----------------------------------------------------------------------

    def works_by_filter(
        self,
        name: str,
        values: Iterable[str],
        *,
        extra: Mapping[str, str] | None = None,
        max_pages: int | None = None,
        on_batch: Callable[[int, int], None] | None = None,
    ) -> list[dict[str, Any]]:
        """Works whose `name` is any of `values`, asked 100 values per request.

        `values` are sorted and deduplicated first, so the same set always makes the
        same requests (and hits the cache). `on_batch(done, total)` reports progress.
        """
        ordered = sorted(set(values))
        batches = [
            ordered[i : i + MAX_FILTER_VALUES] for i in range(0, len(ordered), MAX_FILTER_VALUES)
        ]
        works: list[dict[str, Any]] = []
        for done, batch in enumerate(batches, start=1):
            params = {"filter": f"{name}:{'|'.join(batch)}", **(extra or {})}
            works.extend(self._pages(params, max_pages))
            if on_batch is not None:
                on_batch(done, len(batches))
        return works

    def search_titles(self, title: str, per_page: int = 10) -> list[dict[str, Any]]:
        """Works whose title matches the words of `title` (OpenAlex's relevance order)."""
        words = " ".join("".join(c if c.isalnum() else " " for c in title).split())
        if not words:
            return []
        params = {"filter": f"title.search:{words}", "per_page": str(per_page)}
        return _results(self.get("/works", {**params, "select": ",".join(WORK_FIELDS)}))

    def _pages(self, params: dict[str, str], max_pages: int | None) -> Iterator[dict[str, Any]]:
        page = 1
        while True:
            query = {
                **params,
                "per_page": str(MAX_PER_PAGE),
                "select": ",".join(WORK_FIELDS),
            }
            if page > 1:
                query["page"] = str(page)
            body = self.get("/works", query)
            results = _results(body)
            yield from results
            meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
            count = meta.get("count") if isinstance(meta, dict) else None
            if not results or not isinstance(count, int) or page * MAX_PER_PAGE >= count:
                return
            if max_pages is not None and page >= max_pages:
                return
            page += 1


def _results(body: dict[str, Any]) -> list[dict[str, Any]]:
    results = body.get("results")
    if not isinstance(results, list):
        raise OpenAlexError(
            "OpenAlex answered without a `results` list", "check SURVEY_OPENALEX_URL"
        )
    return [r for r in results if isinstance(r, dict)]


def _query_text(params: Mapping[str, str]) -> str:
    text = "&".join(f"{k}={v}" for k, v in params.items() if k != "select")
    return text if len(text) <= 120 else text[:117] + "..."


def _error_text(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        message = body.get("message") or body.get("error")
        if message:
            return " ".join(str(message).split())[:200]
    return response.reason or "no reason given"


def _timed_out(exc: BaseException) -> bool:
    """Whether a requests error is (or wraps) a read or connect timeout."""
    if isinstance(exc, requests.exceptions.Timeout):
        return True
    current: object = exc
    for _ in range(6):
        # urllib3 files a refused connection under its connect timeouts: it is not one.
        if isinstance(current, urllib3.exceptions.NewConnectionError):
            return False
        if isinstance(current, TimeoutError | urllib3.exceptions.TimeoutError):
            return True
        current = getattr(current, "reason", None) or (
            current.args[0] if isinstance(current, BaseException) and current.args else None
        )
        if current is None:
            return False
    return False


def _reason(exc: BaseException) -> str:
    """The innermost cause of a requests/urllib3 error, in a few words."""
    seen: list[BaseException] = [exc]
    current: BaseException | None = exc
    while current is not None:
        nxt = getattr(current, "reason", None) or current.__cause__ or current.__context__
        if isinstance(nxt, list | tuple) and nxt:
            nxt = nxt[0]
        if not isinstance(nxt, BaseException) or nxt in seen:
            break
        seen.append(nxt)
        current = nxt
    text = str(seen[-1])
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    if "Name or service not known" in text or "getaddrinfo" in text or "resolve" in text:
        return "name not resolved (no network?)"
    if "Max retries exceeded" in text and "too many" in text:
        return "too many error responses"
    return " ".join(text.split())[:200]


# -- reading works ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkRecord:
    """What survey keeps of an OpenAlex work."""

    id: str  # W..., without the https://openalex.org/ prefix
    title: str
    year: int | None
    venue: str
    venue_type: str
    authors: tuple[str, ...]
    doi: str | None  # normalised: lower case, no https://doi.org/
    arxiv_id: str | None
    kind: str
    cited_by_count: int | None
    referenced_works: tuple[str, ...] = field(default=())

    @property
    def first_author(self) -> str:
        return self.authors[0] if self.authors else ""


def short_id(value: object) -> str | None:
    """`https://openalex.org/W123` -> `W123`; None for anything that is not a work id."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    text = text.removeprefix(OPENALEX_PREFIX).removeprefix("http://openalex.org/")
    if len(text) > 1 and text[0] in "Ww" and text[1:].isdigit():
        return "W" + text[1:]
    return None


def plain_doi(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().lower()
    for prefix in (DOI_PREFIX, "http://doi.org/", "http://dx.doi.org/", "doi:"):
        text = text.removeprefix(prefix)
    return text if text.startswith("10.") else None


def parse_work(raw: Mapping[str, Any]) -> WorkRecord | None:
    """A `WorkRecord` from one object of `results`; None when it has no usable id."""
    work_id = short_id(raw.get("id"))
    if work_id is None:
        return None
    title = raw.get("title") or raw.get("display_name") or ""
    year = raw.get("publication_year")
    location = raw.get("primary_location") if isinstance(raw.get("primary_location"), dict) else {}
    source = location.get("source") if isinstance(location, dict) else None
    venue = source.get("display_name") if isinstance(source, dict) else None
    venue_type = source.get("type") if isinstance(source, dict) else None
    authors = []
    for authorship in raw.get("authorships") or []:
        if not isinstance(authorship, dict):
            continue
        author = authorship.get("author") if isinstance(authorship.get("author"), dict) else {}
        name = (author or {}).get("display_name") or authorship.get("raw_author_name")
        if isinstance(name, str) and name.strip():
            authors.append(" ".join(name.split()))
    doi = plain_doi(raw.get("doi"))
    ids = raw.get("ids") if isinstance(raw.get("ids"), dict) else {}
    arxiv_id = None
    for candidate in (doi, plain_doi((ids or {}).get("doi"))):
        if candidate and candidate.startswith(ARXIV_DOI_PREFIX):
            arxiv_id = candidate.removeprefix(ARXIV_DOI_PREFIX)
    count = raw.get("cited_by_count")
    references = [short_id(r) for r in raw.get("referenced_works") or []]
    return WorkRecord(
        id=work_id,
        title=" ".join(str(title).split()),
        year=year if isinstance(year, int) else None,
        venue=" ".join(str(venue).split()) if venue else "",
        venue_type=str(venue_type or ""),
        authors=tuple(authors),
        doi=doi,
        arxiv_id=arxiv_id,
        kind=str(raw.get("type") or ""),
        cited_by_count=count if isinstance(count, int) else None,
        referenced_works=tuple(sorted({r for r in references if r})),
    )
