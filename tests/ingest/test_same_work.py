"""When two entries are one work: the strict rule `survey load` warns with and the loose
one `survey check` adds (survey/identifiers.py), and both commands applying them."""

from __future__ import annotations

from pathlib import Path

from survey.db import open_database, session_scope
from survey.identifiers import same_work_by_title, work_identities
from survey.ingest.load import load_bib_files
from survey.review.check import check


def test_the_strict_rule_is_exact_values() -> None:
    assert work_identities("10.1/x", "1504.07889", "bilinear cnn", 2015) == [
        ("doi", "10.1/x"),
        ("arxiv", "1504.07889"),
        ("title", "bilinear cnn\x002015"),
    ]
    assert work_identities(None, None, "bilinear cnn", None) == []


def test_the_loose_rule_allows_a_year_apart_and_needs_an_author() -> None:
    assert same_work_by_title(2015, 2016, {"lin", "maji"}, {"maji"})
    assert same_work_by_title(None, 2016, {"lin"}, {"lin"})
    assert not same_work_by_title(2015, 2017, {"lin"}, {"lin"})
    assert not same_work_by_title(2015, 2015, {"lin"}, {"fu"})


PAIR = """\
@inproceedings{lin2015bilinear,
  title = {Bilinear CNN Models for Fine-Grained Visual Recognition},
  author = {Lin, Tsung-Yu and Maji, Subhransu},
  booktitle = {ICCV},
  year = {2015},
}
@article{lin2016bilinear,
  title = {Bilinear {CNN} Models for Fine-grained Visual Recognition},
  author = {Maji, Subhransu},
  journal = {arXiv preprint},
  year = {2016},
}
"""


def test_load_uses_the_strict_rule_and_check_the_loose_one(tmp_path: Path) -> None:
    bib = tmp_path / "pair.bib"
    bib.write_text(PAIR, encoding="utf-8")
    engine = open_database(f"sqlite:///{tmp_path / 'survey.db'}")
    with session_scope(engine, write=True) as session:
        report = load_bib_files(session, [bib])
    # A year apart: not the same title-and-year identity, so the load stays quiet ...
    assert not [d for d in report.diagnostics if d.code == "possible-duplicate"]
    with session_scope(engine) as session:
        found = check(session)
    # ... and check links them: same title, a year apart, a shared author.
    (pair,) = [d for d in found if d.code in ("duplicate", "versions")]
    assert {pair.key} <= {"lin2015bilinear", "lin2016bilinear"}
