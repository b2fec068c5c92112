"""Benchmark: the command line's start-up against a bare Typer app in the same venv.

Every run is a fresh `python` process. The baseline is a bare Typer app written to a
temporary file (one callback option, one command, one sub-group; Typer configured as
survey's app is: plain help, no completion), so the ratios measure what survey adds
over Typer itself. The runs of the three commands are interleaved, so a burst of load
on the (shared) machine hits all of them alike, and each figure is a median:

- CPU time (user + sys of the child, from `resource.getrusage(RUSAGE_CHILDREN)`): what
  the targets are judged on, since other processes on the machine stretch wall time;
- wall time, shown beside it.

The children run with bytecode caching on, into a temporary PYTHONPYCACHEPREFIX, as an
installed survey runs (pip compiles it at install time): a shell that sets
PYTHONDONTWRITEBYTECODE would otherwise have survey recompile its own modules on every
start, while the site-packages it is compared with keep their cached bytecode.

Targets (ratios against the bare app's `--help` of the same run):

    survey --help                                      <= 1.5
    survey query show RA-CNN (bundled survey, built)   <= 2.5

Usage: python bench/perf_cli.py [--quick]
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent

TARGETS = {"help": 1.5, "show": 2.5}

BARE_APP = '''
"""A bare Typer app: what any Typer command costs to start."""
from typing import Annotated

import typer

app = typer.Typer(
    help="A bare app.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
group = typer.Typer(help="A group.", no_args_is_help=True)


@app.callback()
def root(
    db: Annotated[str | None, typer.Option("--db", help="A database.")] = None,
) -> None:
    """A bare app."""


@app.command("show")
def show(
    key: Annotated[str, typer.Argument(help="A key.")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most.")] = 10,
) -> None:
    """Show one thing."""
    typer.echo(key)


@group.command("list")
def listing() -> None:
    """List things."""


app.add_typer(group, name="group")
app(prog_name="bare")
'''


def run_once(command: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one fresh process running `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def medians(
    commands: dict[str, list[str]], runs: int, env: dict[str, str]
) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) of each command over `runs` interleaved runs (after one warm-up
    run each, which also writes the bytecode cache)."""
    for command in commands.values():
        run_once(command, env)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(run_once(command, env))
    return {
        name: (
            statistics.median(s[0] for s in found),
            statistics.median(s[1] for s in found),
        )
        for name, found in samples.items()
    }


def _row(
    what: str,
    now: tuple[float, float],
    bare: tuple[float, float],
    target: float,
    note: str = "",
) -> dict:
    cpu_ratio = now[1] / bare[1] if bare[1] else None
    wall_ratio = now[0] / bare[0] if bare[0] else None
    return {
        "what": what,
        "now": (
            f"{now[1]:.3f} s CPU ({cpu_ratio:.2f}x), {now[0]:.3f} s wall ({wall_ratio:.2f}x); "
            f"bare Typer --help {bare[1]:.3f} s CPU, {bare[0]:.3f} s wall{note}"
        ),
        "target": f"<= {target}x a bare Typer app's --help (CPU time)",
        "ratio": None if cpu_ratio is None else round(cpu_ratio, 2),
        "met": cpu_ratio is not None and cpu_ratio <= target,
    }


def measure(quick: bool = False) -> list[dict]:
    """The start-up rows: `survey --help` and `survey query show RA-CNN`, each as a ratio
    against a bare Typer app's `--help` measured in the same run."""
    runs = 5 if quick else 15
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="survey-perf-cli-") as tmp:
        bare = Path(tmp) / "bare_app.py"
        bare.write_text(BARE_APP, encoding="utf-8")
        db = Path(tmp) / "survey.db"
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        # The bundled survey, built once (not timed).
        subprocess.run(
            [python, "-m", "survey", "--db", str(db), "build"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=tmp,
            env=env,
        )
        found = medians(
            {
                "bare": [python, str(bare), "--help"],
                # Not a target's baseline, shown for context: what Typer itself adds to run
                # a command with a parameter (it coerces values through pydantic).
                "bare_command": [python, str(bare), "show", "RA-CNN"],
                "help": [python, "-m", "survey", "--help"],
                "show": [python, "-m", "survey", "--db", str(db), "query", "show", "RA-CNN"],
            },
            runs,
            env,
        )
    return [
        _row("`survey --help`", found["help"], found["bare"], TARGETS["help"]),
        _row(
            "`survey query show RA-CNN` on the bundled database, whole process",
            found["show"],
            found["bare"],
            TARGETS["show"],
            note=(
                f"; a bare Typer app running a command: {found['bare_command'][1]:.3f} s CPU "
                f"({found['bare_command'][1] / found['bare'][1]:.2f}x)"
            ),
        ),
    ]


def main(argv: list[str]) -> int:
    for row in measure(quick="--quick" in argv):
        mark = "met" if row["met"] else "NOT met"
        print(f"{row['what']}\n  now:    {row['now']}\n  target: {row['target']} -> {mark}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
