"""Benchmark: every heavy command at 1k / 10k / 100k papers, with issue 30's ratios.

For each size a synthetic survey folder is written (deterministic, seeded):

- `papers.bib`: `bench/generate.py`'s corpus of that size;
- `citations.csv`: a preferential-attachment DAG (each paper cites up to 10 older
  papers, chosen in proportion to one plus the citations they already have; about 9.7
  edges per paper), "older" in the order of the entries' years, so almost no edge is
  suspect;
- `notes.md`: 50 / 200 / 500 sections (ten per top-level heading), every paper cited
  once as `- [@key]` under one of them, round robin.

Then each command runs in a fresh `python -m survey` process; its wall time is measured
around the process and its peak memory is the largest sum of PSS over the process and
its descendants (the parser workers), sampled every 100 ms from this process. Baselines
measured in the same run, in their own processes:

- `survey load` of `papers.bib` alone into a fresh database;
- bibtexparser's writer (`bibtexparser.write_string`) on the parsed file (write only);
- the lineage walk in process (`survey.graph.lineage.lineage`, warm, best of three).

Targets at the largest size (issue 30): unchanged rebuild <= 0.05x the fresh build;
fresh build <= 1.5x load; report and check each <= 0.25x the fresh build; export bib
<= 1.5x the writer; lineage --format json <= 2x the in-process walk; growth exponents
(10k -> 100k) <= 1.1; peak memory <= 1.5 GB; the report at 10k papers with 2,000
sections <= 1.3x with 200 sections (run with --sections-check).

Usage: python bench/sweep.py [SIZES...] [--only CMD,CMD] [--sections-check] [--json OUT]
       [--db-url postgresql://...]   (a database URL whose database is dropped and
       recreated per size is not managed here: give an empty database per run)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.generate import generate  # noqa: E402
from bench.run import _pss_kib, _tree  # noqa: E402

SECTIONS = {1000: 50, 10000: 200, 100000: 500}
PER_PAPER = 10

COMMANDS = [
    "load",
    "build-fresh",
    "build-unchanged",
    "report",
    "check",
    "export-bib",
    "lineage-json",
]


def write_survey(folder: Path, size: int, sections: int, seed: int = 2020) -> str:
    """The survey folder; returns the citekey of the most cited paper."""
    folder.mkdir(parents=True, exist_ok=True)
    text = generate(size)
    (folder / "papers.bib").write_text(text, encoding="utf-8")
    keys: list[tuple[int, str]] = []
    for block in text.split("\n@")[1:]:
        if block.startswith("string"):
            continue
        key = block.split("{", 1)[1].split(",", 1)[0]
        year = int(block.split("  year = ", 1)[1].split(",", 1)[0])
        keys.append((year, key))
    order = [key for _, key in sorted(keys)]  # oldest first: edges point back in time
    rng = random.Random(seed)
    targets: list[int] = []
    lines = ["citing,cited,relation,evidence"]
    counts = [0] * len(order)
    for paper in range(len(order)):
        if targets:
            cited = sorted({rng.choice(targets) for _ in range(min(PER_PAPER, len(targets)))})
            for other in cited:
                lines.append(f"{order[paper]},{order[other]},related,")
                counts[other] += 1
            targets.extend(cited)
        targets.append(paper)
    (folder / "citations.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    notes = ["# Synthetic survey", ""]
    per_topic = 10
    bullets: list[list[str]] = [[] for _ in range(sections)]
    for index, (_, key) in enumerate(keys):
        bullets[index % sections].append(f"- [@{key}]")
    for section in range(sections):
        if section % per_topic == 0:
            notes += [f"# Topic {section // per_topic + 1}", ""]
        notes += [f"## Section {section + 1}", "", *bullets[section], ""]
    (folder / "notes.md").write_text("\n".join(notes), encoding="utf-8")
    (folder / "survey.toml").write_text(
        'title = "Synthetic survey"\nbibliography = ["papers.bib"]\nnotes = "notes.md"\n'
        'citations = ["citations.csv"]\n',
        encoding="utf-8",
    )
    return order[max(range(len(order)), key=lambda i: (counts[i], -i))]


def timed(args: list[str], out: Path | None = None) -> tuple[float, float]:
    """(wall seconds, peak PSS MiB over the process tree) of one child process."""
    start = time.perf_counter()
    with open(out or os.devnull, "wb") as sink:
        process = subprocess.Popen(args, stdout=sink, stderr=subprocess.PIPE)
        peak = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.wait(0.1):
                peak = max(peak, sum(_pss_kib(pid) for pid in _tree(process.pid)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, err = process.communicate()
        stop.set()
        sampler.join()
    seconds = time.perf_counter() - start
    if process.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(args)} failed: {err.decode()[-2000:]}")
    return seconds, peak / 1024


def survey(db: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "survey", "--db", db, *args]


def db_url(tmp: Path, name: str, base: str | None) -> str:
    if base is None:
        return str(tmp / f"{name}.db")
    return base


def baseline_child(kind: str, arg: str, extra: str) -> None:
    """In a child process: one in-process baseline, its seconds printed as JSON."""
    if kind == "writer":
        import bibtexparser

        library = bibtexparser.parse_string(Path(arg).read_text(encoding="utf-8"))
        start = time.perf_counter()
        bibtexparser.write_string(library)
        print(json.dumps({"seconds": time.perf_counter() - start}))
    elif kind == "walk":
        from survey.db import open_database, session_scope
        from survey.graph import lineage as walk

        engine = open_database(arg if "://" in arg else f"sqlite:///{arg}")
        best = math.inf
        for _ in range(3):
            with session_scope(engine) as session:
                start = time.perf_counter()
                walk.lineage(session, extra, descendants=True)
                best = min(best, time.perf_counter() - start)
        print(json.dumps({"seconds": best}))


def baseline(kind: str, arg: str, extra: str = "") -> float:
    output = subprocess.run(
        [sys.executable, __file__, "--baseline", kind, arg, extra],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(json.loads(output.splitlines()[-1])["seconds"])


def sweep_size(
    tmp: Path, size: int, only: set[str], base_url: str | None, reset: object
) -> dict[str, object]:
    folder = tmp / f"survey{size}"
    hub = write_survey(folder, size, SECTIONS.get(size, 50))
    edges = (folder / "citations.csv").read_text().count("\n") - 1
    row: dict[str, object] = {"papers": size, "edges": edges, "sections": SECTIONS.get(size)}
    cells: dict[str, tuple[float, float]] = {}
    db = db_url(tmp, f"s{size}", base_url)
    load_db = db_url(tmp, f"load{size}", None)

    def run(name: str, args: list[str], out: Path | None = None) -> None:
        if name in only:
            cells[name] = timed(args, out)
            print(f"  {size:>7} {name:<16} {cells[name][0]:8.2f} s {cells[name][1]:8.0f} MiB")

    if callable(reset):
        reset()
    run("load", survey(load_db, "load", str(folder / "papers.bib")))
    run("build-fresh", survey(db, "build", str(folder)))
    run("build-unchanged", survey(db, "build", str(folder)))
    run("report", survey(db, "report", "-o", str(tmp / "report.md")))
    run("check", survey(db, "check"), tmp / "check.txt")
    run("check-json", survey(db, "check", "--format", "json"), tmp / "check.json")
    run("export-bib", survey(db, "export", "bib", str(tmp / "out.bib")))
    lineage = ["query", "lineage", hub, "--descendants"]
    run("lineage-json", survey(db, *lineage, "--format", "json"), tmp / "lineage.json")
    run("lineage-table", survey(db, *lineage), tmp / "lineage.txt")
    row["cells"] = {k: {"s": round(v[0], 2), "mib": round(v[1])} for k, v in cells.items()}
    base: dict[str, float] = {}
    if "export-bib" in only:
        base["writer"] = baseline("writer", str(folder / "papers.bib"))
    if "lineage-json" in only:
        base["walk"] = baseline("walk", db, hub)
    row["baselines"] = {k: round(v, 3) for k, v in base.items()}
    ratios: dict[str, float] = {}

    def ratio(name: str, a: float | None, b: float | None) -> None:
        if a is not None and b:
            ratios[name] = round(a / b, 3)

    def s(name: str) -> float | None:
        return cells[name][0] if name in cells else None

    ratio("unchanged/fresh", s("build-unchanged"), s("build-fresh"))
    ratio("fresh/load", s("build-fresh"), s("load"))
    ratio("report/fresh", s("report"), s("build-fresh"))
    ratio("check/fresh", s("check"), s("build-fresh"))
    ratio("exportbib/writer", s("export-bib"), base.get("writer"))
    ratio("lineagejson/walk", s("lineage-json"), base.get("walk"))
    row["ratios"] = ratios
    return row


def sections_check(tmp: Path) -> dict[str, float]:
    """The report at 10k papers with 200 and with 2,000 sections."""
    found: dict[str, float] = {}
    for sections in (200, 2000):
        folder = tmp / f"sections{sections}"
        write_survey(folder, 10000, sections)
        db = str(tmp / f"sections{sections}.db")
        timed(survey(db, "build", str(folder)))
        found[str(sections)] = round(timed(survey(db, "report", "-o", str(tmp / "r.md")))[0], 2)
        print(f"  report at 10k papers, {sections} sections: {found[str(sections)]} s")
    found["ratio"] = round(found["2000"] / found["200"], 3)
    return found


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--baseline":
        baseline_child(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000, 100000])
    parser.add_argument("--only", default=",".join([*COMMANDS, "check-json", "lineage-table"]))
    parser.add_argument("--sections-check", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--db-url", help="PostgreSQL URL of an empty database to use")
    options = parser.parse_args()
    only = set(options.only.split(","))
    results: dict[str, object] = {"sizes": []}
    reset = None
    if options.db_url:
        from sqlalchemy import create_engine, text

        def reset() -> None:
            engine = create_engine(options.db_url)
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            engine.dispose()

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        rows = []
        for size in options.sizes:
            rows.append(sweep_size(tmp, size, only, options.db_url, reset))
            print(json.dumps(rows[-1]))
        results["sizes"] = rows
        if len(rows) >= 2:
            small, large = rows[-2], rows[-1]
            growth: dict[str, float] = {}
            for command, cell in large["cells"].items():  # type: ignore[attr-defined]
                before = small["cells"].get(command)  # type: ignore[attr-defined]
                if before and before["s"] > 0:
                    scale = math.log(large["papers"] / small["papers"])  # type: ignore[operator]
                    growth[command] = round(math.log(cell["s"] / before["s"]) / scale, 2)
            results["growth"] = growth
            print("growth exponents:", json.dumps(growth))
        if options.sections_check:
            results["sections"] = sections_check(tmp)
    if options.json:
        options.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
