"""Redraw docs/graph.png, the README's picture of the bundled survey's graph page.

Builds the bundled survey into a temporary database, exports its page, opens it in
Debian's headless chromium (Playwright), selects RA-CNN, highlights its descendants and
takes a screenshot. Usage: python docs/graph_png.py
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from survey.config import bundled_survey_dir
from survey.db import open_database, session_scope
from survey.export.html import page_data, write_html
from survey.ingest.folder import build_survey

HERE = Path(__file__).resolve().parent

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


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(f"sqlite:///{Path(tmp) / 'survey.db'}")
        with session_scope(engine, write=True) as session:
            build_survey(session, bundled_survey_dir())
        with session_scope(engine) as session:
            data = page_data(session)
        page = Path(tmp) / "graph.html"
        write_html(data, page)
        with sync_playwright() as driver:
            browser = driver.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=FLAGS
            )
            tab = browser.new_page(viewport={"width": 1600, "height": 900})
            tab.goto(page.as_uri())
            tab.wait_for_function("window.surveyPage && window.surveyPage.renderedAt !== null")
            tab.fill("#search", "RA-CNN")
            tab.press("#search", "Enter")
            tab.click("#show-descendants")
            tab.wait_for_timeout(800)
            tab.screenshot(path=str(HERE / "graph.png"))
            browser.close()


if __name__ == "__main__":
    main()
