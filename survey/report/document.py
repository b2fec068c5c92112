"""The report as a document (report layer): gathered, rendered, its charts drawn and the
file written, for `survey report` and `survey build --report` alike."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.orm import Session

from survey.export import is_stdout, write_text
from survey.report.charts import write_charts
from survey.report.gather import build_report
from survey.report.markdown import render_markdown


def write_report(
    session: Session,
    output: Path | None = None,
    within: str | None = None,
    charts: Path | None = None,
    graph_page: Path | None = None,
) -> str:
    """The report's Markdown, also written to `output` when one is given (whole or not at
    all). `charts` draws the PNG charts into that folder and links them; `graph_page`
    links the HTML graph page. Links are relative to the output's folder."""
    content = build_report(session, within)
    links: list[tuple[str, str]] = []
    if charts is not None:
        base = output.parent if output is not None and not is_stdout(output) else Path(".")
        for alt, path in write_charts(content["trend"], charts):
            links.append((alt, Path(os.path.relpath(path, base)).as_posix()))
    page = None
    if graph_page is not None:
        base = output.parent if output is not None else Path(".")
        page = Path(os.path.relpath(graph_page, base)).as_posix()
    text = render_markdown(content, links, graph_page=page)
    if output is not None:
        write_text(output, text)
    return text
