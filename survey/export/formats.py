"""Which export writes which file (export layer): the formats, the data each one reads,
and the dispatch to its writer.

The command line names the formats in its signature, so this module imports only the
standard library at load time; the writers (and NetworkX, SQLAlchemy behind them) are
imported when an export runs.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard

from survey.errors import SurveyError
from survey.export import is_stdout
from survey.export.layout import Layout
from survey.shapes import ExportData, PageData

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class ExportFormat(StrEnum):
    graphml = "graphml"
    gexf = "gexf"
    bib = "bib"
    csljson = "csljson"
    csv = "csv"
    html = "html"


def check_target(kind: ExportFormat, target: Path) -> None:
    """Refuse a target the format cannot write, before anything is read."""
    if kind is ExportFormat.csv and is_stdout(target):
        raise SurveyError(
            "csv writes two tables, papers.csv and edges.csv", "give a folder instead of -"
        )


def gather(
    session: Session, kind: ExportFormat, within: str | None = None, *, clusters: bool = False
) -> ExportData:
    """What the format writes: the graph page's data for html, the export data otherwise
    (papers with sections, influence and colour, and the edges among them; with
    `clusters`, each paper's cluster)."""
    if kind is ExportFormat.html:
        from survey.export.html import page_data

        return page_data(session, within)
    from survey.export.collect import export_data

    # BibTeX and CSL-JSON write no citation counts or PageRank: no graph for them.
    return export_data(
        session,
        within,
        clusters=clusters,
        influence=kind not in (ExportFormat.bib, ExportFormat.csljson),
    )


def run_export(
    session: Session,
    kind: ExportFormat,
    target: Path,
    within: str | None = None,
    *,
    clusters: bool = False,
    layout: Layout = Layout.timeline,
) -> tuple[list[Path], int, int]:
    """Export the papers (of the section `within`) as `kind` to `target`; the paths
    written, and the number of papers and citation edges in them. BibTeX is written from
    the database as it is read; the other formats from the data `gather` collects."""
    check_target(kind, target)
    if kind is ExportFormat.bib:
        from survey.export.bibtex import write_bibtex

        papers, edges = write_bibtex(session, target, within)
        return [target], papers, edges
    data = gather(session, kind, within, clusters=clusters)
    return write_export(kind, data, target, layout), len(data["papers"]), len(data["edges"])


def is_page_data(data: ExportData) -> TypeGuard[PageData]:
    """True for the graph page's data (the exports' data with labels and title)."""
    return "labels" in data and "title" in data


def write_export(
    kind: ExportFormat, data: ExportData, target: Path, layout: Layout = Layout.timeline
) -> list[Path]:
    """Write `data` as `kind` to `target` (a folder for csv); the paths written. BibTeX
    is not written from gathered data: run_export streams it from the database."""
    from survey.export.csljson import write_csljson
    from survey.export.csvfiles import write_csv_folder
    from survey.export.gexf import write_gexf
    from survey.export.graphml import write_graphml
    from survey.export.html import write_html

    check_target(kind, target)
    if kind is ExportFormat.csv:
        return write_csv_folder(data, target)
    if kind is ExportFormat.bib:
        raise ValueError("the bib export is written from the database: use run_export")
    if kind is ExportFormat.html:
        if not is_page_data(data):
            raise ValueError("the html export writes the page's data: gather it for html")
        write_html(data, target, layout)
        return [target]
    writer = {
        ExportFormat.graphml: write_graphml,
        ExportFormat.gexf: write_gexf,
        ExportFormat.csljson: write_csljson,
    }[kind]
    writer(data, target)
    return [target]
