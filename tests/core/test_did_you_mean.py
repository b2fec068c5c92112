"""One "did you mean" hint (survey.errors.did_you_mean) for every name that finds nothing:
a key, a taxonomy section, a loaded file, an edge's end, a manifest's key or section."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from survey.db import papers as papers_db
from survey.db import taxonomy as tx
from survey.db.models import Source, TaxonomyNode
from survey.errors import InputFileError, SurveyError, UnknownKeyError, did_you_mean
from survey.ingest import folder as folder_module
from survey.ingest.edges import EdgeNames, NamedEdge, resolve_edges
from survey.ingest.files import match_source
from survey.ingest.load import LoadReport
from survey.sources.manifest import Manifest


@pytest.mark.parametrize(
    ("names", "hint"),
    [
        pytest.param([], None, id="none_close"),
        pytest.param(["fu2017look"], "did you mean fu2017look?", id="one"),
        pytest.param(["a2020", "b2021"], "did you mean a2020, b2021?", id="two"),
    ],
)
def test_did_you_mean(names: list[str], hint: str | None) -> None:
    assert did_you_mean(names) == hint


def test_an_unknown_key_suggests_the_close_keys_or_the_search() -> None:
    assert UnknownKeyError("lin2015", ["lin2015bilinear"]).hint == "did you mean lin2015bilinear?"
    assert UnknownKeyError("zzz", []).hint == "run `survey query search TEXT` to find the key"


def facts(paper_id: int, citekey: str) -> papers_db.PaperFacts:
    return papers_db.PaperFacts(paper_id, citekey, "", 2020, "", False, (), frozenset())


@pytest.mark.parametrize(
    ("cited", "message"),
    [
        pytest.param(
            "lin2015bilinar", "no paper with this key; did you mean lin2015bilinear?", id="close"
        ),
        pytest.param("qqqqqqqq", "no paper with this key", id="nothing_close"),
    ],
)
def test_an_edge_naming_no_paper(cited: str, message: str) -> None:
    names = EdgeNames([facts(1, "fu2017look"), facts(2, "lin2015bilinear")])
    result = resolve_edges([NamedEdge("cites.csv", 3, "fu2017look", cited)], names)
    assert not result.rows
    [found] = result.diagnostics
    assert (found.file, found.line, found.key, found.message) == ("cites.csv", 3, cited, message)


def add_nodes(session: Session, *paths: str) -> None:
    for position, path in enumerate(paths):
        slug = path.rsplit("/", 1)[-1]
        session.add(
            TaxonomyNode(
                path=path,
                slug=slug,
                label=slug.replace("-", " "),
                level=path.count("/") + 1,
                position=position,
                flag="normal",
            )
        )
    session.flush()


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        pytest.param(
            "fine-graned", "did you mean fine-grained, fine-grained/web-data?", id="close"
        ),
        pytest.param("qqqqqqqq", "see survey taxonomy", id="nothing_close"),
    ],
)
def test_a_section_that_is_not_there(session: Session, name: str, hint: str) -> None:
    add_nodes(session, "fine-grained", "fine-grained/web-data", "detection")
    with pytest.raises(SurveyError) as caught:
        tx.find_node(session, name)
    assert (caught.value.message, caught.value.hint) == (f"no taxonomy section {name!r}", hint)


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        pytest.param("papres.bib", "did you mean papers.bib?", id="close"),
        pytest.param("qqqqqqqq.csv", "see survey sources", id="nothing_close"),
    ],
)
def test_a_loaded_file_that_is_not_there(
    session: Session, tmp_path: Path, name: str, hint: str
) -> None:
    session.add(
        Source(
            path="papers.bib",
            location=str(tmp_path / "papers.bib"),
            kind="bib",
            sha256="0" * 64,
            size=0,
            loaded_at=datetime.now(UTC),
        )
    )
    session.flush()
    with pytest.raises(SurveyError) as caught:
        match_source(session, name)
    assert (caught.value.message, caught.value.hint) == (f"no loaded file {name!r}", hint)


def manifest(
    tmp_path: Path,
    text: str,
    aliases: dict[str, str] | None = None,
    curated: dict[str, list[str]] | None = None,
) -> Manifest:
    path, bibliography = tmp_path / "survey.toml", [tmp_path / "papers.bib"]
    found = Manifest(tmp_path, path, "A survey", bibliography, None, text=text)
    found.aliases, found.curated = aliases or {}, curated or {}
    return found


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        pytest.param("wah2011thee", "did you mean wah2011the?", id="close"),
        pytest.param("qqqqqqqq", "add the paper to a .bib file", id="nothing_close"),
    ],
)
def test_a_manifest_key_naming_no_paper(tmp_path: Path, key: str, hint: str) -> None:
    text = f'[aliases]\n"CUB" = "{key}"\n'
    with pytest.raises(InputFileError) as caught:
        folder_module._check_manifest_keys(
            manifest(tmp_path, text, aliases={"CUB": key}), {"wah2011the", "lin2015bilinear"}
        )
    expected = f"{tmp_path / 'survey.toml'}:2: CUB: no paper with key {key!r}"
    assert (caught.value.message, caught.value.hint) == (expected, hint)


@pytest.mark.parametrize(
    ("section", "said"),
    [
        pytest.param(
            "fine-grained/web-dta",
            " (did you mean fine-grained/web-data, fine-grained?)",
            id="close",
        ),
        pytest.param("qqqqqqqq", "", id="nothing_close"),
    ],
)
def test_a_curated_section_missing_from_the_notes(tmp_path: Path, section: str, said: str) -> None:
    text = f'[curated]\n"{section}" = ["wah2011the"]\n'
    curated = manifest(tmp_path, text, curated={section: ["wah2011the"]})
    report = folder_module.BuildReport(curated, LoadReport())
    nodes = {p: TaxonomyNode(path=p) for p in ("fine-grained", "fine-grained/web-data")}
    assert folder_module._tag_curated(curated, nodes, {"wah2011the": 1}, report) == []
    [warning] = report.diagnostics
    assert (warning.file, warning.line, warning.code) == (str(curated.path), 2, "curated-section")
    assert warning.message == (
        f"curated section {section} is not in the notes{said}; its 1 papers are not tagged"
    )
