"""Benchmark: `survey build` of notes with many headings grows linearly with them.

Builds notes of N and 4N sibling sections (one bullet each) into fresh SQLite files and
prints both times and their ratio. Linear work gives a ratio near 4; the quadratic
steps this guards against (a list index per heading, a rescan of siblings per slug)
gave 16 and more. Target: ratio <= 6 (4x the input, with slack for fixed costs).

Usage: python bench/headings.py [N]   (default 2500)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 6.0


def make_survey(folder: Path, headings: int) -> None:
    lines = ["# Top", ""]
    for index in range(headings):
        lines += [f"## Section {index}", "", f"- Paper number {index}", ""]
    lines.append("# Other")
    (folder / "notes.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "refs.bib").write_text("@article{a2001, title = {A}, year = 2001}\n")
    (folder / "survey.toml").write_text(
        'title = "Headings"\nbibliography = ["refs.bib"]\nnotes = "notes.md"\n'
    )


def build_seconds(headings: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_survey(folder, headings)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "survey", "--db", str(folder / "s.db"), "build", str(folder)],
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - started


def main() -> None:
    small = int(sys.argv[1]) if len(sys.argv) > 1 else 2500
    first, second = build_seconds(small), build_seconds(4 * small)
    ratio = second / first
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"{small:>6} headings: {first:6.2f} s")
    print(f"{4 * small:>6} headings: {second:6.2f} s")
    print(f"ratio {ratio:.2f} (target <= {TARGET}: {verdict})")


if __name__ == "__main__":
    main()
