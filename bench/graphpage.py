"""Benchmark: the graph page of a 10,000-paper / 100,000-edge survey in headless Chromium.

On the synthetic citation DAG of bench/lineage.py, filed under 20 sections as in
bench/exports.py, in one run:

- `survey export html` work in process (reading the database, layout, writing the file);
- the time to first render of that page, opened from the file system in Debian's
  chromium (navigation start to the second animation frame after sigma drew the graph),
  against a bare sigma.js page with the same library, nodes, positions and edges but none
  of the page's search, filters, reducers or panel (the baseline) -- target <= 1.5x;
- the page's interactions: moving the year slider, highlighting the descendants of the
  most cited paper (each until the next frame is drawn).

Usage: python bench/graphpage.py [PAPERS] [EDGES_PER_PAPER]   (default 10000 11: ~100k edges)
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright

from bench.exports import add_taxonomy
from bench.lineage import build
from survey.db import open_database, session_scope
from survey.export import html as page

TARGET = 1.5
REPEATS = 3
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NEXT_FRAME = "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"

BARE = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
html, body, #graph {{ margin: 0; width: 100%; height: 100%; }}</style></head>
<body><div id="graph"></div><script>{graphology}</script><script>{sigma}</script>
<script type="application/json" id="survey-data">{data}</script><script>
const data = JSON.parse(document.getElementById("survey-data").textContent);
const graph = new graphology.DirectedGraph();
data.papers.forEach(p => graph.addNode(p.key, {{x: p.x, y: p.y, size: p.size * 0.35,
  color: p.colour, label: p.label}}));
data.edges.forEach(([a, b, r], i) => graph.addDirectedEdgeWithKey("e" + i,
  data.papers[a].key, data.papers[b].key, {{size: 1, color: data.relations[r].colour,
  type: "arrow"}}));
const renderer = new Sigma(graph, document.getElementById("graph"));
window.surveyPage = {{constructedAt: performance.now(), renderedAt: null}};
requestAnimationFrame(() => requestAnimationFrame(() => {{
  window.surveyPage.renderedAt = performance.now(); }}));
</script></body></html>
"""


def first_render(browser: Any, path: Path) -> tuple[float, float, list[str]]:
    """Milliseconds from navigation start to the frame after the first render, and to
    the end of the page's script (sigma constructed: everything but rasterising)."""
    tab = browser.new_page(viewport={"width": 1400, "height": 850})
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(path.as_uri(), timeout=300_000)
    tab.wait_for_function("window.surveyPage && window.surveyPage.renderedAt !== null")
    rendered = float(tab.evaluate("window.surveyPage.renderedAt"))
    constructed = float(tab.evaluate("window.surveyPage.constructedAt"))
    tab.close()
    return rendered, constructed, errors


def interactions(browser: Any, path: Path, years: list[int], busiest: str) -> dict[str, float]:
    tab = browser.new_page(viewport={"width": 1400, "height": 850})
    tab.goto(path.as_uri(), timeout=300_000)
    tab.wait_for_function("window.surveyPage && window.surveyPage.renderedAt !== null")
    middle = years[len(years) // 2]
    slider = tab.evaluate(
        "async (year) => { const s = document.getElementById('year'); const t = performance.now();"
        " s.value = String(year); s.dispatchEvent(new Event('input'));"
        f" await {NEXT_FRAME}; return performance.now() - t; }}",
        middle,
    )
    tab.fill("#search", busiest)
    tab.press("#search", "Enter")
    lineage = tab.evaluate(
        "async () => { const t = performance.now();"
        " document.getElementById('show-descendants').click();"
        f" await {NEXT_FRAME}; return performance.now() - t; }}"
    )
    found = tab.text_content("#lineage-summary") or ""
    tab.close()
    return {
        "year_slider_ms": round(slider, 1),
        "descendants_ms": round(lineage, 1),
        "descendants": int(found.split()[0]),
    }


def main() -> None:
    papers = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    per_paper = int(sys.argv[2]) if len(sys.argv) > 2 else 11
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "dag.db"
        edges, most_cited, _ = build(db, papers, per_paper)
        add_taxonomy(db, papers)
        engine = open_database(f"sqlite:///{db}")
        start = time.perf_counter()
        with session_scope(engine) as session:
            data = page.page_data(session)
        ours = Path(tmp) / "ours.html"
        page.write_html(data, ours)
        export_s = time.perf_counter() - start
        content = page.page_content(data)
        bare = Path(tmp) / "bare.html"
        bare.write_text(
            BARE.format(
                graphology=page._asset("vendor/graphology.umd.min.js"),
                sigma=page._asset("vendor/sigma.min.js"),
                data=page.json_for_script(content),
            ),
            encoding="utf-8",
        )
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=chromium, args=FLAGS)
            runs: dict[str, list[float]] = {"ours": [], "bare": []}
            scripts: dict[str, list[float]] = {"ours": [], "bare": []}
            errors: list[str] = []
            for _ in range(REPEATS):  # alternate, so both see the same machine load
                for name, path in (("bare", bare), ("ours", ours)):
                    rendered, constructed, logged = first_render(browser, path)
                    runs[name].append(rendered)
                    scripts[name].append(constructed)
                    errors += logged
            timings = interactions(browser, ours, content["years"], f"p{most_cited}")
            browser.close()
        first = {name: statistics.median(values) for name, values in runs.items()}
        result = {
            "papers": papers,
            "edges": edges,
            "page_bytes": ours.stat().st_size,
            "export_s": round(export_s, 2),
            "first_render_ms": round(first["ours"]),
            "bare_sigma_first_render_ms": round(first["bare"]),
            "ratio": round(first["ours"] / first["bare"], 2),
            "target": TARGET,
            "script_done_ms": round(statistics.median(scripts["ours"])),
            "bare_script_done_ms": round(statistics.median(scripts["bare"])),
            "runs_ms": {k: [round(v) for v in vs] for k, vs in runs.items()},
            **timings,
            "console_errors": errors,
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
