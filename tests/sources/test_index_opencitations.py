"""The OpenCitations client against a stand-in on 127.0.0.1.

The stand-in answers as api.opencitations.net does by its documentation and server code:
Index v2 `/references/{id}` and `/citations/{id}` for one lower-cased prefixed id, Meta v1
`/metadata/{ids}` for ids joined by `__` (at most 10 here; more is a 500), `[]` for an
unknown id, a plain-text 404 for a path no operation matches, and the access token
checked when one is set. Its answers (tests/fixtures/opencitations/answers.json) follow
the documented examples.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from survey.sources.indexes.http import SourceUnavailable
from survey.sources.indexes.opencitations import (
    DEFAULT_URL,
    SOURCE,
    URL_ENV,
    OpenCitationsClient,
)
from survey.sources.indexes.records import Found, IndexClient, PlannedCalls, WorkRecord

ANSWERS: dict[str, Any] = json.loads(
    (REPO / "tests" / "fixtures" / "opencitations" / "answers.json").read_text(encoding="utf-8")
)
INDEX_ID = re.compile(r"(omid|doi|pmid):(.+)")
META_ID = re.compile(r"(doi|issn|isbn|omid|openalex|pmid|pmcid):.+")
SICI = "10.5555/(sici)1234-5678(199602)30:2<207::aid-oc11>3.0.co;2-v"
SICI_PATH = "10.5555/%28sici%291234-5678%28199602%2930:2%3C207::aid-oc11%3E3.0.co%3B2-v"


@dataclass
class StandIn:
    """OpenCitations' REST API over the recorded answers."""

    token: str | None = None
    references: dict[str, list[Any]] = field(default_factory=dict)
    citations: dict[str, list[Any]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)  # by each id a row lists
    paths: list[str] = field(default_factory=list)  # as sent, percent-encoded
    override: Callable[[Request], Response | None] | None = None

    @classmethod
    def recorded(cls) -> StandIn:
        standin = cls(references=ANSWERS["references"], citations=ANSWERS["citations"])
        for row in ANSWERS["meta"]:
            for pid in row["id"].split():
                standin.meta[pid] = row
        return standin

    def __call__(self, request: Request) -> Response:
        self.paths.append(request.environ.get("RAW_URI") or request.environ["REQUEST_URI"])
        if self.token is not None and request.headers.get("authorization") != self.token:
            return _text(403, "Invalid token. Remove the authorization HEADER or register one")
        if self.override is not None:
            answer = self.override(request)
            if answer is not None:
                return answer
        path = request.path  # decoded, as the server matches it
        for operation, table in (("references", self.references), ("citations", self.citations)):
            prefix = f"/index/v2/{operation}/"
            if path.startswith(prefix):
                pid = path.removeprefix(prefix).lower()
                if not INDEX_ID.fullmatch(pid):
                    return _no_operation(path)
                return _json(table.get(pid, []))
        if path.startswith("/meta/v1/metadata/"):
            ids = path.removeprefix("/meta/v1/metadata/").split("__")
            if not all(META_ID.fullmatch(i) for i in ids):
                return _no_operation(path)
            if len(ids) > 10:
                return _text(500, "HTTP status code 500: something unexpected happened")
            rows: list[Any] = []
            for pid in ids:
                scheme, _, value = pid.partition(":")
                row = self.meta.get(f"{scheme}:{value.lower() if scheme == 'doi' else value}")
                if row is not None and row not in rows:
                    rows.append(row)
            return _json(rows)
        return _no_operation(path)


def _json(body: object) -> Response:
    return Response(json.dumps(body), 200, content_type="application/json")


def _text(status: int, text: str) -> Response:
    # The server labels its plain-text errors application/json.
    return Response(text, status, content_type="application/json")


def _no_operation(path: str) -> Response:
    return _text(404, f"No API operation found at URL '{path}'")


@pytest.fixture(autouse=True)
def offline_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SURVEY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SURVEY_INDEX_BACKOFF", "0.01")
    monkeypatch.setenv(URL_ENV, "http://127.0.0.1:9")  # a closed port unless served
    monkeypatch.delenv("SURVEY_OPENCITATIONS_TOKEN", raising=False)


@pytest.fixture
def standin(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    served = StandIn.recorded()
    httpserver.expect_request(re.compile(".*")).respond_with_handler(served)
    monkeypatch.setenv(URL_ENV, httpserver.url_for("/").rstrip("/"))
    yield served
    httpserver.check_assertions()


@pytest.fixture
def client(standin: StandIn) -> Iterator[OpenCitationsClient]:
    with_client = OpenCitationsClient.from_env()
    yield with_client
    with_client.close()


class Ticks:
    """A progress callback that keeps what it is told."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int, int]] = []

    def __call__(self, what: str, done: int, total: int) -> None:
        self.seen.append((what, done, total))


def record(work_id: str, title: str = "", **fields: Any) -> WorkRecord:
    return WorkRecord(source=SOURCE, id=work_id, title=title, **fields)


TEST_1 = record(
    "doi:10.5555/oc-test.1",
    "Open Citations In The Wild: A Test Record",
    year=2020,
    venue="Journal Of Test Data",
    venue_type="journal",
    authors=("Maria Rossi", "Verdi", "Research Centre For Open Scholarly Metadata"),
    doi="10.5555/oc-test.1",
    kind="journal article",
    references=("doi:10.5555/oc-test.2", "doi:10.7717/peerj-cs.421", "omid:br/06990000002"),
)
TEST_2 = record(
    "doi:10.5555/oc-test.2",
    "A Second Test Record",
    year=2018,
    venue="Proceedings Of A Test Workshop",
    venue_type="conference",
    authors=("Luca Bianchi",),
    doi="10.5555/oc-test.2",
    kind="proceedings article",
)
SICI_WORK = record(
    f"doi:{SICI}",
    "A Work Whose DOI Needs Escaping",
    year=1996,
    venue="Journal Of Test Data",
    venue_type="journal",
    authors=("Anna Neri",),
    doi=SICI,
    kind="journal article",
)
# Meta does not know it here: the Index's rows give its ids and year.
PEERJ = record(
    "doi:10.7717/peerj-cs.421",
    year=2021,
    doi="10.7717/peerj-cs.421",
    references=(
        "doi:10.1007/s11192-020-03690-4",
        "doi:10.1007/s11192-020-03792-z",
        "doi:10.7717/peerj-cs.163",
    ),
)
SCIENTOMETRICS = record(
    "doi:10.1007/s11192-022-04367-w",
    "Identifying And Correcting Invalid Citations Due To DOI Errors In Crossref Data",
    year=2022,
    venue="Scientometrics",
    venue_type="journal",
    authors=(
        "Alessia Cioffi",
        "Sara Coppini",
        "Arcangelo Massari",
        "Arianna Moretti",
        "Silvio Peroni",
        "Cristian Santini",
        "Nooshin Shahidzadeh",
    ),
    doi="10.1007/s11192-022-04367-w",
    kind="journal article",
)
NO_DOI = record("omid:br/06990000002", "A Report Without A DOI", kind="report")


def test_references_and_metadata_by_doi(client: OpenCitationsClient, standin: StandIn) -> None:
    ticks = Ticks()
    asked = ["10.7717/peerj-cs.421", "10.5555/OC-Test.1", "10.5555/unknown", SICI]
    started = time.monotonic()
    found = client.by_doi(asked, ticks)
    # Five requests paced at 3 a second (the documented 180 a minute).
    assert time.monotonic() - started >= 4 / 3 - 0.05
    assert found.works == {
        "10.7717/peerj-cs.421": PEERJ,
        "10.5555/OC-Test.1": TEST_1,
        SICI: replace(SICI_WORK, references=("doi:10.5555/oc-test.2",)),
    }
    assert found.also == {}
    # One Index call per DOI (a few in flight at once, so in any order), then one Meta
    # call for all four, sorted and joined by "__".
    assert sorted(standin.paths[:4]) == [
        f"/index/v2/references/doi:{SICI_PATH}",
        "/index/v2/references/doi:10.5555/oc-test.1",
        "/index/v2/references/doi:10.5555/unknown",
        "/index/v2/references/doi:10.7717/peerj-cs.421",
    ]
    assert standin.paths[4:] == [
        f"/meta/v1/metadata/doi:{SICI_PATH}__doi:10.5555/oc-test.1__doi:10.5555/unknown"
        "__doi:10.7717/peerj-cs.421",
    ]
    assert client.counts.by_kind == {"references": 4, "metadata": 1}
    assert ticks.seen[-1] == ("OpenCitations: metadata", 1, 1)
    assert ("OpenCitations: references", 4, 4) in ticks.seen


def test_arxiv_ids_asked_as_arxiv_dois(client: OpenCitationsClient, standin: StandIn) -> None:
    found = client.by_arxiv(["1706.03762"], Ticks())
    authors = (
        "Ashish Vaswani",
        "Noam Shazeer",
        "Niki Parmar",
        "Jakob Uszkoreit",
        "Llion Jones",
        "Aidan N. Gomez",
        "Lukasz Kaiser",
        "Illia Polosukhin",
    )
    # The Index answered [] but Meta knows the work: an empty reference list.
    assert found.works == {
        "1706.03762": record(
            "doi:10.48550/arxiv.1706.03762",
            "Attention Is All You Need",
            year=2017,
            venue_type="repository",
            authors=authors,
            doi="10.48550/arxiv.1706.03762",
            arxiv_id="1706.03762",
            kind="preprint",
            references=(),
        )
    }
    assert standin.paths[0] == "/index/v2/references/doi:10.48550/arxiv.1706.03762"


def test_works_by_id_ten_a_call(client: OpenCitationsClient, standin: StandIn) -> None:
    ids = [
        "doi:10.1007/s11192-022-04367-w",
        "omid:br/06990000002",
        "omid:br/0612058700",  # a work with a DOI, asked by its OMID
        "W2194775991",  # OpenAlex's: not asked
        "S2:abc",
    ] + [f"doi:10.5555/absent.{n}" for n in range(9)]
    found = client.by_id(ids, Ticks())
    assert [w.id for w in found] == [
        "doi:10.1007/s11192-022-04367-w",
        "omid:br/0612058700",
        "omid:br/06990000002",
    ]
    assert found[0] == SCIENTOMETRICS
    assert found[2] == NO_DOI
    assert found[1] == record(
        "omid:br/0612058700",
        "Adaptive Environmental Management",
        year=2009,
        doi="10.1007/978-1-4020-9632-7",
        kind="book",
    )
    assert len(standin.paths) == 2 and all(p.count("__") <= 9 for p in standin.paths)


def test_citing_works_newest_first(client: OpenCitationsClient, standin: StandIn) -> None:
    ids = ["doi:10.1108/jd-12-2013-0166", "doi:10.5555/oc-test.2", "omid:br/06990000002"]
    found = client.citing(ids, Ticks(), limit=2)
    assert found == {
        # Meta knows neither: their years come from the citations' creation dates.
        "doi:10.1108/jd-12-2013-0166": Found(
            works={
                "doi:10.7717/peerj-cs.421": record(
                    "doi:10.7717/peerj-cs.421", year=2021, doi="10.7717/peerj-cs.421"
                ),
                "doi:10.3233/ds-190016": record(
                    "doi:10.3233/ds-190016", year=2019, doi="10.3233/ds-190016"
                ),
            }
        ),
        "doi:10.5555/oc-test.2": Found(
            works={
                "doi:10.5555/oc-test.1": replace(TEST_1, references=None),
                f"doi:{SICI}": SICI_WORK,
            }
        ),
        "omid:br/06990000002": Found(
            works={"doi:10.5555/oc-test.1": replace(TEST_1, references=None)}
        ),
    }
    # Asked a few at a time: the three calls arrive in any order, Meta's after them.
    assert sorted(standin.paths[:3]) == [f"/index/v2/citations/{i}" for i in sorted(ids)]
    assert standin.paths[3].startswith("/meta/v1/metadata/")
    assert client.counts.by_kind == {"citations": 3, "metadata": 1}


def test_the_plan_and_no_title_search(client: OpenCitationsClient, standin: StandIn) -> None:
    assert client.plan(dois=25, arxiv=6, titles=40) == [
        PlannedCalls("references", 31, None, client.plan(0, 0, 0)[0].note),
        PlannedCalls("metadata", 4, None, client.plan(0, 0, 0)[1].note),
    ]
    assert "180 requests/minute" in client.plan(1, 0, 0)[0].note
    assert client.title_candidates("Attention Is All You Need") == []
    assert standin.paths == []


def test_the_token_goes_in_the_authorization_header(
    standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    standin.token = "0d5e1f2a-test-token"
    refused = OpenCitationsClient.from_env()
    with pytest.raises(SourceUnavailable, match="refused the request \\(403"):
        refused.by_doi(["10.5555/oc-test.1"], Ticks())
    refused.close()
    monkeypatch.setenv("SURVEY_OPENCITATIONS_TOKEN", "0d5e1f2a-test-token")
    accepted = OpenCitationsClient.from_env()
    assert accepted.by_doi(["10.5555/oc-test.1"], Ticks()).works == {"10.5555/oc-test.1": TEST_1}
    accepted.close()


def test_answers_are_cached_and_reused_offline(standin: StandIn) -> None:
    first = OpenCitationsClient.from_env()
    online = first.by_doi(["10.5555/oc-test.1", "10.7717/peerj-cs.421"], Ticks())
    first.close()
    sent = len(standin.paths)
    again = OpenCitationsClient.from_env(offline=True)
    assert again.by_doi(["10.7717/peerj-cs.421", "10.5555/oc-test.1"], Ticks()) == online
    assert (again.counts.network, again.counts.cached) == (0, 3)
    with pytest.raises(SourceUnavailable, match=r"--offline: .* is not in the cache") as failure:
        again.by_doi(["10.5555/oc-test.2"], Ticks())
    assert "\n" not in str(failure.value)
    again.close()
    assert len(standin.paths) == sent


def test_rate_limited_and_unavailable_answers_are_retried(standin: StandIn) -> None:
    refusals = iter([_text(429, "Too Many Requests"), _text(503, "Service Unavailable")])

    def busy(request: Request) -> Response | None:
        return next(refusals, None)

    standin.override = busy
    client = OpenCitationsClient.from_env()
    assert client.by_doi(["10.5555/oc-test.1"], Ticks()).works == {"10.5555/oc-test.1": TEST_1}
    assert client.counts.network == 4  # two refused, then references and metadata
    client.close()


def test_a_404_loses_only_its_work(standin: StandIn) -> None:
    """A path the server matches to no operation: that work is not found, the run goes on;
    in a Meta list, each id is then asked alone."""

    def no_operation(request: Request) -> Response | None:
        if "oc-test.2" in request.path:
            return _no_operation(request.path)
        return None

    standin.override = no_operation
    client = OpenCitationsClient.from_env()
    found = client.by_doi(["10.5555/oc-test.1", "10.5555/oc-test.2"], Ticks())
    assert found.works == {"10.5555/oc-test.1": TEST_1}
    assert standin.paths[-3:] == [
        "/meta/v1/metadata/doi:10.5555/oc-test.1__doi:10.5555/oc-test.2",
        "/meta/v1/metadata/doi:10.5555/oc-test.1",
        "/meta/v1/metadata/doi:10.5555/oc-test.2",
    ]
    client.close()


def test_ids_the_server_cannot_take_are_not_asked(
    client: OpenCitationsClient, standin: StandIn
) -> None:
    asked = [
        "10.5555/it's",  # a quote would end the server's SPARQL string
        "10.5555/what?now",  # the server cuts its path at "?"
        "10.5555/a#b",
        "10.5555/homidal",  # the Index takes any id holding "omid" for an OMID
        "10.5555/a__b",  # Meta splits its ids at "__"
    ]
    standin.meta["doi:10.5555/homidal"] = {"id": "doi:10.5555/homidal", "title": "Homidal"}
    # Known to Meta, never asked of the Index: its reference list is unknown, not empty.
    assert client.by_doi(asked, Ticks()).works == {
        "10.5555/homidal": record("doi:10.5555/homidal", "Homidal", doi="10.5555/homidal")
    }
    assert standin.paths == [
        "/index/v2/references/doi:10.5555/a__b",
        "/meta/v1/metadata/doi:10.5555/homidal",
    ]


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        pytest.param(
            503, "Service Unavailable", "answered 503 for /index/v2/.*5 tries", id="503_forever"
        ),
        pytest.param(
            500,
            "HTTP status code 500: something unexpected happened - ValueError: x (line 1)",
            "answered 500 for /index/v2/.*5 tries",
            id="500_plain_text",
        ),
        pytest.param(200, '[{"oci": "0610', "malformed JSON for /index/v2/", id="malformed_json"),
        pytest.param(200, '{"oci": "0610"}', "a JSON object instead of a list", id="dict_not_list"),
        pytest.param(200, '"[]"', "a string instead of a list", id="string_not_list"),
        pytest.param(200, "180", "a number instead of a list", id="number_not_list"),
        pytest.param(200, "[" * 100_000 + "]" * 100_000, "nested too deeply", id="deep_json"),
        pytest.param(200, "[" + "9" * 30 + "]", "beyond 64 bits", id="huge_integer"),
    ],
)
def test_a_broken_answer_is_one_line(
    standin: StandIn, status: int, body: str, message: str
) -> None:
    standin.override = lambda request: _text(status, body)
    client = OpenCitationsClient.from_env()
    with pytest.raises(SourceUnavailable, match=message) as failure:
        client.by_doi(["10.5555/oc-test.1"], Ticks())
    assert "\n" not in str(failure.value)
    assert str(failure.value).startswith("OpenCitations: ")
    client.close()


def test_values_of_the_wrong_type_are_dropped(standin: StandIn) -> None:
    standin.references = {
        "doi:10.5555/oc-test.1": [
            {"oci": "1-2", "citing": "omid:br/06990000001", "cited": 6990000002, "creation": 2020},
            "omid:br/06990000003 doi:10.5555/oc-test.2",
            ["cited"],
            {"oci": "1-3", "cited": "omid:br/06990000003 doi:10.5555/OC-TEST.2"},
            {"oci": "1-4", "cited": "doi:not-a-doi omid:nonsense pmid:1"},
        ]
    }
    odd = {
        "id": "doi:10.5555/oc-test.1",
        "title": 42,
        "author": ["Rossi, Maria"],
        "pub_date": 2020,
        "venue": {"name": "Journal"},
        "type": None,
    }
    standin.meta = {"doi:10.5555/oc-test.1": odd}
    client = OpenCitationsClient.from_env()
    found = client.by_doi(["10.5555/oc-test.1"], Ticks())
    assert found.works == {
        "10.5555/oc-test.1": record(
            "doi:10.5555/oc-test.1",
            year=2020,
            doi="10.5555/oc-test.1",
            references=("doi:10.5555/oc-test.2",),
        )
    }
    client.close()


@pytest.mark.parametrize(
    ("date", "year"),
    [
        pytest.param("2019", 2019, id="year"),
        pytest.param("2019-05", 2019, id="year_month"),
        pytest.param("2019-05-17", 2019, id="full_date"),
        pytest.param("", None, id="empty"),
        pytest.param("05/2019", None, id="not_iso"),
        pytest.param("0019", None, id="implausible"),
        pytest.param(" 2019 ", 2019, id="spaces"),
    ],
)
def test_publication_dates(standin: StandIn, date: str, year: int | None) -> None:
    standin.meta = {"omid:br/06990000002": {"id": "omid:br/06990000002", "pub_date": date}}
    client = OpenCitationsClient.from_env()
    assert [w.year for w in client.by_id(["omid:br/06990000002"], Ticks())] == [year]
    client.close()


def test_the_default_address_and_the_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(URL_ENV)
    client: IndexClient = OpenCitationsClient.from_env(offline=True)
    assert DEFAULT_URL == "https://api.opencitations.net"
    with pytest.raises(SourceUnavailable, match="--offline"):
        client.by_doi(["10.5555/oc-test.1"], Ticks())
    assert client.counts.network == 0
    client.close()
