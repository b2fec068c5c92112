"""One naming rule for people and papers: the same display name in the BibTeX reader, the
models, the CSV tables, the graph page and `query show`; one node label for the exports
and the report."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from helpers import Cli

from survey.naming import author_name, paper_label, person_name
from survey.sources.bibtex import parse_bibtex

# A name with a von part and one with a suffix, in the three BibTeX forms.
SUFFIX_BIB = """\
@inproceedings{king2020dream,
  author = {King, Jr., Martin Luther and van Beethoven, Ludwig and Lovelace, Ada},
  title = {A Dream of Symphonies},
  booktitle = {Proceedings of Nothing},
  year = {2020},
}
"""


def test_person_name_orders_given_von_family_then_suffix() -> None:
    assert person_name("Beethoven", "Ludwig", "van") == "Ludwig van Beethoven"
    assert person_name("King", "Martin Luther", suffix="Jr.") == "Martin Luther King, Jr."
    assert person_name("Plato") == "Plato"
    assert author_name({"family": "King", "given": "M.", "von": "", "suffix": "Jr."}) == (
        "M. King, Jr."
    )


def test_the_reader_and_the_rule_agree() -> None:
    record = parse_bibtex(SUFFIX_BIB, "suffix.bib").records[0]
    assert [p.display for p in record.authors] == [
        "Martin Luther King, Jr.",
        "Ludwig van Beethoven",
        "Ada Lovelace",
    ]


def test_paper_label_short_name_first_then_author_year_then_key() -> None:
    author = {"family": "Fu", "given": "", "von": "", "suffix": ""}
    assert paper_label({"short": "RA-CNN", "year": 2017, "authors": [author], "key": "k"}) == (
        "RA-CNN"
    )
    dated = {"short": "RA-CNN", "year": 2017, "authors": [], "key": "k"}
    assert paper_label(dated, year_with_short=True) == "RA-CNN (2017)"
    undated: dict[str, Any] = {"short": "RA-CNN", "year": None, "authors": [], "key": "k"}
    assert paper_label(undated, year_with_short=True) == "RA-CNN"
    assert paper_label({"short": "", "year": 2017, "authors": [author], "key": "k"}) == "Fu 2017"
    assert paper_label({"short": "", "year": None, "authors": [], "key": "k"}) == "k"


def test_csv_table_and_show_keep_the_suffix(cli: Cli, tmp_path: Path) -> None:
    bib = tmp_path / "suffix.bib"
    bib.write_text(SUFFIX_BIB, encoding="utf-8")
    assert cli("load", bib).exit_code == 0
    expected = "Martin Luther King, Jr.; Ludwig van Beethoven; Ada Lovelace"
    shown = list(csv.reader(io.StringIO(cli("query", "show", "king2020dream", "-f", "csv").stdout)))
    assert shown[1][shown[0].index("authors")] == expected
    exported = cli("export", "csv", tmp_path / "tables")
    assert exported.exit_code == 0, exported.stderr
    with (tmp_path / "tables" / "papers.csv").open(encoding="utf-8", newline="") as stream:
        (row,) = list(csv.DictReader(stream))
    assert row["authors"] == expected
