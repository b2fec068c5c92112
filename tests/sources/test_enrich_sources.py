"""`survey enrich` over several citation indexes at once, against stand-ins on 127.0.0.1.

A four-paper survey with no OpenAlex key: Semantic Scholar and OpenCitations (the keyless
indexes) are asked by default; an edge both witness is one citation with both origins; a
work both know counts once in `survey discover`; an index that is down is named in one
line while the other's edges land; `survey check` reports how far the two agree and the
curated edges neither confirms; the report has a coverage table.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from helpers import Cli
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine
from test_index_opencitations import StandIn as CitationsStandIn
from test_index_semanticscholar import StandIn as ScholarStandIn
from werkzeug import Request, Response

from survey.db import citations as cdb
from survey.db import session_scope
from survey.ingest.enrich import enrich
from survey.ingest.load import load_bib_files
from survey.report.gather import build_report
from survey.report.markdown import render_markdown
from survey.review.check import check
from survey.review.discover import citing_works, missing_works
from survey.sources.indexes.choice import open_clients

# Fictional works (DOI prefix 10.5555, an arXiv id of month 00): no real record is described.
BIB = """@article{alpha2020first,
  author = {Able, Ann},
  title = {Alpha: A First Method},
  journal = {Journal of Tests},
  year = {2020},
  doi = {10.5555/alpha}
}
@article{beta2019second,
  author = {Baker, Bob},
  title = {Beta Networks for Things},
  journal = {Journal of Tests},
  year = {2019},
  doi = {10.5555/beta}
}
@misc{gamma2018third,
  author = {Cole, Cy},
  title = {Gamma Learning},
  year = {2018},
  eprint = {1800.00001},
  archiveprefix = {arXiv}
}
@inproceedings{delta2017fourth,
  author = {Dunn, Di},
  title = {Delta Is Everything},
  booktitle = {Workshop of Tests},
  year = {2017}
}
"""


def _s2(paper_id: str, title: str, year: int, ids: dict[str, Any], refs: list[str]) -> Any:
    return {
        "paperId": paper_id,
        "externalIds": ids,
        "title": title,
        "year": year,
        "venue": "Journal of Tests",
        "publicationVenue": None,
        "journal": None,
        "authors": [{"authorId": "1", "name": "Some Author"}],
        "citationCount": 10,
        "publicationTypes": ["JournalArticle"],
        "references": refs,
    }


A1, B1, G1, D1, X1, Z1 = (c * 40 for c in "abcdef")
SCHOLAR = [
    _s2(A1, "Alpha: A First Method", 2020, {"DOI": "10.5555/ALPHA"}, [B1, G1, X1]),
    _s2(B1, "Beta Networks for Things", 2019, {"DOI": "10.5555/beta"}, [D1]),
    _s2(G1, "Gamma Learning", 2018, {"ArXiv": "1800.00001"}, [D1]),
    _s2(D1, "Delta Is Everything", 2017, {}, []),
    _s2(X1, "X-Ray: The Classic", 2010, {"DOI": "10.5555/XRAY"}, []),
    _s2(Z1, "Zulu Follows Up", 2022, {"DOI": "10.5555/zulu"}, [A1, B1]),
]


def _row(citing: str, cited: str, n: int) -> dict[str, str]:
    return {
        "oci": f"0610{n}-0611{n}",
        "citing": f"omid:br/0610{n} doi:{citing}",
        "cited": f"omid:br/0611{n} doi:{cited}",
        "creation": "2020",
        "timespan": "P1Y",
        "journal_sc": "no",
        "author_sc": "no",
    }


def _meta(doi: str, title: str, date: str) -> dict[str, str]:
    return {
        "id": f"doi:{doi} omid:br/0699{len(title)}",
        "title": title,
        "author": "Author, Some [omid:ra/0699]",
        "pub_date": date,
        "venue": "Journal of Tests [issn:0000-0000]",
        "type": "journal article",
        "issue": "",
        "volume": "",
        "page": "",
        "publisher": "",
        "editor": "",
    }


def citations_standin() -> CitationsStandIn:
    stand_in = CitationsStandIn(
        references={
            "doi:10.5555/alpha": [_row("10.5555/alpha", "10.5555/beta", 1)],
            "doi:10.5555/beta": [_row("10.5555/beta", "10.5555/xray", 2)],
        },
        citations={
            "doi:10.5555/alpha": [_row("10.5555/zulu", "10.5555/alpha", 3)],
            "doi:10.5555/beta": [_row("10.5555/zulu", "10.5555/beta", 4)],
        },
    )
    for row in (
        _meta("10.5555/alpha", "Alpha: A First Method", "2020"),
        _meta("10.5555/beta", "Beta Networks for Things", "2019"),
        _meta("10.5555/xray", "X-Ray: The Classic", "2010"),
        _meta("10.5555/zulu", "Zulu Follows Up", "2022-05"),
    ):
        for pid in row["id"].split():
            stand_in.meta[pid] = row
    return stand_in


@pytest.fixture
def served(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> CitationsStandIn:
    """Both indexes on one server (their paths do not overlap), unpaced."""
    ScholarStandIn(SCHOLAR).serve(httpserver)
    citations = citations_standin()
    httpserver.expect_request(re.compile(r"^/(index|meta)/")).respond_with_handler(citations)
    url = httpserver.url_for("/").rstrip("/")
    monkeypatch.setenv("SURVEY_S2_URL", url)
    monkeypatch.setenv("SURVEY_OPENCITATIONS_URL", url)
    monkeypatch.setenv("SURVEY_INDEX_RATE", "0")
    return citations


@pytest.fixture
def four(engine: Engine, tmp_path: Path) -> Engine:
    bib = tmp_path / "four.bib"
    bib.write_text(BIB, encoding="utf-8")
    with session_scope(engine, write=True) as session:
        load_bib_files(session, [bib])
    return engine


def run(engine: Engine) -> dict[str, Any]:
    clients, notes = open_clients(None)
    try:
        report = enrich(engine, clients)
    finally:
        for client in clients:
            client.close()
    return {"notes": notes, "parts": {p.source: p for p in report.sources}}


def edges_by_pair(engine: Engine) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    with session_scope(engine) as session:
        for edge in cdb.edges(session):
            found.setdefault((edge.citing, edge.cited), []).append(edge.origin)
    return {pair: sorted(origins) for pair, origins in sorted(found.items())}


def test_without_a_key_the_keyless_indexes_give_the_edges(
    four: Engine, served: CitationsStandIn
) -> None:
    result = run(four)
    assert [n.split(":")[0] for n in result["notes"]] == ["OpenAlex left out"]
    assert "SURVEY_OPENALEX_API_KEY" in result["notes"][0]
    scholar, citations = result["parts"]["semanticscholar"], result["parts"]["opencitations"]
    assert (scholar.by_doi, scholar.by_arxiv, scholar.by_title, scholar.failure) == (2, 1, 1, None)
    # Two DOIs and an arXiv id in one batch call (a batch takes ids of any kind).
    assert scholar.by_kind == {"batch": 1, "search": 1}
    assert (citations.by_doi, citations.matched, citations.failure) == (2, 2, None)
    assert edges_by_pair(four) == {
        # One citation, two witnesses.
        ("alpha2020first", "beta2019second"): ["opencitations", "semanticscholar"],
        ("alpha2020first", "gamma2018third"): ["semanticscholar"],
        ("beta2019second", "delta2017fourth"): ["semanticscholar"],
        ("gamma2018third", "delta2017fourth"): ["semanticscholar"],
    }
    assert (scholar.edges, citations.edges) == (4, 1)
    assert (scholar.external, citations.external) == (1, 1)


def test_a_work_two_indexes_know_counts_once(four: Engine, served: CitationsStandIn) -> None:
    run(four)
    with session_scope(four) as session:
        _, found = missing_works(session, min_citing=1)
    # Semantic Scholar has alpha citing X-Ray, OpenCitations has beta citing it: one work,
    # cited by two papers, named by the first index's id.
    assert [(c.work_id, c.keys, c.doi) for c in found] == [
        (f"S2:{X1}", ("alpha2020first", "beta2019second"), "10.5555/xray")
    ]


def test_citing_works_from_both_indexes_count_once(four: Engine, served: CitationsStandIn) -> None:
    run(four)
    clients, _ = open_clients(None)
    with session_scope(four) as session:
        _, found = citing_works(session, clients, min_citing=2)
    for client in clients:
        client.close()
    assert [(c.work_id, c.keys) for c in found] == [
        (f"S2:{Z1}", ("alpha2020first", "beta2019second"))
    ]


def test_check_reports_agreement_and_unconfirmed_curated_edges(
    four: Engine, served: CitationsStandIn, db_url: str
) -> None:
    run(four)
    cli = Cli()
    added = cli("--db", db_url, "cite", "add", "beta2019second", "gamma2018third")
    assert added.exit_code == 0, added.stderr
    with session_scope(four) as session:
        findings = {f.code: f for f in check(session)}
    agreement = findings["index-agreement"]
    assert agreement.message == (
        "OpenCitations and Semantic Scholar agree on 1 of 1 edges among the 2 papers both "
        "matched (0 only in OpenCitations, 0 only in Semantic Scholar)"
    )
    lacking = findings["index-lacks-edge"]
    assert lacking.key == "beta2019second"
    assert "(manual) is in no index's references (Semantic Scholar knows both" in (
        lacking.message.replace("know both", "knows both")
    )


def test_the_report_has_a_coverage_table(four: Engine, served: CitationsStandIn) -> None:
    run(four)
    with session_scope(four) as session:
        text = render_markdown(build_report(session))
    assert "| index | papers matched | edges | external works |" in text
    assert "| OpenCitations | 2 of 4 | 1 | 1 |" in text
    assert "| Semantic Scholar | 4 of 4 | 4 | 1 |" in text


def test_an_index_that_is_down_is_named_while_the_other_lands(
    four: Engine, served: CitationsStandIn, db_url: str
) -> None:
    def down(_request: Request) -> Response:
        return Response("upstream gone", 503)

    served.override = down
    result = Cli()("--db", db_url, "enrich")
    assert result.exit_code == 0, result.stderr
    assert "OpenCitations: answered 503" in result.stderr
    assert "OpenCitations: nothing of it was written this run" in result.stderr
    assert "Semantic Scholar: matched 4 of 4 papers" in result.stdout
    assert list(edges_by_pair(four).values()) == [["semanticscholar"]] * 4
    # The next run asks only OpenCitations' part again (Semantic Scholar remembers its).
    served.override = None
    second = Cli()("--db", db_url, "enrich")
    assert "Semantic Scholar: matched 0 of 4 papers" in second.stdout
    assert "4 asked before" in second.stdout
    assert "OpenCitations: matched 2 of 4 papers" in second.stdout
    assert edges_by_pair(four)[("alpha2020first", "beta2019second")] == [
        "opencitations",
        "semanticscholar",
    ]


def test_dry_run_asks_nothing_and_prices_the_calls(
    four: Engine, served: CitationsStandIn, httpserver: HTTPServer, db_url: str
) -> None:
    result = Cli()("--db", db_url, "enrich", "--dry-run", "--source", "all")
    assert result.exit_code == 0, result.stderr
    assert len(httpserver.log) == 0
    lines = result.stdout.splitlines()
    assert "OpenAlex: 3 singleton calls, free (single-work lookups are free)" in lines
    assert "OpenAlex: 1 search calls, $0.0010 (one per paper without ids)" in lines
    assert any(line.startswith("Semantic Scholar: 1 batch calls (free;") for line in lines)
    assert any(line.startswith("OpenCitations: 3 references calls (free;") for line in lines)
    assert lines[-1] == "estimated cost before cited works: $0.0010; nothing was asked"
    assert json.dumps(edges_by_pair(four)) == "{}"


def test_the_bundled_survey_dry_run_works_offline(db_url: str, tmp_path: Path) -> None:
    cli = Cli()
    built = cli("--db", db_url, "build")
    assert built.exit_code == 0, built.stderr
    result = cli("--db", db_url, "enrich", "--dry-run", "--offline", "--source", "all")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    # 81 papers: a DOI batch and an arXiv batch (more than 3 each), 9 titles.
    assert "OpenAlex: 2 list calls, $0.0002 (100 DOIs a call)" in lines
    assert "OpenAlex: 9 search calls, $0.0090 (one per paper without ids)" in lines
    assert any(line.startswith("Semantic Scholar: 1 batch calls (free;") for line in lines)
    assert any(line.startswith("OpenCitations: ") for line in lines)
    assert lines[-1].endswith("nothing was asked")
    assert not (tmp_path / "index-cache").exists()  # no cache opened, nothing asked
