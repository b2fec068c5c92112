"""The Markdown survey report (report layer): `build_report` gathers a plain report object
from the database, `render_markdown` turns it into text. Same database, same bytes."""

from survey.report.gather import build_report
from survey.report.markdown import render_markdown

__all__ = ["build_report", "render_markdown"]
