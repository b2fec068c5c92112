"""Parsing BibTeX text into records: macros, crossref, names, identifiers, diagnostics."""

from __future__ import annotations

import textwrap

import pytest

from survey.identifiers import normalize_arxiv_id, normalize_doi
from survey.sources.bibtex import (
    BibParse,
    Person,
    parse_bibtex,
    parse_year,
    split_authors,
)
from survey.textnorm import normalize_title

# Reads and writes no database: run once, in the SQLite run (conftest checks it).
pytestmark = pytest.mark.backend_independent


def parse(text: str) -> BibParse:
    return parse_bibtex(textwrap.dedent(text).lstrip("\n"), "refs.bib")


def test_string_macros_months_and_concatenation() -> None:
    result = parse(
        """
        @string{CVPR = "Computer Vision and Pattern Recognition"}
        @inproceedings{a2020x,
          title = {X},
          booktitle = "Proc. " # cvpr # { 2020},
          month = jun,
          year = 2020
        }
        """
    )
    (record,) = result.records
    assert record.venue == "Proc. Computer Vision and Pattern Recognition 2020"
    assert record.fields["month"] == "June"
    assert record.year == 2020
    assert result.diagnostics == []


def test_undefined_macro_is_a_warning_and_kept_as_text() -> None:
    result = parse("@article{a, title = {X}, journal = nosuchmacro, year = 2001}")
    assert result.records[0].venue == "nosuchmacro"
    (diagnostic,) = result.diagnostics
    assert not diagnostic.is_error
    assert "undefined macro 'nosuchmacro'" in diagnostic.message


def test_comments_and_preamble_are_ignored() -> None:
    result = parse(
        """
        @comment{this is a comment}
        @preamble{"\\newcommand{\\noop}[1]{}"}
        Some free text between entries.
        @article{a, title = {X}, year = 1999}
        """
    )
    assert [r.citekey for r in result.records] == ["a"]
    assert result.diagnostics == []


def test_crossref_inherits_missing_fields() -> None:
    result = parse(
        """
        @inproceedings{child2019, title = {Child}, crossref = {proc2019}, pages = {1--2}}
        @proceedings{proc2019, title = {Proceedings of Things}, year = 2019,
                     publisher = {ACM}}
        """
    )
    child = next(r for r in result.records if r.citekey == "child2019")
    assert child.year == 2019
    assert child.venue == "Proceedings of Things"
    assert child.fields["publisher"] == "ACM"


def test_crossref_to_missing_entry_warns() -> None:
    result = parse("@inproceedings{c, title = {C}, year = 2000, crossref = {nothere}}")
    assert len(result.records) == 1
    assert "crossref 'nothere' names no entry" in result.diagnostics[0].message


def test_duplicate_field_keeps_entry_with_warning_and_first_value() -> None:
    result = parse(
        """
        @article{a2001,
          title = {First},
          title = {Second},
          year = 2001
        }
        """
    )
    (record,) = result.records
    assert record.title == "First"
    (diagnostic,) = result.diagnostics
    assert diagnostic.line == 1 and diagnostic.key == "a2001"
    assert "title given more than once" in diagnostic.message


def test_display_fields_are_decoded_and_raw_kept() -> None:
    result = parse(
        """
        @article{mueller2020,
          author = {M{\\"u}ller, J{\\"u}rgen and Garc{\\'\\i}a, Jos{\\'e}},
          title = {{\\"U}ber {CNN}s \\& {GAN}s},
          journal = {Journal of {M}achine Learning},
          year = {2020}
        }
        """
    )
    (record,) = result.records
    assert record.title == "Über CNNs & GANs"
    assert record.venue == "Journal of Machine Learning"
    assert [p.family for p in record.authors] == ["Müller", "García"]
    assert record.raw.startswith("@article{mueller2020,") and '{\\"U}ber' in record.raw


def test_source_fields_keep_the_order_and_the_column_fields_as_written() -> None:
    """What the BibTeX export writes an entry back from: every field name in the entry's
    order (the first of a repeated one, names lower-cased), with the text as written of
    those stored in columns (`#` joined, macros left as their names) and None for those
    `fields` holds; nothing inherited through crossref."""
    result = parse(
        """
        @string{smith = "Smith, John"}
        @proceedings{proc2019, title = {Proceedings of Things}, year = 2019}
        @inproceedings{child2019,
          Author = smith # { and M{\\"u}ller, J.},
          TITLE = "The {CNN} \\& $x^2$",
          crossref = {proc2019},
          pages = {1--2},
          title = {Second},
          month = jun,
          year = 2019,
          doi = {10.1/X},
        }
        """
    )
    child = next(r for r in result.records if r.citekey == "child2019")
    assert child.source_fields == {
        "author": 'smith and M{\\"u}ller, J.',
        "title": "The {CNN} \\& $x^2$",
        "crossref": None,
        "pages": None,
        "month": None,
        "year": "2019",
        "doi": "10.1/X",
    }
    assert child.fields["booktitle"] == "Proceedings of Things"  # inherited: not a source field
    assert {n for n, text in child.source_fields.items() if text is None} <= set(child.fields)


@pytest.mark.parametrize(
    ("names", "people", "more"),
    [
        pytest.param("Lin, Tsung-Yu", [Person("Lin", "Tsung-Yu")], False, id="last_first"),
        pytest.param("Tsung-Yu Lin", [Person("Lin", "Tsung-Yu")], False, id="first_last"),
        pytest.param(
            "Larry S. Davis and Ser-Nam Lim",
            [Person("Davis", "Larry S."), Person("Lim", "Ser-Nam")],
            False,
            id="two_people",
        ),
        pytest.param(
            "Ludwig van Beethoven", [Person("Beethoven", "Ludwig", "van")], False, id="von_first"
        ),
        pytest.param(
            "de la Fontaine, Jean", [Person("Fontaine", "Jean", "de la")], False, id="von_last"
        ),
        pytest.param("Smith, Jr., John", [Person("Smith", "John", "", "Jr.")], False, id="junior"),
        pytest.param(
            "{IEEE Computer Society}",
            [Person("IEEE Computer Society")],
            False,
            id="braced_corporate",
        ),
        pytest.param(
            "{Barnes and Noble} and Ann Lee",
            [Person("Barnes and Noble"), Person("Lee", "Ann")],
            False,
            id="and_inside_braces",
        ),
        pytest.param("Wei, Xiu-Shen and others", [Person("Wei", "Xiu-Shen")], True, id="others"),
        pytest.param(
            "{\\'E}mile Zola", [Person("Zola", "Émile")], False, id="accented_given_not_von"
        ),
        pytest.param(
            "Charles Louis de la Vall{\\'e}e Poussin",
            [Person("Vallée Poussin", "Charles Louis", "de la")],
            False,
            id="multi_word_family",
        ),
        pytest.param(
            "Brinch Hansen, Per", [Person("Brinch Hansen", "Per")], False, id="two_word_last"
        ),
        pytest.param("Plato", [Person("Plato")], False, id="single_name"),
        # The cases below were split wrongly before the splitter was pinned to bibtex
        # (tests/sources/test_names_bibtex.py runs the same rules against the real binary).
        pytest.param(
            "{\\relax Ch}ristopher Manning",
            [Person("Manning", "Christopher")],
            False,
            id="relax_special_is_capital",
        ),
        pytest.param(
            "{\\O}stergaard Jensen, Anne",
            [Person("Østergaard Jensen", "Anne")],
            False,
            id="slashed_capital_o_is_not_von",
        ),
        pytest.param(
            "Ludwig~van Beethoven",
            [Person("Beethoven", "Ludwig", "van")],
            False,
            id="tie_separates_words",
        ),
        pytest.param(
            "{A {B} and C} and D",
            [Person("A B and C"), Person("D")],
            False,
            id="and_inside_nested_braces",
        ),
        pytest.param("Smith, John,", [Person("Smith", "John")], False, id="trailing_comma"),
        pytest.param("A, B, C, D", [Person("A", "C D", "", "B")], False, id="third_comma"),
        pytest.param(
            "Smith van Dyke, J.",
            [Person("Dyke", "J.", "Smith van")],
            False,
            id="von_ends_at_last_lower_case_word",
        ),
    ],
)
def test_split_authors(names: str, people: list[Person], more: bool) -> None:
    assert split_authors(names) == (people, more)


@pytest.mark.parametrize(
    ("raw", "doi"),
    [
        ("10.1109/ICCV.2015.170", "10.1109/iccv.2015.170"),
        ("https://doi.org/10.1016/J.PATCOG.2017.10.002", "10.1016/j.patcog.2017.10.002"),
        ("http://dx.doi.org/10.1609/aaai.v34i07.6822", "10.1609/aaai.v34i07.6822"),
        ("doi:10.1000/xyz", "10.1000/xyz"),
        ("{10.1000/ABC}", "10.1000/abc"),
        ("not a doi", None),
        ("", None),
    ],
)
def test_normalize_doi(raw: str, doi: str | None) -> None:
    assert normalize_doi(raw) == doi


@pytest.mark.parametrize(
    ("raw", "arxiv_id"),
    [
        ("1504.07889", "1504.07889"),
        ("1504.07889v2", "1504.07889"),
        ("arXiv:1909.04412", "1909.04412"),
        ("https://arxiv.org/abs/1911.03621v1", "1911.03621"),
        ("http://arxiv.org/pdf/2001.03856.pdf", "2001.03856"),
        ("hep-th/9901001", "hep-th/9901001"),
        ("math.GT/0309136", "math.GT/0309136"),
        ("12345", None),
    ],
)
def test_normalize_arxiv_id(raw: str, arxiv_id: str | None) -> None:
    assert normalize_arxiv_id(raw) == arxiv_id


@pytest.mark.parametrize(
    ("fields", "arxiv_id"),
    [
        pytest.param("eprint = {1504.07889}, archiveprefix = {arXiv}", "1504.07889", id="eprint"),
        pytest.param("eprint = {1504.07889}, eprinttype = {arxiv}", "1504.07889", id="eprinttype"),
        pytest.param("arxiv = {1909.04412}", "1909.04412", id="arxiv_field"),
        pytest.param("url = {https://arxiv.org/abs/1912.06842}", "1912.06842", id="url"),
        pytest.param("doi = {10.48550/arXiv.2001.03856}", "2001.03856", id="datacite_doi"),
        pytest.param("eprint = {hal-01234}, archiveprefix = {HAL}", None, id="other_archive"),
    ],
)
def test_arxiv_id_sources(fields: str, arxiv_id: str | None) -> None:
    result = parse(f"@misc{{k, title = {{T}}, year = 2020, {fields}}}")
    assert result.records[0].arxiv_id == arxiv_id


@pytest.mark.parametrize(
    ("raw", "year"),
    [("2019", 2019), ("{2019}", 2019), ("2019-06-01", 2019), ("2019a", None), ("in press", None)],
)
def test_parse_year(raw: str, year: int | None) -> None:
    assert parse_year(raw) == year


def test_bad_year_is_a_warning_and_stored_empty() -> None:
    result = parse("@article{k, title = {T}, year = {2019a}}")
    assert result.records[0].year is None
    assert "year '2019a' is not a four-digit year" in result.diagnostics[0].message
    assert not result.diagnostics[0].is_error


def test_biblatex_date_gives_the_year() -> None:
    assert parse("@article{k, title = {T}, date = {2021-03-04}}").records[0].year == 2021


def test_bad_doi_is_left_out_with_warning() -> None:
    result = parse("@article{k, title = {T}, year = 2000, doi = {n/a}}")
    assert result.records[0].doi is None
    assert "is not a DOI" in result.diagnostics[0].message


def test_normalize_title_ignores_case_accents_punctuation() -> None:
    assert normalize_title("Über: CNNs — Fine-Grained!") == normalize_title(
        "uber cnns fine grained"
    )


def test_failed_blocks_carry_line_and_key() -> None:
    result = parse(
        """
        @article{good1, title = {Good}, year = 2000}

        @article{broken,
          title = {Unclosed,
          year = 2001
        }

        @article{good2, title = {Also good}, year = 2002}
        """
    )
    errors = [d for d in result.diagnostics if d.is_error]
    assert errors, result.diagnostics
    assert errors[0].line == 3
    assert errors[0].key == "broken"
    assert "good1" in {r.citekey for r in result.records}


def test_duplicate_key_is_an_error_naming_the_first_line() -> None:
    result = parse(
        """
        @article{same, title = {One}, year = 2000}
        @article{Same, title = {Two}, year = 2001}
        """
    )
    assert [r.title for r in result.records] == ["One"]
    (error,) = result.diagnostics
    assert error.is_error and error.line == 2
    assert "already used by the entry at line 1" in error.message


def test_content_hash_follows_macros() -> None:
    text = '@string{v = "{V1}"}\n@article{k, title = {T}, journal = v, year = 2000}\n'
    first = parse_bibtex(text, "a.bib").records[0].content_hash
    again = parse_bibtex(text, "a.bib").records[0].content_hash
    edited = parse_bibtex(text.replace("V1", "V2"), "a.bib").records[0].content_hash
    assert first == again != edited
