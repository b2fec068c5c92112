"""The citation indexes' HTTP client against broken and hostile servers on 127.0.0.1.

Each case is one an adversarial pass found on the earlier client: a Retry-After of hours,
an answer that trickles, an answer larger than memory, redirects to another host, JSON
nested 200,000 deep, integers beyond 64 bits, a full disk under the cache. Each must end
in one `IndexSourceError` line (or a `CacheError` naming the cache), quickly, with
nothing half-written.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from survey.sources.indexes.cache import AnswerCache, CacheError
from survey.sources.indexes.http import (
    BudgetExhausted,
    Endpoint,
    IndexHttp,
    Limits,
    SourceUnavailable,
)
from survey.sources.indexes.openalex import budget_spent

FAST = Limits(rate=0.0, retries=2, backoff=0.01, retry_after_cap=2.0, deadline=3.0)


def http_for(server: HTTPServer, tmp_path: Path, **changes: object) -> IndexHttp:
    endpoint = Endpoint("Stand-in", "standin", server.url_for("/").rstrip("/"))
    limits = dataclasses.replace(FAST, **changes)  # type: ignore[arg-type]
    cache = AnswerCache(tmp_path / "cache" / "standin.sqlite", "Stand-in")
    return IndexHttp(endpoint, limits, cache=cache, budget_rule=budget_spent)


def test_an_answer_is_cached_and_asked_once(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/works").respond_with_json({"results": [1, 2]})
    http = http_for(httpserver, tmp_path)
    assert http.get("/works", {"q": "x"}, kind="list") == {"results": [1, 2]}
    assert http.get("/works", {"q": "x"}, kind="list") == {"results": [1, 2]}
    assert len(httpserver.log) == 1
    assert (http.counts.network, http.counts.cached, http.counts.by_kind) == (1, 1, {"list": 1})


def test_retry_after_beyond_the_cap_gives_up_at_once(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/works").respond_with_data(
        '{"message": "slow down"}', status=429, headers={"Retry-After": "7200"}
    )
    http = http_for(httpserver, tmp_path)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match=r"asks to wait 7200 s \(more than 2 s\)"):
        http.get("/works", {}, kind="list")
    assert time.monotonic() - started < 30  # not the 7,200 s asked
    assert len(httpserver.log) == 1


def test_retry_after_as_a_date_is_honoured(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An HTTP date five seconds ahead is a wait of about five seconds (a date has one
    second's resolution); the test records the wait instead of sleeping it."""
    from email.utils import formatdate

    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)
    httpserver.expect_oneshot_request("/works").respond_with_data(
        "", status=503, headers={"Retry-After": formatdate(time.time() + 5, usegmt=True)}
    )
    httpserver.expect_request("/works").respond_with_json({"ok": True})
    http = http_for(httpserver, tmp_path, retry_after_cap=60.0)
    assert http.get("/works", {}, kind="list") == {"ok": True}
    assert len(waits) == 1 and 3.0 <= waits[0] <= 5.0


def test_a_spent_budget_stops_without_retrying(httpserver: HTTPServer, tmp_path: Path) -> None:
    body = {
        "error": "Rate limit exceeded",
        "message": "Insufficient budget. This request costs $0.0001 but you only have $0 "
        "remaining. Resets at midnight UTC.",
    }
    httpserver.expect_request("/works").respond_with_json(
        body, status=429, headers={"Retry-After": "30000", "X-RateLimit-Remaining": "0"}
    )
    http = http_for(httpserver, tmp_path)
    with pytest.raises(BudgetExhausted, match="the budget is spent") as caught:
        http.get("/works", {}, kind="list")
    assert "Insufficient budget" in str(caught.value)
    assert len(httpserver.log) == 1
    assert http.last_limits == {"X-RateLimit-Remaining": "0", "Retry-After": "30000"}


def test_a_trickling_answer_is_cut_by_the_deadline(httpserver: HTTPServer, tmp_path: Path) -> None:
    def trickle(_request: Request) -> Response:
        def body() -> Iterator[bytes]:
            yield b'{"results": ['
            for _ in range(300):
                time.sleep(0.2)
                yield b" "

        return Response(body(), content_type="application/json", direct_passthrough=True)

    httpserver.expect_request("/works").respond_with_handler(trickle)
    http = http_for(httpserver, tmp_path, deadline=0.5)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match=r"not complete within 0\.5 s"):
        http.get("/works", {}, kind="list")
    assert time.monotonic() - started < 30  # not the minute the whole answer takes


def test_an_announced_oversized_answer_is_refused_unread(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/works").respond_with_data(
        b"[" + b"0," * 60_000 + b"0]", content_type="application/json"
    )
    http = http_for(httpserver, tmp_path, max_bytes=10_000)
    with pytest.raises(SourceUnavailable, match=r"refused an answer of 120,003 bytes"):
        http.get("/works", {}, kind="list")


def test_an_unannounced_oversized_answer_is_cut_while_reading(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    sent: list[int] = []

    def endless(_request: Request) -> Response:
        def body() -> Iterator[bytes]:
            yield b"["
            for _ in range(10_000):
                sent.append(1)
                yield b"0," * 5_000

        return Response(body(), content_type="application/json", direct_passthrough=True)

    httpserver.expect_request("/works").respond_with_handler(endless)
    http = http_for(httpserver, tmp_path, max_bytes=200_000)
    with pytest.raises(SourceUnavailable, match=r"more than 200,000 bytes"):
        http.get("/works", {}, kind="list")
    # The server was cut off long before its 100 MB.
    assert len(sent) < 10_000


def test_redirects_only_on_the_same_host(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/works/W1").respond_with_data(
        "", status=301, headers={"Location": "/works/W2"}
    )
    httpserver.expect_request("/works/W2").respond_with_json({"id": "W2"})
    httpserver.expect_request("/works/W3").respond_with_data(
        "", status=302, headers={"Location": "http://203.0.113.9/steal"}
    )
    http = http_for(httpserver, tmp_path)
    assert http.get("/works/W1", {}, kind="singleton") == {"id": "W2"}
    with pytest.raises(SourceUnavailable, match=r"redirected to another host"):
        http.get("/works/W3", {}, kind="singleton")


@pytest.mark.parametrize(
    ("body", "why"),
    [
        pytest.param(b"[" * 200_000 + b"]" * 200_000, "nested too deeply", id="deep_nesting"),
        pytest.param(b'{"count": 123456789012345678901234567890}', "beyond 64 bits", id="huge_int"),
        pytest.param(b'{"count": NaN}', "NaN is not JSON", id="nan"),
        pytest.param(b'{"results": [', "malformed JSON", id="cut_short"),
        pytest.param(b"\xff\xfe{}", "malformed JSON", id="not_utf8"),
    ],
)
def test_hostile_json_is_one_line(
    httpserver: HTTPServer, tmp_path: Path, body: bytes, why: str
) -> None:
    httpserver.expect_request("/works").respond_with_data(body, content_type="application/json")
    http = http_for(httpserver, tmp_path)
    with pytest.raises(SourceUnavailable) as caught:
        http.get("/works", {}, kind="list")
    message = str(caught.value)
    assert why in message and "\n" not in message and len(message) < 400
    # Never cached: the next run asks again.
    http.offline = True
    with pytest.raises(SourceUnavailable, match="not in the cache"):
        http.get("/works", {}, kind="list")


def test_persistent_5xx_is_one_line_after_the_retries(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/works").respond_with_data("<html>oops</html>", status=502)
    http = http_for(httpserver, tmp_path)
    with pytest.raises(SourceUnavailable, match=r"answered 502 for /works \(3 tries\)"):
        http.get("/works", {}, kind="list")
    assert len(httpserver.log) == 3


def test_an_error_answer_shows_its_message_without_controls(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/works").respond_with_json(
        {"error": "Pagination error.", "message": "per-page \x1b[31mparameter\x07 bad"},
        status=400,
    )
    http = http_for(httpserver, tmp_path)
    with pytest.raises(SourceUnavailable) as caught:
        http.get("/works", {"per_page": "500"}, kind="list")
    assert "answered 400 for /works?per_page=500: per-page [31mparameter bad" in str(caught.value)
    assert "\x1b" not in str(caught.value) and "\x07" not in str(caught.value)


def test_a_full_disk_under_the_cache_is_one_line(
    httpserver: HTTPServer, tmp_path: Path, small_disk: Path
) -> None:
    """The cache on a disk with no room left: one line naming the cache and saying the disk
    is full; the answers stored before stay whole."""
    httpserver.expect_request("/small").respond_with_json({"results": ["x" * 1000]})
    httpserver.expect_request("/works").respond_with_json({"results": ["x" * 600_000]})
    cache_file = small_disk / "standin.sqlite"
    endpoint = Endpoint("Stand-in", "standin", httpserver.url_for("/").rstrip("/"))
    http = IndexHttp(endpoint, FAST, cache=AnswerCache(cache_file, "Stand-in"))
    http.get("/small", {}, kind="list")
    (small_disk / "filler").write_bytes(b"\0" * (1500 * 1024 - 300 * 1024))
    with pytest.raises(CacheError) as caught:
        http.get("/works", {}, kind="list")
    message = str(caught.value)
    assert f"cannot write the Stand-in answer cache {cache_file}: the disk is full" in message
    assert "\n" not in message
    (small_disk / "filler").unlink()
    http.offline = True
    assert http.get("/small", {}, kind="list") == {"results": ["x" * 1000]}
    http.close()


def test_a_file_size_limit_under_the_cache_is_one_line(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    """The cache cannot grow past a file-size limit (a quota): one line naming the cache,
    from a process of its own (the limit applies to the whole process)."""
    httpserver.expect_request("/works").respond_with_json({"results": ["x" * 200_000]})
    script = textwrap.dedent(
        f"""
        import resource, signal, sys
        from pathlib import Path
        from survey.errors import SurveyError
        from survey.sources.indexes.cache import AnswerCache, CacheError
        from survey.sources.indexes.http import Endpoint, IndexHttp, Limits
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        cache = AnswerCache(Path({str(tmp_path / "c.sqlite")!r}), "Stand-in")
        http = IndexHttp(Endpoint("Stand-in", "standin", {httpserver.url_for("/").rstrip("/")!r}),
                         Limits(rate=0.0, retries=0), cache=cache)
        resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, 50_000))
        try:
            http.get("/works", {{}}, kind="list")
        except SurveyError as exc:
            print(exc)
            sys.exit(1)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    assert f"cannot write the Stand-in answer cache {tmp_path / 'c.sqlite'}" in lines[0]
    assert "disk" in lines[0] and "SURVEY_CACHE_DIR" in lines[0]
    assert "Traceback" not in result.stderr


def test_answers_never_hold_the_key(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/works").respond_with_json({"results": []})
    endpoint = Endpoint(
        "Stand-in", "standin", httpserver.url_for("/").rstrip("/"), {"x-api-key": "sekrit"}
    )
    cache_file = tmp_path / "k.sqlite"
    http = IndexHttp(endpoint, FAST, cache=AnswerCache(cache_file, "Stand-in"))
    http.get("/works", {"q": "a"}, kind="list")
    http.close()
    assert httpserver.log[0][0].headers["x-api-key"] == "sekrit"
    assert b"sekrit" not in cache_file.read_bytes()
