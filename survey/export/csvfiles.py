"""CSV tables of papers and citation edges (export layer).

A cell that starts with `=`, `+`, `-`, `@`, a tab or a return is prefixed with `'`, so
a spreadsheet shows it as text instead of running it as a formula. An arXiv id is written
`arXiv:1711.09020`, the form arXiv itself prints, so pandas and spreadsheets keep it as
text (a bare `1711.09020` becomes the number 1711.0902). Control characters are removed.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO

from survey.errors import SurveyError
from survey.export import atomic_output
from survey.naming import author_name
from survey.shapes import ExportData
from survey.textnorm import strip_controls

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

PAPER_COLUMNS = [
    "citekey",
    "entry_type",
    "year",
    "short",
    "title",
    "authors",
    "venue",
    "doi",
    "arxiv_id",
    "sections",
    "provenance",
    "citations",
    "pagerank",
]
EDGE_COLUMNS = ["citing", "cited", "relation", "origin", "suspect", "evidence"]


def safe_cell(value: object) -> object:
    if isinstance(value, str):
        value = strip_controls(value)
        return "'" + value if value.startswith(_FORMULA_START) else value
    return "" if value is None else value


def write_csv_folder(data: ExportData, folder: Path) -> list[Path]:
    folder = folder.expanduser()
    if folder.exists() and not folder.is_dir():
        raise SurveyError(f"{folder} is a file", "give a folder for the CSV tables")
    folder.mkdir(parents=True, exist_ok=True)
    papers = folder / "papers.csv"
    edges = folder / "edges.csv"

    def write_papers(stream: IO[str]) -> None:
        writer = csv.writer(stream)  # RFC 4180: CRLF, so a bare CR in a value is quoted
        writer.writerow(PAPER_COLUMNS)
        for p in data["papers"]:
            authors = "; ".join(author_name(a) for a in p["authors"])
            row = [
                p["key"],
                p["entry_type"],
                p["year"],
                p["short"],
                p["title"],
                authors,
                p["venue"],
                p["doi"],
                f"arXiv:{p['arxiv_id']}" if p["arxiv_id"] else None,
                "; ".join(s["path"] for s in p["sections"]),
                "; ".join(sorted({s["provenance"] for s in p["sections"]})),
                p["citations"],
                p["pagerank"],
            ]
            writer.writerow([safe_cell(v) for v in row])

    def write_edges(stream: IO[str]) -> None:
        writer = csv.writer(stream)  # RFC 4180: CRLF, so a bare CR in a value is quoted
        writer.writerow(EDGE_COLUMNS)
        for e in data["edges"]:
            row = [
                e["citing"],
                e["cited"],
                e["relation"],
                e["origin"],
                int(e["suspect"]),
                e["evidence"],
            ]
            writer.writerow([safe_cell(v) for v in row])

    # Both tables are written before either replaces its file: a failure leaves the
    # previous pair, never new papers beside old edges.
    with atomic_output(papers) as paper_stream, atomic_output(edges) as edge_stream:
        write_papers(paper_stream)
        write_edges(edge_stream)
    return [papers, edges]
