"""OpenCitations as a citation index: DOI-to-DOI references and citations from Index v2,
titles, years, venues and authors from Meta v1 (sources layer).

What this relies on, from the pages https://api.opencitations.net/index/v2 (2.2.0) and
https://api.opencitations.net/meta/v1 (1.1.1): `/references/{id}` and `/citations/{id}`
take one prefixed id (`doi:…`, `omid:br/…`) and answer a list of rows whose `citing` and
`cited` are space-separated prefixed ids ("omid:br/061… doi:10.… pmid:…");
`/metadata/{ids}` takes ids joined by `__` and answers one row per work found; every
value is a string; an optional access token goes, raw, in the `authorization` header;
"API calls are rate-limited to 180 requests/minute per IP address", so requests are
paced at 3 a second. Not documented, and so chosen with care: Meta is asked 10 ids a
call (larger lists have been seen to fail); an unknown id is an empty list; a path no
operation matches is a 404 with a plain-text body (that work is not found, the run goes
on). The server decodes the path once, cuts it at `?` or `#` and puts the id inside
SPARQL quotes, so an id holding a quote, a backslash, `?`, `#` or a space is never
asked (nor `__` in a Meta list, nor "omid" inside a DOI on the Index, which takes any id
containing it for an OMID): such a work is simply not found here.

A work's id is `doi:<lower-case DOI>` when it has a DOI (the first one listed, or the
one asked), else its `omid:br/…`.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from survey.sources.indexes.http import (
    Endpoint,
    IndexHttp,
    Limits,
    OnIndexHttp,
    SourceUnavailable,
    describe,
)
from survey.sources.indexes.records import (
    ARXIV_DOI_PREFIX,
    Found,
    PlannedCalls,
    Progress,
    WorkRecord,
    arxiv_of_doi,
    asked_apart,
    batches,
    clean,
    clean_names,
    in_parallel,
    plain_doi,
    year_of,
)

SOURCE = "opencitations"
LABEL = "OpenCitations"
URL_ENV = "SURVEY_OPENCITATIONS_URL"
TOKEN_ENV = "SURVEY_OPENCITATIONS_TOKEN"
DEFAULT_URL = "https://api.opencitations.net"
INDEX = "/index/v2"
META = "/meta/v1"
RATE = 3.0  # requests a second: the documented 180 a minute per IP address
META_BATCH = 10  # ids per /metadata call (no documented maximum; 15 has failed)
RATE_NOTE = "free; 180 requests/minute per IP address (paced at 3/s)"

# Characters the server cannot take inside an id (see the module docstring).
_UNASKABLE = re.compile(r"[\"'\\?#\s]")
_BRACKETS = re.compile(r"\s*\[[^\]]*\]")  # "[orcid:… omid:ra/…]" after a name or venue
_DATE = re.compile(r"(\d{4})(?:-\d{2}){0,2}")
_OMID_BR = re.compile(r"br/[0-9a-z]+")
_VENUE_TYPES = {
    "journal article": "journal",
    "journal issue": "journal",
    "journal volume": "journal",
    "proceedings article": "conference",
    "proceedings": "conference",
    "preprint": "repository",
}


@dataclass(frozen=True, slots=True)
class _Pids:
    """The prefixed ids of one work as the index lists them."""

    dois: tuple[str, ...]
    omid: str | None  # "omid:br/…"

    def work_id(self) -> str | None:
        """This work's id: its first DOI, else its OMID (None: neither)."""
        if self.dois:
            return f"doi:{self.dois[0]}"
        return self.omid

    def ids(self) -> set[str]:
        found = {f"doi:{doi}" for doi in self.dois}
        if self.omid:
            found.add(self.omid)
        return found

    def arxiv_id(self) -> str | None:
        return next((a for a in map(arxiv_of_doi, self.dois) if a), None)


def parse_pids(value: object) -> _Pids:
    """The DOIs and the OMID of "omid:br/061… doi:10.… pmid:…" (others ignored)."""
    dois: list[str] = []
    omid: str | None = None
    if isinstance(value, str):
        for token in value.split():  # each DOI is cleaned, each OMID checked
            scheme, _, literal = token.partition(":")
            scheme = scheme.lower()
            if scheme == "doi":
                doi = plain_doi(literal)
                if doi and doi not in dois:
                    dois.append(doi)
            elif scheme == "omid" and omid is None and _OMID_BR.fullmatch(literal.lower()):
                omid = f"omid:{literal.lower()}"
    return _Pids(tuple(dois), omid)


def index_askable(doi: str) -> bool:
    """Whether the Index can be asked about `doi` (see the module docstring)."""
    return not _UNASKABLE.search(doi) and "omid" not in doi


def meta_askable(work_id: str) -> bool:
    """Whether Meta can be asked about `work_id` in a `__`-joined list."""
    return not _UNASKABLE.search(work_id) and "__" not in work_id


def path_id(work_id: str) -> str:
    """`work_id` as it goes into a path: percent-encoded, the scheme's ':' and the DOI's
    '/' kept (the server decodes the path before matching it)."""
    return quote(work_id, safe="/:")


def meta_record(row: Mapping[str, Any], pids: _Pids, work_id: str) -> WorkRecord:
    """One Meta row as a work record with id `work_id`."""
    kind = clean(row.get("type")).lower()
    doi = work_id.removeprefix("doi:") if work_id.startswith("doi:") else None
    return WorkRecord(
        source=SOURCE,
        id=work_id,
        title=clean(row.get("title")),
        year=_year(row.get("pub_date")),
        venue=_without_ids(row.get("venue")),
        venue_type=_VENUE_TYPES.get(kind, ""),
        authors=authors(row.get("author")),
        doi=doi or (pids.dois[0] if pids.dois else None),
        arxiv_id=arxiv_of_doi(doi) or pids.arxiv_id(),
        kind=kind,
    )


def bare_record(pids: _Pids, work_id: str, date: object) -> WorkRecord:
    """A work Meta does not describe: its ids, and the year of a citation row's `creation`
    (the citing work's publication date) when the work is the citing one."""
    doi = work_id.removeprefix("doi:") if work_id.startswith("doi:") else None
    return WorkRecord(
        source=SOURCE,
        id=work_id,
        title="",
        year=_year(date),
        doi=doi or (pids.dois[0] if pids.dois else None),
        arxiv_id=arxiv_of_doi(doi) or pids.arxiv_id(),
    )


def authors(value: object) -> tuple[str, ...]:
    """Meta's author list, "Surname, Given [orcid:… omid:ra/…]; …", as ("Given Surname",
    …); a name without a comma (an organisation) is kept whole."""
    if not isinstance(value, str):
        return ()
    names: list[str] = []
    for part in _BRACKETS.sub("", value).split(";"):
        family, comma, given = part.partition(",")
        names.append(f"{given.strip()} {family.strip()}" if comma else part)
    return clean_names(names)


def _without_ids(value: object) -> str:
    return clean(_BRACKETS.sub("", value)) if isinstance(value, str) else ""


def _year(value: object) -> int | None:
    """The year of "2019", "2019-05" or "2019-05-17" (anything else: None)."""
    if isinstance(value, str):
        match = _DATE.fullmatch(value.strip())
        return year_of(int(match.group(1))) if match else None
    return year_of(value)


def _kind_of(answer: object) -> str:
    if isinstance(answer, dict):
        return "a JSON object"
    if isinstance(answer, str):
        return "a string"
    if isinstance(answer, bool):
        return "a boolean"
    return "a number"


class OpenCitationsClient(OnIndexHttp):
    """References and citations by DOI from OpenCitations (an `IndexClient`)."""

    source = SOURCE
    label = LABEL

    @classmethod
    def from_env(cls, *, offline: bool = False, refresh: bool = False) -> OpenCitationsClient:
        """A client for $SURVEY_OPENCITATIONS_URL (default the public API), with the
        access token of $SURVEY_OPENCITATIONS_TOKEN when it is set."""
        base = (os.environ.get(URL_ENV) or DEFAULT_URL).strip().rstrip("/")
        token = (os.environ.get(TOKEN_ENV) or "").strip()
        endpoint = Endpoint(
            label=LABEL,
            name=SOURCE,
            base_url=base,
            headers={"authorization": token} if token else {},
            url_env=URL_ENV,
        )
        return cls(IndexHttp(endpoint, Limits.from_env(RATE), offline=offline, refresh=refresh))

    # -- the IndexClient operations -----------------------------------------------------

    def by_doi(self, dois: Sequence[str], progress: Progress) -> Found:
        """Works by DOI, each with the reference list the Index holds."""
        return self._by_dois([(doi, doi) for doi in dois], progress)

    def by_arxiv(self, ids: Sequence[str], progress: Progress) -> Found:
        """Works by arXiv id, asked as their arXiv DOIs (10.48550/arXiv.<id>)."""
        return self._by_dois([(f"{ARXIV_DOI_PREFIX}{i}", i) for i in ids], progress)

    def by_identifiers(
        self, dois: Sequence[str], arxiv_ids: Sequence[str], progress: Progress
    ) -> tuple[Found, Found]:
        """DOIs and arXiv ids in calls of their own."""
        return asked_apart(self, dois, arxiv_ids, progress)

    def title_candidates(self, title: str) -> list[WorkRecord]:
        """[]: OpenCitations has no title search."""
        return []

    def by_id(self, ids: Sequence[str], progress: Progress) -> list[WorkRecord]:
        """Works by OpenCitations id (`doi:…`, `omid:br/…`; other ids are not ours)."""
        records = self._metadata([i for i in ids if _ours(i)], progress)
        return [records[i] for i in sorted(records)]

    def citing(self, ids: Sequence[str], progress: Progress, limit: int) -> dict[str, Found]:
        """For each work id, the works citing it: the `limit` most recent, described by
        Meta when it knows them."""
        asked = sorted({i for i in ids if _ours(i) and _index_askable_id(i)})
        chosen: dict[str, list[tuple[str, _Pids, object]]] = {}
        answers = in_parallel(
            lambda work_id: self._rows(f"{INDEX}/citations/{path_id(work_id)}", "citations"),
            asked,
            lambda n: progress("OpenCitations: citations", n, len(asked)),
        )
        for work_id, rows in zip(asked, answers, strict=True):
            if rows is None:
                continue
            by_citing: dict[str, tuple[_Pids, object]] = {}
            for row in rows:
                pids = parse_pids(row.get("citing"))
                citing_id = pids.work_id()
                if citing_id is not None and citing_id != work_id:
                    by_citing.setdefault(citing_id, (pids, row.get("creation")))
            picked = sorted(by_citing)  # a stable sort: works of one date stay in id order
            picked.sort(key=lambda c: _date_key(by_citing[c][1]), reverse=True)
            chosen[work_id] = [(c, *by_citing[c]) for c in picked[: max(limit, 0)]]
        described = self._metadata([c for picks in chosen.values() for c, _, _ in picks], progress)
        result: dict[str, Found] = {}
        for work_id, picks in chosen.items():
            found = Found()
            for citing_id, citing_pids, date in picks:
                found.works[citing_id] = described.get(citing_id) or bare_record(
                    citing_pids, citing_id, date
                )
            result[work_id] = found
        return result

    def plan(self, dois: int, arxiv: int, titles: int) -> list[PlannedCalls]:
        """One references call per DOI or arXiv id, one Meta call per 10 of them."""
        works = max(dois, 0) + max(arxiv, 0)
        return [
            PlannedCalls("references", works, None, RATE_NOTE),
            PlannedCalls("metadata", math.ceil(works / META_BATCH), None, RATE_NOTE),
        ]

    # -- requests ---------------------------------------------------------------------------

    def _by_dois(self, asked: Iterable[tuple[str, str]], progress: Progress) -> Found:
        """Works by DOI, keyed by what was asked (`asked`: (DOI, key) pairs)."""
        keys: dict[str, list[str]] = {}
        for value, key in asked:
            doi = plain_doi(value)
            if doi is not None:
                keys.setdefault(doi, []).append(key)
        dois = sorted(keys)
        references = self._references([d for d in dois if index_askable(d)], progress)
        described = self._metadata([f"doi:{d}" for d in dois], progress)
        found = Found()
        for doi in dois:
            work_id = f"doi:{doi}"
            listed = references.get(doi)
            record = described.get(work_id)
            if record is None:
                if listed is None or not listed.cited:
                    continue  # neither the Index nor Meta knows this DOI
                record = bare_record(listed.citing, work_id, listed.date)
            # The Index's [] is an empty list; a DOI it refused or was never asked: unknown.
            record = replace(record, references=listed.cited if listed is not None else None)
            for key in keys[doi]:
                found.works[key] = record
        return found

    def _references(self, dois: Sequence[str], progress: Progress) -> dict[str, _Listed]:
        """The reference list of each DOI the Index answers for (a 404 is left out); one
        call a DOI, a few in flight at once within the pacing."""

        def ask(doi: str) -> list[Mapping[str, Any]] | None:
            return self._rows(f"{INDEX}/references/{path_id('doi:' + doi)}", "references")

        answers = in_parallel(
            ask, dois, lambda n: progress("OpenCitations: references", n, len(dois))
        )
        listed: dict[str, _Listed] = {}
        for doi, rows in zip(dois, answers, strict=True):
            if rows is None:
                continue
            cited: set[str] = set()
            citing = _Pids((), None)
            date: object = None
            for row in rows:
                target = parse_pids(row.get("cited")).work_id()
                if target is not None and target != f"doi:{doi}":
                    cited.add(target)
                if date is None:
                    citing, date = parse_pids(row.get("citing")), row.get("creation")
            listed[doi] = _Listed(tuple(sorted(cited)), citing, date)
        return listed

    def _metadata(self, ids: Sequence[str], progress: Progress) -> dict[str, WorkRecord]:
        """Meta's record of each id it knows, keyed (and identified) by the id asked."""
        groups = batches([i for i in ids if meta_askable(i)], META_BATCH)
        records: dict[str, WorkRecord] = {}
        answers = in_parallel(
            self._meta_call, groups, lambda n: progress("OpenCitations: metadata", n, len(groups))
        )
        for answer in answers:
            records.update(answer)
        return records

    def _meta_call(self, group: list[str]) -> dict[str, WorkRecord]:
        """One /metadata call for `group`; when it is refused with a 404 (an id the
        server cannot match), each id alone, so one bad id costs only itself."""
        rows = self._rows(f"{META}/metadata/" + "__".join(map(path_id, group)), "metadata")
        records: dict[str, WorkRecord] = {}
        if rows is None:
            if len(group) > 1:
                for work_id in group:
                    records.update(self._meta_call([work_id]))
            return records
        for row in rows:
            pids = parse_pids(row.get("id"))
            for work_id in group:
                if work_id in pids.ids() and work_id not in records:
                    records[work_id] = meta_record(row, pids, work_id)
        return records

    def _rows(self, path: str, kind: str) -> list[Mapping[str, Any]] | None:
        """The rows of a list answer (None for a 404); anything but a list is refused."""
        answer = self._http.get(path, {}, kind=kind, missing_ok=True)
        if answer is None:
            return None
        if not isinstance(answer, list):
            raise SourceUnavailable(
                LABEL,
                f"answered {_kind_of(answer)} instead of a list for {describe(path, {})}",
                "try again later; nothing was written",
            )
        return [row for row in answer if isinstance(row, dict)]


@dataclass(frozen=True, slots=True)
class _Listed:
    """What the Index answered for one DOI's references."""

    cited: tuple[str, ...]  # work ids, sorted
    citing: _Pids  # the asked work's own ids, as the rows give them
    date: object  # the asked work's publication date (`creation`)


def _ours(work_id: str) -> bool:
    if work_id.startswith("doi:"):
        return plain_doi(work_id) == work_id.removeprefix("doi:")
    return work_id.startswith("omid:") and bool(_OMID_BR.fullmatch(work_id[5:]))


def _index_askable_id(work_id: str) -> bool:
    return not work_id.startswith("doi:") or index_askable(work_id.removeprefix("doi:"))


def _date_key(value: object) -> str:
    return value.strip() if isinstance(value, str) and _DATE.fullmatch(value.strip()) else ""
