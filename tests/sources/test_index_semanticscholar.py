"""The Semantic Scholar client against a stand-in of the Graph API on 127.0.0.1.

The stand-in holds papers in the API's FullPaper shape (tests/fixtures/semanticscholar/
papers.json), answers /paper/batch, /paper/search/match and /paper/{id}/citations with
exactly the fields asked, and refuses what the reference forbids: more than 500 ids in
a batch, `fields` in the POST body, an unknown field, a citations `limit` over 1000.
Every refusal is recorded, and a test fails if the client caused one it did not expect.
No request leaves the machine: connecting anywhere but the loopback raises.
"""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import REPO
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from survey.sources.indexes.http import Limits, SourceUnavailable
from survey.sources.indexes.records import Found, PlannedCalls, WorkRecord
from survey.sources.indexes.semanticscholar import (
    DEFAULT_URL,
    RATE_NOTE,
    SemanticScholarClient,
)

PAPERS: list[dict[str, Any]] = json.loads(
    (REPO / "tests" / "fixtures" / "semanticscholar" / "papers.json").read_text("utf-8")
)["papers"]
LIT = "649def34f8be52c8b66281af98ae884c09aef38b"
EPI = "f712fab0d58ae6492e3cdfc1933dae103ec12d5d"
F1, F2, F3 = (f"{'0' * 38}f{i}" for i in (1, 2, 3))
LIT_DOI = "10.18653/v1/n18-3011"
EPI_ARXIV = "2106.15928"
KEY = "s2-test-key-7f3a"

# FullPaper's fields, and those a nested reference or citation (BasePaper) may carry.
PAPER_FIELDS = frozenset(
    (
        *("paperId", "corpusId", "externalIds", "url", "title", "abstract", "venue"),
        *("publicationVenue", "year", "referenceCount", "citationCount"),
        *("influentialCitationCount", "isOpenAccess", "openAccessPdf", "fieldsOfStudy"),
        *("s2FieldsOfStudy", "publicationTypes", "publicationDate", "journal"),
        *("citationStyles", "authors", "citations", "references", "embedding", "tldr"),
        "textAvailability",
    )
)
NESTED_FIELDS = PAPER_FIELDS - {"citations", "references", "embedding", "tldr"}
TOO_MANY = '{"message": "Too Many Requests. Please wait and try again or apply for a key for higher rate limits.", "code": "429"}'  # noqa: E501


def _error(status: int, message: str) -> Response:
    return Response(json.dumps({"error": message}), status, content_type="application/json")


class StandIn:
    """The Graph API's paper endpoints over a table of papers, with its limits."""

    def __init__(self, papers: list[dict[str, Any]]) -> None:
        self.papers: dict[str, dict[str, Any]] = {}
        self.requests: list[Request] = []
        self.refused: list[str] = []
        self.batch_cap: int | None = None  # ids past which the answer is "over 10 MB"
        for paper in papers:
            self.add(paper)

    def add(self, paper: dict[str, Any]) -> None:
        self.papers[paper["paperId"]] = paper

    def serve(self, server: HTTPServer) -> None:
        server.expect_request("/paper/batch", method="POST").respond_with_handler(self.batch)
        server.expect_request("/paper/search/match", method="GET").respond_with_handler(self.match)
        server.expect_request(
            re.compile(r"^/paper/[^/]+/citations$"), method="GET"
        ).respond_with_handler(self.citations)

    # -- endpoints ------------------------------------------------------------------

    def batch(self, request: Request) -> Response:
        self.requests.append(request)
        body = json.loads(request.get_data(as_text=True))
        if "fields" in body:
            return self._refuse(400, "fields is a query parameter, not part of the body")
        ids = body.get("ids")
        if not isinstance(ids, list):
            return self._refuse(400, "ids must be a list")
        if len(ids) > 500:
            return self._refuse(400, "Can only process 500 paper ids at a time")
        fields = self._fields(request)
        if isinstance(fields, Response):
            return fields
        if self.batch_cap is not None and len(ids) > self.batch_cap:
            return _error(400, "Response would exceed maximum size....")
        answer = [self._render(self._find(i), fields) for i in ids]
        return Response(json.dumps(answer), 200, content_type="application/json")

    def match(self, request: Request) -> Response:
        self.requests.append(request)
        fields = self._fields(request)
        if isinstance(fields, Response):
            return fields
        query = _words(request.args.get("query", ""))
        for paper in self.papers.values():
            if query and _words(paper.get("title")) == query:
                found = self._render(paper, fields)
                assert found is not None
                body = {"data": [{**found, "matchScore": 179.05287}]}
                return Response(json.dumps(body), 200, content_type="application/json")
        return _error(404, "Title match not found")

    def citations(self, request: Request) -> Response:
        self.requests.append(request)
        limit = int(request.args.get("limit", "100"))
        offset = int(request.args.get("offset", "0"))
        if not 1 <= limit <= 1000:
            return self._refuse(400, f"Unacceptable query params: [limit={limit}]")
        fields = self._fields(request)
        if isinstance(fields, Response):
            return fields
        cited = request.path.split("/")[2]
        if cited not in self.papers:
            return _error(404, f"Paper with id {cited} not found")
        citing = sorted(
            pid
            for pid, paper in self.papers.items()
            if isinstance(paper.get("references"), list) and cited in paper["references"]
        )
        page = citing[offset : offset + limit]
        body: dict[str, Any] = {
            "offset": offset,
            "data": [{"citingPaper": self._render(self.papers[p], fields)} for p in page],
        }
        if offset + limit < len(citing):
            body["next"] = offset + limit
        return Response(json.dumps(body), 200, content_type="application/json")

    # -- helpers ----------------------------------------------------------------------

    def _refuse(self, status: int, message: str) -> Response:
        self.refused.append(message)
        return _error(status, message)

    def _fields(self, request: Request) -> dict[str, list[str]] | Response:
        """Top-level field -> its asked subfields, or the 400 for an unknown one."""
        asked: dict[str, list[str]] = {}
        bad = []
        for name in filter(None, request.args.get("fields", "title").split(",")):
            top, _, sub = name.partition(".")
            if top not in PAPER_FIELDS or (sub and sub not in NESTED_FIELDS):
                bad.append(name)
            asked.setdefault(top, [])
            if sub:
                asked[top].append(sub)
        if bad:
            return self._refuse(400, f"Unrecognized or unsupported fields: [{', '.join(bad)}]")
        return asked

    def _find(self, asked: str) -> dict[str, Any] | None:
        kind, _, value = asked.rpartition(":")
        for paper in self.papers.values():
            ids = paper.get("externalIds")
            external: dict[str, Any] = ids if isinstance(ids, dict) else {}
            if kind.upper() == "DOI" and str(external.get("DOI", "")).lower() == value.lower():
                return paper
            if kind.upper() == "ARXIV" and external.get("ArXiv") == value:
                return paper
            if not kind and paper["paperId"] == value:
                return paper
        return None

    def _render(self, paper: dict[str, Any] | None, fields: dict[str, list[str]]) -> Any:
        if paper is None:
            return None
        out: dict[str, Any] = {"paperId": paper["paperId"]}
        for name, sub in fields.items():
            if name == "references" and isinstance(paper.get(name), list):
                out[name] = [self._nested(r, sub) for r in paper[name]]
            elif name != "paperId":
                out[name] = paper.get(name)
        return out

    def _nested(self, reference: object, sub: list[str]) -> object:
        """A reference with the subfields asked; odd entries of a test paper as they are."""
        chosen = [k for k in sub or ["title"] if k != "paperId"]
        if isinstance(reference, dict):  # unresolved (paperId null), or a test's odd one
            return {"paperId": reference.get("paperId"), **{k: reference.get(k) for k in chosen}}
        if isinstance(reference, str) and reference in self.papers:
            paper = self.papers[reference]
            return {"paperId": reference, **{k: paper.get(k) for k in chosen}}
        return reference


def _words(text: object) -> list[str]:
    return re.findall(r"\w+", text.lower()) if isinstance(text, str) else []


# -- fixtures -------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection to anything but 127.0.0.1 fails the test."""
    connect = socket.socket.connect

    def guarded(sock: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"a test tried to reach {address}")
        return connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def standin(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[StandIn]:
    stand_in = StandIn(PAPERS)
    stand_in.serve(httpserver)
    monkeypatch.setenv("SURVEY_S2_URL", httpserver.url_for("/").rstrip("/"))
    monkeypatch.setenv("SURVEY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SURVEY_INDEX_BACKOFF", "0.01")
    monkeypatch.delenv("SURVEY_S2_API_KEY", raising=False)
    yield stand_in
    httpserver.check_assertions()
    assert stand_in.refused == [], "the client broke a documented limit"


def client(*, offline: bool = False, polite: bool = False) -> SemanticScholarClient:
    """A client from the environment; unpaced unless `polite` (one request a second)."""
    if polite:
        return SemanticScholarClient.from_env(offline=offline)
    return SemanticScholarClient.from_env(offline=offline, limits=Limits.from_env(0.0))


def no_progress(_what: str, _done: int, _total: int) -> None:
    pass


def asked_ids(request: Request) -> list[str]:
    ids: list[str] = json.loads(request.get_data(as_text=True))["ids"]
    return ids


def record(**fields: Any) -> WorkRecord:
    return WorkRecord(source="semanticscholar", **fields)


LIT_RECORD = record(
    id=f"S2:{LIT}",
    title="Construction of the Literature Graph in Semantic Scholar",
    year=2018,
    venue="North American Chapter of the Association for Computational Linguistics",
    venue_type="conference",
    authors=tuple(a["name"] for a in PAPERS[0]["authors"]),
    doi=LIT_DOI,
    kind="journalarticle",
    cited_by_count=299,
    references=(f"S2:{F1}", f"S2:{F2}"),
)
# Referenced works carry what the batch asks of them: no type, count or references.
F1_CITED = record(
    id=f"S2:{F1}",
    title="A fictional study of citation graphs",
    year=2016,
    venue="Journal of Imaginary Results",
    authors=("Ada Example", "Bo Sample"),
    doi="10.5555/fiction.0001",
)
F2_CITED = record(
    id=f"S2:{F2}",
    title="Another fictional preprint",
    year=2017,
    venue="arXiv.org",
    authors=("Cy Placeholder",),
    arxiv_id="0000.00002",
)
F3_CITED = record(
    id=f"S2:{F3}",
    title="A fictional model of nowhere",
    year=2019,
    doi="10.5555/fiction.0003",
    authors=("Di Stand-In",),
)


# -- batch lookups --------------------------------------------------------------------


def test_by_doi_brings_the_work_its_references_and_a_null_for_the_unknown(
    standin: StandIn,
) -> None:
    s2 = client()
    seen: list[tuple[str, int, int]] = []
    found = s2.by_doi([LIT_DOI, "10.5555/not-known"], lambda *a: seen.append(a))

    # The DOI is in upper case at Semantic Scholar; the record keeps it lower case and
    # is keyed by the DOI asked. The unresolved reference (paperId null) is left out.
    assert found == Found(
        works={LIT_DOI: LIT_RECORD}, also={f"S2:{F1}": F1_CITED, f"S2:{F2}": F2_CITED}
    )
    assert seen == [("DOIs", 2, 2)]
    (request,) = standin.requests
    assert asked_ids(request) == [f"DOI:{LIT_DOI}", "DOI:10.5555/not-known"]
    assert "references.externalIds" in request.args["fields"].split(",")
    assert s2.counts.by_kind == {"batch": 1}
    assert standin.refused == []


def test_by_arxiv_keys_by_the_id_asked_and_strips_versions_of_references(
    standin: StandIn,
) -> None:
    found = client().by_arxiv([EPI_ARXIV, "0000.00099"], no_progress)

    assert found.works == {
        EPI_ARXIV: record(
            id=f"S2:{EPI}",
            title=PAPERS[1]["title"],
            year=2021,
            arxiv_id=EPI_ARXIV,
            cited_by_count=0,
            references=(f"S2:{F3}",),
        )
    }
    assert found.also == {f"S2:{F3}": F3_CITED}
    assert asked_ids(standin.requests[0]) == ["ARXIV:0000.00099", f"ARXIV:{EPI_ARXIV}"]


def test_a_referenced_work_asked_for_itself_is_not_repeated_in_also(standin: StandIn) -> None:
    found = client().by_doi([LIT_DOI, "10.5555/fiction.0001"], no_progress)

    assert set(found.works) == {LIT_DOI, "10.5555/fiction.0001"}
    assert found.works["10.5555/fiction.0001"].kind == "journalarticle"
    assert found.also == {f"S2:{F2}": F2_CITED}


def test_a_thousand_and_one_dois_take_three_batches_within_the_documented_500(
    standin: StandIn,
) -> None:
    dois = [f"10.5555/bulk.{i:04d}" for i in range(1200)] + [LIT_DOI]
    seen: list[tuple[str, int, int]] = []
    found = client().by_doi(dois, lambda *a: seen.append(a))

    assert [len(asked_ids(r)) for r in standin.requests] == [500, 500, 201]
    assert seen == [("DOIs", 500, 1201), ("DOIs", 1000, 1201), ("DOIs", 1201, 1201)]
    assert list(found.works) == [LIT_DOI]
    assert standin.refused == []


def test_a_batch_over_the_size_cap_is_asked_again_in_halves(standin: StandIn) -> None:
    standin.batch_cap = 1
    found = client().by_doi([LIT_DOI, "10.5555/fiction.0001"], no_progress)

    assert set(found.works) == {LIT_DOI, "10.5555/fiction.0001"}
    assert [len(asked_ids(r)) for r in standin.requests] == [2, 1, 1]


def test_by_id_asks_the_bare_paper_ids_and_skips_other_indexes_ids(standin: StandIn) -> None:
    works = client().by_id([f"S2:{F2}", "W2963403868", "doi:10.5555/x", f"S2:{F1}"], no_progress)

    assert asked_ids(standin.requests[0]) == [F1, F2]
    assert [w.id for w in works] == [f"S2:{F1}", f"S2:{F2}"]
    assert works[1] == record(
        id=f"S2:{F2}",
        title="Another fictional preprint",
        year=2017,
        venue="arXiv.org",
        authors=("Cy Placeholder",),
        arxiv_id="0000.00002",
        kind="review",
        cited_by_count=4,
        references=(f"S2:{F1}",),
    )


def test_no_ids_make_no_requests(standin: StandIn) -> None:
    s2 = client()
    assert s2.by_doi([], no_progress) == Found()
    assert s2.by_id(["W1"], no_progress) == []
    assert s2.citing(["W1"], no_progress, 10) == {}
    assert s2.title_candidates(" \x07 ") == []
    assert standin.requests == []


# -- what a paper may look like -------------------------------------------------------

ODD = "00000000000000000000000000000000000000aa"


@pytest.mark.parametrize(
    ("paper", "expected"),
    [
        pytest.param(
            {"title": None, "authors": None, "year": None, "references": None},
            record(id=f"S2:{ODD}", title=""),
            id="no_title_null_authors",
        ),
        pytest.param(
            {"title": 5, "authors": "x", "year": "abc", "citationCount": "many"},
            record(id=f"S2:{ODD}", title=""),
            id="wrong_types",
        ),
        pytest.param(
            {
                "title": "Bell\x07 and\x1b[31m escape\r\nin a\ttitle",
                "authors": [{"name": "A\x00B"}],
            },
            record(id=f"S2:{ODD}", title="Bell and[31m escape in a title", authors=("AB",)),
            id="control_characters",
        ),
        pytest.param(
            {
                "title": "Fine",
                "authors": [None, {"name": 7}, {"authorId": None, "name": "  Real  Name "}],
                "externalIds": {"DOI": "https://doi.org/10.5555/ODD", "ArXiv": 1234.5},
                "publicationVenue": {"name": "Venue From Object", "type": "Conference"},
                "publicationTypes": [None, "Journal Article"],
                "references": [{"paperId": F1}, {"paperId": F1}, {"paperId": "bad/../id"}, 3],
            },
            record(
                id=f"S2:{ODD}",
                title="Fine",
                authors=("Real Name",),
                doi="10.5555/odd",
                venue="Venue From Object",
                venue_type="conference",
                kind="journalarticle",
                references=(f"S2:{F1}",),
            ),
            id="odd_shapes",
        ),
        pytest.param(
            {"title": "An arXiv DOI", "externalIds": {"DOI": "10.48550/arXiv.0000.00007"}},
            record(
                id=f"S2:{ODD}",
                title="An arXiv DOI",
                doi="10.48550/arxiv.0000.00007",
                arxiv_id="0000.00007",
            ),
            id="arxiv_doi",
        ),
        pytest.param(
            {"title": "Workshop", "publicationVenue": {"type": "workshop"}, "year": 20210},
            record(id=f"S2:{ODD}", title="Workshop"),
            id="other_venue_type_and_implausible_year",
        ),
    ],
)
def test_every_field_may_be_null_or_of_the_wrong_type(
    standin: StandIn, paper: dict[str, Any], expected: WorkRecord
) -> None:
    standin.add({"paperId": ODD, **paper})
    assert client().by_id([f"S2:{ODD}"], no_progress) == [expected]


def test_a_paper_without_a_usable_paper_id_is_not_a_work(
    standin: StandIn, httpserver: HTTPServer
) -> None:
    body = [{"paperId": None, "title": "x"}, {"paperId": "a/b", "title": "y"}, "paper", 7]
    httpserver.expect_oneshot_request("/paper/batch").respond_with_json(body)
    found = client().by_doi(["10.5555/a", "10.5555/b", "10.5555/c", "10.5555/d"], no_progress)
    assert found == Found()


# -- title match ----------------------------------------------------------------------


def test_title_match_returns_the_one_closest_work(standin: StandIn) -> None:
    s2 = client()
    found = s2.title_candidates("A  fictional study of citation-graphs")

    assert found == [
        record(
            id=f"S2:{F1}",
            title="A fictional study of citation graphs",
            year=2016,
            venue="Journal of Imaginary Results",
            venue_type="journal",
            authors=("Ada Example", "Bo Sample"),
            doi="10.5555/fiction.0001",
            kind="journalarticle",
            cited_by_count=1500,
        )
    ]
    # No special syntax: hyphens would match nothing, so they are sent as spaces.
    assert standin.requests[0].args["query"] == "A fictional study of citation graphs"
    assert s2.counts.by_kind == {"search": 1}


def test_title_match_not_found_is_no_candidate(standin: StandIn) -> None:
    assert client().title_candidates("totalGarbageNonsense") == []
    assert standin.refused == []


# -- citing works ---------------------------------------------------------------------


@pytest.fixture
def cited_1500_times(standin: StandIn) -> StandIn:
    for number in range(1500):
        standin.add(
            {
                "paperId": f"c{number:039x}",
                "title": f"Citing work {number}",
                "year": 2020,
                "references": [F1],
            }
        )
    return standin


def test_citing_pages_with_next_and_stops_at_the_limit(cited_1500_times: StandIn) -> None:
    s2 = client()
    seen: list[tuple[str, int, int]] = []
    found = s2.citing([f"S2:{F1}"], lambda *a: seen.append(a), 1200)

    works = found[f"S2:{F1}"].works
    assert len(works) == 1200
    assert works[f"S2:c{0:039x}"] == record(id=f"S2:c{0:039x}", title="Citing work 0", year=2020)
    pages = [(r.args["offset"], r.args["limit"]) for r in cited_1500_times.requests]
    assert pages == [("0", "1000"), ("1000", "200")]
    assert seen == [("citing works", 1, 1)]
    assert s2.counts.by_kind == {"citations": 2}
    assert cited_1500_times.refused == []


def test_citing_stops_when_next_is_absent(cited_1500_times: StandIn) -> None:
    found = client().citing([f"S2:{F1}", f"S2:{F3}"], no_progress, 5000)

    # F1 is cited by the 1,500 and by two papers of the fixture.
    assert len(found[f"S2:{F1}"].works) == 1502
    # A citing work comes without its references (unknown, not empty).
    assert found[f"S2:{F3}"] == Found(
        works={
            f"S2:{EPI}": record(
                id=f"S2:{EPI}",
                title=PAPERS[1]["title"],
                year=2021,
                arxiv_id=EPI_ARXIV,
                cited_by_count=0,
            )
        }
    )
    pages = [(r.path, r.args["offset"]) for r in cited_1500_times.requests]
    assert pages == [
        (f"/paper/{F1}/citations", "0"),
        (f"/paper/{F1}/citations", "1000"),
        (f"/paper/{F3}/citations", "0"),
    ]


def test_citing_stops_on_an_empty_page_and_on_an_unknown_paper(
    standin: StandIn, httpserver: HTTPServer
) -> None:
    httpserver.expect_oneshot_request(f"/paper/{F1}/citations").respond_with_json(
        {"offset": 0, "next": 100, "data": []}
    )
    found = client().citing([f"S2:{F1}", f"S2:{'9' * 40}"], no_progress, 50)

    assert found == {f"S2:{F1}": Found(), f"S2:{'9' * 40}": Found()}
    assert len(standin.requests) == 1  # the oneshot answer is not the stand-in's


# -- plan -----------------------------------------------------------------------------


def test_plan_counts_batches_of_500_and_one_match_per_title() -> None:
    s2 = SemanticScholarClient.from_env(offline=True)
    try:
        # DOIs and arXiv ids share batches: 1,004 identifiers, three calls.
        assert s2.plan(1001, 3, 7) == [
            PlannedCalls("batch", 3, None, RATE_NOTE),
            PlannedCalls("search", 7, None, RATE_NOTE),
        ]
        assert s2.plan(0, 0, 0) == []
    finally:
        s2.close()


# -- failures -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(b"[{", "malformed JSON", id="malformed_json"),
        pytest.param(b'{"data": []}', "answered an object instead of a list", id="not_a_list"),
        pytest.param(b"null", "answered null instead of a list", id="null"),
        pytest.param(b"[null]", "answered 1 works for the 2 ids", id="wrong_length"),
        pytest.param(
            b'[{"paperId": "a", "citationCount": 123456789012345678901234567890}, null]',
            "beyond 64 bits",
            id="integer_beyond_64_bits",
        ),
        pytest.param(b"[" * 100_000, "nested too deeply", id="nested_deeply"),
    ],
)
def test_a_batch_answer_survey_cannot_use_is_one_line(
    standin: StandIn, httpserver: HTTPServer, body: bytes, message: str
) -> None:
    httpserver.expect_oneshot_request("/paper/batch").respond_with_data(
        body, content_type="application/json"
    )
    with pytest.raises(SourceUnavailable, match=re.escape(message)) as caught:
        client().by_doi([LIT_DOI, "10.5555/fiction.0001"], no_progress)
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith("Semantic Scholar: ")


def test_a_match_answer_that_is_not_an_object_is_one_line(
    standin: StandIn, httpserver: HTTPServer
) -> None:
    httpserver.expect_oneshot_request("/paper/search/match").respond_with_json([1, 2])
    with pytest.raises(SourceUnavailable, match="a list instead of an object"):
        client().title_candidates("Anything")


def test_429_without_retry_after_backs_off_then_succeeds(
    standin: StandIn, httpserver: HTTPServer
) -> None:
    httpserver.expect_oneshot_request("/paper/batch").respond_with_data(
        TOO_MANY, 429, content_type="application/json"
    )
    s2 = client()
    started = time.monotonic()
    found = s2.by_doi([LIT_DOI], no_progress)

    assert found.works == {LIT_DOI: LIT_RECORD}
    assert time.monotonic() - started < 30  # SURVEY_INDEX_BACKOFF=0.01, not seconds
    assert s2.counts.network == 2


def test_429_with_retry_after_waits_as_asked(standin: StandIn, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/paper/batch").respond_with_data(
        TOO_MANY, 429, headers={"Retry-After": "1"}, content_type="application/json"
    )
    s2 = client()
    started = time.monotonic()
    found = s2.by_doi([LIT_DOI], no_progress)

    assert found.works == {LIT_DOI: LIT_RECORD}
    assert time.monotonic() - started >= 0.9
    assert s2.last_limits == {"Retry-After": "1"}  # shown by --verbose


def test_429_asking_for_an_hour_gives_up_at_once(standin: StandIn, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/paper/batch").respond_with_data(
        TOO_MANY, 429, headers={"Retry-After": "3600"}, content_type="application/json"
    )
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match="asks to wait 3600 s"):
        client().by_doi([LIT_DOI], no_progress)
    assert time.monotonic() - started < 30  # not the hour asked
    assert standin.requests == []


def test_5xx_is_retried_then_succeeds(standin: StandIn, httpserver: HTTPServer) -> None:
    for status in (502, 503):
        httpserver.expect_oneshot_request("/paper/batch").respond_with_data("bad gateway", status)
    s2 = client()
    assert s2.by_doi([LIT_DOI], no_progress).works == {LIT_DOI: LIT_RECORD}
    assert s2.counts.network == 3


def test_5xx_every_time_makes_the_source_unavailable(
    standin: StandIn, httpserver: HTTPServer
) -> None:
    for _ in range(5):
        httpserver.expect_oneshot_request("/paper/batch").respond_with_data(
            '{"message": "Internal Server Error"}', 500
        )
    s2 = client()
    with pytest.raises(SourceUnavailable, match=r"answered 500 .*\(5 tries\)"):
        s2.by_doi([LIT_DOI], no_progress)
    assert s2.counts.network == 5
    assert standin.requests == []


def test_a_wrong_key_is_named(standin: StandIn, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/paper/batch").respond_with_json(
        {"message": "Forbidden"}, 403
    )
    with pytest.raises(
        SourceUnavailable, match=r"refused the request \(403: Forbidden\)"
    ) as caught:
        client().by_doi([LIT_DOI], no_progress)
    assert caught.value.hint == "check the API key"


# -- key, cache, offline, politeness --------------------------------------------------


def test_the_key_is_sent_as_a_header_and_kept_out_of_the_cache(
    standin: StandIn, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SURVEY_S2_API_KEY", KEY)
    s2 = client()
    first = s2.by_doi([LIT_DOI], no_progress)
    s2.close()

    assert standin.requests[0].headers.get("x-api-key") == KEY
    cache = tmp_path / "cache" / "semanticscholar.sqlite"
    with sqlite3.connect(cache) as connection:
        stored = connection.execute("SELECT key, request, body FROM answers").fetchall()
    assert len(stored) == 1
    assert all(KEY not in str(column) for column in stored[0])

    # --offline answers from the cache alone, and says so when it cannot.
    offline = client(offline=True)
    assert offline.by_doi([LIT_DOI], no_progress) == first
    assert (offline.counts.network, offline.counts.cached) == (0, 1)
    with pytest.raises(SourceUnavailable, match="--offline: /paper/batch is not in the cache"):
        offline.by_doi(["10.5555/fiction.0001"], no_progress)
    offline.close()
    assert len(standin.requests) == 1


def test_without_a_key_no_key_header_is_sent(standin: StandIn) -> None:
    client().title_candidates("Another fictional preprint")
    assert "x-api-key" not in standin.requests[0].headers


def test_the_default_client_asks_the_public_api_once_a_second(
    standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    s2 = client(polite=True)
    started = time.monotonic()
    s2.title_candidates("Another fictional preprint")
    s2.title_candidates("A fictional model of nowhere")
    assert time.monotonic() - started >= 0.9
    s2.close()

    monkeypatch.delenv("SURVEY_S2_URL")
    public = SemanticScholarClient.from_env(offline=True)
    with pytest.raises(SourceUnavailable, match="--offline"):
        public.title_candidates("Never asked before")  # and so never sent anywhere
    assert public._http.endpoint.base_url == DEFAULT_URL
    public.close()


@pytest.mark.parametrize(
    ("method", "path", "params", "body", "refusal"),
    [
        pytest.param(
            "POST",
            "/paper/batch",
            {"fields": "title"},
            {"ids": [f"DOI:10.5555/{i}" for i in range(501)]},
            "Can only process 500 paper ids at a time",
            id="501_ids",
        ),
        pytest.param(
            "POST",
            "/paper/batch",
            {},
            {"ids": [LIT], "fields": "title"},
            "fields is a query parameter",
            id="fields_in_body",
        ),
        pytest.param(
            "GET",
            f"/paper/{F1}/citations",
            {"limit": "1001"},
            None,
            "limit=1001",
            id="limit_over_1000",
        ),
        pytest.param(
            "GET",
            "/paper/search/match",
            {"query": "x", "fields": "title,matchScore"},
            None,
            "Unrecognized or unsupported fields: [matchScore]",
            id="unknown_field",
        ),
    ],
)
def test_the_stand_in_refuses_what_the_reference_forbids(
    standin: StandIn,
    httpserver: HTTPServer,
    method: str,
    path: str,
    params: dict[str, str],
    body: object,
    refusal: str,
) -> None:
    """The limits the client is tested against are really enforced."""
    answer = requests.request(method, httpserver.url_for(path), params=params, json=body)
    assert answer.status_code == 400
    assert refusal in answer.json()["error"]
    assert standin.refused
    standin.refused.clear()
