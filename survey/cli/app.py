"""The `survey` command: global options and the command groups (cli layer)."""

from typing import Annotated

import typer

from survey import __version__
from survey.cli import build as build_commands
from survey.cli import check as check_commands
from survey.cli import cite as cite_commands
from survey.cli import db as db_commands
from survey.cli import enrich as enrich_commands
from survey.cli import export as export_commands
from survey.cli import graph as graph_commands
from survey.cli import load as load_commands
from survey.cli import mentions as mentions_commands
from survey.cli import query as query_commands
from survey.cli import report as report_commands
from survey.cli import sources as sources_commands
from survey.cli import suggest as suggest_commands
from survey.cli import taxonomy as taxonomy_commands
from survey.cli.common import err, out
from survey.config import DB_ENV_VAR

app = typer.Typer(
    name="survey",
    help="A literature-survey knowledge base: BibTeX and notes in, lineage and trends out.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"survey {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar=DB_ENV_VAR,
            help="Database: a path (SQLite) or an SQLAlchemy URL. Default ./survey.db.",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """A literature-survey knowledge base: BibTeX and notes in, lineage and trends out."""
    # A new run (the tests run many in one process) prints with consoles made for its
    # environment, as a run of its own process does.
    out.renew()
    err.renew()


app.command("build")(build_commands.build)
app.command("check")(check_commands.check_command)
app.command("discover")(enrich_commands.discover)
app.command("enrich")(enrich_commands.enrich)
app.command("export")(export_commands.export)
app.command("load")(load_commands.load)
app.command("report")(report_commands.report)
app.command("taxonomy")(taxonomy_commands.taxonomy)
app.add_typer(taxonomy_commands.tag_app, name="tag")
for name in ("lineage", "path", "mainpath", "top", "related", "trend", "clusters"):
    query_commands.app.command(name)(getattr(graph_commands, name))
app.add_typer(query_commands.app, name="query")
app.add_typer(cite_commands.app, name="cite")
app.add_typer(sources_commands.app, name="sources")
app.add_typer(mentions_commands.app, name="mentions")
app.add_typer(suggest_commands.app, name="suggest")
app.add_typer(db_commands.app, name="db")


def main() -> None:
    app(prog_name="survey")
