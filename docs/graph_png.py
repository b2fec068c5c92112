"""Redraw the pictures of docs/graph-page.md (and the README): docs/graph.png (the bundled
survey as it opens) and docs/graph-one-section.png (an awesome list whose H1 is its only
top-level section, no citations yet: coloured by its subsections).

Builds each survey into a temporary database, exports its page, opens it in Debian's
headless chromium (Playwright) and takes a screenshot. Each PNG carries the survey's
figures in a text chunk ("survey": "75 papers, 147 citations"), which
tests/docs/test_readme_figures.py compares with the bundled data and the pages that state them.
Usage: python docs/graph_png.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.chromium import FLAGS  # noqa: E402
from survey.config import bundled_survey_dir  # noqa: E402
from survey.db import open_database, session_scope  # noqa: E402
from survey.export.html import page_content, page_data, write_html  # noqa: E402
from survey.ingest.folder import build_survey  # noqa: E402

ONE_SECTION = HERE.parent / "tests" / "fixtures" / "awesome"


def figures(folder: Path, tmp: Path) -> tuple[Path, str]:
    """Build `folder`, write its page; the page and its figures."""
    engine = open_database(f"sqlite:///{tmp / (folder.name + '.db')}")
    with session_scope(engine, write=True) as session:
        build_survey(session, folder)
    with session_scope(engine) as session:
        data = page_data(session)
    engine.dispose()
    page = tmp / f"{folder.name}.html"
    write_html(data, page)
    content = page_content(data)
    return page, f"{len(content['papers'])} papers, {len(content['edges'])} citations"


def shoot(browser: object, page: Path, target: Path, text: str, select: str | None) -> None:
    from PIL import Image, PngImagePlugin

    tab = browser.new_page(viewport={"width": 1600, "height": 900})  # type: ignore[attr-defined]
    tab.goto(page.as_uri())
    tab.wait_for_function("window.surveyPage && window.surveyPage.renderedAt !== null")
    if select is not None:
        tab.fill("#search", select)
        tab.press("#search", "Enter")
        tab.click("#show-descendants")
    tab.wait_for_timeout(800)
    shot = target.with_suffix(".tmp.png")
    tab.screenshot(path=str(shot))
    tab.close()
    info = PngImagePlugin.PngInfo()
    info.add_text("survey", text)
    with Image.open(shot) as image:
        image.save(target, pnginfo=info)
    shot.unlink()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bundled, bundled_text = figures(bundled_survey_dir(), Path(tmp))
        one, one_text = figures(ONE_SECTION, Path(tmp))
        with sync_playwright() as driver:
            browser = driver.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=FLAGS
            )
            shoot(browser, bundled, HERE / "graph.png", bundled_text, None)
            shoot(browser, one, HERE / "graph-one-section.png", one_text, None)
            browser.close()
    print(f"docs/graph.png: {bundled_text}; docs/graph-one-section.png: {one_text}")


if __name__ == "__main__":
    main()
