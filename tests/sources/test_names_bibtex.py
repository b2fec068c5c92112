"""Our BibTeX name splitter against the real `bibtex`'s `num.names$` and `format.name$`.

A generated style prints, for every name of every entry, its First, von, Last and Jr
parts (`{ff}`, `{vv}`, `{ll}`, `{jj}`): raw TeX tokens, exactly what our
`split_name_parts` returns before any LaTeX decoding, so the comparison is of the split
alone. Ties and spaces between tokens are BibTeX's own choice of output (`{ff}` writes
`~` after short tokens), so both sides are compared with ties read as spaces.
"""

from __future__ import annotations

import shutil
import string
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.sources.bibtex import NameParts, Person, split_authors, split_name_parts
from survey.sources.latex import latex_to_unicode

BIBTEX = shutil.which("bibtex")
# Reads and writes no database: run once, in the SQLite run (conftest checks it).
pytestmark = [
    pytest.mark.backend_independent,
    pytest.mark.skipif(
        BIBTEX is None,
        reason="the `bibtex` binary is not installed (Debian: apt-get install texlive-binaries; "
        "CI installs it)",
    ),
]

STYLE = """\
ENTRY { author } {} {}
INTEGERS { n i }
FUNCTION {parts}
{ 'i :=
  "F|" author i "{ff}" format.name$ * write$ newline$
  "V|" author i "{vv}" format.name$ * write$ newline$
  "L|" author i "{ll}" format.name$ * write$ newline$
  "J|" author i "{jj}" format.name$ * write$ newline$
}
FUNCTION {names}
{ "K|" cite$ * write$ newline$
  author num.names$ 'n :=
  #1 'i :=
  { i n > #0 = }
  { i parts i #1 + 'i := }
  while$
}
FUNCTION {misc} { }
FUNCTION {default.type} { }
READ
ITERATE {names}
"""


def bibtex_split(values: list[str], folder: Path) -> list[list[NameParts]]:
    """Each value's names as `bibtex` splits them, in the order given."""
    (folder / "names.bst").write_text(STYLE, encoding="ascii")
    (folder / "names.aux").write_text(
        "\\citation{*}\n\\bibdata{names}\n\\bibstyle{names}\n", encoding="ascii"
    )
    entries = "".join(
        f"@misc{{k{index},\n  author = {{{value}}},\n}}\n\n" for index, value in enumerate(values)
    )
    (folder / "names.bib").write_text(entries, encoding="utf-8")
    assert BIBTEX is not None
    run = subprocess.run(
        [BIBTEX, "-terse", "names"], cwd=folder, capture_output=True, text=True, check=False
    )
    # 2 is also what a name's "too many commas" costs; every entry must still come out.
    log = (folder / "names.blg").read_text(encoding="utf-8")
    assert run.returncode in (0, 1, 2), log
    split: dict[str, list[NameParts]] = {}
    current: list[str] = []
    for line in (folder / "names.bbl").read_text(encoding="utf-8").splitlines():
        mark, _bar, text = line.partition("|")
        # bibtex wraps output lines over 79 characters; the corpus keeps parts shorter.
        assert mark in "KFVLJ" and _bar, f"unexpected bibtex output line {line!r}"
        if mark == "K":
            current = []
            split[text] = []
            continue
        current.append(text)
        if mark == "J":
            split[list(split)[-1]].append(NameParts(*current))
            current = []
    missing = [value for index, value in enumerate(values) if f"k{index}" not in split]
    assert not missing, f"bibtex printed nothing for {missing}:\n{log}"
    return [split[f"k{index}"] for index in range(len(values))]


def comparable(parts: list[NameParts]) -> list[tuple[str, ...]]:
    """Parts with ties read as spaces and white space collapsed, as the decoder does."""
    return [tuple(" ".join(p.replace("~", " ").split()) for p in name) for name in parts]


def assert_same_split(values: list[str], folder: Path) -> None:
    reference = bibtex_split(values, folder)
    for value, theirs in zip(values, reference, strict=True):
        assert comparable(split_name_parts(value)) == comparable(theirs), value


# Real-shaped author fields from DBLP, Zotero, Google Scholar and publisher exports.
CORPUS = [
    "Fu, Jianlong and Zheng, Heliang and Mei, Tao",
    "Jianlong Fu and Heliang Zheng and Tao Mei",
    "Van Gool, Luc",
    "Luc Van Gool",
    "de la Fuente, Juan",
    "Juan de la Fuente",
    "Ludwig van Beethoven",
    "van Beethoven, Ludwig",
    "{\\relax Ch}ristopher Manning",
    "Manning, {\\relax Ch}ristopher D.",
    "{\\O}rsted, H.",
    "H. C. {\\O}rsted",
    "{\\O}stergaard Jensen, Anne",
    "{\\o}stergaard Jensen, Anne",
    "Jean-Paul Sartre",
    "Sartre, Jean-Paul",
    "Ludwig Mies-Rohe",
    "Doe, Jr., John",
    "Smith, Jr, John and Doe, III, Jane",
    "{Barnes and Noble, Inc.}",
    "{Barnes and Noble, Inc.} and Lee, Ann",
    "{IEEE Computer Society}",
    'M{\\"u}ller, Hans',
    'Hans M{\\"u}ller',
    "Garc{\\'\\i}a, Jos{\\'e}",
    "Jos{\\'e} Garc{\\'\\i}a",
    "{\\'E}mile Zola",
    "{\\'e}mile zola",
    '{\\"O}zg{\\"u}r Y{\\i}lmaz',
    "{\\ss}mith, John",
    "{\\AA}berg, Lars and {\\aa}berg, Lars",
    "{\\L}ukasz Kaiser and {\\l}ukasz Kaiser",
    "{\\oe}dipe Roi and {\\OE}dipe Roi",
    "{von} Neumann, John",
    "John {von} Neumann",
    "John von Neumann",
    "Charles Louis Xavier Joseph de la Vall{\\'e}e Poussin",
    "de la Vall{\\'e}e Poussin, Charles Louis Xavier Joseph",
    "Smith van Dyke, J.",
    "jean de la fontaine",
    "Brinch Hansen, Per",
    "Per Brinch~Hansen",
    "Ludwig~van Beethoven",
    "Wei, Xiu-Shen and others",
    "Plato",
    "{Aristotle}",
    "A, B, C, D",
    "Smith, John,",
    "Le Cun, Yann and LeCun, Yann",
    "d'Alembert, Jean",
    "Jean d'Alembert",
    "{\\v{S}}koda, Emil",
    "\\v{S}koda, Emil",
    "{\\relax}Ch, X.",
    "{\\'{E}}cole {Polytechnique}",
    "Ann {de la} Rue",
    "Ann {\\noopsort{a}}de Rue",
    "Tao Mei AND Jianlong Fu And Heliang Zheng",
    "A~and B",
    "{A {B} and C} and D",
    "K. M. {He} and X. Zhang and S. Ren and J. Sun",
    "Kaiming  He and\n  Xiangyu Zhang",
]


def test_corpus_splits_as_bibtex_does(tmp_path: Path) -> None:
    assert_same_split(CORPUS, tmp_path)


def test_a_tie_is_not_an_and(tmp_path: Path) -> None:
    # The one name list of the corpus that must not split, checked against bibtex as well.
    assert len(split_name_parts("A~and B")) == 1
    assert len(bibtex_split(["A~and B"], tmp_path)[0]) == 1


# Where we differ from bibtex on purpose: (field, bibtex's parts, ours).
KNOWN_DIFFERENCES = [
    pytest.param(
        # bibtex splits tokens at hyphens and so starts a von part inside a given name;
        # we keep a hyphenated word whole, in one part.
        "Hsin-ying Lee",
        NameParts("Hsin", "ying", "Lee", ""),
        NameParts("Hsin-ying", "", "Lee", ""),
        id="hyphen_then_lower_case",
    ),
    pytest.param(
        "Jean al-Hassan",
        NameParts("Jean", "al", "Hassan", ""),
        NameParts("Jean", "", "al-Hassan", ""),
        id="lower_case_then_hyphen",
    ),
    pytest.param(
        # bibtex's 8-bit reader skips the two bytes of `É` and sees the lower-case `l`.
        "Élodie Martin",
        NameParts("", "Élodie", "Martin", ""),
        NameParts("Élodie", "", "Martin", ""),
        id="non_ascii_capital",
    ),
]


@pytest.mark.parametrize(("value", "theirs", "ours"), KNOWN_DIFFERENCES)
def test_known_differences(value: str, theirs: NameParts, ours: NameParts, tmp_path: Path) -> None:
    assert bibtex_split([value], tmp_path) == [[theirs]]
    assert split_name_parts(value) == [ours]


# ---------------------------------------------------------------- generated names

CAPITALISED = [
    "Jean",
    "Paul",
    "Smith",
    "J.",
    "K.-M.",
    "O'Neil",
    "Mies-Rohe",
    "Jean-Paul",
    "McDonald",
    "{IEEE}",
    "{Barnes and Noble}",
    "{\\relax Ch}ristopher",
    "{\\O}rsted",
    "{\\AA}berg",
    "{\\L}ukasz",
    "{\\OE}dipe",
    'M{\\"u}ller',
    "{\\'E}mile",
    '{\\"O}zg{\\"u}r',
    "Garc{\\'\\i}a",
    "\\v{S}koda",
    "{\\v{S}}koda",
]
LOWER_CASE = [
    "van",
    "von",
    "de",
    "la",
    "der",
    "di",
    "du",
    "d'Alembert",
    "{\\o}ster",
    "{\\ss}",
    "{\\aa}",
    "{\\i}",
    "{\\'e}cole",
    "{\\relax de}",
    "e",
]
NEUTRAL = ["{von}", "{de la}", "{}", "{\\relax}", "2nd", "{\\noopsort{a}}"]

letters = st.text(string.ascii_lowercase, min_size=1, max_size=7)
word: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(CAPITALISED),
    st.sampled_from(LOWER_CASE),
    st.sampled_from(NEUTRAL),
    letters,
    letters.map(str.capitalize),
    st.tuples(st.sampled_from(["{\\'", '{\\"', "{\\^", "{\\relax "]), letters).map(
        lambda pair: f"{pair[0]}{pair[1][0]}}}{pair[1][1:]}"
    ),
)


@st.composite
def name(draw: st.DrawFn) -> str:
    words = draw(st.lists(word, min_size=1, max_size=5))
    text = words[0]
    commas = 0
    for item in words[1:]:
        # Separators between words: mostly spaces, now and then a comma or a tie.
        separator = draw(st.sampled_from([" ", " ", " ", ", ", " , ", "~", "  "]))
        # Past a second comma bibtex prints stale separators from an earlier name.
        commas += "," in separator
        text += (separator if commas <= 2 else " ") + item
    return text


name_list = st.lists(name(), min_size=1, max_size=4).map(" and ".join)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(name_list, min_size=1, max_size=12))
def test_generated_names_split_as_bibtex_does(tmp_path: Path, values: list[str]) -> None:
    assert_same_split(values, tmp_path)


def test_people_are_the_decoded_parts() -> None:
    # split_authors is split_name_parts plus LaTeX decoding and `others`.
    value = (
        '{\\relax Ch}ristopher Manning and de la Fuente, Juan and M{\\"u}ller, Jr., H. and others'
    )
    people, more = split_authors(value)
    assert more
    expected = [
        Person(
            family=latex_to_unicode(p.last),
            given=latex_to_unicode(p.first),
            von=latex_to_unicode(p.von),
            suffix=latex_to_unicode(p.jr),
        )
        for p in split_name_parts(value)
        if p.last != "others"
    ]
    assert people == expected
    assert people[0] == Person("Manning", "Christopher")
