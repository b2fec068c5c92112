"""RIS and CSL-JSON bibliographies: each tool's export maps to the records BibTeX gives,
keys in the survey's style, the CSL-JSON export loads back, malformed files say where."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO, TESTS
from helpers import Cli
from sqlalchemy import Engine, select

from survey.db import open_database, session_scope
from survey.db.models import Paper
from survey.errors import Diagnostic
from survey.export import collect
from survey.export.csljson import write_csljson
from survey.ingest.folder import build_survey
from survey.ingest.load import load_bib_files
from survey.sources.bibliography import BIBTEX, CSLJSON, RIS, detect_format
from survey.sources.bibtex import BibRecord
from survey.sources.csljson import parse_csljson
from survey.sources.items import Item, assign_keys, person
from survey.sources.ris import parse_ris
from survey.vocab import Severity

FIXTURES = TESTS / "fixtures" / "bibformats"
BUNDLED = REPO / "data" / "valse2020"

# key -> entry type, first author's family name, year, venue, DOI, arXiv id
Expected = dict[str, tuple[str, str, int, str | None, str | None, str | None]]
MASK_CNN = ("article", "Wei", 2018, "Pattern Recognition", "10.1016/j.patcog.2017.10.002", None)
MGE_CNN = (
    "inproceedings",
    "Zhang",
    2019,
    "Proceedings of the IEEE/CVF International Conference on Computer Vision (ICCV)",
    "10.1109/iccv.2019.00842",
    None,
)
B_CNN = ("misc", "Lin", 2015, None, "10.48550/arxiv.1504.07889", "1504.07889")


def summary(records: list[BibRecord]) -> Expected:
    return {
        r.citekey: (
            r.entry_type,
            r.authors[0].family,
            r.year or 0,
            r.venue,
            r.doi,
            r.arxiv_id,
        )
        for r in records
    }


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8-sig")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param(
            "zotero.ris",
            {"wei2018mask": MASK_CNN, "zhang2019learning": MGE_CNN, "lin2015bilinear": B_CNN},
            id="zotero",
        ),
        pytest.param(
            "mendeley.ris",
            {
                "Wei2018": (*MASK_CNN[:5], None),
                "Fu2017": (
                    "inproceedings",
                    "Fu",
                    2017,
                    "Proceedings of the IEEE Conference on Computer Vision and Pattern "
                    "Recognition (CVPR)",
                    "10.1109/cvpr.2017.476",
                    None,
                ),
            },
            id="mendeley-keeps-its-ID-keys",
        ),
        pytest.param(
            "scopus.ris",
            {
                "ding2019selective": (
                    "inproceedings",
                    "Ding",
                    2019,
                    MGE_CNN[3],
                    "10.1109/iccv.2019.00670",
                    None,
                ),
                "luo2019cross": ("inproceedings", "Luo", 2019, MGE_CNN[3], None, "1909.04412"),
            },
            id="scopus-N2-and-arxiv-UR",
        ),
        pytest.param(
            "wos.ris",
            {
                "wei2018mask": ("article", "Wei", 2018, "PATTERN RECOGNITION", MASK_CNN[4], None),
                "luo2019cross": (
                    "inproceedings",
                    "Luo",
                    2019,
                    "2019 IEEE/CVF INTERNATIONAL CONFERENCE ON COMPUTER VISION (ICCV 2019)",
                    "10.1109/iccv.2019.00833",
                    None,
                ),
            },
            id="web-of-science",
        ),
    ],
)
def test_ris_exports(name: str, expected: Expected) -> None:
    parsed = parse_ris(read(name), name)
    assert parsed.diagnostics == []
    assert summary(parsed.records) == expected


def test_ris_fields_as_bibtex_gives_them() -> None:
    records = {r.citekey: r for r in parse_ris(read("zotero.ris"), "zotero.ris").records}
    mask = records["wei2018mask"]
    assert mask.title == (
        "Mask-CNN: Localizing parts and selecting descriptors for fine-grained bird "
        "species categorization"
    )
    assert [(p.family, p.given) for p in mask.authors][:2] == [
        ("Wei", "Xiu-Shen"),
        ("Xie", "Chen-Wei"),
    ]
    assert mask.shorthand == "Mask-CNN"  # Zotero's short title (ST)
    assert mask.fields["volume"] == "76" and mask.fields["pages"] == "704--714"
    assert mask.fields["keywords"] == "Fine-grained image recognition, Part localization"
    assert mask.line == 2  # the TY line, after Zotero's blank first line
    mge = records["zhang2019learning"]
    assert mge.fields["booktitle"] == MGE_CNN[3]  # C3, not the conference name in T2
    scopus = {r.citekey: r for r in parse_ris(read("scopus.ris"), "s.ris").records}
    abstract = scopus["ding2019selective"].abstract or ""
    assert abstract.startswith("Fine-grained recognition poses") and "second line" in abstract
    assert "\n" not in abstract
    wos = {r.citekey: r for r in parse_ris(read("wos.ris"), "w.ris").records}
    assert [p.given for p in wos["wei2018mask"].authors] == ["XS", "CW", "JX", "CH"]


def test_zotero_csljson() -> None:
    parsed = parse_csljson(read("zotero.json"), "zotero.json")
    assert parsed.diagnostics == []
    assert summary(parsed.records) == {
        "zhang2019learning": MGE_CNN,
        "lin2015bilinear": B_CNN,
        "wei2018mask": MASK_CNN,
    }
    records = {r.citekey: r for r in parsed.records}
    assert records["zhang2019learning"].fields["pages"] == "8331--8340"
    assert records["zhang2019learning"].line == 2
    assert records["wei2018mask"].shorthand == "Mask-CNN"
    assert records["lin2015bilinear"].fields["url"] == "http://arxiv.org/abs/1504.07889"
    assert records["lin2015bilinear"].abstract is not None


def test_csl_citation_key_and_usable_ids() -> None:
    items = [
        {"id": "he2016deep", "type": "paper-conference", "title": "Deep"},
        {"id": "ITEM-2", "citation-key": "DBLP:conf/cvpr/FuZM17", "title": "Look"},
        {"id": "7260481/7WJ3TFEN", "title": "Zotero pair", "author": [{"family": "Doe"}]},
        {"id": 17, "title": "Numbered", "author": [{"literal": "The VALSE Committee"}]},
    ]
    keys = [r.citekey for r in parse_csljson(json.dumps(items), "k.json").records]
    assert keys == ["he2016deep", "DBLP:conf/cvpr/FuZM17", "doezotero", "thenumbered"]


def make_item(title: str, doi: str | None = None, line: int = 1) -> Item:
    item = Item(line=line, where="item", source=title + (doi or ""))
    item.title, item.year, item.doi = title, 2016, doi
    item.authors = [person("He", "Kaiming")]
    return item


def test_keys_stable_when_items_reorder_and_collide() -> None:
    items = [
        make_item("Deep Residual Learning for Image Recognition", "10.1109/CVPR.2016.90"),
        make_item("Deep Image Prior"),
        make_item("Deep Learning", "10.1000/other"),
    ]
    keys = dict(zip((i.title for i in items), assign_keys(items), strict=True))
    assert sorted(keys.values()) == ["he2016deep", "he2016deep-b", "he2016deep-c"]
    reversed_keys = dict(
        zip((i.title for i in reversed(items)), assign_keys(items[::-1]), strict=True)
    )
    assert reversed_keys == keys
    # A key the file gives is never taken by a made-up one.
    given = make_item("Other")
    given.key = "HE2016DEEP"
    assert assign_keys([make_item("Deep Image Prior"), given]) == ["he2016deep-b", "HE2016DEEP"]


def test_detected_by_extension_and_content(tmp_path: Path) -> None:
    ris, csl = read("zotero.ris"), read("zotero.json")
    assert detect_format(tmp_path / "a.ris", ris) == RIS
    assert detect_format(tmp_path / "export.txt", ris) == RIS
    assert detect_format(tmp_path / "a.json", csl) == CSLJSON
    assert detect_format(tmp_path / "items", csl) == CSLJSON
    assert detect_format(tmp_path / "a.json", "@article{x, title={T}}") == BIBTEX
    assert detect_format(tmp_path / "a.bib", "% {comment}\n@article{x, title={T}}") == BIBTEX


def test_load_ris_and_json_through_the_cli(cli: Cli, tmp_path: Path) -> None:
    result = cli("load", FIXTURES / "zotero.ris", FIXTURES / "scopus.ris")
    assert result.exit_code == 0, result.output
    assert "5 papers in the database" in result.stdout
    again = cli("load", FIXTURES / "zotero.ris", FIXTURES / "scopus.ris")
    assert again.exit_code == 0 and "unchanged file, skipped" in again.stdout


def test_edited_ris_updates_only_the_edited_record(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "lib.ris"
    path.write_text(read("zotero.ris"), encoding="utf-8")
    with session_scope(engine, write=True) as session:
        first = load_bib_files(session, [path])
    path.write_text(read("zotero.ris").replace("PY  - 2015", "PY  - 2016"), encoding="utf-8")
    with session_scope(engine, write=True) as session:
        second = load_bib_files(session, [path])
    assert (first.total("added"), second.total("updated"), second.total("unchanged")) == (3, 1, 2)
    with session_scope(engine) as session:
        keys = set(session.scalars(select(Paper.citekey)))
    # The corrected year would make the key lin2016bilinear: the paper keeps its key.
    assert keys == {"wei2018mask", "zhang2019learning", "lin2015bilinear"}


def papers_of(engine: Engine) -> dict[str, tuple[str | None, list[str], int | None, str | None]]:
    with session_scope(engine) as session:
        return {
            p.citekey: (p.title, [a.family for a in p.authors], p.year, p.doi)
            for p in session.scalars(select(Paper))
        }


def test_csljson_export_loads_back_to_the_same_papers(
    engine: Engine, tmp_path: Path, db_url: str
) -> None:
    with session_scope(engine, write=True) as session:
        build_survey(session, BUNDLED)
    with session_scope(engine) as session:
        data = collect.export_data(session, None)
    target = tmp_path / "refs.json"
    write_csljson(data, target)
    other = open_database(f"sqlite:///{tmp_path / 'other.db'}")
    with session_scope(other, write=True) as session:
        report = load_bib_files(session, [target])
    assert not report.has_errors, [str(d) for d in report.diagnostics]
    before, after = papers_of(engine), papers_of(other)
    assert len(after) == 81
    assert after == before


# ------------------------------------------------------------------ malformed files

GOOD_RIS = "TY  - JOUR\nTI  - A good record\nAU  - Doe, Jane\nPY  - 2020\nER  - \n"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        pytest.param(
            "AU  - Doe, Jane\nTI  - No type\nER  - \n" + GOOD_RIS,
            1,
            "tag AU outside a record: a record starts with a 'TY  - ' line",
            id="no-TY",
        ),
        pytest.param(
            GOOD_RIS + "\nTY  - JOUR\nTI  - Never ended\n",
            7,
            "record starting at line 7 has no 'ER  - ' line (the file ends first)",
            id="no-ER-at-end",
        ),
        pytest.param(
            "TY  - JOUR\nTI  - Runs into the next\n" + GOOD_RIS,
            1,
            "has no 'ER  - ' line (the next record starts at line 3)",
            id="no-ER-before-next-TY",
        ),
        pytest.param(
            "Exported from a tool\n" + GOOD_RIS,
            1,
            "text outside a record",
            id="stray-text",
        ),
    ],
)
def test_malformed_ris(text: str, line: int, message: str) -> None:
    parsed = parse_ris(text, "bad.ris")
    assert [r.title for r in parsed.records] == ["A good record"]
    errors = [d for d in parsed.diagnostics if d.is_error]
    assert len(errors) == 1 and errors[0].line == line and message in errors[0].message
    assert errors[0].file == "bad.ris"


GOOD_ITEM = '{"id": "doe2020good", "type": "article-journal", "title": "A good item"}'


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        pytest.param(
            f'[\n  {GOOD_ITEM},\n  {{"title": "Broken", }}\n]',
            3,
            "item 2: invalid JSON at line 3, column 23: Expecting property name",
            id="bad-json-line-col",
        ),
        pytest.param(
            f'[\n  {GOOD_ITEM},\n  "just a string"\n]',
            3,
            "item 2 is a string, not an object",
            id="item-not-object",
        ),
        pytest.param(
            f'[\n  {GOOD_ITEM},\n  {{"type": "book", "issued": {{"date-parts": [[2020]]}}}}\n]',
            3,
            "item 2 has no title, author or DOI: nothing to load",
            id="nothing-to-load",
        ),
        pytest.param(
            f"[\n  {GOOD_ITEM}\n  {GOOD_ITEM}\n]",
            3,
            "expected ',' between items",
            id="missing-comma",
        ),
        pytest.param(f"[\n  {GOOD_ITEM},\n", 3, "the array is never closed", id="unclosed"),
    ],
)
def test_malformed_csljson(text: str, line: int, message: str) -> None:
    parsed = parse_csljson(text, "bad.json")
    assert [r.title for r in parsed.records] == ["A good item"]
    errors = [d for d in parsed.diagnostics if d.is_error]
    assert len(errors) == 1, errors
    assert errors[0].line == line and message in errors[0].message, errors[0]


def test_missing_title_is_a_warning_with_its_place() -> None:
    items = '[{"id": "x", "author": [{"family": "Doe"}], "DOI": "10.1000/xyz"}]'
    parsed = parse_csljson(items, "t.json")
    assert [r.citekey for r in parsed.records] == ["x"]
    assert parsed.diagnostics == [
        Diagnostic(Severity.WARNING, "t.json", 1, "x", "item 1: no title")
    ]
    ris = parse_ris("TY  - JOUR\nAU  - Doe, J\nDO  - not a doi\nER  - \n", "t.ris")
    assert [d.message for d in ris.diagnostics] == [
        "RIS record (JOUR): DOI 'not a doi' is not a DOI (10.NNNN/...); left out",
        "RIS record (JOUR): no title",
    ]
    assert {d.line for d in ris.diagnostics} == {1}


def test_not_csljson_at_all() -> None:
    parsed = parse_csljson('{"items": 3', "x.json")
    assert parsed.records == [] and "invalid JSON at line 1" in parsed.diagnostics[0].message
    parsed = parse_csljson("42", "x.json")
    assert "must be a JSON array of items" in parsed.diagnostics[0].message


@pytest.mark.parametrize("strict", [False, True])
def test_cli_loads_good_items_and_exits_1(cli: Cli, tmp_path: Path, strict: bool) -> None:
    path = tmp_path / "mixed.ris"
    path.write_text("TY  - JOUR\nTI  - Never ended\n\n" + GOOD_RIS, encoding="utf-8")
    result = cli("load", *(["--strict"] if strict else []), path)
    assert result.exit_code == 1
    assert f"{path}:1:" in result.stderr and "has no 'ER  - ' line" in result.stderr
    assert ("0 papers" in result.stdout or "nothing was loaded" in result.stderr) == strict


def test_ris_is_no_longer_refused(cli: Cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty.ris"
    empty.write_text("\n\n", encoding="utf-8")
    result = cli("load", empty)
    assert result.exit_code == 1 and "is empty" in result.stderr
    path = tmp_path / "one.ris"
    path.write_text(GOOD_RIS, encoding="utf-8")
    assert cli("load", path).exit_code == 0


def test_manifest_bibliography_takes_ris_and_json(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "survey"
    folder.mkdir()
    for name in ("zotero.ris", "scopus.ris"):
        (folder / name).write_text(read(name), encoding="utf-8")
    (folder / "more.json").write_text(read("zotero.json").replace("10.1109", "10.1109"))
    (folder / "survey.toml").write_text(
        'bibliography = ["zotero.ris", "scopus.ris"]\nnotes = "notes.md"\n', encoding="utf-8"
    )
    (folder / "notes.md").write_text(
        "# Fine-grained\n\n- [@ding2019selective]\n- [@wei2018mask]\n", encoding="utf-8"
    )
    with session_scope(engine, write=True) as session:
        report = build_survey(session, folder)
    assert not report.has_errors, [str(d) for d in report.diagnostics]
    assert len(papers_of(engine)) == 5


def test_hostile_strings_survive_ris_to_bibtex_and_back(engine: Engine, tmp_path: Path) -> None:
    from survey.export.bibtex import write_bibtex

    title = "50% of {braces} & $math$ #1 ~ ^ back\\slash | `ticks` <tag> 中文 🚀"
    path = tmp_path / "hostile.ris"
    path.write_text(
        f"TY  - JOUR\nTI  - {title}\nAU  - Ñúñez, José\nAU  - 王, 小明\nT2  - J & P_Q\n"
        "PY  - 2021\nUR  - https://example.org/a_b%20c?x=1&y=2\nER  - \n",
        encoding="utf-8",
    )
    with session_scope(engine, write=True) as session:
        assert not load_bib_files(session, [path]).has_errors
    before = papers_of(engine)
    assert list(before.values()) == [(title, ["Ñúñez", "王"], 2021, None)]
    target = tmp_path / "back.bib"
    with session_scope(engine) as session:
        write_bibtex(session, target)
    other = open_database(f"sqlite:///{tmp_path / 'other.db'}")
    with session_scope(other, write=True) as session:
        report = load_bib_files(session, [target])
    assert not report.has_errors, [str(d) for d in report.diagnostics]
    assert papers_of(other) == before
    with session_scope(other) as session:
        paper = session.scalars(select(Paper)).one()
        assert (paper.venue, paper.fields["url"]) == (
            "J & P_Q",
            "https://example.org/a_b%20c?x=1&y=2",
        )
