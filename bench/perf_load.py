"""Benchmark rows of issue 13 for the load: now vs target, baselines from the same run.

- SQLite load of 100k entries (fresh file, from file read to commit) against a bare
  `bibtexparser.parse_string` of the same file: target <= 1.0x;
- the same file loaded into a fresh PostgreSQL database (a throwaway durable server,
  COPY) against a fresh SQLite file, both timed in this run: target <= 1.3x;
- peak memory (PSS of the process tree) of the SQLite load against the bare parse's:
  target <= 1.0x.

The timings and memory come from bench/run.py's child-process measurements and
bench/postgres.py's server; `quick` uses a 2,000-entry corpus (a smoke run: below 4 MB a
file is parsed in one process, and fixed costs dominate the ratios).

Usage: python bench/perf_load.py [--quick]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))

from bench import run  # noqa: E402

TARGETS = {"sqlite_vs_parse": 1.0, "postgres_vs_sqlite": 1.3, "memory_vs_parse": 1.0}


def _row(what: str, now: str, limit: float, ratio: float | None) -> dict[str, object]:
    return {
        "what": what,
        "now": now,
        "target": f"<= {limit:.1f}x",
        "ratio": None if ratio is None else round(ratio, 2),
        "met": ratio is not None and ratio <= limit,
    }


def measure(quick: bool = False) -> list[dict[str, object]]:
    """The three load rows of issue 13's table, measured now."""
    size = 2_000 if quick else 100_000
    bib = run.corpus(size)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        bare = run.measure("bare", bib, db)
        load = run.measure("load", bib, db)
        db.unlink()
        bare_peak = run.measure("bare", bib, db, memory=True)["peak_mib"]
        db.unlink(missing_ok=True)
        load_peak = run.measure("load", bib, db, memory=True)["peak_mib"]
    rows = [
        _row(
            f"SQLite load of {size:,} entries vs bare bibtexparser.parse_string",
            f"{load['seconds']:.2f} s vs {bare['seconds']:.2f} s",
            TARGETS["sqlite_vs_parse"],
            load["seconds"] / bare["seconds"],
        )
    ]
    rows.append(_postgres_row(bib, size))
    rows.append(
        _row(
            f"peak memory of the {size:,}-entry load vs the bare parse",
            f"{load_peak:.0f} MiB vs {bare_peak:.0f} MiB",
            TARGETS["memory_vs_parse"],
            load_peak / bare_peak,
        )
    )
    return rows


def _postgres_row(bib: Path, size: int) -> dict[str, object]:
    what = f"PostgreSQL load of {size:,} entries vs the SQLite load of the same run"
    try:
        from bench.postgres import compare_loads, server_databases

        with server_databases("loadbench") as (base, _facts):
            loads = compare_loads(bib, base)
    except (RuntimeError, OSError) as exc:  # no PostgreSQL binaries on this machine
        return _row(what, f"not measured: {exc}", TARGETS["postgres_vs_sqlite"], None)
    pg, lite = loads["postgresql_s"], loads["sqlite_s"]
    return _row(what, f"{pg:.2f} s vs {lite:.2f} s", TARGETS["postgres_vs_sqlite"], pg / lite)


def main() -> None:
    rows = measure(quick="--quick" in sys.argv[1:])
    width = max(len(str(r["what"])) for r in rows)
    for r in rows:
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}x"
        verdict = "met" if r["met"] else "NOT met"
        print(f"{r['what']:<{width}}  {r['now']:<24} {ratio:>7}  target {r['target']}  {verdict}")


if __name__ == "__main__":
    main()
