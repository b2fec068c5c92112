"""Plain-row reads for the whole-survey commands (survey check, survey report): the
same rows as the ORM reads they replace, without one object per row."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from survey.db import citations as cdb
from survey.db import papers as papers_db
from survey.db import session_scope
from survey.ingest.folder import build_survey

BIB = (
    "@article{zeta2015, author = {Zed Z and Amy A}, title = {Zeta}, journal = {J},"
    " year = 2015, doi = {10.1000/zeta}}\n"
    "@article{Alpha2020, author = {Ann A}, title = {Alpha}, journal = {J}, year = 2020,"
    " cites = {beta2019, zeta2015}}\n"
    "@inproceedings{beta2019, author = {Bob B}, title = {Beta}, booktitle = {CVPR},"
    " year = 2019}\n"
    "@misc{gamma2010, title = {Gamma}, year = 2010, eprint = {1001.00001},"
    " archiveprefix = {arXiv}}\n"
    "@book{delta2000, author = {Dee D}, title = {Delta}, publisher = {P}, year = {20x0}}\n"
)
# gamma2010 citing beta2019, nine years younger: suspect. Alpha2020 -> beta2019 also
# comes from its cites field (a second origin for one pair).
EDGES = (
    "citing,cited,relation,evidence\n"
    "Alpha2020,beta2019,extends,sec 2\n"
    "gamma2010,beta2019,,\n"
    "beta2019,zeta2015,uses-dataset,\n"
    "zeta2015,gamma2010,,\n"
)


def _survey(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "survey"
    folder.mkdir()
    (folder / "refs.bib").write_text(BIB, encoding="utf-8")
    (folder / "cites.csv").write_text(EDGES, encoding="utf-8")
    (folder / "survey.toml").write_text(
        'title = "Reads"\nbibliography = ["refs.bib"]\ncitations = ["cites.csv"]\n'
    )
    with session_scope(engine, write=True) as session:
        build_survey(session, folder)


def test_suspect_edges_are_the_flagged_edges_in_edge_order(engine: Engine, tmp_path: Path) -> None:
    _survey(engine, tmp_path)
    with session_scope(engine) as session:
        every = cdb.edges(session)
        suspect = cdb.suspect_edges(session)
    assert suspect == [e for e in every if e.suspect]
    assert [(e.citing, e.cited) for e in suspect] == [("gamma2010", "beta2019")]
    assert suspect[0].file is not None and suspect[0].file.endswith("cites.csv")
    assert suspect[0].line == 3


def test_edges_among_are_the_edges_between_two_of_the_papers(
    engine: Engine, tmp_path: Path
) -> None:
    _survey(engine, tmp_path)
    with session_scope(engine) as session:
        every = cdb.edges(session)
        ids = {key: i for i, key in papers_db.citekeys_by_id(session).items()}
        for chosen in (
            {"Alpha2020", "beta2019"},
            {"beta2019", "zeta2015", "gamma2010"},
            {"delta2000"},
            set(ids),
        ):
            among = cdb.edges_among(session, [ids[k] for k in chosen])
            assert among == [e for e in every if e.citing in chosen and e.cited in chosen]
        both = cdb.edges_among(session, [ids["Alpha2020"], ids["beta2019"]])
    assert sorted(e.origin for e in both) == ["bib-field", "file"]


def test_citation_details_are_every_row_by_id(engine: Engine, tmp_path: Path) -> None:
    _survey(engine, tmp_path)
    with session_scope(engine) as session:
        ids = {key: i for i, key in papers_db.citekeys_by_id(session).items()}
        details = sorted(row for batch in cdb.citation_details(session) for row in batch)
        expected = sorted(
            (ids[e.citing], ids[e.cited], e.origin, e.relation) for e in cdb.edges(session)
        )
        pairs = sorted(cdb.citation_rows(session))
    assert details == expected
    assert len(details) == 6  # four lines of the file, two names of the cites field
    assert pairs == [(a, b) for a, b, _, _ in details]


def test_papers_to_check_are_the_stored_papers_as_values(engine: Engine, tmp_path: Path) -> None:
    _survey(engine, tmp_path)
    with session_scope(engine) as session:
        rows = list(papers_db.papers_to_check(session))
        stored = papers_db.papers_with_source(session)
    assert [row[1] for row in rows] == [paper.citekey for paper, _ in stored]
    for row, (paper, path) in zip(rows, stored, strict=True):
        assert row == (
            paper.id,
            paper.citekey,
            paper.entry_type,
            paper.title,
            paper.year,
            paper.venue,
            paper.doi,
            paper.arxiv_id,
            path,
            paper.source_line,
            paper.fields,
            paper.raw,
        )
    by_key = {row[1]: row for row in rows}
    assert by_key["delta2000"][4] is None  # its year did not parse
    assert "20x0" in by_key["delta2000"][11]  # the entry as written says why
    assert by_key["gamma2010"][7] == "1001.00001"
