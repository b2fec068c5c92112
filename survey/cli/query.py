"""`survey query`: questions about the papers in the database."""

from typing import TYPE_CHECKING, Annotated

import typer

from survey.cli import render
from survey.cli.common import (
    FORMAT_OPTION,
    MAX_LIMIT,
    OutputFormat,
    cli_errors,
    database_url_of,
    engine_from,
    out,
    print_csv,
    print_json,
    session_scope,
)
from survey.naming import author_name

if TYPE_CHECKING:
    from survey.db.models import Paper
    from survey.shapes import IndexSummary

app = typer.Typer(help="Ask the knowledge base: one paper, or a search.", no_args_is_help=True)


def author_list(paper: "Paper", limit: int | None = None) -> str:
    names = [a.display for a in paper.authors]
    if limit is not None and len(names) > limit:
        return ", ".join(names[:limit]) + " et al."
    text = ", ".join(names)
    return text + (" and others" if paper.more_authors else "")


@app.command("show")
def show(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Citekey or short name (case-insensitive).")],
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """One paper: metadata, authors, identifiers, short names, where it was loaded from,
    and the sections of the taxonomy it is filed under."""
    from rich.table import Table
    from rich.text import Text

    from survey.db.papers_light import quick_paper_record, read_paper_record, session_fetch

    with cli_errors():
        # An up-to-date SQLite file and a citekey or short name: answered without
        # SQLAlchemy (survey.db.papers_light); anything else by the general path.
        record = quick_paper_record(database_url_of(ctx), key)
        if record is None:
            from survey.db.papers import find_paper

            with session_scope(engine_from(ctx)) as session:
                paper = find_paper(session, key)
                record = read_paper_record(session_fetch(session), paper.id)
    indexes = record.get("indexes", [])
    if output is OutputFormat.json:
        print_json(record)
        return
    authors = "; ".join(author_name(a) for a in record["authors"])
    if output is OutputFormat.csv:
        header = [
            "citekey",
            "entry_type",
            "title",
            "authors",
            "year",
            "venue",
            "doi",
            "arxiv_id",
            "aliases",
        ]
        row = [
            record["citekey"],
            record["entry_type"],
            record["title"],
            authors,
            record["year"],
            record["venue"],
            record["doi"],
            record["arxiv_id"],
            "; ".join(record["aliases"]),
        ]
        print_csv(header, [row])
        return
    table = Table(show_header=False, title=record["citekey"], title_justify="left")
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="ellipsis")
    source = record["source"]
    rows = [
        ("title", record["title"]),
        ("authors", authors + (" and others" if record["more_authors"] else "")),
        ("year", record["year"]),
        ("venue", record["venue"]),
        ("type", record["entry_type"]),
        ("doi", record["doi"]),
        ("arxiv", record["arxiv_id"]),
        ("short names", ", ".join(record["aliases"])),
        ("source", f"{render.display_path(source['file'])}:{source['line']}" if source else None),
        *((summary["source"], _index_text(summary)) for summary in indexes),
    ]
    for name, value in rows:
        if value not in (None, ""):
            table.add_row(name, *render.cells([value]))
    for section in record["sections"]:
        text = Text(f"{section['label']}  ")
        text.append(section["path"], style="dim")
        text.append(f"  ({section['provenance']})", style="cyan")
        if section["annotation"]:
            text.append(f"  {section['annotation']}")
        table.add_row("section", text)
    out.print(table)


@app.command("search")
def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="Words to find in titles, authors, venues, keys.")],
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=MAX_LIMIT, help="At most this many.")
    ] = 50,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Papers whose title, authors, venue, key or short name contain every word given."""
    from survey.db.papers import loaded_paper_record, search_papers

    with cli_errors(), session_scope(engine_from(ctx)) as session:
        papers = search_papers(session, text, limit=limit)
        records = [loaded_paper_record(p) for p in papers]
        short = [author_list(p, limit=2) for p in papers]
    if output is OutputFormat.json:
        print_json(records)
        return
    if output is OutputFormat.csv:
        header = ["citekey", "year", "aliases", "title", "authors", "venue", "doi", "arxiv_id"]
        print_csv(
            header,
            [
                [
                    r["citekey"],
                    r["year"],
                    "; ".join(r["aliases"]),
                    r["title"],
                    s,
                    r["venue"],
                    r["doi"],
                    r["arxiv_id"],
                ]
                for r, s in zip(records, short, strict=True)
            ],
        )
        return
    if not records:
        out.print(f"no papers match {text!r}")
        return
    table = render.table(
        f"{len(records)} papers matching {text!r}",
        ["key", "year", "short name", "title", "authors", "venue"],
    )
    for record, authors in zip(records, short, strict=True):
        table.add_row(
            *render.cells(
                [
                    record["citekey"],
                    record["year"],
                    ", ".join(record["aliases"]),
                    record["title"],
                    authors,
                    record["venue"],
                ]
            )
        )
    out.print(table)


def _index_text(summary: "IndexSummary") -> str:
    if summary["work"] is None:
        return "not found (survey enrich --refresh asks again)"
    text = f"{summary['work']} ({summary['method']} match, score {summary['score']:g})"
    if summary["cited_by_count"] is not None:
        text += f", cited by {summary['cited_by_count']}"
    if summary["doi_suggestion"]:
        text += f"; suggested doi {summary['doi_suggestion']}"
    return text
