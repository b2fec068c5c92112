"""One bounded HTTP client for the citation indexes (sources layer).

Each index (OpenAlex, Semantic Scholar, OpenCitations) asks through an `IndexHttp`: JSON
over GET or POST, through the on-disk answer cache (`survey.sources.indexes.cache`), at
most `rate` requests a second, retried with backoff on 429 and 5xx (honouring
`Retry-After` up to a cap), and bounded against a broken or hostile server: a total
deadline per request (a trickling answer is cut), a size cap read before the body (and
enforced while reading), redirects followed only on the same host, JSON parsed with
integers kept within 64 bits and deep nesting refused. Every failure is one
`IndexSourceError` line naming the index; `SourceUnavailable` (down, out of budget,
asked to wait too long, answering garbage) means this index is skipped for the run.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from survey import __version__
from survey.errors import SurveyError
from survey.sources.indexes.cache import AnswerCache, request_key

CACHE_DIR_ENV = "SURVEY_CACHE_DIR"
BACKOFF_ENV = "SURVEY_INDEX_BACKOFF"
DEADLINE_ENV = "SURVEY_INDEX_DEADLINE"
MAX_BYTES_ENV = "SURVEY_INDEX_MAX_BYTES"
RETRY_AFTER_CAP_ENV = "SURVEY_INDEX_RETRY_AFTER_CAP"
RATE_ENV = "SURVEY_INDEX_RATE"
# Semantic Scholar documents 10 MB as the largest batch answer; four times that is room
# for any honest answer and refuses a runaway one before it fills memory.
MAX_BYTES = 40 * 2**20
RETRY_AFTER_CAP = 60.0  # seconds: a longer wait gives up on the index for this run
DEADLINE = 120.0  # seconds for one request, body included
MAX_REDIRECTS = 5
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
INT64 = 2**63
# Headers that report rate limits or cost: shown by `survey enrich --verbose`.
LIMIT_HEADER_WORDS = ("ratelimit", "rate-limit", "credit", "cost", "budget", "retry-after")


class IndexSourceError(SurveyError):
    """An index could not be asked, or answered something survey cannot use."""

    def __init__(self, source: str, message: str, hint: str | None = None) -> None:
        super().__init__(f"{source}: {message}", hint)
        self.source = source


class SourceUnavailable(IndexSourceError):
    """The index cannot be used for the rest of this run (the others still can)."""


class BudgetExhausted(SourceUnavailable):
    """The index refuses because the day's budget (or credit) is spent."""


@dataclass(frozen=True, slots=True)
class Limits:
    """How politely and how defensively one index is asked."""

    rate: float = 10.0  # requests per second that really go out
    retries: int = 4
    backoff: float = 1.0  # seconds; doubled at each retry
    retry_after_cap: float = RETRY_AFTER_CAP
    connect_timeout: float = 10.0
    read_timeout: float = 60.0  # seconds without a byte
    deadline: float = DEADLINE
    max_bytes: int = MAX_BYTES

    @classmethod
    def from_env(cls, rate: float) -> Limits:
        """Limits with the overrides of SURVEY_INDEX_RATE, _BACKOFF, _DEADLINE, _MAX_BYTES
        and _RETRY_AFTER_CAP (for slow links, a mirror of one's own, and tests; 0 for the
        rate means no pacing)."""
        deadline = _number(DEADLINE_ENV, DEADLINE)
        return cls(
            rate=_number(RATE_ENV, rate),
            backoff=_number(BACKOFF_ENV, 1.0),
            deadline=deadline,
            read_timeout=min(60.0, deadline),
            max_bytes=int(_number(MAX_BYTES_ENV, float(MAX_BYTES))),
            retry_after_cap=_number(RETRY_AFTER_CAP_ENV, RETRY_AFTER_CAP),
        )


def _number(name: str, default: float) -> float:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return max(float(value), 0.0)
    except ValueError as exc:
        raise SurveyError(f"{name}={value!r} is not a number") from exc


def cache_folder() -> Path:
    """$SURVEY_CACHE_DIR, else $XDG_CACHE_HOME/survey (~/.cache/survey)."""
    explicit = os.environ.get(CACHE_DIR_ENV)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "survey"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One index's address and credentials (never part of a cache key)."""

    label: str  # OpenAlex, Semantic Scholar, OpenCitations
    name: str  # openalex, semanticscholar, opencitations: the cache file's name
    base_url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    url_env: str = ""  # the variable that overrides base_url, for messages
    budget_hint: str = "run again when the budget is renewed; the answers so far are cached"


@dataclass(slots=True)
class Counts:
    """Requests of one index in this run, by what they cost."""

    network: int = 0  # requests sent (each retry counts)
    cached: int = 0  # answers read from the cache
    by_kind: dict[str, int] = field(default_factory=dict)  # requests sent, by kind

    def add(self, kind: str) -> None:
        """One request of `kind` sent (several threads may send at once)."""
        with _COUNTING:
            self.network += 1
            self.by_kind[kind] = self.by_kind.get(kind, 0) + 1

    def hit(self) -> None:
        """One answer read from the cache."""
        with _COUNTING:
            self.cached += 1


_COUNTING = threading.Lock()


# Whether an error answer means the budget is spent: (status, body text) -> bool.
BudgetRule = Callable[[int, str], bool]


def _never(_status: int, _text: str) -> bool:
    return False


class IndexHttp:
    """JSON requests to one index through its answer cache."""

    def __init__(
        self,
        endpoint: Endpoint,
        limits: Limits,
        *,
        cache: AnswerCache | None = None,
        offline: bool = False,
        refresh: bool = False,
        budget_rule: BudgetRule = _never,
    ) -> None:
        self.endpoint = endpoint
        self.limits = limits
        self.offline = offline
        self.refresh = refresh
        self.counts = Counts()
        self.cache = cache or AnswerCache(
            cache_folder() / f"{endpoint.name}.sqlite", endpoint.label
        )
        # The rate-limit and cost headers of the last answer from the network.
        self.last_limits: dict[str, str] = {}
        self._budget_rule = budget_rule
        self._cancelled = threading.Event()
        self._interval = 1.0 / limits.rate if limits.rate > 0 else 0.0
        self._last = 0.0
        self._lock = threading.Lock()
        self._session = requests.Session()
        self._session.headers["User-Agent"] = f"survey/{__version__}"
        self._session.headers["Accept"] = "application/json"
        self._session.headers.update(endpoint.headers)

    def close(self) -> None:
        self._session.close()
        self.cache.close()

    def cancel(self) -> None:
        """Every later request fails at once (the run is being interrupted)."""
        self._cancelled.set()

    @property
    def label(self) -> str:
        return self.endpoint.label

    def get(
        self, path: str, params: Mapping[str, str], *, kind: str, missing_ok: bool = False
    ) -> Any:
        """The parsed JSON answer of GET `path` (None for a 404 when `missing_ok`)."""
        return self.request("GET", path, params, None, kind=kind, missing_ok=missing_ok)

    def post(self, path: str, params: Mapping[str, str], body: object, *, kind: str) -> Any:
        """The parsed JSON answer of POST `path` with a JSON `body`."""
        return self.request("POST", path, params, body, kind=kind)

    def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, str],
        body: object,
        *,
        kind: str,
        missing_ok: bool = False,
    ) -> Any:
        if self._cancelled.is_set():
            raise SourceUnavailable(self.label, "interrupted")
        key = request_key(self.endpoint.base_url, method, path, params, body)
        described = describe(path, params)
        if not self.refresh or self.offline:
            stored = self.cache.get(key)
            if stored is not None:
                self.counts.hit()
                return self._parse(stored, described)
        if self.offline:
            raise SourceUnavailable(
                self.label,
                f"--offline: {described} is not in the cache ({self.cache.path})",
                "run once without --offline to fetch it",
            )
        status, payload = self._send(method, path, params, body, kind, described)
        if status == 404 and missing_ok:
            self.cache.put(key, f"{method} {described}", b"null")
            return None
        if status != 200:
            raise self._refusal(status, payload, described)
        value = self._parse(payload, described)
        self.cache.put(key, f"{method} {described}", payload)
        return value

    # -- one exchange, retried --------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, str],
        body: object,
        kind: str,
        described: str,
    ) -> tuple[int, bytes]:
        attempt = 0
        while True:
            try:
                status, headers, payload = self._exchange(method, path, params, body, kind)
            except _Retryable as exc:
                failure = str(exc)
                wait: float | None = None
            else:
                if status not in RETRY_STATUSES or self._budget_rule(status, _text(payload)):
                    return status, payload
                failure = f"answered {status}"
                wait = _retry_after(headers.get("Retry-After"))
            if wait is not None and wait > self.limits.retry_after_cap:
                raise SourceUnavailable(
                    self.label,
                    f"{failure} and asks to wait {wait:.0f} s (more than "
                    f"{self.limits.retry_after_cap:.0f} s) for {described}",
                    "run again later; the answers so far are cached",
                )
            if attempt >= self.limits.retries:
                raise SourceUnavailable(
                    self.label,
                    f"{failure} for {described} ({attempt + 1} tries)",
                    "run again later, or with --offline to use the cache",
                )
            delay = wait if wait is not None else self.limits.backoff * (2**attempt)
            time.sleep(min(delay, self.limits.retry_after_cap))
            attempt += 1

    def _exchange(
        self, method: str, path: str, params: Mapping[str, str], body: object, kind: str
    ) -> tuple[int, Mapping[str, str], bytes]:
        """One request and its bounded answer, following same-host redirects."""
        self._pace()
        self.counts.add(kind)
        deadline = time.monotonic() + self.limits.deadline
        url = f"{self.endpoint.base_url}{path}"
        query: Mapping[str, str] | None = params
        for _ in range(MAX_REDIRECTS + 1):
            try:
                response = self._session.request(
                    method,
                    url,
                    params=query,
                    json=body if method == "POST" else None,
                    stream=True,
                    allow_redirects=False,
                    timeout=(self.limits.connect_timeout, self.limits.read_timeout),
                )
            except requests.exceptions.RequestException as exc:
                raise _Retryable(self._unreachable(exc)) from exc
            with response:
                if response.is_redirect:
                    url = self._redirect_target(url, response.headers.get("Location", ""))
                    query = None  # the Location carries its own query
                    continue
                self._note_limits(response.headers)
                payload = self._read(response, deadline)
                return response.status_code, response.headers, payload
        raise SourceUnavailable(self.label, f"more than {MAX_REDIRECTS} redirects for {url}")

    def _pace(self) -> None:
        with self._lock:
            wait = self._last + self._interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last = time.monotonic()

    def _redirect_target(self, url: str, location: str) -> str:
        target = urljoin(url, location)
        here, there = urlsplit(url), urlsplit(target)
        if (here.scheme, here.netloc) != (there.scheme, there.netloc):
            raise SourceUnavailable(
                self.label,
                f"redirected to another host ({there.scheme}://{there.netloc}): refused",
                f"check {self.endpoint.url_env or 'the index address'}",
            )
        return target

    def _read(self, response: requests.Response, deadline: float) -> bytes:
        """The body, refused past the size cap (before reading when announced) or the
        deadline (a trickling answer)."""
        cap = self.limits.max_bytes
        announced = response.headers.get("Content-Length", "")
        if announced.isdigit() and int(announced) > cap:
            raise SourceUnavailable(
                self.label,
                f"refused an answer of {int(announced):,} bytes (the cap is {cap:,})",
                f"raise {MAX_BYTES_ENV} if the index really answers that much",
            )
        chunks: list[bytes] = []
        size = 0
        raw = response.raw
        try:
            while True:
                if time.monotonic() > deadline:
                    raise SourceUnavailable(
                        self.label,
                        f"answer not complete within {self.limits.deadline:g} s (too slow)",
                        f"try again later, or raise {DEADLINE_ENV}",
                    )
                chunk = raw.read1(65536, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                if size > cap:
                    raise SourceUnavailable(
                        self.label,
                        f"refused an answer of more than {cap:,} bytes",
                        f"raise {MAX_BYTES_ENV} if the index really answers that much",
                    )
                chunks.append(chunk)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise _Retryable(f"answer cut off ({_reason(exc)})") from exc
        return b"".join(chunks)

    def _note_limits(self, headers: Mapping[str, str]) -> None:
        found = {
            name: value
            for name, value in headers.items()
            if any(word in name.lower() for word in LIMIT_HEADER_WORDS)
        }
        if found:
            self.last_limits = {name: " ".join(value.split())[:80] for name, value in found.items()}

    def _unreachable(self, exc: BaseException) -> str:
        if isinstance(exc, requests.exceptions.Timeout):
            return f"no answer within {self.limits.read_timeout:g} s"
        return f"cannot reach {self.endpoint.base_url}: {_reason(exc)}"

    # -- answers ---------------------------------------------------------------------

    def _parse(self, payload: bytes, described: str) -> Any:
        try:
            return json.loads(payload, parse_int=_int64, parse_constant=_no_constant)
        except (ValueError, RecursionError, UnicodeDecodeError) as exc:
            why = "nested too deeply" if isinstance(exc, RecursionError) else _short(exc)
            raise SourceUnavailable(
                self.label,
                f"answered malformed JSON for {described} ({why})",
                "try again later; nothing was written",
            ) from None

    def _refusal(self, status: int, payload: bytes, described: str) -> IndexSourceError:
        text = _error_text(payload)
        if self._budget_rule(status, _text(payload)):
            return BudgetExhausted(
                self.label, f"the budget is spent ({text})", self.endpoint.budget_hint
            )
        if status in (401, 403):
            return SourceUnavailable(
                self.label, f"refused the request ({status}: {text})", "check the API key"
            )
        hint = "try again later" if status >= 500 else "this is a bug in survey: please report it"
        return SourceUnavailable(self.label, f"answered {status} for {described}: {text}", hint)


class OnIndexHttp:
    """What an index client hands to its `IndexHttp`: the counts, the last limits,
    cancelling and closing (the `IndexClient` members every index shares)."""

    def __init__(self, http: IndexHttp) -> None:
        self._http = http

    @property
    def counts(self) -> Counts:
        return self._http.counts

    @property
    def last_limits(self) -> dict[str, str]:
        return self._http.last_limits

    def close(self) -> None:
        self._http.close()

    def cancel(self) -> None:
        """Every later request fails at once (the run is being interrupted)."""
        self._http.cancel()


class _Retryable(Exception):
    """A failure worth another try (connection, timeout, a cut answer)."""


def _int64(text: str) -> int:
    value = int(text)
    if not -INT64 <= value < INT64:
        raise ValueError(f"integer {text[:20]}... beyond 64 bits")
    return value


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(float(value.strip()), 0.0)
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def _text(payload: bytes) -> str:
    return payload[:4096].decode("utf-8", "replace")


def _error_text(payload: bytes) -> str:
    """The message of an error answer: its JSON `message`/`error`, else its first words."""
    text = _text(payload)
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        body = None
    if isinstance(body, dict):
        for name in ("message", "error"):
            if isinstance(body.get(name), str) and body[name].strip():
                return _clip(body[name])
    return _clip(text) or "no reason given"


def _clip(text: str) -> str:
    printable = "".join(c if c.isprintable() else " " for c in text)
    words = " ".join(printable.split())
    return words if len(words) <= 200 else words[:197] + "..."


def _short(exc: BaseException) -> str:
    return _clip(str(exc))[:80]


def describe(path: str, params: Mapping[str, str]) -> str:
    """A request as the messages name it: path and parameters, shortened."""
    query = "&".join(f"{k}={v}" for k, v in params.items() if k not in ("select", "fields"))
    text = f"{path}?{query}" if query else path
    return _clip(text if len(text) <= 120 else text[:117] + "...")


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
    return _clip(text)
