"""`survey db`: the schema's migrations (upgrade happens on open; these make it explicit)."""

import typer

from survey import DISTRIBUTION
from survey.cli.common import cli_errors, engine_from, missing_sqlite_file, out
from survey.config import database_url

app = typer.Typer(help="Database schema: upgrade it, show its revision.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command(ctx: typer.Context) -> None:
    """Upgrade the database to the newest schema revision (opening it does this too)."""
    from survey.db.engine import current_revision

    with cli_errors():
        engine = engine_from(ctx, create=True)
        out.print(f"database at revision {current_revision(engine)} (newest)")


@app.command("current")
def current_command(ctx: typer.Context) -> None:
    """Show the database's schema revision and the newest one, without changing anything."""
    from survey.db.engine import create_survey_engine, current_revision
    from survey.db.revisions import head_revision, is_known_revision

    with cli_errors():
        url = database_url(ctx.find_root().params.get("db"))
        engine = create_survey_engine(url)  # connects only when asked to
        head = head_revision()
        missing = missing_sqlite_file(url)
        if missing is not None:  # connecting would create the file
            out.print(f"current: none (no database file at {missing})\nnewest:  {head}")
            return
        current = current_revision(engine)
        if current == head:
            state = "up to date"
        elif current is not None and not is_known_revision(current):
            state = (
                "written by a newer survey: this one cannot use it "
                f"(upgrade survey: pip install -U {DISTRIBUTION})"
            )
        else:
            state = "will be upgraded when next opened"
        out.print(f"current: {current or 'none (empty database)'}\nnewest:  {head}\n{state}")
