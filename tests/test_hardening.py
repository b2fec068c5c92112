"""Reliability, round two: determinism across processes, inputs that are not regular
files, bounded input, schema revisions from the future, quiet builds at scale."""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path


def synthetic_survey(folder: Path, papers: int = 3000, bullets: int = 300) -> Path:
    """Titles drawn from a small vocabulary, so many candidates tie on rare words."""
    folder.mkdir(parents=True)
    rng = random.Random(7)
    vocabulary = [f"w{i}" for i in range(60)]
    titles = [" ".join(rng.sample(vocabulary, 6)) for _ in range(papers)]
    (folder / "refs.bib").write_text(
        "".join(
            f"@article{{p{i}, title = {{{t}}}, year = {2000 + i % 20}}}\n"
            for i, t in enumerate(titles)
        )
    )
    lines = ["# Topic\n"]
    for _ in range(bullets):
        words = rng.choice(titles).split()
        rng.shuffle(words)
        lines.append("- " + " ".join(words[:5]) + "\n")
    (folder / "notes.md").write_text("".join(lines) + "\n# Other\n")
    (folder / "survey.toml").write_text(
        'title = "Ties"\nbibliography = ["refs.bib"]\nnotes = "notes.md"\n'
    )
    return folder


def test_the_same_inputs_resolve_the_same_under_every_hash_seed(tmp_path: Path) -> None:
    folder = synthetic_survey(tmp_path / "survey")
    results = []
    for seed in ("0", "1", "2", "3"):
        database = tmp_path / f"seed{seed}.db"
        env = {**os.environ, "PYTHONHASHSEED": seed, "SURVEY_DB": str(database)}
        done = subprocess.run(
            [sys.executable, "-m", "survey", "build", str(folder)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        with sqlite3.connect(database) as connection:
            results.append(
                connection.execute(
                    "SELECT line, status, paper_id, candidates FROM mentions ORDER BY line"
                ).fetchall()
            )
    assert len(results[0]) == 300
    assert all(result == results[0] for result in results[1:])
