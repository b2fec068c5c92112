"""What survey keeps of a work any index returns, and what every index client offers
(sources layer).

A `WorkRecord`'s id is qualified by its index, so ids of different indexes never collide
in the database: OpenAlex `W2963…`, Semantic Scholar `S2:<paperId>`, OpenCitations
`doi:10.…` (or `omid:br/…` for a work without a DOI). Text fetched from an index is
cleaned here, once: control characters dropped, whitespace collapsed, length capped, so
nothing an index returns reaches an export raw.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from survey.controls import strip_controls
from survey.sources.indexes.http import Counts

DOI_PREFIX = "https://doi.org/"
ARXIV_DOI_PREFIX = "10.48550/arxiv."
MAX_TEXT = 1000  # characters of one fetched title, venue or name
MAX_AUTHORS = 200

# A progress callback: (what, done, total).
Progress = Callable[[str, int, int], None]
# Requests of one index in flight at once: the index's pacing (requests a second) still
# holds; several in flight hide the latency of each answer.
WORKERS = 4
Item = TypeVar("Item")
Answer = TypeVar("Answer")


def in_parallel(
    ask: Callable[[Item], Answer],
    items: Sequence[Item],
    done: Callable[[int], None] | None = None,
    workers: int = WORKERS,
    stop: Callable[[], None] | None = None,
) -> list[Answer]:
    """`ask(item)` for every item, up to `workers` at a time, answers in the items' order;
    `done(n)` after the first n are in. The first failure (Ctrl-C included) cancels what
    has not started, calls `stop()` so the running ones end at their next request, and
    is raised once they have."""
    if len(items) <= 1 or workers <= 1:
        answers = []
        for count, item in enumerate(items, start=1):
            answers.append(ask(item))
            if done is not None:
                done(count)
        return answers
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="survey-index") as pool:
        futures = [pool.submit(ask, item) for item in items]
        try:
            answers = []
            for count, future in enumerate(futures, start=1):
                answers.append(future.result())
                if done is not None:
                    done(count)
        except BaseException:
            for future in futures:
                future.cancel()
            if stop is not None:
                stop()
            raise
    return answers


@dataclass(frozen=True, slots=True)
class WorkRecord:
    """One work as an index describes it."""

    source: str  # openalex | semanticscholar | opencitations
    id: str  # qualified by the index (see the module docstring)
    title: str
    year: int | None = None
    venue: str = ""
    venue_type: str = ""  # journal | conference | repository | ... ("" when unknown)
    authors: tuple[str, ...] = ()
    doi: str | None = None  # lower case, no https://doi.org/
    arxiv_id: str | None = None
    kind: str = ""  # the index's type of the work: article, preprint, ...
    cited_by_count: int | None = None
    # Ids (of the same index) of the works this one references; None: the index gave no
    # reference list (unknown, not empty).
    references: tuple[str, ...] | None = None

    @property
    def first_author(self) -> str:
        return self.authors[0] if self.authors else ""


@dataclass(slots=True)
class Found:
    """What a lookup brought back: works by the value asked, and every other work whose
    metadata came along (Semantic Scholar returns the referenced works inline)."""

    works: dict[str, WorkRecord] = field(default_factory=dict)
    also: dict[str, WorkRecord] = field(default_factory=dict)

    def merge(self, other: Found) -> None:
        self.works.update(other.works)
        self.also.update(other.also)


class IndexClient(Protocol):
    """What `survey enrich` and `survey discover` ask of an index."""

    source: str  # the citation origin: openalex | semanticscholar | opencitations
    label: str  # for messages: OpenAlex, Semantic Scholar, OpenCitations

    @property
    def counts(self) -> Counts:
        """Requests of this run, by what they cost."""

    @property
    def last_limits(self) -> dict[str, str]:
        """The rate-limit and cost headers of the last answer."""

    def by_doi(self, dois: Sequence[str], progress: Progress) -> Found:
        """Works by DOI (lower case); `works` is keyed by the DOI asked."""

    def by_arxiv(self, ids: Sequence[str], progress: Progress) -> Found:
        """Works by arXiv id (lower case, no version); `works` keyed by the id asked."""

    def by_identifiers(
        self, dois: Sequence[str], arxiv_ids: Sequence[str], progress: Progress
    ) -> tuple[Found, Found]:
        """`by_doi(dois)` and `by_arxiv(arxiv_ids)`, asked together where the index can
        (`asked_apart` for an index that cannot)."""

    def title_candidates(self, title: str) -> list[WorkRecord]:
        """Works whose titles are like `title` ([] when the index cannot search titles)."""

    def by_id(self, ids: Sequence[str], progress: Progress) -> list[WorkRecord]:
        """Works by this index's ids (the ones it answers for)."""

    def citing(self, ids: Sequence[str], progress: Progress, limit: int) -> dict[str, Found]:
        """For each work id, the works citing it (at most `limit` per work)."""

    def plan(self, dois: int, arxiv: int, titles: int) -> list[PlannedCalls]:
        """The calls matching this many papers takes, by kind, with their documented cost."""

    def cancel(self) -> None:
        """Make every later request fail at once (a run being interrupted)."""

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class PlannedCalls:
    """Calls of one kind a run would make, and what they cost by the index's price list."""

    kind: str
    calls: int
    cost_usd: float | None  # None: the index does not charge
    note: str = ""


def asked_apart(
    client: IndexClient, dois: Sequence[str], arxiv_ids: Sequence[str], progress: Progress
) -> tuple[Found, Found]:
    """`by_identifiers` of an index that asks DOIs and arXiv ids in calls of their own."""
    return (
        client.by_doi(dois, progress) if dois else Found(),
        client.by_arxiv(arxiv_ids, progress) if arxiv_ids else Found(),
    )


# -- cleaning what an index returns -------------------------------------------------------


def clean(value: object) -> str:
    """Text from an index: a string with controls dropped, spaces collapsed, capped."""
    if not isinstance(value, str):
        return ""
    text = " ".join(strip_controls(value).split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def clean_names(values: Iterable[object]) -> tuple[str, ...]:
    names = [clean(v) for v in values]
    return tuple(n for n in names if n)[:MAX_AUTHORS]


def plain_doi(value: object) -> str | None:
    """A DOI in any usual form -> lower case without a resolver prefix; None if not one."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = clean(value).lower()
    for prefix in (DOI_PREFIX, "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/"):
        text = text.removeprefix(prefix)
    text = text.removeprefix("doi:").strip()
    return text if text.startswith("10.") and "/" in text and " " not in text else None


def arxiv_of_doi(doi: str | None) -> str | None:
    """The arXiv id of an arXiv DOI (10.48550/arXiv.ID)."""
    if doi and doi.startswith(ARXIV_DOI_PREFIX):
        return doi.removeprefix(ARXIV_DOI_PREFIX) or None
    return None


def year_of(value: object) -> int | None:
    """A plausible publication year, or None (an index may send anything)."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value[:4].isdigit():
            value = int(value[:4])
        else:
            return None
    return value if 1000 <= value <= 2999 else None


def count_of(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def as_dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def batches(values: Sequence[str], size: int) -> list[list[str]]:
    """`values` sorted and deduplicated, in batches of `size`: the same set always makes
    the same requests (and so hits the cache)."""
    ordered = sorted(set(values))
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]
