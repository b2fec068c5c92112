"""Benchmark: the graph page of a 10,000-paper / 100,000-edge survey in headless Chromium.

On the synthetic citation DAG of bench/lineage.py, filed under 20 sections as in
bench/exports.py, in one run:

- `survey export html` work in process (reading the database, layout, writing the file);
- the time to first render of that page, opened from the file system in Debian's
  chromium (navigation start to the second animation frame after sigma drew the graph),
  against a bare sigma.js page with the same library, nodes, positions and edges but none
  of the page's search, filters, labels or panel (the baseline) -- target <= 1.0x;
- each interaction, from the event to the second animation frame after it, on the page
  and on the bare page doing the same update with graphology's attribute updates (which
  sigma redraws): the year slider to the middle year, unticking one section, searching a
  key and pressing Enter (select and highlight it), the descendants of the most cited
  paper (dim the others, hide the edges outside the lineage) -- target <= 1.5x the bare
  page and <= 0.5 s a step. Medians of REPEATS, the two pages alternating.

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

from bench.chromium import FLAGS
from bench.exports import add_taxonomy
from bench.lineage import build
from survey.db import open_database, session_scope
from survey.export import html as page

FIRST_RENDER_TARGET = 1.0
STEP_TARGET = 1.5
STEP_SECONDS = 0.5
REPEATS = 3
NEXT_FRAME = "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"

BARE = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
html, body, #graph {{ margin: 0; width: 100%; height: 100%; }}</style></head>
<body><div id="graph"></div><script>{graphology}</script><script>{sigma}</script>
<script type="application/json" id="survey-data">{data}</script><script>
const data = JSON.parse(document.getElementById("survey-data").textContent);
const colours = data.colourings[0];
const graph = new graphology.DirectedGraph();
data.papers.forEach((p, i) => graph.addNode(p.key, {{x: p.x, y: p.y, size: p.size * 0.35,
  color: colours.legend[colours.of[i]].colour, label: p.label}}));
data.edges.forEach(([a, b, r], i) => graph.addDirectedEdgeWithKey("e" + i,
  data.papers[a].key, data.papers[b].key, {{size: 1, color: data.relations[r].colour,
  type: "arrow"}}));
const renderer = new Sigma(graph, document.getElementById("graph"));
const year = new Map(data.papers.map(p => [p.key, p.year]));
const inSection = new Map(data.papers.map(p => [p.key, p.sections.map(s => s[0])]));
// The same updates through graphology's attribute updates, which sigma redraws.
function hide(shown) {{
  graph.updateEachNodeAttributes((n, a) => {{ a.hidden = !shown(n); return a; }},
    {{attributes: ["hidden"]}});
  graph.updateEachEdgeAttributes((e, a, s, t) => {{ a.hidden = !shown(s) || !shown(t); return a; }},
    {{attributes: ["hidden"]}});
}}
window.bench = {{
  year: (y) => hide(n => year.get(n) === null || year.get(n) <= y),
  section: (s) => hide(n => inSection.get(n).some(x => x !== s)),
  select: (query) => {{
    const hit = data.papers.find(p => p.key === query || p.title.toLowerCase().includes(query));
    graph.setNodeAttribute(hit.key, "highlighted", true);
  }},
  descendants: (key) => {{
    const seen = new Set([key]), queue = [key];
    for (let at = 0; at < queue.length; at++) graph.forEachInNeighbor(queue[at], (n) => {{
      if (!seen.has(n)) {{ seen.add(n); queue.push(n); }} }});
    graph.updateEachNodeAttributes((n, a) => {{ if (!seen.has(n)) a.color = "#e2e2e2"; return a; }},
      {{attributes: ["color"]}});
    graph.updateEachEdgeAttributes((e, a, s, t) => {{ a.hidden = !seen.has(s) || !seen.has(t);
      return a; }}, {{attributes: ["hidden"]}});
    return seen.size - 1;
  }},
  reset: () => {{
    data.papers.forEach((p, i) => graph.mergeNodeAttributes(p.key, {{hidden: false,
      highlighted: false, color: colours.legend[colours.of[i]].colour}}));
    graph.updateEachEdgeAttributes((e, a) => {{ a.hidden = false; return a; }},
      {{attributes: ["hidden"]}});
  }},
}};
window.surveyPage = {{constructedAt: performance.now(), renderedAt: null}};
requestAnimationFrame(() => requestAnimationFrame(() => {{
  window.surveyPage.renderedAt = performance.now(); }}));
</script></body></html>
"""

# Each interaction on our page and on the bare page: (set-up, timed code, undo). The
# timed code runs from the event until the second animation frame after it.
SEARCH = (
    "const box = document.getElementById('search'); box.value = arg.key;"
    " box.dispatchEvent(new Event('input'));"
    " box.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'}));"
)
SECTION_BOX = "document.querySelector('#section-tree input[data-section=\"' + arg.section + '\"]')"
OURS = {
    "year_slider": (
        "",
        "const s = document.getElementById('year'); s.value = String(arg.middle);"
        " s.dispatchEvent(new Event('input'));",
        "const s = document.getElementById('year'); s.value = s.max;"
        " s.dispatchEvent(new Event('input'));",
    ),
    "section_filter": ("", f"{SECTION_BOX}.click();", f"{SECTION_BOX}.click();"),
    "search": ("", SEARCH, "document.getElementById('panel-close').click();"),
    "descendants": (
        SEARCH,
        "document.getElementById('show-descendants').click();",
        "document.getElementById('panel-close').click();",
    ),
}
BARE_STEPS = {
    "year_slider": ("", "bench.year(arg.middle);", "bench.reset();"),
    "section_filter": ("", "bench.section(arg.section_index);", "bench.reset();"),
    "search": ("", "bench.select(arg.key);", "bench.reset();"),
    "descendants": ("", "bench.descendants(arg.key);", "bench.reset();"),
}


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


def open_tab(browser: Any, path: Path) -> Any:
    tab = browser.new_page(viewport={"width": 1400, "height": 850})
    tab.goto(path.as_uri(), timeout=300_000)
    tab.wait_for_function("window.surveyPage && window.surveyPage.renderedAt !== null")
    return tab


def step(tab: Any, code: str, arg: dict[str, Any]) -> float:
    """Milliseconds from running `code` to the second animation frame after it."""
    timed = (
        f"async (arg) => {{ const t = performance.now(); {code} await {NEXT_FRAME};"
        " return performance.now() - t; }"
    )
    return float(tab.evaluate(timed, arg))


def interactions(
    browser: Any, ours: Path, bare: Path, arg: dict[str, Any]
) -> tuple[dict[str, dict[str, float]], int]:
    """Each interaction's median on both pages, and the descendants our page found. One
    tab at a time (a hidden tab gets no animation frames), the pages alternating."""
    times: dict[str, dict[str, list[float]]] = {name: {"ours": [], "bare": []} for name in OURS}
    found = "0"
    for _ in range(REPEATS):
        for who, path, steps in (("bare", bare, BARE_STEPS), ("ours", ours, OURS)):
            tab = open_tab(browser, path)
            for name, (prepare, timed, undo) in steps.items():
                tab.evaluate(f"async (arg) => {{ {prepare} await {NEXT_FRAME}; }}", arg)
                times[name][who].append(step(tab, timed, arg))
                if who == "ours" and name == "descendants":
                    found = tab.text_content("#lineage-summary") or "0"
                tab.evaluate(f"async (arg) => {{ {undo} await {NEXT_FRAME}; }}", arg)
            tab.close()
    medians = {
        name: {
            "page_ms": round(statistics.median(t["ours"]), 1),
            "bare_ms": round(statistics.median(t["bare"]), 1),
            "ratio": round(statistics.median(t["ours"]) / statistics.median(t["bare"]), 2),
        }
        for name, t in times.items()
    }
    return medians, int(found.split()[0])


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
            years = content["years"]
            section = content["sections"][1]["path"]
            arg = {
                "middle": years[len(years) // 2],
                "section": section,
                "section_index": 1,
                "key": f"p{most_cited}",
            }
            steps, descendants = interactions(browser, ours, bare, arg)
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
            "target": FIRST_RENDER_TARGET,
            "script_done_ms": round(statistics.median(scripts["ours"])),
            "bare_script_done_ms": round(statistics.median(scripts["bare"])),
            "runs_ms": {k: [round(v) for v in vs] for k, vs in runs.items()},
            "interactions": steps,
            "interaction_target": {"ratio": STEP_TARGET, "seconds": STEP_SECONDS},
            "descendants": descendants,
            "console_errors": errors,
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
