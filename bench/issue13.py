"""Every row of issue 13's performance table, now vs target, in one run.

Each row's baseline is measured in the same run as the row itself (see the modules
named below for how): lineage (bench/perf_lineage.py), start-up (bench/perf_cli.py),
the load into SQLite and PostgreSQL and its memory (bench/perf_load.py). A PostgreSQL
row reads "not measured" on a machine without PostgreSQL's binaries.

Usage: python -m bench.issue13 [--quick]   (from the repository root; --quick: small
corpora and fewer runs, a smoke run whose ratios are dominated by fixed costs)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from bench import perf_cli, perf_lineage, perf_load

Row = dict[str, object]
GROUPS: tuple[tuple[str, Callable[[bool], list[Row]]], ...] = (
    ("lineage", perf_lineage.measure),
    ("start-up", perf_cli.measure),
    ("load", perf_load.measure),
)


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    rows: list[Row] = []
    for name, measure in GROUPS:
        start = time.perf_counter()
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        rows.extend(measure(quick))
        print(f"  {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    for row in rows:
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.2f}x"
        verdict = "met" if row["met"] else "NOT met"
        print(f"{row['what']}\n  now:    {row['now']} ({ratio})")
        print(f"  target: {row['target']} -> {verdict}")
    met = sum(1 for row in rows if row["met"])
    print(f"\n{met} of {len(rows)} rows met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
