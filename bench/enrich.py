"""`survey enrich` of a generated 1,000-paper survey against local stand-ins of the three
citation indexes, each answering after 50 ms (not run by the tests).

    python -m bench.enrich [--papers 1000] [--latency 0.05]

The survey is bench/generate.py's corpus with every fifth entry's DOI replaced by an
arXiv id and every tenth entry left with no identifier. Each paper cites ten others of
the survey and two of 200 external works. The stand-ins answer in each API's schema and
enforce its documented limits (OpenAlex: 100 per page, 100 values per filter; Semantic
Scholar: 500 ids per batch; OpenCitations: one DOI per Index call, 10 ids per Meta call),
on one threaded server, so requests of one run overlap only as survey sends them.

Printed: per index, the calls by kind per 100 papers, the wall time, and the ratio of
that time to a baseline measured in the same run: the same number of bare HTTP requests
to the same stand-in, one after another (the latency of answering them one by one);
then the wall time of the run a user makes, every index at once from an empty cache. Rate pacing
is off (SURVEY_INDEX_RATE=0): with each index's documented rate, OpenCitations alone
(one Index call per DOI at 180 a minute) would take over five minutes for 1,000 papers.
Targets (issue 24): OpenAlex at most 3 list calls and no search per 100 papers that have
a DOI or arXiv id; Semantic Scholar at most one batch call per 500 papers; wall time of
the whole run at most 30 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

import requests

from bench.generate import generate

EXTERNAL = 200


class Corpus:
    """The survey's papers as the indexes know them, and who cites whom."""

    def __init__(self, bib: str, seed: int = 24) -> None:
        rng = random.Random(seed)
        self.papers: list[dict[str, Any]] = []
        for index, match in enumerate(re.finditer(r"title = \{(.*?)\},\n", bib)):
            title = re.sub(r"[{}]", "", match.group(1))
            self.papers.append({"n": index, "title": title, "doi": f"10.5555/bench.{index}"})
        count = len(self.papers)
        for paper in self.papers:
            n = paper["n"]
            others = rng.sample(range(count), min(10, count - 1) + 1)
            paper["refs"] = [o for o in others if o != n][:10]
            paper["ext"] = rng.sample(range(EXTERNAL), 2)
            if n % 10 == 9:
                paper["doi"] = None  # found by title only
            elif n % 5 == 4:
                paper["doi"] = None
                paper["arxiv"] = f"2401.{n:05d}"

    def rewrite(self, bib: str) -> str:
        """The bib with the identifiers the corpus says each paper has."""
        for paper in self.papers:
            n = paper["n"]
            old = f"  doi = {{10.5555/bench.{n}}},\n"
            if paper.get("arxiv"):
                eprint = f"  eprint = {{{paper['arxiv']}}},\n  archiveprefix = {{arXiv}},\n"
                bib = bib.replace(old, eprint)
            elif paper["doi"] is None:
                bib = bib.replace(old, "")
        return bib


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


class StandIn(BaseHTTPRequestHandler):
    """OpenAlex, Semantic Scholar and OpenCitations over one corpus, with their limits."""

    corpus: Corpus
    latency = 0.05
    calls: ClassVar[dict[str, int]] = {}
    lock = threading.Lock()

    def log_message(self, *_args: object) -> None:  # quiet
        pass

    def _count(self, kind: str) -> None:
        with self.lock:
            self.calls[kind] = self.calls.get(kind, 0) + 1

    def _send(self, status: int, body: object) -> None:
        time.sleep(self.latency)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _by_doi(self) -> dict[str, int]:
        papers = self.corpus.papers
        found = {p["doi"]: p["n"] for p in papers if p["doi"]}
        found.update({f"10.48550/arxiv.{p['arxiv']}": p["n"] for p in papers if p.get("arxiv")})
        return found

    # -- works in each schema ---------------------------------------------------------

    def _openalex(self, n: int) -> dict[str, Any]:
        paper = self.corpus.papers[n]
        doi = paper["doi"] or (f"10.48550/arxiv.{paper['arxiv']}" if paper.get("arxiv") else None)
        references = [f"https://openalex.org/W1{r:06d}" for r in paper["refs"]]
        references += [f"https://openalex.org/W9{e:06d}" for e in paper["ext"]]
        return {
            "id": f"https://openalex.org/W1{n:06d}",
            "title": paper["title"],
            "publication_year": 2020,
            "doi": f"https://doi.org/{doi}" if doi else None,
            "authorships": [],
            "cited_by_count": 3,
            "referenced_works": references,
        }

    @staticmethod
    def _external(e: int) -> dict[str, Any]:
        return {
            "id": f"https://openalex.org/W9{e:06d}",
            "title": f"External {e}",
            "publication_year": 2010,
            "doi": f"https://doi.org/10.5555/ext.{e}",
        }

    def _scholar(self, n: int) -> dict[str, Any]:
        paper = self.corpus.papers[n]
        ids: dict[str, Any] = {}
        if paper["doi"]:
            ids["DOI"] = paper["doi"]
        if paper.get("arxiv"):
            ids["ArXiv"] = paper["arxiv"]
        titles = self.corpus.papers
        refs: list[dict[str, Any]] = [
            {"paperId": f"{r:040d}", "title": titles[r]["title"]} for r in paper["refs"]
        ]
        refs += [
            {
                "paperId": f"e{e:039d}",
                "title": f"External {e}",
                "externalIds": {"DOI": f"10.5555/ext.{e}"},
            }
            for e in paper["ext"]
        ]
        return {
            "paperId": f"{n:040d}",
            "externalIds": ids,
            "title": paper["title"],
            "year": 2020,
            "authors": [],
            "citationCount": 3,
            "references": refs,
        }

    def _reference_row(self, citing: int, cited: int) -> dict[str, str]:
        papers = self.corpus.papers
        cited_doi = papers[cited]["doi"]
        return {
            "oci": f"1{citing}-1{cited}",
            "citing": f"omid:br/1{citing} doi:{papers[citing]['doi']}",
            "cited": f"omid:br/1{cited} doi:{cited_doi}" if cited_doi else f"omid:br/1{cited}",
            "creation": "2020",
            "timespan": "",
            "journal_sc": "no",
            "author_sc": "no",
        }

    # -- routes ----------------------------------------------------------------------

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        path = unquote(url.path)
        routes = (
            ("/works/doi:", self._openalex_singleton),
            ("/works", self._openalex_list),
            ("/paper/search/match", self._scholar_match),
            ("/index/v2/references/doi:", self._citations_references),
            ("/meta/v1/metadata/", self._citations_meta),
        )
        for prefix, route in routes:
            if path.startswith(prefix):
                route(path.removeprefix(prefix), query)
                return
        self._send(404, {"error": f"no route {path}"})

    def _openalex_singleton(self, doi: str, _query: dict[str, str]) -> None:
        self._count("openalex singleton")
        n = self._by_doi().get(doi)
        if n is None:
            self._send(404, {"error": "not found"})
        else:
            self._send(200, self._openalex(n))

    def _openalex_list(self, _rest: str, query: dict[str, str]) -> None:
        if int(query.get("per_page", "25")) > 100:
            self._send(400, {"error": "per_page above 100"})
            return
        if "search" in query:
            self._count("openalex search")
            wanted = _words(query["search"])
            found = [p["n"] for p in self.corpus.papers if _words(p["title"]) == wanted]
            results = [self._openalex(n) for n in found]
            self._send(200, {"meta": {"count": len(found)}, "results": results})
            return
        name, _, values = query.get("filter", "").partition(":")
        items = values.split("|")
        if len(items) > 100:
            self._send(400, {"error": "more than 100 values"})
            return
        self._count("openalex list")
        by_doi = self._by_doi()
        if name == "doi":
            results = [self._openalex(by_doi[v]) for v in items if v in by_doi]
        else:
            results = [self._external(int(v[2:])) for v in items if v.startswith("W9")]
        self._send(200, {"meta": {"count": len(results), "next_cursor": None}, "results": results})

    def _scholar_match(self, _rest: str, query: dict[str, str]) -> None:
        self._count("semanticscholar search")
        wanted = _words(query.get("query", ""))
        for paper in self.corpus.papers:
            if _words(paper["title"]) == wanted:
                self._send(200, {"data": [self._scholar(paper["n"])]})
                return
        self._send(404, {"error": "Title match not found"})

    def _citations_references(self, doi: str, _query: dict[str, str]) -> None:
        self._count("opencitations references")
        n = self._by_doi().get(doi)
        refs = [] if n is None else self.corpus.papers[n]["refs"]
        self._send(200, [self._reference_row(n or 0, r) for r in refs])

    def _citations_meta(self, joined: str, _query: dict[str, str]) -> None:
        ids = joined.split("__")
        if len(ids) > 10:
            self._send(500, "too many ids")
            return
        self._count("opencitations metadata")
        by_doi = self._by_doi()
        rows = []
        for pid in ids:
            n = by_doi.get(pid.removeprefix("doi:"))
            if n is not None:
                title = self.corpus.papers[n]["title"]
                rows.append(
                    {"id": pid, "title": title, "author": "", "pub_date": "2020", "venue": ""}
                )
        self._send(200, rows)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length))
        ids = body.get("ids", [])
        if len(ids) > 500 or "fields" in body:
            self._send(400, {"error": "Can only process 500 paper ids at a time"})
            return
        self._count("semanticscholar batch")
        by_key = {}
        for p in self.corpus.papers:
            if p["doi"]:
                by_key[f"DOI:{p['doi']}"] = p["n"]
            if p.get("arxiv"):
                by_key[f"ARXIV:{p['arxiv']}"] = p["n"]
            by_key[f"{p['n']:040d}"] = p["n"]
        self._send(200, [self._scholar(by_key[i]) if i in by_key else None for i in ids])


def run_enrich(db: str, source: str) -> tuple[float, dict[str, int]]:
    import subprocess

    StandIn.calls = {}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "survey", "--db", db, "enrich", "--source", source],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"enrich --source {source} failed: {done.stderr}")
    return elapsed, dict(StandIn.calls)


def bare_requests(url: str, count: int) -> float:
    """`count` plain GETs to the stand-in, one after another: the latency floor."""
    session = requests.Session()
    started = time.perf_counter()
    for _ in range(count):
        session.get(f"{url}/works/doi:10.5555/none", timeout=30)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    options = parser.parse_args()
    bib_text = generate(options.papers, seed=24)
    corpus = Corpus(bib_text)
    StandIn.corpus = corpus
    StandIn.latency = options.latency
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "papers.bib").write_text(corpus.rewrite(bib_text), encoding="utf-8")
        os.environ.update(
            SURVEY_OPENALEX_URL=url,
            SURVEY_S2_URL=url,
            SURVEY_OPENCITATIONS_URL=url,
            SURVEY_CACHE_DIR=str(folder / "cache"),
            SURVEY_INDEX_RATE="0",
            SURVEY_OPENALEX_API_KEY="bench",
        )
        import subprocess

        db = str(folder / "survey.db")
        load = [sys.executable, "-m", "survey", "--db", db, "load", str(folder / "papers.bib")]
        subprocess.run(load, check=True, capture_output=True)
        with_ids = sum(1 for p in corpus.papers if p["doi"] or p.get("arxiv"))
        per100 = 100 / options.papers
        rows = []
        total_time = 0.0
        total_calls = 0
        whole = str(folder / "whole.db")
        shutil.copyfile(db, whole)
        for source in ("openalex", "semanticscholar", "opencitations"):
            elapsed, calls = run_enrich(db, source)
            count = sum(calls.values())
            total_time += elapsed
            total_calls += count
            baseline = bare_requests(url, count)
            kinds = ", ".join(f"{k.split()[1]} {v * per100:.2f}" for k, v in sorted(calls.items()))
            rows.append((source, kinds, elapsed, baseline))
        latency = f"{options.latency * 1000:.0f} ms per answer"
        print(f"{options.papers} papers ({with_ids} with a DOI or arXiv id), {latency}")
        print(f"{'index':<16} {'calls per 100 papers':<44} {'time':>8} {'bare':>8} {'ratio':>6}")
        for source, kinds, elapsed, baseline in rows:
            ratio = elapsed / baseline
            print(f"{source:<16} {kinds:<44} {elapsed:7.1f}s {baseline:7.1f}s {ratio:6.2f}")
        print(f"one index after another: {total_calls} calls, {total_time:.1f} s")
        # The run a user makes: every index at once, from an empty cache.
        os.environ["SURVEY_CACHE_DIR"] = str(folder / "cache-whole")
        elapsed, calls = run_enrich(whole, "all")
        print(
            f"survey enrich --source all: {sum(calls.values())} calls, {elapsed:.1f} s "
            "(target <= 30 s)"
        )
    server.shutdown()


if __name__ == "__main__":
    main()
