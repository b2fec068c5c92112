"""`survey enrich` and `survey discover` against recorded OpenAlex answers on 127.0.0.1.

The answers (tests/fixtures/openalex/responses.json, written by make_responses.py beside
it) have the shape of OpenAlex's Works API; pytest-httpserver serves each one for its
exact query, and answers 500 to anything else, so every request the client makes is
also checked.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from helpers import Cli
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, delete, func, select
from werkzeug import Request, Response

from survey.db import citations as cdb
from survey.db import session_scope
from survey.db.models import Citation, IndexMatch, IndexReference, IndexWork, Paper
from survey.ingest.enrich import EnrichReport, SourceReport, enrich
from survey.ingest.folder import build_survey
from survey.report.gather import build_report
from survey.report.markdown import render_markdown
from survey.review.check import check
from survey.review.discover import citing_works, missing_works
from survey.sources.indexes.openalex import OpenAlexClient
from survey.sources.indexes.records import WORKERS

# A snapshot of the bundled survey (69 papers) that the recorded answers were made for.
BUNDLED = REPO / "tests" / "fixtures" / "openalex" / "survey"
RESPONSES: list[dict[str, Any]] = json.loads(
    (REPO / "tests" / "fixtures" / "openalex" / "responses.json").read_text(encoding="utf-8")
)
TOTAL_REQUESTS = len(RESPONSES)  # one DOI batch, one arXiv batch, 10 titles, cited works
RESNET, VGG, IMAGENET, FASTER, BATCHNORM = (f"W700000000{i}" for i in range(1, 6))

EXPECTED_EDGES = [
    ("chan2019everybody", "isola2017image"),
    ("ding2019selective", "fu2017look"),
    ("fu2017look", "zhang2019learning"),
    ("park2019semantic", "isola2017image"),
    ("zheng2019learning", "fu2017look"),
    ("zheng2019learning", "krause2013d"),
    ("zheng2019learning", "lin2015bilinear"),
    ("zheng2019learning", "wah2011the"),
    ("zheng2019learning", "wei2018mask"),
    ("zhuang2020learning", "fu2017look"),
    ("zhuang2020learning", "khosla2011novel"),
    ("zhuang2020learning", "krause2013d"),
    ("zhuang2020learning", "lin2015bilinear"),
    ("zhuang2020learning", "maji2013fine"),
    ("zhuang2020learning", "vanhorn2015building"),
    ("zhuang2020learning", "wah2011the"),
]
EXPECTED_EXTERNAL = {
    RESNET: [
        "chen2020a",
        "ding2019selective",
        "gao2020channel",
        "he2020momentum",
        "luo2019cross",
        "wang2020graph",
        "zhang2019learning",
        "zhuang2020learning",
    ],
    VGG: ["dubey2018pairwise", "fu2017look", "lin2015bilinear", "qi2018low", "wei2018mask"],
    IMAGENET: [
        "fu2017look",
        "krause2016the",
        "lin2015bilinear",
        "qi2018low",
        "vanhorn2015building",
    ],
    FASTER: ["ding2019selective", "wang2020weakly"],
    BATCHNORM: ["gao2020channel"],
}
UNMATCHED = [
    "balaji2019conditional",
    "guo2019auto",
    "niu2018webly",
    "sun2019learning",
    "sun2020fine",
    "zhang2020web",
]


def serve(server: HTTPServer, responses: list[dict[str, Any]] = RESPONSES) -> None:
    for answer in responses:
        server.expect_request(answer["path"], query_string=answer["query"]).respond_with_json(
            answer["body"]
        )


@pytest.fixture
def recorded(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> HTTPServer:
    serve(httpserver)
    monkeypatch.setenv("SURVEY_OPENALEX_URL", httpserver.url_for("/").rstrip("/"))
    return httpserver


@pytest.fixture
def built(engine: Engine) -> Engine:
    with session_scope(engine, write=True) as session:
        build_survey(session, BUNDLED)
    return engine


def client(**limits: Any) -> OpenAlexClient:
    offline = limits.pop("offline", False)
    refresh = limits.pop("refresh", False)
    made = OpenAlexClient.from_env(offline=offline, refresh=refresh)
    if limits:
        made.http.limits = dataclasses.replace(made.http.limits, **limits)
    return made


def run(engine: Engine, **options: Any) -> SourceReport:
    """One run against OpenAlex alone: what it gave (its failure, if any, in `failure`)."""
    offline = options.pop("offline", False)
    refresh = options.get("refresh", False)
    c = client(offline=offline, refresh=refresh)
    try:
        return enrich(engine, [c], **options).sources[0]
    finally:
        c.close()


def openalex_state(engine: Engine) -> dict[str, Any]:
    with session_scope(engine) as session:
        keys = dict(session.execute(select(Paper.id, Paper.citekey)).all())
        return {
            "edges": [
                (e.citing, e.cited, e.evidence, e.suspect)
                for e in cdb.edges(session)
                if e.origin == "openalex"
            ],
            "matches": sorted(
                (keys[m.paper_id], m.work_id, m.method, m.score, m.doi_suggestion)
                for m in session.scalars(select(IndexMatch))
            ),
            "references": sorted(
                (keys[r.paper_id], r.work_id) for r in session.scalars(select(IndexReference))
            ),
            "works": sorted(
                (w.id, w.title, w.year, w.cited_by_count)
                for w in session.scalars(select(IndexWork))
            ),
        }


def test_enrich_the_bundled_survey(built: Engine, recorded: HTTPServer) -> None:
    report = run(built)
    assert (report.by_doi, report.by_arxiv, report.by_title) == (26, 33, 4)
    assert [key for key, _ in report.unmatched] == UNMATCHED
    assert (report.edges, report.external, report.external_missing) == (16, 5, 1)
    assert report.suggestions == 1
    assert report.requests == len(recorded.log) == TOTAL_REQUESTS
    with session_scope(built) as session:
        openalex = [(e.citing, e.cited) for e in cdb.edges(session) if e.origin == "openalex"]
        assert openalex == EXPECTED_EDGES
        cited: dict[str, list[str]] = {}
        for paper_id, work_id in session.execute(
            select(IndexReference.paper_id, IndexReference.work_id)
        ):
            cited.setdefault(work_id, []).append(session.get(Paper, paper_id).citekey)  # type: ignore[union-attr]
        assert {w: sorted(keys) for w, keys in cited.items()} == EXPECTED_EXTERNAL
        # Stored once each, with OpenAlex's metadata.
        resnet = session.get(IndexWork, RESNET)
        assert resnet is not None
        assert (resnet.title, resnet.year, resnet.first_author, resnet.doi) == (
            "Deep Residual Learning for Image Recognition",
            2016,
            "Kaiming He",
            "10.1109/cvpr.2016.90",
        )
        # The user's fields are untouched: lin2015bilinear still has no DOI.
        lin = session.scalars(select(Paper).where(Paper.citekey == "lin2015bilinear")).one()
        assert lin.doi is None
        match = session.get(IndexMatch, (lin.id, "openalex"))
        assert match is not None
        assert (match.method, match.doi_suggestion) == ("title", "10.1109/iccv.2015.170")
        assert match.score >= 90


def test_matching_by_doi_arxiv_and_title(built: Engine, recorded: HTTPServer) -> None:
    report = run(built)
    with session_scope(built) as session:
        methods = {
            key: (method, score, work.cited_by_count)
            for key, method, score, work in session.execute(
                select(Paper.citekey, IndexMatch.method, IndexMatch.score, IndexWork)
                .join(IndexMatch, IndexMatch.paper_id == Paper.id)
                .join(IndexWork, IndexWork.id == IndexMatch.work_id)
            )
        }
    assert methods["fu2017look"][:2] == ("doi", 100.0)
    assert methods["dubey2018maximum"][:2] == ("arxiv", 100.0)
    # A DOI OpenAlex does not know falls through to the title search.
    assert methods["wei2018mask"][0] == "title"
    assert methods["wah2011the"][0] == "title"
    assert all(count is not None for _, _, count in methods.values())
    scores = dict(report.unmatched)
    # A title search whose only result is another paper: scored, below the threshold.
    assert scores["sun2020fine"] is not None and scores["sun2020fine"] < 75
    # An empty result.
    assert scores["niu2018webly"] is None


def test_second_run_makes_no_request(built: Engine, recorded: HTTPServer) -> None:
    first = run(built)
    before = openalex_state(built)
    second = run(built)
    assert len(recorded.log) == TOTAL_REQUESTS
    # Every paper was asked before (the unmatched ones are remembered as such).
    assert (second.requests, second.cached, second.already) == (0, 0, 69)
    assert openalex_state(built) == before
    assert second.edges == first.edges
    # A database that forgot it all asks again, and the cache answers every request.
    with session_scope(built, write=True) as session:
        session.execute(delete(IndexMatch))
        session.execute(delete(IndexReference))
        session.execute(delete(IndexWork))
        session.execute(delete(Citation).where(Citation.origin == "openalex"))
    third = run(built)
    assert len(recorded.log) == TOTAL_REQUESTS
    assert (third.requests, third.cached) == (0, TOTAL_REQUESTS)
    assert openalex_state(built) == before


def test_offline_uses_only_the_cache(built: Engine, recorded: HTTPServer) -> None:
    run(built)
    state = openalex_state(built)
    recorded.clear()
    report = run(built, offline=True, refresh=True)
    assert len(recorded.log) == 0 and report.requests == 0
    assert openalex_state(built) == state


def test_offline_with_an_empty_cache_fails_cleanly(built: Engine, recorded: HTTPServer) -> None:
    assert "not in the cache" in (run(built, offline=True).failure or "")
    assert len(recorded.log) == 0
    assert openalex_state(built)["matches"] == []


def test_rebuild_keeps_openalex_edges_and_refresh_replaces_them(
    built: Engine, recorded: HTTPServer
) -> None:
    run(built)
    state = openalex_state(built)
    with session_scope(built, write=True) as session:
        build_survey(session, BUNDLED)
    assert openalex_state(built) == state
    # A stray openalex edge is dropped by the next enrich: edges follow the matches.
    with session_scope(built, write=True) as session:
        ids = dict(session.execute(select(Paper.citekey, Paper.id)).all())
        session.add(
            Citation(citing_id=ids["he2020momentum"], cited_id=ids["chen2020a"], origin="openalex")
        )
    report = run(built, refresh=True)
    assert len(recorded.log) == 2 * TOTAL_REQUESTS  # --refresh asks again
    assert report.already == 0
    assert openalex_state(built) == state


def test_discover_ranks_the_sections_missing_classics(built: Engine, recorded: HTTPServer) -> None:
    run(built)
    with session_scope(built) as session:
        path, found = missing_works(session, "fine-grained")
        assert path == "fine-grained"
        assert [(c.work_id, c.count) for c in found] == [
            (RESNET, 6),
            (VGG, 5),  # ties: more global citations first
            (IMAGENET, 5),
            (FASTER, 2),
        ]
        _, everything = missing_works(session, min_citing=1)
        assert [(c.work_id, c.count) for c in everything] == [
            (RESNET, 8),
            (VGG, 5),
            (IMAGENET, 5),
            (FASTER, 2),
            (BATCHNORM, 1),
        ]
        _, attention = missing_works(session, "fine-grained/attention", min_citing=1)
        assert [c.work_id for c in attention] == [RESNET, VGG, IMAGENET]


def test_check_reports_suggestions_and_agreement(built: Engine, recorded: HTTPServer) -> None:
    run(built)
    with session_scope(built) as session:
        findings = check(session)
    by_code: dict[str, list[Any]] = {}
    for finding in findings:
        by_code.setdefault(finding.code, []).append(finding)
    [suggestion] = by_code["doi-suggestion"]
    assert suggestion.key == "lin2015bilinear" and suggestion.severity == "info"
    assert "10.1109/iccv.2015.170" in suggestion.message and "confidence" in suggestion.message
    younger = [f for f in by_code["younger-citation"] if "openalex" in f.message]
    assert [(f.key, f.severity) for f in younger] == [("fu2017look", "warning")]
    lacking = {(f.key, f.message.split()[2]) for f in by_code["index-lacks-edge"]}
    # zheng2019learning -> zhang2019learning? No: curated edges the citing work's OpenAlex
    # references do not list, for citing papers OpenAlex has references of.
    assert ("zhuang2020learning", "zhang2019learning") not in lacking
    assert all(f.severity == "info" for f in by_code["index-lacks-edge"])
    assert lacking, "the citations file has fine-grained edges OpenAlex's fixture lacks"
    for key, cited in lacking:
        assert (key, cited) not in EXPECTED_EDGES


def test_report_lists_missing_works_and_edge_origins(built: Engine, recorded: HTTPServer) -> None:
    run(built)
    with session_scope(built) as session:
        text = render_markdown(build_report(session))
    assert text.count("Missing from this section") >= 1
    section = text.split("`fine-grained`", 1)[1].split("`fine-grained/", 1)[0]
    assert "Deep Residual Learning for Image Recognition (Kaiming He, 2016" in section
    assert "cited by 6:" in section
    assert "-.->" in text  # an edge only OpenAlex has
    assert "dotted for edges from the indexes only" in text
    assert "| OpenAlex | 63 of 69 | 16 | 5 |" in text  # the coverage table


def test_interrupted_run_writes_nothing_and_resumes(built: Engine, recorded: HTTPServer) -> None:
    searches = 0

    def interrupt(description: str, done: int, total: int) -> None:
        nonlocal searches
        if description.endswith("titles"):
            searches += 1
            if searches == 3:
                raise KeyboardInterrupt

    c = client()
    with pytest.raises(KeyboardInterrupt):
        enrich(built, [c], progress=interrupt)
    c.close()
    asked = len(recorded.log)
    # DOI batch, arXiv batch, three titles, and the few searches already in flight.
    assert 5 <= asked < TOTAL_REQUESTS - 1
    assert openalex_state(built) == {"edges": [], "matches": [], "references": [], "works": []}
    report = run(built)
    assert len(recorded.log) == TOTAL_REQUESTS and report.requests == TOTAL_REQUESTS - asked
    assert report.edges == len(EXPECTED_EDGES)


# -- the client against misbehaving servers -----------------------------------------


ONE_PAPER = """@inproceedings{he2016deep,
  author = {He, Kaiming and Zhang, Xiangyu and Ren, Shaoqing and Sun, Jian},
  title = {Deep Residual Learning for Image Recognition},
  booktitle = {IEEE Conference on Computer Vision and Pattern Recognition (CVPR)},
  year = {2016},
  doi = {10.1109/CVPR.2016.90}
}
"""
SELECT = RESPONSES[0]["query"]["select"]
# One paper with a DOI is asked as a single work: singleton lookups are free.
DOI_PATH = "/works/doi:10.1109/cvpr.2016.90"
DOI_QUERY = {"select": SELECT}


def one_work(references: list[str]) -> dict[str, Any]:
    """The Work object OpenAlex answers for DOI_PATH, citing `references`."""
    work: dict[str, Any] = json.loads(json.dumps(RESPONSES[-1]["body"]["results"][0]))
    work["referenced_works"] = [f"https://openalex.org/{r}" for r in references]
    return work


@pytest.fixture
def one_paper(
    engine: Engine, tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> Engine:
    from survey.ingest.load import load_bib_files

    bib = tmp_path / "one.bib"
    bib.write_text(ONE_PAPER, encoding="utf-8")
    with session_scope(engine, write=True) as session:
        load_bib_files(session, [bib])
    monkeypatch.setenv("SURVEY_OPENALEX_URL", httpserver.url_for("/").rstrip("/"))
    return engine


def test_external_works_are_fetched_in_batches_of_100(
    one_paper: Engine, httpserver: HTTPServer
) -> None:
    references = [f"W{8_000_000_000 + i}" for i in range(150)]
    httpserver.expect_request(DOI_PATH, query_string=DOI_QUERY).respond_with_json(
        one_work(references)
    )
    batches: list[list[str]] = []

    def answer(request: Request) -> Response:
        ids = request.args["filter"].removeprefix("openalex_id:").split("|")
        batches.append(ids)
        results: list[dict[str, object]] = [
            {
                "id": f"https://openalex.org/{w}",
                "title": f"Work {w}",
                "publication_year": 2010,
                "doi": None,
                "cited_by_count": 1,
                "referenced_works": [],
                "authorships": [],
            }
            for w in ids
        ]
        body = {
            "meta": {"count": len(results), "db_response_time_ms": 9, "per_page": 100},
            "results": results,
        }
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request(
        "/works",
        query_string={
            "filter": _Prefix("openalex_id:"),
            "per_page": "100",
            "select": SELECT,
            "cursor": "*",
        },
    ).respond_with_handler(answer)
    report = run(one_paper)
    assert [len(b) for b in batches] == [100, 50]
    assert sorted(w for b in batches for w in b) == sorted(references)
    assert report.external == 150


class _Prefix(str):
    """A query value that matches any value starting with it (for pytest-httpserver)."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and other.startswith(str.__str__(self))

    __hash__ = str.__hash__


def test_429_then_success_honours_retry_after(
    one_paper: Engine, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sleeps: list[float] = []
    real_sleep = time.sleep

    def short_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        real_sleep(min(seconds, 0.01))

    monkeypatch.setattr(time, "sleep", short_sleep)
    httpserver.expect_oneshot_request(DOI_PATH, query_string=DOI_QUERY).respond_with_data(
        '{"error": "rate limited"}', status=429, headers={"Retry-After": "3"}
    )
    httpserver.expect_request(DOI_PATH, query_string=DOI_QUERY).respond_with_json(one_work([]))
    report = run(one_paper)
    assert report.by_doi == 1
    assert [r.status_code for _, r in httpserver.log] == [429, 200]
    assert 3.0 in sleeps  # Retry-After, not the 0.01 s backoff


def test_500_then_success(one_paper: Engine, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(DOI_PATH, query_string=DOI_QUERY).respond_with_data(
        "upstream error", status=500
    )
    httpserver.expect_request(DOI_PATH, query_string=DOI_QUERY).respond_with_json(one_work([]))
    assert run(one_paper).by_doi == 1
    assert [r.status_code for _, r in httpserver.log] == [500, 200]


def test_persistent_500_fails_with_one_line(one_paper: Engine, httpserver: HTTPServer) -> None:
    httpserver.expect_request(DOI_PATH).respond_with_json(
        {"error": "boom", "message": "Internal"}, status=500
    )
    assert "answered 500" in (run(one_paper).failure or "")
    assert len(httpserver.log) == 5  # the first try and four retries
    assert openalex_state(one_paper)["matches"] == []


def test_timeout(one_paper: Engine, httpserver: HTTPServer) -> None:
    def slow(_request: Request) -> Response:
        time.sleep(0.6)
        return Response(json.dumps(one_work([])), content_type="application/json")

    httpserver.expect_request(DOI_PATH, query_string=DOI_QUERY).respond_with_handler(slow)
    c = client(read_timeout=0.2, retries=1)
    part = enrich(one_paper, [c]).sources[0]
    c.close()
    assert "no answer within 0.2 s" in (part.failure or "")
    assert openalex_state(one_paper)["matches"] == []
    # Let the server finish the abandoned requests before the next test uses it.
    deadline = time.monotonic() + 10
    while len(httpserver.log) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(httpserver.log) == 2  # the first try and one retry


def test_malformed_json_is_not_cached(one_paper: Engine, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(DOI_PATH, query_string=DOI_QUERY).respond_with_data(
        '{"meta": {"count": 1}, "results": [', content_type="application/json"
    )
    assert "malformed JSON" in (run(one_paper).failure or "")
    assert openalex_state(one_paper)["matches"] == []
    httpserver.expect_request(DOI_PATH, query_string=DOI_QUERY).respond_with_json(one_work([]))
    assert run(one_paper).by_doi == 1
    assert len(httpserver.log) == 2


def test_results_missing_from_the_answer(
    built: Engine, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request("/works").respond_with_json({"meta": {"count": 0}})
    monkeypatch.setenv("SURVEY_OPENALEX_URL", httpserver.url_for("/").rstrip("/"))
    assert "without a `results` list" in (run(built).failure or "")


def test_no_network_is_one_line_and_changes_nothing(
    built: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SURVEY_OPENALEX_URL", "http://127.0.0.1:9")
    with session_scope(built) as session:
        edges = session.scalar(select(func.count()).select_from(Citation))
    result = Cli()("--db", db_url, "enrich", "--source", "openalex")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3 and f"OpenAlex without {'SURVEY_OPENALEX_API_KEY'}" in lines[0]
    assert "OpenAlex: cannot reach http://127.0.0.1:9" in lines[1] and "--offline" in lines[1]
    assert "nothing of it was written" in lines[2]
    with session_scope(built) as session:
        assert session.scalar(select(func.count()).select_from(Citation)) == edges
    assert openalex_state(built)["matches"] == []


# -- the commands ----------------------------------------------------------------------


def test_cli_enrich_then_discover(
    built: Engine, recorded: HTTPServer, db_url: str, tmp_path: Path
) -> None:
    cli = Cli()
    result = cli("--db", db_url, "enrich", "--source", "openalex", "--verbose")
    assert result.exit_code == 0, result.stderr
    assert "OpenAlex: matched 63 of 69 papers (26 by DOI, 33 by arXiv id, 4 by title" in (
        result.stdout
    )
    assert "16 edges, 5 external works cited, 1 DOI suggestions" in result.stdout
    assert "13 requests (3 list, 10 search)" in result.stdout
    assert "sun2020fine: not matched in OpenAlex (best title score" in result.stderr
    # --verbose: what the answers said the run cost (13 answers of the recorded fixture).
    assert "OpenAlex: meta.cost_usd, summed over this run's answers: 0.0013" in result.stderr
    again = cli("--db", db_url, "enrich", "--offline", "--source", "openalex")
    assert again.exit_code == 0 and "0 requests" in again.stdout
    listed = cli("--db", db_url, "discover", "--within", "fine-grained", "--format", "json")
    assert listed.exit_code == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["work"], r["count"]) for r in rows] == [
        (RESNET, 6),
        (VGG, 5),
        (IMAGENET, 5),
        (FASTER, 2),
    ]
    assert rows[0]["papers"] == EXPECTED_EXTERNAL[RESNET][1:3] + EXPECTED_EXTERNAL[RESNET][4:]
    table = cli("--db", db_url, "discover", "--within", "fine-grained", "--limit", "2")
    assert "Deep Residual Learning" in table.stdout and "ImageNet" not in table.stdout
    csv_out = cli("--db", db_url, "discover", "--format", "csv", "--min-citing", "1")
    assert csv_out.stdout.splitlines()[0].startswith("work,count,year,first_author,title")
    assert len(csv_out.stdout.splitlines()) == 6
    bib = tmp_path / "missing.bib"
    written = cli("--db", db_url, "discover", "--within", "fine-grained", "--bib", bib)
    assert written.exit_code == 0
    text = bib.read_text(encoding="utf-8")
    assert "@inproceedings{he2016deep," in text
    assert "@misc{simonyan2014very," in text
    assert "openalex = {W7000000001}" in text
    assert (
        "x-survey-origin = {survey discover: OpenAlex W7000000001 is cited by 6 papers of "
        "fine-grained" in text
    )
    # The proposals load as they are (into another database).
    loaded = cli("--db", tmp_path / "other.db", "load", bib)
    assert loaded.exit_code == 0, loaded.stderr
    assert "4 papers in the database" in loaded.stdout


def test_cli_bad_input(built: Engine, recorded: HTTPServer, db_url: str, tmp_path: Path) -> None:
    cli = Cli()
    unknown = cli("--db", db_url, "discover", "--within", "no-such-section")
    assert unknown.exit_code == 1 and "no-such-section" in unknown.stderr
    needs_bib = cli("--db", db_url, "enrich", "--mentions")
    assert needs_bib.exit_code == 2
    unknown_index = cli("--db", db_url, "enrich", "--source", "crossref")
    assert (
        unknown_index.exit_code == 1 and "unknown citation index crossref" in unknown_index.stderr
    )
    empty = cli("--db", db_url, "discover", "--bib", tmp_path / "x.bib")
    assert empty.exit_code == 1 and "no works to write" in empty.stderr
    assert not (tmp_path / "x.bib").exists()


def test_discover_citing_asks_the_cites_filter(built: Engine, recorded: HTTPServer) -> None:
    run(built)
    with session_scope(built) as session:
        work_of = dict(
            session.execute(
                select(Paper.citekey, IndexMatch.work_id).join(
                    Paper, Paper.id == IndexMatch.paper_id
                )
            ).all()
        )
    fu, lin, zheng = (work_of[k] for k in ("fu2017look", "lin2015bilinear", "zheng2019learning"))
    follow_up = json.loads(json.dumps(RESPONSES[-1]["body"]["results"][0]))
    follow_up.update(
        id="https://openalex.org/W7000000020",
        title="A later fine-grained paper",
        referenced_works=[f"https://openalex.org/{w}" for w in (fu, lin, zheng)],
    )
    other = json.loads(json.dumps(follow_up))
    other.update(
        id="https://openalex.org/W7000000021",
        title="Cites one",
        referenced_works=[f"https://openalex.org/{fu}"],
    )
    recorded.expect_request(
        "/works",
        query_string={
            "filter": _Prefix("cites:"),
            "sort": "cited_by_count:desc",
            "per_page": "100",
            "select": SELECT,
            "cursor": "*",
        },
    ).respond_with_json(
        {
            "meta": {"count": 2, "db_response_time_ms": 40, "per_page": 100, "next_cursor": None},
            "results": [other, follow_up],
        }
    )
    c = client()
    with session_scope(built) as session:
        _, found = citing_works(session, [c], "fine-grained/end-to-end-encoding", min_citing=1)
    c.close()
    # lin2015bilinear and zheng2019learning are in that section; fu2017look is not.
    assert [(w.work_id, w.keys) for w in found] == [
        ("W7000000020", ("lin2015bilinear", "zheng2019learning"))
    ]
    cites = recorded.log[-1][0].args["filter"].removeprefix("cites:").split("|")
    assert sorted(cites) == cites and len(cites) == 4  # the section's matched works


def test_enrich_mentions_writes_proposals_for_review(
    engine: Engine,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    db_url: str,
    tmp_path: Path,
) -> None:
    with session_scope(engine, write=True) as session:
        build_survey(session, REPO / "tests" / "fixtures" / "planted")
        papers = session.scalar(select(func.count()).select_from(Paper))
    proposal = json.loads(json.dumps(RESPONSES[-1]["body"]["results"][0]))
    proposal.update(
        id="https://openalex.org/W7000000030",
        title="A Paper Nobody Wrote Down",
        display_name="A Paper Nobody Wrote Down",
        publication_year=2020,
        doi=None,
    )
    httpserver.expect_request(
        "/works",
        query_string={"search": "A paper nobody wrote down", "per_page": "10", "select": SELECT},
    ).respond_with_json(
        {
            "meta": {"count": 1, "db_response_time_ms": 8, "page": 1, "per_page": 10},
            "results": [proposal],
        }
    )
    monkeypatch.setenv("SURVEY_OPENALEX_URL", httpserver.url_for("/").rstrip("/"))
    bib = tmp_path / "proposals.bib"
    result = Cli()("--db", db_url, "enrich", "--source", "openalex", "--mentions", "--bib", bib)
    assert result.exit_code == 0, result.stderr
    assert "1 of 1 open mentions found;" in result.stdout
    text = bib.read_text(encoding="utf-8")
    assert text.startswith("@inproceedings{he2020paper,")
    assert "title = {A Paper Nobody Wrote Down}" in text
    assert "unresolved mention on line 13 in planted" in text
    # Nothing was added: the same papers, the mention still open.
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Paper)) == papers
        assert openalex_state(engine)["matches"] == []


def test_graphml_names_each_edge_origin(
    built: Engine, recorded: HTTPServer, tmp_path: Path
) -> None:
    from survey.export.collect import export_data
    from survey.export.graphml import write_graphml

    run(built)
    out = tmp_path / "survey.graphml"
    with session_scope(built) as session:
        write_graphml(export_data(session), out)
    text = out.read_text(encoding="utf-8")
    assert text.count(">openalex</data>") == len(EXPECTED_EDGES)
    assert ">file</data>" in text


def by_identifier(httpserver: HTTPServer) -> None:
    """Answer any DOI or OpenAlex id batch from the recorded works (for other batches)."""
    works: dict[str, dict[str, Any]] = {}
    for recorded in RESPONSES:
        for work in recorded["body"]["results"]:
            works[work["doi"] or ""] = work
            works[work["id"]] = work

    def answer(request: Request) -> Response:
        name, _, values = request.args["filter"].partition(":")
        prefix = "https://doi.org/" if name == "doi" else "https://openalex.org/"
        results = [works[prefix + v] for v in values.split("|") if prefix + v in works]
        body = {
            "meta": {"count": len(results), "db_response_time_ms": 20, "per_page": 100},
            "results": results,
        }
        return Response(json.dumps(body), content_type="application/json")

    for name in ("doi:", "openalex_id:"):
        query = {"filter": _Prefix(name), "per_page": "100", "select": SELECT, "cursor": "*"}
        httpserver.expect_request("/works", query_string=query).respond_with_handler(answer)


def test_enrich_within_a_section(built: Engine, recorded: HTTPServer) -> None:
    by_identifier(recorded)
    c = client()
    whole = enrich(built, [c], within="fine-grained")
    c.close()
    assert whole.scope == "fine-grained" and whole.papers == 30
    with session_scope(built) as session:
        keys = set(
            session.scalars(select(Paper.citekey).join(IndexMatch, IndexMatch.paper_id == Paper.id))
        )
    assert "isola2017image" not in keys and "fu2017look" in keys
    edges = [(a, b) for a, b, _, _ in openalex_state(built)["edges"]]
    assert edges == [
        e for e in EXPECTED_EDGES if e[0] not in ("chan2019everybody", "park2019semantic")
    ]
    # The rest of the survey later: only its papers are asked for.
    rest = run(built)
    assert rest.already == 30 and rest.edges == len(EXPECTED_EDGES)


def test_at_most_ten_requests_a_second(
    built: Engine, recorded: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import requests.adapters

    sent: list[float] = []
    send = requests.adapters.HTTPAdapter.send

    def timed(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(time.monotonic())
        return send(self, request, *args, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", timed)
    run(built)
    assert len(sent) == TOTAL_REQUESTS
    # However fast the server answers, requests go out at least 0.1 s apart.
    # Requests leave through one pacing lock; threads add a little jitter between the lock
    # and the socket, so the rule is read over every ten gaps: at most ten a second.
    spans = [b - a for a, b in zip(sent, sent[10:], strict=False)]
    assert spans and min(spans) >= 0.95


def test_contact_address_and_key_are_sent_and_kept_out_of_the_cache(
    one_paper: Engine, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SURVEY_OPENALEX_EMAIL", "someone@example.org")
    monkeypatch.setenv("SURVEY_OPENALEX_API_KEY", "k123")
    httpserver.expect_request(DOI_PATH, query_string=DOI_QUERY).respond_with_json(one_work([]))
    assert run(one_paper).by_doi == 1
    request = httpserver.log[0][0]
    assert request.headers["User-Agent"].endswith("(mailto:someone@example.org)")
    assert request.headers["Authorization"] == "Bearer k123"
    cache = (Path(os.environ["SURVEY_CACHE_DIR"]) / "openalex.sqlite").read_bytes()
    assert b"k123" not in cache
    # Another address asks nothing again: the answer does not depend on it.
    monkeypatch.setenv("SURVEY_OPENALEX_EMAIL", "other@example.org")
    with session_scope(one_paper, write=True) as session:
        session.execute(delete(IndexMatch))
    assert run(one_paper).requests == 0


def test_query_show_gives_the_openalex_match(
    built: Engine, recorded: HTTPServer, db_url: str
) -> None:
    run(built)
    cli = Cli()
    shown = cli("--db", db_url, "query", "show", "lin2015bilinear")
    assert (
        "(title match, score" in shown.stdout
        and "suggested doi 10.1109/iccv.2015.170" in shown.stdout
    )
    record = json.loads(
        cli("--db", db_url, "query", "show", "fu2017look", "--format", "json").stdout
    )
    [summary] = record["indexes"]
    assert summary["source"] == "openalex"
    assert summary["method"] == "doi" and summary["cited_by_count"] > 0
    missing = json.loads(
        cli("--db", db_url, "query", "show", "niu2018webly", "--format", "json").stdout
    )
    assert missing["indexes"][0]["work"] is None


def test_cli_ctrl_c_says_how_to_resume(
    built: Engine, recorded: HTTPServer, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import survey.ingest.enrich as core

    def interrupted(*_args: Any, **_kwargs: Any) -> EnrichReport:
        raise KeyboardInterrupt

    monkeypatch.setattr(core, "enrich", interrupted)
    result = Cli()("--db", db_url, "enrich")
    assert result.exit_code == 130
    assert "interrupted: nothing was written to the database" in result.stderr
    assert "run the command again to resume" in result.stderr


@pytest.mark.slow
def test_killed_run_leaves_the_database_as_it_was_and_resumes(
    built: Engine, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGKILL in the middle of the title searches: nothing written; the re-run resumes."""
    import os
    import signal
    import subprocess
    import sys

    slow_titles = 0

    def slowly(answer: dict[str, Any]) -> Any:
        def respond(_request: Request) -> Response:
            nonlocal slow_titles
            slow_titles += 1
            time.sleep(0.2)
            return Response(json.dumps(answer["body"]), content_type="application/json")

        return respond

    for answer in RESPONSES:
        handler = httpserver.expect_request(answer["path"], query_string=answer["query"])
        if "search" in answer["query"]:
            handler.respond_with_handler(slowly(answer))
        else:
            handler.respond_with_json(answer["body"])
    url = httpserver.url_for("/").rstrip("/")
    environment = {**os.environ, "SURVEY_OPENALEX_URL": url}
    process = subprocess.Popen(
        [sys.executable, "-m", "survey", "enrich", "--source", "openalex"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while len(httpserver.log) < 6 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    time.sleep(0.3)  # let an answer in flight finish on the server side
    asked = len(httpserver.log)
    assert 6 <= asked < TOTAL_REQUESTS
    assert openalex_state(built) == {"edges": [], "matches": [], "references": [], "works": []}
    monkeypatch.setenv("SURVEY_OPENALEX_URL", url)
    report = run(built)
    # Answers received before the kill came from the cache (those in flight, up to one per
    # worker, may be asked again).
    assert TOTAL_REQUESTS - asked <= report.requests <= TOTAL_REQUESTS - asked + WORKERS
    assert report.edges == len(EXPECTED_EDGES) and report.external == 5


def test_a_spent_budget_stops_openalex_at_once_and_says_to_set_the_key(
    built: Engine, httpserver: HTTPServer, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the DOI batch, OpenAlex answers 429 "Insufficient budget": no retry, one line
    naming the key; the answer already fetched stays cached, so the next run resumes."""
    serve(httpserver, RESPONSES[:1])
    spent = {
        "error": "Rate limit exceeded",
        "message": "Insufficient budget. This request costs $0.0001 but you only have "
        "$0.0000 remaining. Resets at midnight UTC.",
    }
    httpserver.expect_request("/works").respond_with_json(
        spent, status=429, headers={"Retry-After": "40000"}
    )
    monkeypatch.setenv("SURVEY_OPENALEX_URL", httpserver.url_for("/").rstrip("/"))
    result = Cli()("--db", db_url, "enrich", "--source", "openalex")
    assert result.exit_code == 1
    assert len(httpserver.log) == 2  # the DOI batch, then one refused call: no retries
    [line] = [x for x in result.stderr.splitlines() if "budget is spent" in x]
    assert "Insufficient budget" in line and "set SURVEY_OPENALEX_API_KEY" in line
    assert openalex_state(built)["matches"] == []
    # With the budget renewed, the run resumes: the DOI batch comes from the cache.
    httpserver.clear()
    serve(httpserver)
    part = run(built)
    assert part.failure is None and part.cached == 1 and part.requests == TOTAL_REQUESTS - 1


def test_a_doi_with_url_characters_is_asked_whole(
    engine: Engine, tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A DOI holding `#`, `?` and `%` (legal in DOIs) stays one path segment: quoted, not
    cut into a fragment or a query."""
    from survey.ingest.load import load_bib_files

    doi = "10.5555/odd#1?x=50%"
    bib = tmp_path / "odd.bib"
    bib.write_text(
        "@article{odd2020, title = {An Odd DOI}, author = {Odd, Ann}, journal = {J},"
        " year = {2020}, doi = {10.5555/odd#1?x=50%}}\n",
        encoding="utf-8",
    )
    with session_scope(engine, write=True) as session:
        load_bib_files(session, [bib])
    work = one_work([])
    work["doi"] = f"https://doi.org/{doi}"
    httpserver.expect_request(f"/works/doi:{doi}").respond_with_json(work)
    monkeypatch.setenv("SURVEY_OPENALEX_URL", httpserver.url_for("/").rstrip("/"))
    part = run(engine)
    assert (part.by_doi, part.failure) == (1, None)
    raw = httpserver.log[0][0].environ.get("RAW_URI") or httpserver.log[0][0].environ["REQUEST_URI"]
    assert raw.startswith("/works/doi:10.5555/odd%231%3Fx%3D50%25?select=")
