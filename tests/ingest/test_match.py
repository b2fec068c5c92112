"""Mention resolution: aliases, fuzzy titles with hints, citations, ambiguity."""

from __future__ import annotations

import pytest
from conftest import BUNDLED_BIB

from survey.ingest.load import aliases_of
from survey.ingest.match import PaperRef, Resolver, parse_hints
from survey.sources.bibtex import parse_bibtex
from survey.sources.notes import NoteMention, parse_mention
from survey.textnorm import normalize_title

# Reads and writes no database: run once, in the SQLite run (conftest checks it).
pytestmark = pytest.mark.backend_independent


def refs_from_bib(text: str) -> list[PaperRef]:
    refs = []
    for index, record in enumerate(parse_bibtex(text, "refs.bib").records):
        refs.append(
            PaperRef(
                paper_id=index,
                citekey=record.citekey,
                title=record.title_norm or "",
                year=record.year,
                venue=normalize_title(record.venue or ""),
                has_arxiv=record.arxiv_id is not None,
                aliases=tuple(normalize_title(a) for a, _ in aliases_of(record)),
                authors=frozenset(
                    w for p in record.authors for w in normalize_title(p.family).split()
                ),
            )
        )
    return refs


def mention(bullet: str) -> NoteMention:
    """The mention a one-line bullet names; every bullet here names a paper."""
    found = parse_mention(bullet, 1)
    assert found is not None, bullet
    return found


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    refs = refs_from_bib(BUNDLED_BIB.read_text(encoding="utf-8"))
    return Resolver(refs, {"Bilinear CNN": "lin2015bilinear"})


NAMED = [
    ("Mask-CNN (Xiushen Wei)", "wei2018mask", "alias"),
    (
        "Selective sparse sampling for fine-grained image recognition (ICCV2019, 中科院)",
        "ding2019selective",
        "title",
    ),
    ("Filtration and Distillation (AAAI2020, 中科院)", "liu2020filtration", "alias"),
    (
        "Graph-propagation based correlation learning for weakly supervised fine-grained image "
        "classification (AAAI2020, 大连理工)",
        "wang2020graph",
        "title",
    ),
    (
        "weakly supervised fine-grained image classification via gaussian mixture model oriented "
        "discriminative learning (CVPR2020, 大连理工)",
        "wang2020weakly",
        "title",
    ),
    ("Bilinear CNN", "lin2015bilinear", "alias"),
    (
        "Learning deep bilinear transformation for fine-grained image representation (NIPS2019)",
        "zheng2019learning",
        "title",
    ),
    ("cross-X learning for fine-grained visual categorization (ICCV2019)", "luo2019cross", "title"),
    (
        "fine-grained recognition: accounting for subtle differences between similar classes "
        "(AAAI2020) 通过 diversification block 使网络聚焦在易错分的类别上",
        "sun2020fine",
        "title",
    ),
    (
        "fine-grained image-to-image transformation towards visual recognition (CVPR2020) "
        "细粒度图像的GAN",
        "xiong2020fine",
        "title",
    ),
    ("look closer to see better (CVPR2017)", "fu2017look", "alias"),
    (
        "learning a mixture of granularity-specific experts for fine-grained categorization "
        "(ICCV2019)",
        "zhang2019learning",
        "title",
    ),
]


@pytest.mark.parametrize(("bullet", "key", "method"), NAMED, ids=[k for _, k, _ in NAMED])
def test_the_twelve_named_mentions(resolver: Resolver, bullet: str, key: str, method: str) -> None:
    (resolution,) = resolver.resolve(mention(bullet))
    assert resolution.status == "resolved"
    assert resolution.paper is not None and resolution.paper.citekey == key
    assert resolution.method == method


def test_near_miss_title_with_the_wrong_year_stays_open(resolver: Resolver) -> None:
    bullet = "cross-X learning for fine-grained visual categorization (ICCV2017)"
    (resolution,) = resolver.resolve(mention(bullet))
    assert resolution.status in ("unresolved", "ambiguous")
    assert resolution.paper is None


def test_a_different_title_does_not_resolve(resolver: Resolver) -> None:
    (resolution,) = resolver.resolve(mention("deep residual learning for image recognition"))
    assert resolution.status == "unresolved"
    assert len(resolution.candidates) <= 3


def test_explicit_citation_wins_over_a_fuzzy_title(resolver: Resolver) -> None:
    bullet = "cross-X learning for fine-grained visual categorization [@fu2017look]"
    (resolution,) = resolver.resolve(mention(bullet))
    assert resolution.method == "citation"
    assert resolution.paper is not None and resolution.paper.citekey == "fu2017look"


def test_citation_of_an_unknown_key_lists_candidates(resolver: Resolver) -> None:
    (resolution,) = resolver.resolve(mention("see [@fu2017lok]"))
    assert resolution.status == "unresolved"
    assert resolution.candidates[0][0] == "fu2017look"


def test_two_equally_close_titles_are_ambiguous() -> None:
    text = (
        "@article{a2019, title = {Learning to Segment Fine Structures}, year = 2019}\n"
        "@article{b2019, title = {Learning to Segment Fine Structure}, year = 2019}\n"
    )
    resolver = Resolver(refs_from_bib(text))
    (resolution,) = resolver.resolve(mention("learning to segment fine structurez"))
    assert resolution.status == "ambiguous"
    assert {k for k, _ in resolution.candidates} == {"a2019", "b2019"}


def test_hints_break_a_tie() -> None:
    text = (
        "@inproceedings{a2019, title = {Attention Pooling}, booktitle = {CVPR}, year = 2019}\n"
        "@inproceedings{a2020, title = {Attention Pooling}, booktitle = {ECCV}, year = 2020}\n"
    )
    resolver = Resolver(refs_from_bib(text))
    (with_year,) = resolver.resolve(mention("Attention pooling (ECCV2020)"))
    assert with_year.paper is not None and with_year.paper.citekey == "a2020"
    (without,) = resolver.resolve(mention("Attention pooling"))
    assert without.status == "ambiguous"


def test_parse_hints() -> None:
    hints = parse_hints(["ICCV2019", "中科院", "NeurIPS'19", "2018", "Xiushen Wei", "arXiv"])
    assert hints.years == (2019, 2019, 2018)
    assert hints.venues == ("iccv", "neurips", "arxiv")
    assert hints.words == ("中科院", "xiushen wei")
