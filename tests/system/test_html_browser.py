"""The graph page in a real browser: Debian's headless Chromium driven by Playwright.

One browser for the module; each test opens the exported page of the bundled survey
(or of the hostile fixture) from the file system in a fresh page and uses it as a reader
would: typing, pressing keys, clicking. Skipped, with the reason, only where Playwright
or Chromium is not installed (`.ci/run` installs both).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from conftest import FIXTURES, POSTGRES, REPO, _pg_database
from helpers import Cli

from bench.chromium import FLAGS
from survey.db import open_database, session_scope
from survey.export.html import RELATION_COLOURS, page_content, page_data, write_html
from survey.graph import lineage as walk
from survey.ingest.folder import build_survey

if TYPE_CHECKING:
    from playwright.sync_api import Dialog

playwright = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed: pip install '.[test]'"
)
CHROMIUM = os.environ.get("SURVEY_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(
        "no Chromium: install Debian's chromium (apt-get install chromium), as .ci/run does",
        allow_module_level=True,
    )

BUNDLED = REPO / "data" / "valse2020"
HOSTILE = FIXTURES / "hostile_html"


class Survey:
    """A built survey database and its exported page."""

    def __init__(self, folder: Path, tmp: Path, name: str) -> None:
        if POSTGRES:
            self.url, self._drop = _pg_database()
        else:
            self.url, self._drop = f"sqlite:///{tmp / (name + '.db')}", lambda: None
        self.engine = open_database(self.url)
        with session_scope(self.engine, write=True) as session:
            assert not build_survey(session, folder).has_errors
        with session_scope(self.engine) as session:
            self.data = page_data(session)
        self.page = tmp / f"{name}.html"
        write_html(self.data, self.page)
        self.papers = {p["key"]: p for p in self.data["papers"]}

    def lineage(self, key: str, descendants: bool) -> list[str]:
        with session_scope(self.engine) as session:
            found = walk.lineage(session, key, descendants=descendants)
        return sorted(p["key"] for p in found["papers"])

    def close(self) -> None:
        self.engine.dispose()
        self._drop()


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Survey]:
    survey = Survey(BUNDLED, tmp_path_factory.mktemp("bundled"), "valse2020")
    yield survey
    survey.close()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Survey]:
    survey = Survey(HOSTILE, tmp_path_factory.mktemp("hostile"), "hostile")
    yield survey
    survey.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    profile = tmp_path_factory.mktemp("chromium-profile")
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            args=FLAGS,
            headless=True,
            viewport={"width": 1400, "height": 850},
        )
        yield launched
        launched.close()


class Opened:
    """A page with what it logged: console errors, uncaught exceptions, requests, dialogs."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.page = browser.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", self._dismiss)
        self.page.goto(path.as_uri())
        self.wait_until("() => !!window.surveyPage && window.surveyPage.renderedAt !== null")

    def _dismiss(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def js(self, expression: str, argument: Any = None) -> Any:
        return self.page.evaluate(expression, argument)

    def wait_until(self, predicate: str, argument: Any = None, seconds: float = 30) -> None:
        """Poll `predicate` until it is true. Playwright's wait_for_function evaluates its
        predicate with eval inside the page whenever it has to poll, which the page's CSP
        (no 'unsafe-eval') refuses; `evaluate` runs through the debugger protocol."""
        deadline = time.monotonic() + seconds
        while not self.page.evaluate(predicate, argument):
            assert time.monotonic() < deadline, f"still false after {seconds} s: {predicate}"
            time.sleep(0.05)

    def search(self, text: str) -> None:
        self.page.fill("#search", text)
        self.page.press("#search", "Enter")

    def selected(self) -> str | None:
        key = self.js(
            "() => { const s = window.surveyPage.state.selected;"
            " return s === null ? null : window.surveyPage.graph.nodes()[s]; }"
        )
        assert key is None or isinstance(key, str), key
        return key


@pytest.fixture
def opened(browser: Any, bundled: Survey) -> Iterator[Opened]:
    page = Opened(browser, bundled.page)
    yield page
    page.page.close()


def test_loads_offline_without_errors_and_shows_every_paper(
    opened: Opened, bundled: Survey
) -> None:
    assert opened.js("window.surveyPage.graph.order") == len(bundled.papers) == 81
    assert opened.js("window.surveyPage.shownKeys().length") == 81
    assert opened.js("window.surveyPage.graph.size") == len(
        {(e["citing"], e["cited"]) for e in bundled.data["edges"]}
    )
    assert opened.page.text_content("#stats").startswith("81 papers, 161 citations")
    # As drawn: the GraphML export's colour, size growing with local citations, edges
    # coloured by relation.
    drawn = opened.js(
        "() => { const r = window.surveyPage.renderer, g = window.surveyPage.graph;"
        " const shown = n => r.getNodeDisplayData(n);"
        " return [g.nodes().map(n => [n, shown(n).color, shown(n).size]),"
        " g.edges().map(e => [g.source(e), g.target(e), r.getEdgeDisplayData(e).color])]; }"
    )
    nodes, edges = drawn
    for key, colour, _ in nodes:
        assert colour == "#{:02x}{:02x}{:02x}".format(*bundled.papers[key]["colour"])
    by_citations = sorted((bundled.papers[k]["citations"], size) for k, _, size in nodes)
    assert [size for _, size in by_citations] == sorted(size for _, size in by_citations)
    assert by_citations[0][1] < by_citations[-1][1]
    relation: dict[tuple[str, str], str] = {}
    for edge in bundled.data["edges"]:
        relation.setdefault((edge["citing"], edge["cited"]), edge["relation"])
    for citing, cited, colour in edges:
        assert colour == RELATION_COLOURS[relation[(citing, cited)]]
    assert len({colour for _, _, colour in edges}) >= 3
    assert opened.page.title().startswith("VALSE 2020")
    assert opened.errors == []
    assert all(url.startswith("file://") for url in opened.requests), opened.requests


def test_search_selects_ra_cnn_and_its_panel(opened: Opened, bundled: Survey) -> None:
    opened.search("RA-CNN")
    key = opened.selected()
    assert key is not None and bundled.papers[key]["short"] == "RA-CNN"
    paper = bundled.papers[key]
    assert opened.page.is_visible("#panel")
    assert opened.page.text_content("#panel-title") == paper["title"]
    doi = opened.page.locator("#panel-doi")
    assert doi.get_attribute("href") == f"https://doi.org/{paper['doi']}"
    assert paper["doi"] in doi.text_content()
    assert "Jianlong Fu" in opened.page.text_content("#panel-authors")
    sections = opened.page.text_content("#panel-sections")
    for section in paper["sections"]:
        assert section["label"] in sections and section["provenance"] in sections
    assert opened.page.is_hidden("#panel-arxiv") == (not paper["arxiv_id"])
    # The search list shows the matches; a title word finds it too.
    opened.search("recurrent attention")
    assert opened.selected() == key
    # A paper with an arXiv id links to its abstract page.
    opened.search("GAN")
    selected = opened.selected()
    assert selected is not None
    gan = bundled.papers[selected]
    assert gan["short"] == "GAN" and gan["arxiv_id"]
    arxiv = opened.page.locator("#panel-arxiv")
    assert arxiv.get_attribute("href") == f"https://arxiv.org/abs/{gan['arxiv_id']}"
    assert opened.errors == []


def test_descendants_are_the_lineage_query(opened: Opened, bundled: Survey, cli: Cli) -> None:
    shown = cli(
        "--db", bundled.url, "query", "lineage", "RA-CNN", "--descendants", "--format", "json"
    )
    assert shown.exit_code == 0, shown.stderr
    expected = sorted(p["citekey"] for p in json.loads(shown.stdout)["papers"])
    assert expected
    opened.search("RA-CNN")
    root = opened.selected()
    opened.page.click("#show-descendants")
    highlighted = set(opened.js("window.surveyPage.highlightedKeys()"))
    assert sorted(highlighted - {root}) == expected
    listed = opened.page.locator("#lineage-list li").evaluate_all(
        "items => items.map(i => i.dataset.key)"
    )
    assert sorted(listed) == expected
    opened.page.click("#show-ancestors")
    ancestors = set(opened.js("window.surveyPage.highlightedKeys()")) - {root}
    assert sorted(ancestors) == bundled.lineage("RA-CNN", descendants=False)
    opened.page.click("#show-none")
    assert opened.js("window.surveyPage.highlightedKeys()") == [root]
    # The page's walk agrees with the recursive SQL for every paper, both ways.
    for key in sorted(bundled.papers):
        for descendants in (False, True):
            assert opened.js(
                "([k, d]) => window.surveyPage.lineage(k, d)", [key, descendants]
            ) == bundled.lineage(key, descendants), (key, descendants)
    assert opened.errors == []


def test_year_slider_at_2016_hides_every_later_paper(opened: Opened, bundled: Survey) -> None:
    years = sorted({p["year"] for p in bundled.papers.values() if p["year"] is not None})
    slider = opened.page.locator("#year")
    slider.focus()
    opened.page.keyboard.press("Home")
    for _ in range(2016 - years[0]):
        opened.page.keyboard.press("ArrowRight")
    assert opened.page.text_content("#year-value") == "2016"
    shown = set(opened.js("window.surveyPage.shownKeys()"))
    expected = {k for k, p in bundled.papers.items() if p["year"] is None or p["year"] <= 2016}
    assert shown == expected
    assert len(expected) < len(bundled.papers)
    opened.page.keyboard.press("End")
    assert len(opened.js("window.surveyPage.shownKeys()")) == 81
    assert opened.errors == []


def test_replay_steps_through_the_years(opened: Opened, bundled: Survey) -> None:
    years = sorted({p["year"] for p in bundled.papers.values() if p["year"] is not None})
    opened.page.click("#play")
    assert opened.page.text_content("#year-value") == str(years[0])
    first = {k for k, p in bundled.papers.items() if p["year"] is None or p["year"] <= years[0]}
    assert set(opened.js("window.surveyPage.shownKeys()")) == first
    opened.wait_until(
        "n => document.getElementById('year-value').textContent === String(n)", years[1]
    )  # the next year with papers: 2011 after 2001, not nine empty steps
    assert len(opened.js("window.surveyPage.shownKeys()")) >= len(first)
    assert opened.errors == []


def test_switching_to_the_force_layout_and_back(opened: Opened, bundled: Survey) -> None:
    layouts = page_content(bundled.data)["layouts"]
    keys = [p["key"] for p in bundled.data["papers"]]
    where = (
        "() => { const g = window.surveyPage.graph;"
        " return g.nodes().map(n => [n, g.getNodeAttribute(n, 'x'), g.getNodeAttribute(n, 'y')]); }"
    )
    assert opened.js("window.surveyPage.layout()") == "timeline"
    opened.page.check('input[name="layout"][value="force"]')
    placed = {k: [x, y] for k, x, y in opened.js(where)}
    assert [placed[k] for k in keys] == layouts["force"]
    assert opened.page.is_hidden("#axis")
    assert "force layout" in opened.page.text_content("#stats")
    opened.page.check('input[name="layout"][value="timeline"]')
    placed = {k: [x, y] for k, x, y in opened.js(where)}
    assert [placed[k] for k in keys] == layouts["timeline"]
    assert opened.page.is_visible("#axis")
    assert opened.errors == []


def test_section_filter_and_clicking_a_node(opened: Opened, bundled: Survey) -> None:
    opened.page.locator('#section-tree input[data-section="fine-grained"]').uncheck()
    shown = set(opened.js("window.surveyPage.shownKeys()"))
    outside = {
        k
        for k, p in bundled.papers.items()
        if any(not s["path"].startswith("fine-grained") for s in p["sections"])
    }
    assert shown == outside
    assert opened.page.locator('input[data-section="fine-grained/attention"]').is_checked() is False
    opened.page.locator('#section-tree input[data-section="fine-grained"]').check()
    # A click on the drawn node opens its panel.
    key = next(k for k, p in sorted(bundled.papers.items()) if p["short"] == "B-CNN")
    point = opened.js(
        "k => { const r = window.surveyPage.renderer;"
        " const p = r.graphToViewport(window.surveyPage.graph.getNodeAttributes(k));"
        " const box = r.getContainer().getBoundingClientRect();"
        " return [p.x + box.left, p.y + box.top]; }",
        key,
    )
    opened.page.mouse.click(*point)
    opened.wait_until("() => window.surveyPage.state.selected !== null")
    assert opened.selected() == key
    assert opened.page.text_content("#panel-title") == bundled.papers[key]["title"]
    assert opened.errors == []


def test_screenshot_is_not_blank(opened: Opened, tmp_path: Path) -> None:
    pytest.importorskip("PIL", reason="Pillow (with matplotlib in '.[test]') reads the PNG")
    from PIL import Image

    shot = tmp_path / "graph.png"
    opened.page.locator("#graph").screenshot(path=str(shot))
    image = Image.open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20) or []
    drawn = sum(count for count, rgb in colours if rgb != (255, 255, 255))
    assert drawn > image.width * image.height // 200
    # An RGB image's colours are (r, g, b) tuples, never palette indices.
    rgbs = [rgb for _, rgb in colours if isinstance(rgb, tuple)]
    assert len(rgbs) == len(colours)
    # The first top-level section's colour (the GraphML export's) is drawn.
    assert any(abs(r - 78) < 8 and abs(g - 121) < 8 and abs(b - 167) < 8 for r, g, b in rgbs)


def test_hostile_titles_render_as_text(browser: Any, hostile: Survey) -> None:
    opened = Opened(browser, hostile.page)
    try:
        assert opened.js("typeof window.__pwned") == "undefined"
        assert opened.dialogs == [] and opened.errors == []
        assert opened.js("document.querySelectorAll('img, b, i, u').length") == 0
        assert opened.page.title() == hostile.data["title"]
        assert opened.page.text_content("#page-title") == hostile.data["title"]
        for key, paper in sorted(hostile.papers.items()):
            opened.search(key)
            assert opened.selected() == key
            assert opened.page.text_content("#panel-title") == paper["title"]
            assert opened.page.text_content("#search-results button").endswith(paper["title"])
            assert paper["venue"] in opened.page.text_content("#panel-venue")
            for section in paper["sections"]:
                assert section["annotation"] in opened.page.text_content("#panel-sections")
        tree = opened.page.text_content("#section-tree")
        assert all(label in tree for label in hostile.data["labels"].values())
        assert opened.js("typeof window.__pwned") == "undefined"
        assert opened.dialogs == [] and opened.errors == []
    finally:
        opened.page.close()


def test_an_empty_survey_opens_without_errors(browser: Any, engine: Any, tmp_path: Path) -> None:
    with session_scope(engine) as session:
        data = page_data(session)
    write_html(data, tmp_path / "empty.html")
    opened = Opened(browser, tmp_path / "empty.html")
    try:
        assert opened.js("window.surveyPage.graph.order") == 0
        assert opened.page.is_hidden("#years")
        assert opened.errors == []
    finally:
        opened.page.close()


AWESOME = FIXTURES / "awesome"


@pytest.fixture(scope="module")
def one_top(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Survey]:
    """An awesome list: one top-level section (its H1), no citations."""
    survey = Survey(AWESOME, tmp_path_factory.mktemp("awesome"), "awesome")
    yield survey
    survey.close()


def overlapping(labels: list[dict[str, Any]]) -> list[tuple[str, str]]:
    found = []
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            x, y = a["box"], b["box"]
            across = x["x"] < y["x"] + y["w"] and y["x"] < x["x"] + x["w"]
            if across and x["y"] < y["y"] + y["h"] and y["y"] < x["y"] + x["h"]:
                found.append((a["key"], b["key"]))
    return found


def test_labels_never_overlap_at_any_zoom(opened: Opened, bundled: Survey) -> None:
    drawn = opened.js("window.surveyPage.drawnLabels()")
    assert overlapping(drawn) == [] and len(drawn) > 20
    # The most cited paper is labelled at the first zoom.
    most = max(bundled.papers.values(), key=lambda p: (p["citations"], p["key"]))
    assert most["key"] in {d["key"] for d in drawn}
    counts = []
    for ratio in (4.0, 1.5, 0.3):  # zoomed out, then in
        opened.js(
            "r => window.surveyPage.renderer.getCamera().setState({x: 0.5, y: 0.5, ratio: r})",
            ratio,
        )
        opened.js("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        drawn = opened.js("window.surveyPage.drawnLabels()")
        assert overlapping(drawn) == [], ratio
        counts.append(len(drawn))
    assert 0 < counts[0] < counts[1]
    assert opened.errors == []


def test_a_survey_without_citations(browser: Any, one_top: Survey) -> None:
    opened = Opened(browser, one_top.page)
    try:
        # Every paper labelled (there is room), none overlapping; the empty state says
        # how to get citations.
        drawn = opened.js("window.surveyPage.drawnLabels()")
        assert sorted(d["key"] for d in drawn) == sorted(one_top.papers)
        assert overlapping(drawn) == []
        assert opened.page.is_visible("#no-citations")
        assert "survey enrich" in opened.page.text_content("#no-citations")
        # Colour by the first level that splits the papers, the legend naming it, the
        # colours the GraphML export's.
        assert opened.page.text_content("#legend-title") == "Colour: sections of Papers (level 2)"
        assert opened.page.locator("#legend li").all_text_contents() == [
            "Papers",
            "Faster Inference",
            "Dynamic Scenes",
        ]
        colours = dict(
            opened.js(
                "() => window.surveyPage.graph.nodes().map(n =>"
                " [n, window.surveyPage.renderer.getNodeDisplayData(n).color])"
            )
        )
        for key, paper in one_top.papers.items():
            assert colours[key] == "#{:02x}{:02x}{:02x}".format(*paper["colour"])
        assert len(set(colours.values())) == 3
        assert opened.page.is_hidden("#colourings")  # one colouring: no selector
        assert opened.errors == []
    finally:
        opened.page.close()


def test_the_bundled_survey_has_no_empty_state(opened: Opened) -> None:
    assert opened.page.is_hidden("#no-citations")


def test_colour_by_cluster_and_back(opened: Opened, bundled: Survey) -> None:
    """The colour selector offers the clusters of the citation graph; choosing them
    recolours the papers in place and retitles the legend; choosing sections again
    restores every colour."""
    assert opened.page.is_visible("#colour-by")
    colours = "() => window.surveyPage.graph.mapNodes((n, a) => a.color)"
    by_section = opened.js(colours)
    opened.page.select_option("#colour-by", label="clusters of the citation graph")
    assert "Colour: clusters of the citation graph" in opened.page.text_content("#legend-title")
    by_cluster = opened.js(colours)
    assert by_cluster != by_section and len(set(by_cluster)) > 1
    opened.page.select_option("#colour-by", label="top-level sections")
    assert opened.js(colours) == by_section
    assert opened.errors == []


def test_the_earlier_band_holds_the_2001_paper(opened: Opened, bundled: Survey) -> None:
    assert opened.page.is_visible("#earlier")
    assert opened.page.text_content("#axis .earlier") == "earlier: 2001"
    words_eye = next(k for k, p in bundled.papers.items() if p["year"] == 2001)
    where = opened.js(
        "k => { const r = window.surveyPage.renderer;"
        " const band = document.getElementById('earlier').getBoundingClientRect();"
        " const box = r.getContainer().getBoundingClientRect();"
        " const at = r.graphToViewport(window.surveyPage.graph.getNodeAttributes(k));"
        " const tick = [...document.querySelectorAll('#axis span')]"
        "   .find(s => s.textContent === '2008').getBoundingClientRect();"
        " return [band.left - box.left, band.right - box.left, at.x, tick.left - box.left]; }",
        words_eye,
    )
    left, right, x, tick_2008 = where
    assert left < x < right < tick_2008
    # The band is about one year wide: 2008, the next year with a paper, is close to the
    # 2001 paper.
    assert (
        tick_2008 - x
        < (box_width := opened.js("window.surveyPage.renderer.getContainer().clientWidth")) / 5
    )
    assert box_width > 0


def test_chinese_labels_render_glyphs(opened: Opened, bundled: Survey) -> None:
    """The section tree's and the graph's Chinese labels show glyphs, not empty boxes,
    where a CJK font is installed (Debian's fonts-noto-cjk, as .ci/run installs)."""
    fonts = shutil.which("fc-list")
    if fonts is None:
        pytest.skip("no fc-list: cannot tell which fonts are installed")
    import subprocess

    listed = subprocess.run([fonts, ":lang=zh", "family"], capture_output=True, text=True).stdout
    if not listed.strip():
        pytest.skip("no CJK font installed: apt-get install fonts-noto-cjk, as .ci/run does")
    family = opened.js("getComputedStyle(document.querySelector('#section-tree')).fontFamily")
    assert "Noto Sans CJK SC" in family and family.rstrip().endswith("sans-serif")
    label = "细粒度视觉识别"
    assert label in opened.page.text_content("#section-tree")
    # Each character drawn in the page's font differs from the missing-glyph box and is
    # not blank.
    verdict = opened.js(
        """text => {
        const font = '24px ' + getComputedStyle(document.body).fontFamily;
        const draw = (c) => {
          const canvas = document.createElement('canvas');
          canvas.width = 40; canvas.height = 40;
          const g = canvas.getContext('2d');
          g.font = font; g.fillStyle = '#000'; g.textBaseline = 'top';
          g.fillText(c, 4, 4);
          return Array.from(g.getImageData(0, 0, 40, 40).data).join(',');
        };
        const missing = draw('\\u{10FFFD}');
        const blank = draw(' ');
        return [...text].map(c => { const d = draw(c); return [c, d !== missing && d !== blank]; });
    }""",
        label,
    )
    assert all(ok for _, ok in verdict), verdict
    # The graph's labels use the same font stack.
    assert opened.js("window.surveyPage.renderer.getSetting('labelFont')") == family


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any, int]]:
    """bench/graphpage.py's survey, smaller in edges: 10,000 synthetic papers citing
    three older ones each, filed under 20 sections of one top-level section."""
    from bench.exports import add_taxonomy
    from bench.lineage import build

    tmp = tmp_path_factory.mktemp("large")
    db = tmp / "large.db"
    _, most_cited, _ = build(db, 10_000, 3)
    add_taxonomy(db, 10_000)
    engine = open_database(f"sqlite:///{db}")
    with session_scope(engine) as session:
        data = page_data(session)
    write_html(data, tmp / "large.html")
    yield tmp / "large.html", engine, most_cited
    engine.dispose()


@pytest.mark.sqlite_only(reason="its 10,000 papers are an SQLite file of its own on either backend")
def test_every_interaction_at_10000_papers(browser: Any, large: tuple[Path, Any, int]) -> None:
    path, engine, most_cited = large
    with session_scope(engine) as session:
        data = page_data(session)
        descendants = walk.lineage(session, f"p{most_cited}", descendants=True)
    years = {p["key"]: p["year"] or 0 for p in data["papers"]}  # every synthetic paper has one
    sections = {p["key"]: {s["path"] for s in p["sections"]} for p in data["papers"]}
    opened = Opened(browser, path)
    try:
        assert opened.js("window.surveyPage.graph.order") == 10_000
        middle = sorted(set(years.values()))[len(set(years.values())) // 2]
        opened.js(
            "y => { const s = document.getElementById('year'); s.value = String(y);"
            " s.dispatchEvent(new Event('input')); }",
            middle,
        )
        shown = set(opened.js("window.surveyPage.shownKeys()"))
        assert shown == {k for k, y in years.items() if y <= middle}
        # Edges with a hidden end are not drawn.
        hidden_edges = opened.js(
            "() => { const g = window.surveyPage.graph, r = window.surveyPage.renderer;"
            " return g.edges().filter(e => !r.getNodeDisplayData(g.source(e)).hidden"
            " && !r.getNodeDisplayData(g.target(e)).hidden).length; }"
        )
        assert hidden_edges == sum(
            1 for e in data["edges"] if e["citing"] in shown and e["cited"] in shown
        )
        opened.js("document.getElementById('year').value = document.getElementById('year').max")
        opened.js("document.getElementById('year').dispatchEvent(new Event('input'))")
        assert len(opened.js("window.surveyPage.shownKeys()")) == 10_000
        opened.page.locator('#section-tree input[data-section="all/s3"]').uncheck()
        shown = set(opened.js("window.surveyPage.shownKeys()"))
        assert shown == {k for k, s in sections.items() if s != {"all/s3"}}
        opened.page.locator('#section-tree input[data-section="all/s3"]').check()
        opened.search(f"p{most_cited}")
        assert opened.selected() == f"p{most_cited}"
        opened.page.click("#show-descendants")
        highlighted = set(opened.js("window.surveyPage.highlightedKeys()"))
        assert highlighted == {p["key"] for p in descendants["papers"]} | {f"p{most_cited}"}
        assert opened.page.text_content("#lineage-summary").startswith(
            f"{len(descendants['papers'])} descendants"
        )
        assert opened.page.locator("#lineage-list li").count() == min(
            500, len(descendants["papers"])
        )
        assert overlapping(opened.js("window.surveyPage.drawnLabels()")) == []
        opened.page.click("#show-none")
        assert opened.js("window.surveyPage.highlightedKeys()") == [f"p{most_cited}"]
        assert opened.errors == []
    finally:
        opened.page.close()
