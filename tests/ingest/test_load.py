"""Loading BibTeX files into the database: upserts, idempotence, duplicates, strictness."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from survey.db import session_scope
from survey.db.models import Alias, Author, Paper
from survey.errors import InputFileError
from survey.ingest.load import LoadReport, load_bib_files

TWO = """
@article{lin2015bilinear,
  author = {Lin, Tsung-Yu and RoyChowdhury, Aruni and Maji, Subhransu},
  title = {Bilinear {CNN} Models for Fine-Grained Visual Recognition},
  booktitle = {ICCV},
  year = 2015,
  shorthand = {B-CNN}
}

@inproceedings{fu2017look,
  author = {Fu, Jianlong and Zheng, Heliang and Mei, Tao},
  title = {Look Closer to See Better: Recurrent Attention Convolutional Neural Network},
  booktitle = {CVPR},
  year = 2017,
  doi = {10.1109/CVPR.2017.476},
  shorthand = {RA-CNN}
}
"""


def load(engine: Engine, *paths: Path, strict: bool = False) -> LoadReport:
    with session_scope(engine, write=True) as session:
        return load_bib_files(session, list(paths), strict=strict)


# title, year, venue, doi, content hash, (position, family, given) of each author,
# sorted (alias, origin) pairs.
PaperState = tuple[
    str | None,
    int | None,
    str | None,
    str | None,
    str,
    tuple[tuple[int, str, str], ...],
    tuple[tuple[str, str], ...],
]


def snapshot(engine: Engine) -> dict[str, PaperState]:
    """Everything a load writes, per citekey, for before/after comparisons."""
    with session_scope(engine) as session:
        papers = session.scalars(select(Paper)).all()
        return {
            p.citekey: (
                p.title,
                p.year,
                p.venue,
                p.doi,
                p.content_hash,
                tuple((a.position, a.family, a.given) for a in p.authors),
                tuple(sorted((a.alias, a.origin) for a in p.aliases)),
            )
            for p in papers
        }


def test_first_load_adds_then_same_file_is_unchanged(
    engine: Engine, write_bib: Callable[..., Path]
) -> None:
    bib = write_bib(TWO)
    first = load(engine, bib)
    assert (first.total("added"), first.total("unchanged")) == (2, 0)
    before = snapshot(engine)
    second = load(engine, bib)
    assert second.files[0].skipped
    assert (second.total("added"), second.total("updated"), second.total("unchanged")) == (0, 0, 2)
    assert snapshot(engine) == before


def test_authors_ordered_and_aliases_from_shorthand_and_title(
    engine: Engine, write_bib: Callable[..., Path]
) -> None:
    load(engine, write_bib(TWO))
    with session_scope(engine) as session:
        paper = session.scalar(select(Paper).where(Paper.citekey == "fu2017look"))
        assert paper is not None
        assert [a.family for a in paper.authors] == ["Fu", "Zheng", "Mei"]
        assert sorted((a.alias, a.origin) for a in paper.aliases) == [
            ("Look Closer to See Better", "title"),
            ("RA-CNN", "shorthand"),
        ]
        assert paper.doi == "10.1109/cvpr.2017.476"


def test_edited_file_updates_exactly_the_changed_entry(
    engine: Engine, write_bib: Callable[..., Path]
) -> None:
    bib = write_bib(TWO)
    load(engine, bib)
    before = snapshot(engine)
    write_bib(TWO.replace("Mei, Tao", "Mei, Tao and Doe, Jane"))
    report = load(engine, bib)
    assert (report.total("added"), report.total("updated"), report.total("unchanged")) == (0, 1, 1)
    after = snapshot(engine)
    assert after["lin2015bilinear"] == before["lin2015bilinear"]
    assert [a[1] for a in after["fu2017look"][5]] == ["Fu", "Zheng", "Mei", "Doe"]
    # A touched file with the same content: parsed again, nothing changes.
    bib.write_text(bib.read_text() + "\n% a comment\n")
    again = load(engine, bib)
    assert not again.files[0].skipped
    assert (again.total("updated"), again.total("unchanged")) == (0, 2)


def test_moved_entry_keeps_content_and_gets_new_line(
    engine: Engine, write_bib: Callable[..., Path]
) -> None:
    bib = write_bib(TWO)
    load(engine, bib)
    write_bib("% moved down\n\n\n" + TWO.lstrip("\n"))
    report = load(engine, bib)
    assert report.total("unchanged") == 2
    with session_scope(engine) as session:
        line = session.scalar(select(Paper.source_line).where(Paper.citekey == "lin2015bilinear"))
    assert line == 4


def test_entry_removed_from_file_is_removed(engine: Engine, write_bib: Callable[..., Path]) -> None:
    bib = write_bib(TWO)
    load(engine, bib)
    write_bib(TWO.split("@inproceedings")[0])
    report = load(engine, bib)
    assert report.total("removed") == 1
    assert set(snapshot(engine)) == {"lin2015bilinear"}
    with session_scope(engine) as session:
        # Children go with their paper.
        assert session.scalar(select(func.count()).select_from(Author)) == 3
        assert session.scalar(select(func.count()).select_from(Alias)) == 1


def test_entry_that_fails_to_parse_is_not_deleted(
    engine: Engine, write_bib: Callable[..., Path]
) -> None:
    bib = write_bib(TWO)
    load(engine, bib)
    write_bib(TWO.replace("@inproceedings{fu2017look,", "@inproceedings{fu2017look"))
    report = load(engine, bib)
    assert report.has_errors
    assert report.files[0].kept_stale == 1
    assert set(snapshot(engine)) == {"lin2015bilinear", "fu2017look"}
    # A file with errors is not remembered as loaded: the next load reports them again.
    assert load(engine, bib).has_errors


def test_same_key_in_two_files_with_other_content_is_an_error(
    engine: Engine, write_bib: Callable[..., Path]
) -> None:
    load(engine, write_bib(TWO, "a.bib"))
    other = TWO.split("@inproceedings")[0].replace("year = 2015", "year = 2016")
    report = load(engine, write_bib(other, "b.bib"))
    (error,) = [d for d in report.diagnostics if d.is_error]
    assert error.key == "lin2015bilinear" and "already loaded from" in error.message
    assert "a.bib" in error.message and error.file.endswith("b.bib")
    assert snapshot(engine)["lin2015bilinear"][1] == 2015


def test_same_identical_entry_in_two_files_is_a_warning_and_loads_once(
    engine: Engine, write_bib: Callable[..., Path]
) -> None:
    load(engine, write_bib(TWO, "a.bib"))
    report = load(engine, write_bib(TWO.split("@inproceedings")[0], "b.bib"))
    assert not report.has_errors
    (warning,) = report.diagnostics
    assert warning.key == "lin2015bilinear" and "the same entry is also in" in warning.message
    assert "a.bib" in warning.message
    assert set(snapshot(engine)) == {"lin2015bilinear", "fu2017look"}


@pytest.mark.parametrize(
    ("second", "reason"),
    [
        pytest.param(
            "@article{other2017, title = {Something else}, year = 2017, "
            "doi = {https://doi.org/10.1109/cvpr.2017.476}}",
            "same DOI 10.1109/cvpr.2017.476",
            id="same_doi",
        ),
        pytest.param(
            "@article{other2015, title = {Bilinear CNN models for fine-grained visual "
            "recognition!}, year = 2015}",
            "same title and year (2015)",
            id="same_title_year",
        ),
    ],
)
def test_duplicates_within_a_file_are_reported_not_merged(
    engine: Engine, write_bib: Callable[..., Path], second: str, reason: str
) -> None:
    report = load(engine, write_bib(TWO + "\n" + second + "\n"))
    warnings = [d for d in report.diagnostics if "possible duplicate" in d.message]
    assert len(warnings) == 1
    assert reason in warnings[0].message
    assert report.total("added") == 3 and report.total("duplicates") == 1
    assert not report.has_errors


def test_duplicate_against_database_names_the_other_file(
    engine: Engine, write_bib: Callable[..., Path]
) -> None:
    load(engine, write_bib(TWO, "a.bib"))
    report = load(
        engine,
        write_bib(
            "@misc{pre2017, title = {RA-CNN preprint}, year = 2016, arxiv = {1234.56789}}\n"
            "@misc{copy2017, title = {Copy}, year = 2017, doi = {10.1109/CVPR.2017.476}}\n",
            "b.bib",
        ),
    )
    (warning,) = [d for d in report.diagnostics if "possible duplicate" in d.message]
    assert warning.key == "copy2017"
    assert "fu2017look (" in warning.message and "a.bib:9" in warning.message


def test_same_arxiv_id_is_a_duplicate(engine: Engine, write_bib: Callable[..., Path]) -> None:
    report = load(
        engine,
        write_bib(
            "@misc{a, title = {A}, year = 2019, eprint = {1909.04412}, archiveprefix = {arXiv}}\n"
            "@misc{b, title = {B}, year = 2019, url = {https://arxiv.org/abs/1909.04412v2}}\n"
        ),
    )
    (warning,) = [d for d in report.diagnostics if "possible duplicate" in d.message]
    assert "same arXiv id 1909.04412" in warning.message


def test_good_entries_load_beside_a_broken_one(
    engine: Engine, write_bib: Callable[..., Path]
) -> None:
    broken = TWO + "\n@article{bad,\n  title = {Never closed,\n  year = 2000\n}\n"
    report = load(engine, write_bib(broken))
    assert report.has_errors and report.written
    assert set(snapshot(engine)) == {"lin2015bilinear", "fu2017look"}


def test_strict_loads_nothing_when_anything_fails(
    engine: Engine, write_bib: Callable[..., Path]
) -> None:
    broken = TWO + "\n@article{bad,\n  title = {Never closed,\n  year = 2000\n}\n"
    report = load(engine, write_bib(broken), strict=True)
    assert report.has_errors and not report.written
    assert snapshot(engine) == {}


def test_unreadable_file_stops_before_anything_is_written(
    engine: Engine, write_bib: Callable[..., Path], tmp_path: Path
) -> None:
    good = write_bib(TWO)
    with pytest.raises(InputFileError, match="no such file"):
        load(engine, good, tmp_path / "missing.bib")
    assert snapshot(engine) == {}


def test_search_index_follows_updates_and_deletes(
    engine: Engine, write_bib: Callable[..., Path]
) -> None:
    from survey.db.papers import search_papers

    bib = write_bib(TWO)
    load(engine, bib)
    with session_scope(engine) as session:
        assert [p.citekey for p in search_papers(session, "recurrent attention")] == ["fu2017look"]
        assert [p.citekey for p in search_papers(session, "roychowdhury")] == ["lin2015bilinear"]
    write_bib(TWO.replace("Recurrent Attention", "Periodic Focus").split("@inproceedings")[0])
    load(engine, bib)
    with session_scope(engine) as session:
        assert search_papers(session, "recurrent") == []
        assert [p.citekey for p in search_papers(session, "bilin")] == ["lin2015bilinear"]


def test_portable_search_matches_the_fts_search(
    engine: Engine, write_bib: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from survey.db import papers as papers_db

    load(engine, write_bib(TWO))
    questions = ["recurrent attention", "roychowdhury", "ra-cnn", "2015", "bilinear cnn"]
    with session_scope(engine) as session:
        with_fts = [
            sorted(p.citekey for p in papers_db.search_papers(session, q)) for q in questions
        ]
        monkeypatch.setattr(papers_db, "search_index_tokenizer", lambda _session: None)
        portable = [
            sorted(p.citekey for p in papers_db.search_papers(session, q)) for q in questions
        ]
    assert with_fts == portable
    assert with_fts[0] == ["fu2017look"] and with_fts[3] == ["lin2015bilinear"]


def test_moved_file_takes_over_its_entries(
    engine: Engine, write_bib: Callable[..., Path], tmp_path: Path
) -> None:
    old = write_bib(TWO, "old.bib")
    load(engine, old)
    new = tmp_path / "new.bib"
    old.rename(new)
    report = load(engine, new)
    assert not report.has_errors
    assert report.total("unchanged") == 2
    with session_scope(engine) as session:
        paths = set(session.scalars(select(Paper.source_id)))
    assert len(paths) == 1
    # Loading the moved file again is a skip; the old path owns nothing any more.
    assert load(engine, new).files[0].skipped


def test_windows_1252_smart_quotes_are_read_as_such(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "zotero.bib"
    entry = (
        "@article{quote2001, title = {\u201cQuoted\u201d \u2013 and M\u00fcller}, year = 2001}\n"
    )
    path.write_bytes(entry.encode("cp1252"))
    report = load(engine, path)
    (warning,) = report.diagnostics
    assert "read as Windows-1252" in warning.message
    assert snapshot(engine)["quote2001"][0] == "\u201cQuoted\u201d \u2013 and M\u00fcller"
