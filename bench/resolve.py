"""Benchmark: resolving 1,000 notes mentions against 100,000 papers.

Target: <= 10 s on the reference machine (2 cores). Papers get titles drawn from a
20,000-word vocabulary (a long tail, as real titles have); mentions are a mix of exact
titles in lower case, titles with a typo, truncated titles with a year hint, and titles
of no paper. Building the word index is timed separately from resolving.

Usage: python bench/resolve.py [PAPERS] [MENTIONS]
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from survey.ingest.match import PaperRef, Resolver
from survey.sources.notes import parse_mention
from survey.textnorm import normalize_title


def vocabulary(rng: random.Random, size: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(4, 11))))
    return sorted(words)


def main() -> None:
    papers = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    mentions = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    rng = random.Random(2020)
    words = vocabulary(rng, 20_000)
    # Zipf-like: common words are drawn far more often than rare ones.
    weights = [1.0 / (rank + 1) for rank in range(len(words))]
    titles = [" ".join(rng.choices(words, weights, k=rng.randint(5, 12))) for _ in range(papers)]
    refs = [
        PaperRef(i, f"key{i}", normalize_title(t), 1990 + i % 35, "conference", False)
        for i, t in enumerate(titles)
    ]
    bullets = []
    for n in range(mentions):
        i = rng.randrange(papers)
        kind = n % 4
        if kind == 0:
            bullets.append(titles[i])
        elif kind == 1:
            chars = list(titles[i])
            chars[rng.randrange(len(chars))] = "x"
            bullets.append("".join(chars))
        elif kind == 2:
            bullets.append(" ".join(titles[i].split()[:6]) + f" ({1990 + i % 35})")
        else:
            bullets.append(" ".join(rng.choices(words, k=8)))

    start = time.perf_counter()
    resolver = Resolver(refs)
    index_s = time.perf_counter() - start
    start = time.perf_counter()
    outcomes = [resolver.resolve(parse_mention(b, 1))[0].status for b in bullets]
    resolve_s = time.perf_counter() - start
    result = {
        "papers": papers,
        "mentions": mentions,
        "index_s": round(index_s, 2),
        "resolve_s": round(resolve_s, 2),
        "total_s": round(index_s + resolve_s, 2),
        "resolved": outcomes.count("resolved"),
        "ambiguous": outcomes.count("ambiguous"),
        "unresolved": outcomes.count("unresolved"),
        "meets_target": index_s + resolve_s <= 10.0,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
