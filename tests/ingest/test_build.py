"""Building a survey folder: the bundled survey, rebuilds, edits, manual tags, bad manifests."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO
from helpers import Cli
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from survey.db import mentions as mentions_db
from survey.db import papers as papers_module
from survey.db import session_scope
from survey.db import taxonomy as tx
from survey.db.models import Citation, Mention, Paper, Tag, TaxonomyNode
from survey.db.papers import find_paper
from survey.errors import InputFileError
from survey.ingest import folder as folder_module
from survey.ingest.folder import BuildReport, build_survey, open_mention_warning
from survey.sources.notes import load_notes

BUNDLED = REPO / "data" / "valse2020"
SEED = REPO.parent / "shared" / "seed" / "valse2020-notes.md"

EXPECTED_NOTES_TAGS = {
    ("wei2018mask", "fine-grained/localization-classification"),
    ("ding2019selective", "fine-grained/localization-classification"),
    ("liu2020filtration", "fine-grained/localization-classification"),
    ("wang2020graph", "fine-grained/localization-classification"),
    ("wang2020weakly", "fine-grained/localization-classification"),
    ("lin2015bilinear", "fine-grained/end-to-end-encoding"),
    ("zheng2019learning", "fine-grained/end-to-end-encoding"),
    ("luo2019cross", "fine-grained/end-to-end-encoding"),
    ("sun2020fine", "fine-grained/end-to-end-encoding"),
    ("xiong2020fine", "fine-grained/end-to-end-encoding"),
    ("fu2017look", "fine-grained/attention"),
    ("zhang2019learning", "fine-grained/attention"),
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A private copy of the bundled survey, free to edit."""
    return Path(shutil.copytree(BUNDLED, tmp_path / "valse2020"))


def build(engine: Engine, folder: Path, **options: object) -> BuildReport:
    with session_scope(engine, write=True) as session:
        return build_survey(session, folder, **options)  # type: ignore[arg-type]


def tags(engine: Engine, provenance: str | None = None) -> set[tuple[str, str, str, str]]:
    with session_scope(engine) as session:
        query = (
            select(Paper.citekey, TaxonomyNode.path, Tag.provenance, Tag.annotation)
            .join(Tag, Tag.paper_id == Paper.id)
            .join(TaxonomyNode, Tag.node_id == TaxonomyNode.id)
        )
        if provenance:
            query = query.where(Tag.provenance == provenance)
        return {tuple(row) for row in session.execute(query)}  # type: ignore[misc]


def state(session: Session) -> tuple[object, ...]:
    nodes = sorted(
        (n.path, n.label, n.flag, n.position, n.id) for n in session.scalars(select(TaxonomyNode))
    )
    mentions = sorted((m.line, m.status, m.paper_id) for m in session.scalars(select(Mention)))
    return nodes, mentions


def test_bundled_survey_builds_completely(engine: Engine, folder: Path) -> None:
    report = build(engine, folder)
    assert not report.has_errors, report.all_diagnostics
    assert (report.mentions, report.resolved, report.unresolved, report.ambiguous) == (12, 12, 0, 0)
    assert report.load.total("added") >= 60
    notes_tags = {(key, path) for key, path, _, _ in tags(engine, "notes")}
    assert notes_tags == EXPECTED_NOTES_TAGS
    annotations = {key: note for key, _, _, note in tags(engine, "notes") if note}
    assert annotations == {
        "sun2020fine": "通过 diversification block 使网络聚焦在易错分的类别上",
        "xiong2020fine": "细粒度图像的GAN",
    }
    with session_scope(engine) as session:
        flags = {n.path: n.flag for n in session.scalars(select(TaxonomyNode))}
        counts = tx.tag_counts(session)
        curated = {
            n.path: counts[n.id].curated
            for n in session.scalars(select(TaxonomyNode))
            if n.id in counts
        }
    assert flags["gan/problems/noise-to-image"] == "images-only"
    assert flags["fine-grained/datasets"] == "empty"
    assert flags["self-supervised"] == "normal"
    for path in [
        "gan/background",
        "gan/problems/noise-to-image",
        "gan/problems/image-to-image",
        "gan/problems/2d-to-3d",
        "gan/problems/text-to-3d",
        "gan/problems/image-to-video",
        "gan/problems/video-to-video",
        "gan/problems/text-to-video",
        "gan/challenges",
        "gan/speaker-work",
        "fine-grained/contrastive",
        "fine-grained/web-data",
        "fine-grained/limited-data",
        "fine-grained/datasets",
        "self-supervised/pretext-tasks",
        "self-supervised/contrastive-learning",
    ]:
        assert curated.get(path, 0) >= 3, path


def test_rebuild_changes_nothing(engine: Engine, folder: Path) -> None:
    build(engine, folder)
    with session_scope(engine) as session:
        before = state(session)
    first = tags(engine)
    report = build(engine, folder)
    assert report.load.total("unchanged") == report.load.total("added") + 81
    assert tags(engine) == first
    with session_scope(engine) as session:
        assert state(session) == before


def test_editing_the_notes_moves_tags_and_keeps_manual_ones(engine: Engine, folder: Path) -> None:
    build(engine, folder)
    with session_scope(engine, write=True) as session:
        paper = find_paper(session, "RA-CNN")
        tx.add_tag(
            session, paper, tx.find_node(session, "fine-grained/attention"), tx.MANUAL, "zoom"
        )
        tx.add_tag(session, paper, tx.find_node(session, "fine-grained/contrastive"), tx.MANUAL)
    notes = folder / "notes.md"
    text = notes.read_text(encoding="utf-8")
    # RA-CNN moves from attention to end-to-end encoding; Mask-CNN's bullet goes away.
    text = text.replace("- look closer to see better (CVPR2017)\n", "")
    text = text.replace(
        "- Bilinear CNN\n", "- Bilinear CNN\n- look closer to see better (CVPR2017)\n"
    )
    text = text.replace("- Mask-CNN (Xiushen Wei)\n", "")
    notes.write_text(text, encoding="utf-8")
    build(engine, folder)
    notes_tags = {(k, p) for k, p, _, _ in tags(engine, "notes")}
    assert ("fu2017look", "fine-grained/end-to-end-encoding") in notes_tags
    assert ("fu2017look", "fine-grained/attention") not in notes_tags
    assert not any(k == "wei2018mask" for k, _ in notes_tags)
    assert {(k, p, a) for k, p, _, a in tags(engine, "manual")} == {
        ("fu2017look", "fine-grained/attention", "zoom"),
        ("fu2017look", "fine-grained/contrastive", ""),
    }
    assert len(notes_tags) == 11


def test_manual_tag_on_a_removed_section_keeps_it_as_orphaned(engine: Engine, folder: Path) -> None:
    build(engine, folder)
    with session_scope(engine, write=True) as session:
        paper = find_paper(session, "B-CNN")
        tx.add_tag(session, paper, tx.find_node(session, "fine-grained/web-data"), tx.MANUAL)
    notes = folder / "notes.md"
    notes.write_text(
        notes.read_text(encoding="utf-8").replace("## 5. Recognition with web data\n", "")
    )
    report = build(engine, folder)
    assert report.orphaned == 1
    assert any("kept as orphaned" in d.message for d in report.diagnostics)
    assert any(
        "curated section fine-grained/web-data is not in the notes" in d.message
        for d in report.diagnostics
    )
    with session_scope(engine) as session:
        node = session.scalar(
            select(TaxonomyNode).where(TaxonomyNode.path == "fine-grained/web-data")
        )
        assert node is not None and node.flag == "orphaned"


@pytest.mark.skipif(not SEED.exists(), reason="the shared seed notes are not checked out here")
def test_the_seed_notes_give_the_same_fine_grained_tags(engine: Engine, folder: Path) -> None:
    report = build(engine, folder, notes_path=SEED)
    assert report.resolved == 12 and report.unresolved == 0
    notes_tags = {(k, p) for k, p, _, _ in tags(engine, "notes")}
    assert notes_tags == EXPECTED_NOTES_TAGS


def test_unresolved_mention_is_reported_with_candidates(engine: Engine, folder: Path) -> None:
    notes = folder / "notes.md"
    text = notes.read_text(encoding="utf-8")
    notes.write_text(
        text.replace(
            "- Bilinear CNN\n",
            "- Bilinear CNN\n- learning deep bilinear transformation for images (NIPS2017)\n",
        ),
        encoding="utf-8",
    )
    report = build(engine, folder)
    assert report.unresolved + report.ambiguous == 1
    (open_mention,) = report.open_mentions
    warning = open_mention_warning(open_mention)
    assert warning.line is not None and "cite it as [@key]" in warning.message
    with session_scope(engine) as session:
        (mention,) = mentions_db.open_mentions(session)
        assert mention.paper_id is None
        assert len(mention.candidates) <= 3


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        pytest.param(lambda t: "wat = 1\n" + t, "unknown setting 'wat'", id="unknown_setting"),
        pytest.param(
            lambda t: t.replace('notes = "notes.md"', 'notes = "nope.md"'),
            "nope.md: no such file",
            id="missing_notes",
        ),
        pytest.param(lambda t: t.replace("[slugs]", "[slugs"), "not valid TOML", id="bad_toml"),
        pytest.param(
            lambda t: t.replace('"wah2011the"', '"wah2011thee"'),
            "no paper with key 'wah2011thee'",
            id="unknown_curated_key",
        ),
        pytest.param(
            lambda t: t.replace('= "lin2015bilinear"', '= "lin2015"'),
            "Bilinear CNN: no paper with key 'lin2015'",
            id="unknown_alias_key",
        ),
        pytest.param(
            lambda t: t.replace(
                'bibliography = ["papers.bib", "curated.bib"]', "bibliography = []"
            ),
            "must list at least one .bib file",
            id="no_bibliography",
        ),
    ],
)
def test_bad_manifest(engine: Engine, folder: Path, edit: object, message: str) -> None:
    manifest = folder / "survey.toml"
    manifest.write_text(edit(manifest.read_text(encoding="utf-8")), encoding="utf-8")  # type: ignore[operator]
    with pytest.raises(InputFileError, match=message.replace("[", r"\[").replace(".", r"\.")):
        build(engine, folder)
    with session_scope(engine) as session:
        assert session.scalar(select(Paper.id)) is None


def test_folder_without_manifest(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"survey\.toml: no such file"):
        build(engine, tmp_path)


def test_cli_build_taxonomy_and_tags(cli: Cli, folder: Path) -> None:
    built = cli("build", folder)
    assert built.exit_code == 0, built.stderr
    assert "12 resolved, 0 ambiguous, 0 unresolved" in built.stdout
    tree = cli("taxonomy")
    assert tree.exit_code == 0
    assert "3. By leveraging attention mechanisms" in tree.stdout and "[images-only]" in tree.stdout
    import json

    data = json.loads(cli("taxonomy", "--format", "json").stdout)
    assert [n["path"] for n in data] == ["gan", "fine-grained", "self-supervised"]
    assert cli("tag", "add", "ra-cnn", "contrastive", "--note", "why").exit_code == 0
    again = cli("tag", "add", "ra-cnn", "contrastive")
    assert "already has a manual tag" in again.stdout
    shown = json.loads(cli("query", "show", "RA-CNN", "-f", "json").stdout)
    assert {(s["path"], s["provenance"]) for s in shown["sections"]} == {
        ("fine-grained/attention", "notes"),
        ("fine-grained/contrastive", "manual"),
    }
    assert cli("tag", "rm", "ra-cnn", "fine-grained/contrastive").exit_code == 0
    missing = cli("tag", "rm", "ra-cnn", "fine-grained/contrastive")
    assert missing.exit_code == 1 and "has no manual tag" in missing.stderr
    unknown = cli("tag", "add", "ra-cnn", "no-such-section")
    assert unknown.exit_code == 1 and "no taxonomy section 'no-such-section'" in unknown.stderr
    csv_out = cli("taxonomy", "-f", "csv").stdout.splitlines()
    assert csv_out[0].startswith("path,label,level,flag")


def test_cli_build_bad_folder(cli: Cli, tmp_path: Path) -> None:
    result = cli("build", tmp_path / "nowhere")
    assert result.exit_code == 1
    assert "no such folder" in result.stderr


def test_taxonomy_before_any_build(cli: Cli) -> None:
    assert cli("db", "upgrade").exit_code == 0  # an empty database, nothing built
    result = cli("taxonomy")
    assert result.exit_code == 0 and "no taxonomy yet" in result.stdout


def edge_rows(engine: Engine) -> dict[tuple[int, int], tuple[int, str, str]]:
    with session_scope(engine) as session:
        rows = session.execute(
            select(Citation.citing_id, Citation.cited_id, Citation.id, Citation.relation).where(
                Citation.origin == "file"
            )
        )
        return {(a, b): (edge_id, relation, "") for a, b, edge_id, relation in rows}


def test_unchanged_citations_file_is_not_read_again(
    engine: Engine, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build(engine, folder)
    before = edge_rows(engine)
    assert len(before) == 161

    def refuse(*_args: object) -> object:
        raise AssertionError("the unchanged citations file was read again")

    monkeypatch.setattr(folder_module, "read_citations", refuse)
    again = build(engine, folder)
    assert (again.edges, again.suspect_edges) == (first.edges, first.suspect_edges)
    assert edge_rows(engine) == before


def test_edited_citations_file_updates_only_the_changed_edges(engine: Engine, folder: Path) -> None:
    build(engine, folder)
    before = edge_rows(engine)
    path = folder / "citations.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    edges = [i for i, line in enumerate(lines) if line.count(",") >= 3 and line[0] != "#"][1:]
    first, second = edges[0], edges[1]
    citing, cited, relation, evidence = lines[first].rstrip("\n").split(",", 3)
    new_relation = "extends" if relation != "extends" else "baseline"
    lines[first] = f"{citing},{cited},{new_relation},{evidence}\n"
    del lines[second]
    path.write_text("".join(lines), encoding="utf-8")
    with session_scope(engine) as session:
        ids = {p.citekey: p.id for p in session.scalars(select(Paper))}
    changed = (ids[citing], ids[cited])
    report = build(engine, folder)
    after = edge_rows(engine)
    assert report.edges == 160
    assert len(after) == 160
    assert after[changed][1] == new_relation
    assert after[changed][0] == before[changed][0]  # updated in place
    kept = {pair: row for pair, row in before.items() if pair in after and pair != changed}
    assert kept == {pair: after[pair] for pair in kept}  # the others untouched
    assert len(kept) == 159


def test_citations_file_with_errors_is_read_on_every_build(engine: Engine, folder: Path) -> None:
    with (folder / "citations.csv").open("a", encoding="utf-8") as out:
        out.write("zheng2019learning,nosuchpaper2020,related,\n")
    for _ in range(2):
        report = build(engine, folder)
        assert [d.key for d in report.all_diagnostics if d.is_error] == ["nosuchpaper2020"]


def test_an_edited_year_flags_the_edges_of_an_unchanged_citations_file(
    engine: Engine, folder: Path
) -> None:
    build(engine, folder)
    bib = folder / "curated.bib"
    text = bib.read_text(encoding="utf-8")
    start = text.index("{wah2011the,")
    entry = text[start : text.index("\n}", start)]
    assert "2011" in entry
    edited = re.sub(r"year(\s*)= \{2011\}", r"year\1= {2025}", entry)
    assert edited != entry
    bib.write_text(text.replace(entry, edited), encoding="utf-8")
    report = build(engine, folder)
    flagged = [
        d.key
        for d in report.all_diagnostics
        if d.code == "suspect-edge" and "wah2011the" in d.message
    ]
    assert "zheng2019learning" in flagged
    with session_scope(engine) as session:
        ids = {p.citekey: p.id for p in session.scalars(select(Paper))}
        suspect = session.scalar(
            select(Citation.suspect).where(
                Citation.citing_id == ids["zheng2019learning"],
                Citation.cited_id == ids["wah2011the"],
                Citation.origin == "file",
            )
        )
    assert suspect is True


def summary(report: BuildReport) -> tuple[object, ...]:
    return (
        report.nodes,
        report.mentions,
        report.resolved,
        report.ambiguous,
        report.unresolved,
        report.notes_tags,
        report.curated_tags,
        report.manual_tags,
        report.edges,
        report.open_mentions,
        [(d.file, d.line, d.key, d.message) for d in report.all_diagnostics],
    )


def test_unchanged_notes_are_not_parsed_again_and_report_the_same(
    engine: Engine, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (folder / "notes.md").open("a", encoding="utf-8") as out:
        out.write("\n- A Survey Of Nothing That Exists (2031)\n")  # an open mention
    first = build(engine, folder)
    assert first.unresolved == 1
    with session_scope(engine) as session:
        before = state(session)
    first_tags = tags(engine)

    def refuse(*_args: object, **_options: object) -> object:
        raise AssertionError("the unchanged notes were parsed again")

    monkeypatch.setattr(folder_module, "load_notes", refuse)
    again = build(engine, folder)
    assert summary(again) == summary(first)
    assert tags(engine) == first_tags
    with session_scope(engine) as session:
        assert state(session) == before


def test_an_unchanged_rebuild_reads_no_paper_facts(
    engine: Engine, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build(engine, folder)

    def refuse(*_args: object, **_options: object) -> object:
        raise AssertionError("an unchanged rebuild normalised every paper again")

    monkeypatch.setattr(papers_module, "paper_facts", refuse)
    assert summary(build(engine, folder)) == summary(first)


def test_an_author_change_builds_the_notes_again_but_not_the_citations(
    engine: Engine, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build(engine, folder)
    bib = folder / "papers.bib"
    text = bib.read_text(encoding="utf-8")
    assert "Wei, Xiu-Shen and Xie, Chen-Wei" in text
    bib.write_text(
        text.replace("Wei, Xiu-Shen and Xie, Chen-Wei", "Wei, Xiu-Shen and Xia, Chen-Wei")
    )
    parsed: list[Path] = []

    def counted(path: Path, *args: object, **options: object) -> object:
        parsed.append(path)
        return load_notes(path, *args, **options)  # type: ignore[arg-type]

    def refuse(*_args: object) -> object:
        raise AssertionError("the citations file was read again for an author's name")

    monkeypatch.setattr(folder_module, "load_notes", counted)
    monkeypatch.setattr(folder_module, "read_citations", refuse)
    again = build(engine, folder)
    assert parsed == [folder / "notes.md"]  # mentions read authors: resolved again
    assert summary(again)[:-1] == summary(first)[:-1]


def test_notes_are_built_again_when_they_or_the_papers_change(engine: Engine, folder: Path) -> None:
    notes = folder / "notes.md"
    with notes.open("a", encoding="utf-8") as out:
        out.write("\n- Wholly Invented Benchmark Paper (2031)\n")
    assert build(engine, folder).unresolved == 1
    with (folder / "papers.bib").open("a", encoding="utf-8") as out:
        out.write(
            "\n@article{invented2031,\n  title = {Wholly Invented Benchmark Paper},\n"
            "  author = {Doe, Jane},\n  journal = {Nowhere},\n  year = {2031}\n}\n"
        )
    added = build(engine, folder)  # the notes are the same; the papers are not
    assert added.unresolved == 0
    assert ("invented2031", "") in {(k, n) for k, _, _, n in tags(engine, "notes")}
    notes.write_text(notes.read_text(encoding="utf-8").replace("Wholly Invented", "Some"))
    edited = build(engine, folder)
    assert edited.unresolved == 1
    assert "invented2031" not in {k for k, _, _, _ in tags(engine, "notes")}
