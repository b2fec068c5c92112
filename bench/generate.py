"""Deterministic synthetic BibTeX corpora for the benchmarks (not part of the package).

`python bench/generate.py 10000 out.bib` writes the same bytes for the same size on
every machine: a seeded RNG picks 2-8 authors (some with LaTeX accents), titles with
protective braces, ~100-word abstracts, DOIs, @string macros and month macros.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

FAMILIES = [
    "Smith",
    "Wang",
    "Li",
    "Zhang",
    'M{\\"u}ller',
    "Garc{\\'\\i}a",
    "Nguyen",
    "Kowalski",
    "O'Brien",
    "Ko\\v{c}",
    'Sch{\\"o}n',
    "Dupont",
    "Rossi",
    "Tanaka",
    "Kim",
    "Chen",
    "Ram{\\'\\i}rez",
    "{\\O}stergaard",
    "Lef{\\`e}vre",
    "Brown",
    "Johnson",
    "Liu",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Ma",
    "Fran{\\c{c}}ois",
    "Erd{\\H{o}}s",
]
GIVEN = [
    "Alice",
    "Bo",
    "Chen",
    "Dario",
    "Elena",
    "Fei",
    "Giulia",
    "Hao",
    "Ines",
    "Jun",
    "Kai",
    "Lena",
    "Ming",
    "Nora",
    "Oscar",
    "Pia",
    "Qiang",
    "Rosa",
    "Sven",
    "Tao",
    "Ulla",
    "Vera",
    "Wei",
    "Xin",
    "Yue",
    "Zoe",
    'J{\\"u}rgen',
    "Ren{\\'e}",
    "Jos{\\'e}",
    'Bj{\\"o}rn',
]
WORDS = [
    "learning",
    "deep",
    "network",
    "networks",
    "attention",
    "fine",
    "grained",
    "visual",
    "recognition",
    "image",
    "images",
    "classification",
    "localization",
    "part",
    "parts",
    "feature",
    "features",
    "bilinear",
    "pooling",
    "graph",
    "model",
    "models",
    "weakly",
    "supervised",
    "region",
    "regions",
    "transformer",
    "contrastive",
    "representation",
    "robust",
    "efficient",
    "sparse",
    "sampling",
    "mixture",
    "experts",
    "granularity",
    "distillation",
    "propagation",
    "dataset",
    "benchmark",
    "semantic",
    "structure",
    "discriminative",
    "unified",
    "framework",
    "towards",
    "accurate",
    "scalable",
]
ACRONYMS = ["{CNN}", "{GAN}", "{ResNet}", "{ImageNet}", "{CUB}-200", "{LSTM}", "{3D}"]
VENUES = ["cvpr", "iccv", "eccv", "nips", "aaai"]
JOURNALS = ["Pattern Recognition", "IEEE Transactions on Image Processing", "Int. J. Comput. Vis."]
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

PREAMBLE = """\
@string{cvpr = "Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition"}
@string{iccv = "Proceedings of the IEEE International Conference on Computer Vision"}
@string{eccv = "Proceedings of the European Conference on Computer Vision"}
@string{nips = "Advances in Neural Information Processing Systems"}
@string{aaai = "Proceedings of the AAAI Conference on Artificial Intelligence"}

"""


def entry(rng: random.Random, index: int) -> str:
    authors = " and ".join(
        f"{rng.choice(FAMILIES)}, {rng.choice(GIVEN)}" for _ in range(rng.randint(2, 8))
    )
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 14))]
    if rng.random() < 0.5:
        words.insert(rng.randrange(len(words)), rng.choice(ACRONYMS))
    title = " ".join(words).capitalize()
    abstract = " ".join(rng.choice(WORDS) for _ in range(rng.randint(80, 120)))
    year = rng.randint(1990, 2024)
    slug = "".join(c for c in words[0].lower() if c.isalpha())
    key = f"bench{index}{slug}{year}"
    common = (
        f"  author = {{{authors}}},\n  title = {{{title}}},\n  year = {year},\n"
        f"  month = {rng.choice(MONTHS)},\n  doi = {{10.5555/bench.{index}}},\n"
        f"  pages = {{{rng.randint(1, 900)}--{rng.randint(901, 2000)}}},\n"
        f"  abstract = {{{abstract}}}\n"
    )
    if rng.random() < 0.6:
        return f"@inproceedings{{{key},\n  booktitle = {rng.choice(VENUES)},\n{common}}}\n\n"
    return (
        f"@article{{{key},\n  journal = {{{rng.choice(JOURNALS)}}},\n"
        f"  volume = {{{rng.randint(1, 60)}}},\n{common}}}\n\n"
    )


def generate(size: int, seed: int = 2020) -> str:
    rng = random.Random(seed)
    return PREAMBLE + "".join(entry(rng, i) for i in range(size))


def main() -> None:
    size, out = int(sys.argv[1]), Path(sys.argv[2])
    out.write_text(generate(size), encoding="utf-8")


if __name__ == "__main__":
    main()
