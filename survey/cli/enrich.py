"""`survey enrich` and `survey discover`: citation data and missing papers from OpenAlex."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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

OFFLINE = typer.Option("--offline", help="Use only the on-disk cache; never the network.")
WITHIN = typer.Option("--within", help="Only the papers of this section (slug path or label).")


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


def enrich_core(*args: Any, **kwargs: Any) -> "EnrichReport":
    """survey.enrich.enrich, imported when the command runs (it pulls in the HTTP client)."""
    from survey.ingest.enrich import enrich as run

    return run(*args, **kwargs)


def enrich(
    ctx: typer.Context,
    within: Annotated[str | None, WITHIN] = None,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Match again and re-fetch, replacing the edges.")
    ] = False,
    offline: Annotated[bool, OFFLINE] = False,
    mentions: Annotated[
        bool,
        typer.Option(
            "--mentions", help="Search OpenAlex for the notes' open mentions (needs --bib)."
        ),
    ] = False,
    bib: Annotated[
        Path | None, typer.Option("--bib", help="With --mentions: write the proposals here.")
    ] = None,
) -> None:
    """Match papers to OpenAlex works (DOI, arXiv id, title) and store their citation
    counts, the edges among the papers (origin openalex) and the works they cite that the
    survey lacks. A re-run asks only for what is new; --offline uses the cache alone."""
    if mentions and bib is None:
        raise typer.BadParameter("--mentions writes its proposals to a file: add --bib FILE")
    from survey.review.discover import proposals_bibtex, propose_mentions
    from survey.sources.openalex import ClientSettings, OpenAlexClient

    with cli_errors(), _interruptible():
        engine = engine_from(ctx)
        settings = ClientSettings.from_env(offline=offline, refresh=refresh)
        with OpenAlexClient(settings) as client:
            if mentions:
                assert bib is not None
                with session_scope(engine) as session:
                    proposals = propose_mentions(session, client)
                    taken_text = proposals_bibtex(session, proposals)
                write_text(bib, taken_text)
                found = sum(1 for p in proposals if p.work is not None)
                out.print(
                    f"{found} of {len(proposals)} open mentions found in OpenAlex; "
                    f"proposals written to {bib} for review (nothing was added)"
                )
                return
            with ProgressBar() as progress:
                report = enrich_core(
                    engine, client, within=within, refresh=refresh, progress=progress
                )
    for key, best in report.unmatched:
        why = f"best title score {best:g}" if best is not None else "nothing found"
        err.print(f"[yellow]{key}: not matched in OpenAlex ({why})[/yellow]")
    scope = f" in {report.scope}" if report.scope else ""
    out.print(
        f"matched {report.matched} papers{scope} ({report.by_doi} by DOI, {report.by_arxiv} "
        f"by arXiv id, {report.by_title} by title; {report.already} asked before, "
        f"{len(report.unmatched)} not found)"
    )
    out.print(
        f"{report.edges} openalex edges, {report.external} external works cited, "
        f"{report.suggestions} DOI suggestions (see survey check); "
        f"{report.requests} requests, {report.cached} answers from the cache"
    )


def discover(
    ctx: typer.Context,
    within: Annotated[str | None, WITHIN] = None,
    min_citing: Annotated[
        int,
        typer.Option("--min-citing", min=1, help="Keep works linked to at least K papers."),
    ] = DEFAULT_MIN_CITING,
    citing: Annotated[
        bool,
        typer.Option("--citing", help="Works citing many of the section's papers (asks OpenAlex)."),
    ] = False,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most N works.")] = None,
    output: OutputFormat = FORMAT_OPTION,
    bib: Annotated[
        Path | None, typer.Option("--bib", help="Write BibTeX entries of the works for review.")
    ] = None,
    offline: Annotated[bool, OFFLINE] = False,
) -> None:
    """Works the survey is missing: those cited by many papers of a section (its missing
    classics), or with --citing those citing many of them (recent follow-ups). Run
    survey enrich first."""
    from survey.review.discover import candidates_bibtex, citing_works, missing_works
    from survey.sources.openalex import ClientSettings, OpenAlexClient

    with cli_errors(), _interruptible():
        engine = engine_from(ctx)
        with session_scope(engine) as session:
            if citing:
                with OpenAlexClient(ClientSettings.from_env(offline=offline)) as client:
                    path, found = citing_works(
                        session, client, within, min_citing=min_citing, limit=limit
                    )
            else:
                path, found = missing_works(session, within, min_citing=min_citing, limit=limit)
            where = path or "the survey"
            verb = "cites" if citing else "is cited by"

            def origin(c: "Candidate") -> str:
                return (
                    f"survey discover: OpenAlex {c.work_id} {verb} {c.count} papers of "
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
            ]
            for c in found
        ]
        print_csv([*header, "papers"], rows)
        return
    if not found:
        out.print("no works found (run survey enrich first, or lower --min-citing)")
        return
    from rich.table import Table
    from rich.text import Text

    what = "citing the section's papers" if citing else "cited by the section's papers"
    table = Table(title=f"{len(found)} works {what} ({path or 'all papers'})", title_justify="left")
    for name in ("#", "papers", "year", "first author", "title", "cited by", "work"):
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
        )
    out.print(table)
