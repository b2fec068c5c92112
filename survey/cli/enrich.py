"""`survey enrich` and `survey discover`: citation data and missing papers from the
citation indexes (OpenAlex, Semantic Scholar, OpenCitations)."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from survey.cli.common import (
    FORMAT_OPTION,
    OutputFormat,
    cli_errors,
    engine_from,
    err,
    out,
    print_csv,
    print_json,
    session_scope,
)
from survey.cli.load import ProgressBar
from survey.config import DEFAULT_MIN_CITING
from survey.errors import SurveyError
from survey.export import write_text

if TYPE_CHECKING:
    from survey.ingest.enrich import EnrichReport
    from survey.review.discover import Candidate
    from survey.sources.indexes.records import IndexClient, PlannedCalls

OFFLINE = typer.Option("--offline", help="Use only the on-disk caches; never the network.")
WITHIN = typer.Option("--within", help="Only the papers of this section (slug path or label).")
SOURCE = typer.Option(
    "--source",
    help="Citation index to ask: openalex, semanticscholar, opencitations or all "
    "(repeatable). Default: every index usable with the keys that are set.",
)


@contextmanager
def _interruptible() -> Iterator[None]:
    """Ctrl-C: one line, exit 130; the database is untouched and the cache keeps the answers."""
    try:
        yield
    except KeyboardInterrupt:
        err.print(
            "[yellow]interrupted: nothing was written to the database; run the command "
            "again to resume (the answers so far are cached)[/yellow]"
        )
        raise typer.Exit(130) from None


def _clients(
    sources: "list[str] | None", offline: bool, refresh: bool = False
) -> "list[IndexClient]":
    """The index clients a command asks, after one line per index left out by default."""
    from survey.sources.indexes.choice import open_clients

    clients, notes = open_clients(sources, offline=offline, refresh=refresh)
    for note in notes:
        err.print(f"[yellow]{note}[/yellow]")
    return clients


def enrich(
    ctx: typer.Context,
    within: Annotated[str | None, WITHIN] = None,
    source: Annotated[list[str] | None, SOURCE] = None,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Match again and re-fetch, replacing the edges.")
    ] = False,
    offline: Annotated[bool, OFFLINE] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Print the calls a run would make and their cost; ask nothing."
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", help="List unmatched papers and the rate-limit and cost figures."
        ),
    ] = False,
    mentions: Annotated[
        bool,
        typer.Option(
            "--mentions", help="Search the indexes for the notes' open mentions (needs --bib)."
        ),
    ] = False,
    bib: Annotated[
        Path | None, typer.Option("--bib", help="With --mentions: write the proposals here.")
    ] = None,
) -> None:
    """Match papers to the works of the citation indexes (OpenAlex, Semantic Scholar,
    OpenCitations: DOI, arXiv id, title) and store their citation counts, the edges among
    the papers (one origin per index) and the works they cite that the survey lacks. A
    re-run asks only for what is new; --offline uses the caches alone."""
    if mentions and bib is None:
        raise typer.BadParameter("--mentions writes its proposals to a file: add --bib FILE")
    from survey.ingest.enrich import enrich as run
    from survey.ingest.enrich import planned_calls
    from survey.review.discover import proposals_bibtex, propose_mentions

    with cli_errors(), _interruptible():
        engine = engine_from(ctx)
        clients = _clients(source, offline, refresh)
        try:
            if dry_run:
                _print_plan(planned_calls(engine, clients, within=within, refresh=refresh))
                return
            if mentions:
                assert bib is not None
                with session_scope(engine) as session:
                    proposals = propose_mentions(session, clients)
                    taken_text = proposals_bibtex(session, proposals)
                write_text(bib, taken_text)
                found = sum(1 for p in proposals if p.work is not None)
                out.print(
                    f"{found} of {len(proposals)} open mentions found; proposals written to "
                    f"{bib} for review (nothing was added)"
                )
                return
            with ProgressBar() as progress:
                report = run(engine, clients, within=within, refresh=refresh, progress=progress)
        finally:
            for client in clients:
                client.close()
    _print_report(report, verbose)


def _print_plan(planned: "list[tuple[str, list[PlannedCalls]]]") -> None:
    """One line per index and kind of call: how many, what they cost, and the index's note."""
    total = 0.0
    for label, calls in planned:
        for call in calls:
            if not call.calls:
                line = f"{label}: {call.note}"
            else:
                cost = "" if call.cost_usd is None else f", ${call.cost_usd:.4f}"
                if call.cost_usd == 0:
                    cost = ", free"
                note = f" ({call.note})" if call.note else ""
                line = f"{label}: {call.calls} {call.kind} calls{cost}{note}"
            out.print(line, soft_wrap=True)
            total += call.cost_usd or 0.0
    out.print(f"estimated cost before cited works: ${total:.4f}; nothing was asked")


def _print_report(report: "EnrichReport", verbose: bool) -> None:
    scope = f" in {report.scope}" if report.scope else ""
    for part in report.sources:
        if part.failure is not None:
            err.print(f"[red]{part.failure}[/red]")
            err.print(
                f"[yellow]{part.label}: nothing of it was written this run; its other "
                "indexes' edges were[/yellow]"
            )
        if verbose:
            for key, best in part.unmatched:
                why = f"best title score {best:g}" if best is not None else "nothing found"
                err.print(f"{key}: not matched in {part.label} ({why})")
            for name, value in sorted(part.limits.items()):
                err.print(f"{part.label}: {name}: {value}")
        kinds = ", ".join(f"{n} {k}" for k, n in part.by_kind.items())
        out.print(
            f"{part.label}: matched {part.matched} of {report.papers} papers{scope} "
            f"({part.by_doi} by DOI, {part.by_arxiv} by arXiv id, {part.by_title} by "
            f"title; {part.already} asked before, {len(part.unmatched)} not found); "
            f"{part.edges} edges, {part.external} external works cited, "
            f"{part.suggestions} DOI suggestions; {part.requests} requests"
            + (f" ({kinds})" if kinds else "")
            + f", {part.cached} answers from the cache",
            soft_wrap=True,
        )
    if all(part.failure is not None for part in report.sources) and report.sources:
        raise typer.Exit(1)


def discover(
    ctx: typer.Context,
    within: Annotated[str | None, WITHIN] = None,
    min_citing: Annotated[
        int,
        typer.Option("--min-citing", min=1, help="Keep works linked to at least K papers."),
    ] = DEFAULT_MIN_CITING,
    citing: Annotated[
        bool,
        typer.Option(
            "--citing", help="Works citing many of the section's papers (asks the indexes)."
        ),
    ] = False,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most N works.")] = None,
    output: OutputFormat = FORMAT_OPTION,
    bib: Annotated[
        Path | None, typer.Option("--bib", help="Write BibTeX entries of the works for review.")
    ] = None,
    offline: Annotated[bool, OFFLINE] = False,
    source: Annotated[list[str] | None, SOURCE] = None,
) -> None:
    """Works the survey is missing: those cited by many papers of a section (its missing
    classics), or with --citing those citing many of them (recent follow-ups). Run
    survey enrich first."""
    from survey.review.discover import candidates_bibtex, citing_works, missing_works
    from survey.vocab import index_label

    with cli_errors(), _interruptible():
        engine = engine_from(ctx)
        with session_scope(engine) as session:
            if citing:
                clients = _clients(source, offline)
                try:
                    with ProgressBar() as progress:
                        path, found = citing_works(
                            session,
                            clients,
                            within,
                            min_citing=min_citing,
                            limit=limit,
                            progress=progress,
                        )
                finally:
                    for client in clients:
                        client.close()
            else:
                path, found = missing_works(session, within, min_citing=min_citing, limit=limit)
            where = path or "the survey"
            verb = "cites" if citing else "is cited by"

            def origin(c: "Candidate") -> str:
                return (
                    f"survey discover: {index_label(c.source)} {c.work_id} {verb} {c.count} "
                    f"papers of "
                    f"{where}; review before adding"
                )

            text = candidates_bibtex(session, found, origin) if bib is not None else ""
        if bib is not None:
            if not found:
                raise SurveyError(f"no works to write to {bib}", "lower --min-citing")
            write_text(bib, text)
    _render(found, output, citing, path)
    if bib is not None:
        err.print(f"{len(found)} BibTeX entries written to {bib} for review")


def _render(found: "list[Candidate]", output: OutputFormat, citing: bool, path: str | None) -> None:
    if output is OutputFormat.json:
        print_json([c.as_dict() for c in found])
        return
    header = ["work", "count", "year", "first_author", "title", "venue", "doi", "cited_by_count"]
    if output is OutputFormat.csv:
        rows = [
            [
                c.work_id,
                c.count,
                c.year,
                c.first_author,
                c.title,
                c.venue,
                c.doi,
                c.cited_by_count,
                "; ".join(c.keys),
                c.suggested,
                c.confidence,
            ]
            for c in found
        ]
        print_csv([*header, "papers", "suggested", "confidence"], rows)
        return
    if not found:
        out.print("no works found (run survey enrich first, or lower --min-citing)")
        return
    from rich.table import Table
    from rich.text import Text

    what = "citing the section's papers" if citing else "cited by the section's papers"
    table = Table(title=f"{len(found)} works {what} ({path or 'all papers'})", title_justify="left")
    for name in ("#", "papers", "year", "first author", "title", "cited by", "work", "section"):
        table.add_column(name, overflow="fold")
    for rank, c in enumerate(found, start=1):
        table.add_row(
            str(rank),
            str(c.count),
            str(c.year or ""),
            Text(c.first_author),
            Text(c.title),
            str(c.cited_by_count if c.cited_by_count is not None else ""),
            c.work_id,
            Text(c.suggested or ""),
        )
    out.print(table)
