"""Benchmark: `survey load` against a bare `bibtexparser.parse_string` of the same file.

Each measurement runs in its own child process; its time is wall-clock around the work
only, its memory the peak PSS of the process and any parser workers it starts.
Targets are ratios against the bare parse measured in the same run:

    load / bare parse          <= 1.0   (LaTeX decoding, names, identifiers, SQLite writes)
    reload unchanged / load    <= 0.05
    load peak PSS / bare peak  <= 1.0

Usage: python bench/run.py [1000 10000 100000]   (writes bench/results/latest.json)
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

TARGETS = {"load_vs_parse": 1.0, "reload_vs_load": 0.05, "memory_vs_parse": 1.0}


class TreeMemory:
    """Peak proportional set size (PSS) of this process and all its descendants.

    PSS splits each shared page among the processes sharing it, so forked parser workers
    are charged only for what they add. Sampled every 20 ms from /proc.
    """

    def __init__(self) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.sample()

    def sample(self) -> None:
        self.peak_kib = max(self.peak_kib, sum(_pss_kib(pid) for pid in _tree(os.getpid())))


def _tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        found.extend(frontier)
    return found


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def child(mode: str, bib: str, db: str, sample_memory: bool) -> None:
    """Runs in the child process: do one measured piece of work and print JSON.

    Memory is sampled only in runs that are not timed: the sampler thread competes for
    the interpreter lock and would slow the work it watches.
    """
    memory = TreeMemory() if sample_memory else contextlib.nullcontext(None)
    with memory:
        if mode == "bare":
            import bibtexparser

            start = time.perf_counter()
            text = Path(bib).read_text(encoding="utf-8")
            library = bibtexparser.parse_string(text)
            seconds = time.perf_counter() - start
            count = len(library.entries)
        else:
            from survey.db import open_database, session_scope
            from survey.ingest.load import load_bib_files

            engine = open_database(f"sqlite:///{db}")
            start = time.perf_counter()
            with session_scope(engine, write=True) as session:
                report = load_bib_files(session, [Path(bib)])
            seconds = time.perf_counter() - start
            count = report.total("added") + report.total("updated") + report.total("unchanged")
    peak = memory.peak_kib / 1024 if isinstance(memory, TreeMemory) else None
    print(json.dumps({"seconds": seconds, "peak_mib": peak, "entries": count}))


def measure(mode: str, bib: Path, db: Path, memory: bool = False) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(bib), str(db), "memory" if memory else ""],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def corpus(size: int) -> Path:
    from bench.generate import generate

    folder = HERE / "corpora"
    folder.mkdir(exist_ok=True)
    path = folder / f"synthetic-{size}.bib"
    if not path.exists():
        path.write_text(generate(size), encoding="utf-8")
    return path


def run(sizes: list[int]) -> list[dict[str, object]]:
    results = []
    for size in sizes:
        bib = corpus(size)
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "bench.db"
            bare = measure("bare", bib, db)
            load = measure("load", bib, db)
            reload = measure("load", bib, db)
            db.unlink()
            bare["peak_mib"] = measure("bare", bib, db, memory=True)["peak_mib"]
            load["peak_mib"] = measure("load", bib, db, memory=True)["peak_mib"]
        row = {
            "entries": size,
            "file_mib": round(bib.stat().st_size / 2**20, 1),
            "bare_parse_s": round(bare["seconds"], 2),
            "load_s": round(load["seconds"], 2),
            "reload_s": round(reload["seconds"], 3),
            "bare_peak_mib": round(bare["peak_mib"]),
            "load_peak_mib": round(load["peak_mib"]),
            "load_vs_parse": round(load["seconds"] / bare["seconds"], 2),
            "reload_vs_load": round(reload["seconds"] / load["seconds"], 4),
            "memory_vs_parse": round(load["peak_mib"] / bare["peak_mib"], 2),
            "entries_per_s_bare": round(size / bare["seconds"]),
            "entries_per_s_load": round(size / load["seconds"]),
        }
        row["meets_targets"] = all(row[name] <= limit for name, limit in TARGETS.items())  # type: ignore[operator]
        results.append(row)
        print(json.dumps(row), flush=True)
    return results


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] == "memory")
        return
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000, 100000]
    results = run(sizes)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
