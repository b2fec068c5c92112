"""The citation graph against the taxonomy: `survey query clusters`, `survey suggest`
(and `suggest accept`), discover's suggested section, the clusters in the exports.

Run on PostgreSQL too (SURVEY_TEST_BACKEND=postgresql): the clusters and suggestions of
the bundled survey must equal tests/golden/valse2020-clusters.json on both databases.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from conftest import REPO, TESTS
from helpers import Cli
from sqlalchemy import Engine

from survey.db import session_scope
from survey.errors import SurveyError
from survey.export import collect
from survey.graph import clusters as cl
from survey.graph.communities import canonical, leiden
from survey.graph.textstats import adjusted_mutual_information, distinctive_words
from survey.ingest.folder import build_survey
from survey.review import suggest
from survey.review.suggest import pointed_section

BUNDLED = REPO / "data" / "valse2020"
GOLDEN = TESTS / "golden" / "valse2020-clusters.json"


def copy_bundled(tmp_path: Path) -> Path:
    folder = tmp_path / "survey"
    shutil.copytree(BUNDLED, folder)
    return folder


def build(engine: Engine, folder: Path) -> None:
    with session_scope(engine, write=True) as session:
        build_survey(session, folder)


@pytest.fixture
def bundled(engine: Engine, tmp_path: Path) -> tuple[Engine, Path]:
    folder = copy_bundled(tmp_path)
    build(engine, folder)
    return engine, folder


def outcome(engine: Engine, **options: Any) -> dict[str, Any]:
    with session_scope(engine) as session:
        found = suggest.suggest(session, **options)
        clusters = cl.clusters(session, **options)
    return {
        "clusters": clusters,
        "suggest": found.as_list(),
        "agreement": found.agreement,
        "agreeing": [found.agreeing, found.papers_compared],
    }


# ---- planted partitions ------------------------------------------------------------


def planted(groups: int, size: int, inside: float, outside: float, seed: int) -> nx.Graph:
    return nx.planted_partition_graph(groups, size, inside, outside, seed=seed)


@pytest.mark.parametrize(
    ("groups", "size", "inside", "outside", "least"),
    [
        pytest.param(4, 50, 0.2, 0.01, 0.95, id="four_clear_groups"),
        pytest.param(8, 40, 0.25, 0.02, 0.9, id="eight_groups"),
        pytest.param(5, 60, 0.1, 0.02, 0.6, id="noisy_groups"),
    ],
)
def test_planted_partitions_are_recovered(
    groups: int, size: int, inside: float, outside: float, least: float
) -> None:
    """Random graphs with known communities: Leiden over the weighted graph (citations
    in a random direction, plus coupling and co-citation) finds them within the stated
    adjusted mutual information."""
    graph = planted(groups, size, inside, outside, seed=7)
    rng = random.Random(7)
    edges = [(a, b) if rng.random() < 0.5 else (b, a) for a, b in sorted(graph.edges)]
    nodes = groups * size
    cites, weights = cl.weigh(nodes, [a for a, _ in edges], [b for _, b in edges])
    found = cl.Structure([f"p{i:04d}" for i in range(nodes)], list(range(nodes)), cites, weights)
    membership = cl.detect(found)
    truth = [node // size for node in range(nodes)]
    assert all(m is not None for m in membership)
    score = adjusted_mutual_information([m or 0 for m in membership], truth)
    assert score >= least, score


def test_communities_are_numbered_by_size_then_first_node() -> None:
    assert canonical([5, 5, 2, 9, 9, 9]) == [1, 1, 2, 0, 0, 0]
    assert leiden(0, [], [], []) == []
    # Two triangles joined by one edge: two communities, each paper without links alone.
    first, second = [0, 1, 0, 3, 4, 3, 2], [1, 2, 2, 4, 5, 5, 3]
    membership = leiden(7, first, second, [1.0] * 7)
    assert membership[:3] == [0, 0, 0] and membership[3:6] == [1, 1, 1]
    assert membership[6] == 2


def test_weights_follow_the_documented_rule() -> None:
    # 0 and 1 both cite 2 (coupled, 1/(2-1) = 1); 3 cites 0 and 1 (co-cited, 1/(2-1) = 1)
    # and 0 -> 1 is a direct citation.
    cites, weights = cl.weigh(4, [0, 1, 3, 3, 0, 0], [2, 2, 0, 1, 1, 0])
    dense = weights.toarray()
    assert dense[0, 1] == dense[1, 0] == pytest.approx(1.0 + 1.0 + 1.0)
    assert dense[0, 2] == 1.0  # a direct citation only
    assert dense[3, 0] == 2.0  # 3 cites 0, and both cite 1 (coupled, 1/(2-1))
    assert dense[0, 0] == 0.0  # the self-citation is dropped
    assert cites.nnz == 5


def test_resolution_and_level_are_checked(bundled: tuple[Engine, Path]) -> None:
    engine, _ = bundled
    with session_scope(engine) as session:
        with pytest.raises(SurveyError, match="--resolution must be above 0"):
            cl.clusters(session, resolution=0)
        with pytest.raises(SurveyError, match="--level must be at least 1"):
            suggest.suggest(session, level=0)
        finer = cl.clusters(session, resolution=3.0)
        coarse = cl.clusters(session, resolution=1.0)
    assert len(finer["clusters"]) > len(coarse["clusters"])


# ---- the bundled survey ------------------------------------------------------------


def test_the_bundled_survey_stays_quiet_and_matches_its_golden(
    bundled: tuple[Engine, Path],
) -> None:
    """No false alarms on the bundled survey at the top level; the same clusters and
    suggestions on every run and on both databases (the golden file)."""
    engine, _ = bundled
    first = outcome(engine)
    assert outcome(engine) == first
    assert first["suggest"] == []
    assert first["agreeing"] == [71, 74]
    clusters = first["clusters"]
    assert clusters["papers"] == 81 and clusters["citations"] == 161
    labels = {c["cluster"]: c["label"] for c in clusters["clusters"]}
    assert {"adversarial", "generative"} <= set(labels[0])
    assert {"fine", "grained"} <= set(labels[1])
    assert "contrastive" in labels[2]
    text = json.dumps(first, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("SURVEY_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_level_two_names_the_subsections_one_cluster_holds(bundled: tuple[Engine, Path]) -> None:
    engine, _ = bundled
    with session_scope(engine) as session:
        found = suggest.suggest(session, level=2)
    assert [(f["kind"], f["section"], f["with"]) for f in found.sections] == [
        ("merge", "self-supervised/pretext-tasks", ["self-supervised/contrastive-learning"])
    ]


# Curated papers moved to a wrong top-level section in the copy's survey.toml.
PLANTED = {
    "isola2017image": ("gan/problems/image-to-image", "self-supervised/pretext-tasks"),
    "he2020momentum": ("self-supervised/contrastive-learning", "gan/challenges"),
    "krause2013d": ("fine-grained/datasets", "self-supervised/contrastive-learning"),
    "arjovsky2017wasserstein": ("gan/challenges", "fine-grained/datasets"),
    "karras2019a": ("gan/problems/noise-to-image", "fine-grained/web-data"),
    "dubey2018pairwise": ("fine-grained/contrastive", "gan/background"),
}


def misfile(folder: Path, moves: dict[str, tuple[str, str]]) -> None:
    manifest = folder / "survey.toml"
    text = manifest.read_text(encoding="utf-8")
    for key, (_, wrong) in moves.items():
        text = re.sub(rf'"{key}", |, "{key}"', "", text, count=1)
        text = text.replace(f'"{wrong}" = [', f'"{wrong}" = ["{key}", ', 1)
    manifest.write_text(text, encoding="utf-8")
    curated = tomllib.loads(text)["curated"]
    for key, (right, wrong) in moves.items():
        assert key in curated[wrong] and key not in curated[right]


def test_misfiled_papers_are_flagged_with_the_right_section(engine: Engine, tmp_path: Path) -> None:
    """Recall on papers deliberately misfiled: each flagged, suggested under its true
    section, from neighbours filed there; nothing else flagged."""
    folder = copy_bundled(tmp_path)
    misfile(folder, PLANTED)
    build(engine, folder)
    with session_scope(engine) as session:
        found = suggest.suggest(session)
    flagged = {s["citekey"]: s for s in found.suggestions}
    recall = sum(
        1
        for key, (right, _) in PLANTED.items()
        if key in flagged and flagged[key]["suggested"].split("/")[0] == right.split("/")[0]
    ) / len(PLANTED)
    assert recall == 1.0
    assert set(flagged) == set(PLANTED)
    for key, (right, wrong) in PLANTED.items():
        item = flagged[key]
        top = right.split("/")[0]
        assert item["kind"] == "misfiled" and item["sections"] == [wrong]
        assert item["confidence"] >= suggest.MISFILED_CONFIDENCE
        assert item["why"] and all(n["section"].startswith(top + "/") for n in item["why"])
        assert any(n["relation"] in ("cites", "cited by") for n in item["why"])
    # pix2pix goes back down to the subsection its neighbours are filed in.
    assert flagged["isola2017image"]["suggested"].startswith("gan/problems")


def test_a_paper_in_no_section_gets_one(engine: Engine, tmp_path: Path) -> None:
    folder = copy_bundled(tmp_path)
    manifest = folder / "survey.toml"
    text = manifest.read_text(encoding="utf-8").replace('"he2020momentum", ', "")
    manifest.write_text(text, encoding="utf-8")
    build(engine, folder)
    with session_scope(engine) as session:
        found = suggest.suggest(session)
    assert [(s["kind"], s["citekey"], s["sections"]) for s in found.suggestions] == [
        ("unfiled", "he2020momentum", [])
    ]
    assert found.suggestions[0]["suggested"] == "self-supervised/contrastive-learning"


def test_no_citations_says_so_and_suggests_nothing(
    engine: Engine, tmp_path: Path, cli: Cli
) -> None:
    folder = copy_bundled(tmp_path)
    manifest = folder / "survey.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace('citations = ["citations.csv"]\n', ""),
        encoding="utf-8",
    )
    build(engine, folder)
    result = outcome(engine)
    assert result["suggest"] == [] and result["agreement"] is None
    assert result["clusters"]["clusters"] == [] and result["clusters"]["citations"] == 0
    assert "no citations among these papers" in cli("suggest").stdout
    assert "no citations among these papers" in cli("query", "clusters").stdout
    with session_scope(engine) as session:
        from survey.report import build_report, render_markdown

        text = render_markdown(build_report(session))
    assert "Where the citations disagree" not in text


def test_every_paper_in_one_section_is_a_split(engine: Engine, tmp_path: Path) -> None:
    """One section holding all three topics: no paper is misfiled (there is nowhere
    else), and the section is named as split over the clusters."""
    folder = tmp_path / "one"
    folder.mkdir()
    for name in ("papers.bib", "curated.bib", "citations.csv"):
        shutil.copy(BUNDLED / name, folder / name)
    keys = sorted(
        set(re.findall(r"^@\w+\{([^,]+),", (folder / "papers.bib").read_text("utf-8"), re.M))
        | set(re.findall(r"^@\w+\{([^,]+),", (folder / "curated.bib").read_text("utf-8"), re.M))
    )
    (folder / "notes.md").write_text("# Everything\n\nAll the papers.\n", encoding="utf-8")
    (folder / "survey.toml").write_text(
        'title = "One section"\nbibliography = ["papers.bib", "curated.bib"]\n'
        'notes = "notes.md"\ncitations = ["citations.csv"]\n\n[curated]\n'
        f'"everything" = {json.dumps(keys)}\n',
        encoding="utf-8",
    )
    build(engine, folder)
    with session_scope(engine) as session:
        found = suggest.suggest(session)
    assert found.suggestions == []
    assert [(f["kind"], f["section"]) for f in found.sections] == [("split", "everything")]
    assert len(found.sections[0]["with"]) >= 2


# ---- suggest accept -----------------------------------------------------------------


def test_accept_writes_curated_through_the_manifest_writer(
    bundled: tuple[Engine, Path], cli: Cli
) -> None:
    engine, folder = bundled
    manifest = folder / "survey.toml"
    before = manifest.read_text(encoding="utf-8")
    notes = (folder / "notes.md").read_bytes()
    result = cli("suggest", "accept", "vanhorn2018the", "self-supervised/contrastive-learning")
    assert result.exit_code == 0, result.stderr
    assert "added 'vanhorn2018the'" in result.stdout
    after = manifest.read_text(encoding="utf-8")
    # Every line kept (comments included); only the section's list grew.
    assert tomllib.loads(after)["curated"]["self-supervised/contrastive-learning"][-1] == (
        "vanhorn2018the"
    )
    assert [line for line in before.splitlines() if line.startswith("#")] == [
        line for line in after.splitlines() if line.startswith("#")
    ]
    assert (folder / "notes.md").read_bytes() == notes
    again = cli("suggest", "accept", "vanhorn2018the", "contrastive-learning")
    assert "already files vanhorn2018the" in again.stdout
    assert manifest.read_text(encoding="utf-8") == after
    build(engine, folder)
    with session_scope(engine) as session:
        data = collect.export_data(session)
    paper = next(p for p in data["papers"] if p["key"] == "vanhorn2018the")
    assert {s["path"] for s in paper["sections"]} >= {"self-supervised/contrastive-learning"}


@pytest.mark.parametrize(
    ("args", "edit", "message"),
    [
        pytest.param(["nosuchkey", "gan"], None, "no paper with key", id="unknown_key"),
        pytest.param(
            ["wah2011the", "no-such-section"], None, "no taxonomy section", id="unknown_section"
        ),
        pytest.param(
            ["wah2011the", "gan/background"],
            '"gan/background" = "kingma2014auto"',
            "must be a list of citekeys",
            id="curated_entry_not_a_list",
        ),
        pytest.param(
            ["wah2011the", "gan/background"], "title = [broken", "not valid TOML", id="bad_toml"
        ),
    ],
)
def test_accept_refuses_bad_input_and_writes_nothing(
    bundled: tuple[Engine, Path], cli: Cli, args: list[str], edit: str | None, message: str
) -> None:
    _, folder = bundled
    manifest = folder / "survey.toml"
    if edit is not None:
        text = manifest.read_text(encoding="utf-8")
        if edit.startswith("title"):
            text = edit + "\n" + text
        else:
            text = re.sub(r'^"gan/background" = \[.*\]$', edit, text, count=1, flags=re.M)
        manifest.write_text(text, encoding="utf-8")
    before = manifest.read_bytes()
    result = cli("suggest", "accept", *args)
    assert result.exit_code == 1
    assert message in result.stderr.lower() or message in result.stderr
    assert manifest.read_bytes() == before


def test_accept_without_a_survey_folder(engine: Engine, cli: Cli) -> None:
    from survey.ingest.load import load_bib_files

    with session_scope(engine, write=True) as session:
        load_bib_files(session, [BUNDLED / "papers.bib"])
    result = cli("suggest", "accept", "lin2015bilinear", "gan")
    assert result.exit_code == 1
    assert "not built from a survey folder" in result.stderr


# ---- the command line, discover, the exports ---------------------------------------------


def test_cli_prints_clusters_and_suggestions(bundled: tuple[Engine, Path], cli: Cli) -> None:
    shown = cli("query", "clusters")
    assert shown.exit_code == 0
    assert "cluster 0" in shown.stdout and "adjusted mutual information" in shown.stdout
    data = json.loads(cli("query", "clusters", "--format", "json").stdout)
    assert data["agreement"] == pytest.approx(0.7453)
    within = json.loads(cli("query", "clusters", "--within", "gan", "--format", "json").stdout)
    assert within["within"] == "gan" and within["level"] == 2
    assert json.loads(cli("suggest", "--format", "json").stdout) == []
    listed = json.loads(cli("suggest", "--level", "2", "--format", "json").stdout)
    assert listed[0]["kind"] == "merge" and listed[0]["with"] == [
        "self-supervised/contrastive-learning"
    ]
    assert "71 of 74 papers agree" in " ".join(cli("suggest").stdout.split())
    bad = cli("query", "clusters", "--within", "no-such-section")
    assert bad.exit_code == 1 and "no-such-section" in bad.stderr


def test_misfiled_json_has_the_documented_fields(engine: Engine, tmp_path: Path, cli: Cli) -> None:
    folder = copy_bundled(tmp_path)
    misfile(folder, {"isola2017image": PLANTED["isola2017image"]})
    build(engine, folder)
    (item,) = json.loads(cli("suggest", "--format", "json").stdout)
    assert {"citekey", "sections", "suggested", "confidence", "why"} <= set(item)
    assert item["citekey"] == "isola2017image"
    assert {"citekey", "relation", "section", "weight"} == set(item["why"][0])
    text = " ".join(cli("suggest").stdout.split())
    assert "isola2017image (misfiled: self-supervised/pretext-tasks) -> gan/" in text


def test_discover_points_a_missing_work_to_the_citing_papers_section() -> None:
    filed = {
        "a": ["gan/background"],
        "b": ["gan/problems/noise-to-image"],
        "c": ["gan/problems/noise-to-image", "fine-grained/datasets"],
        "d": [],
    }
    order = ["gan", "gan/background", "gan/problems", "gan/problems/noise-to-image"]
    order += ["fine-grained", "fine-grained/datasets"]
    pointed = pointed_section([(filed[k], 1.0) for k in "abcd"], order)
    # gan 2.5 of 3: and inside it noise-to-image holds 1.5 of 2.5.
    assert pointed is not None
    assert pointed[0] == "gan/problems/noise-to-image"
    assert pointed[1] == pytest.approx(0.833, abs=1e-3)
    assert pointed_section([(filed["d"], 1.0)], order) is None


def test_exports_carry_each_papers_cluster_only_when_asked(
    bundled: tuple[Engine, Path], cli: Cli, tmp_path: Path
) -> None:
    engine, _ = bundled
    with session_scope(engine) as session:
        plain = collect.export_data(session)
        with_clusters = collect.export_data(session, clusters=True)
        expected = cl.paper_clusters(session)
    assert all("cluster" not in p for p in plain["papers"])
    assert {p["key"]: p["cluster"] for p in with_clusters["papers"]} == expected
    out = tmp_path / "g.graphml"
    assert cli("export", "graphml", out, "--clusters").exit_code == 0
    graph = nx.read_graphml(out)
    found = {d["citekey"]: d.get("cluster") for _, d in graph.nodes(data=True)}
    assert found == expected
    plain_out = tmp_path / "p.graphml"
    assert cli("export", "graphml", plain_out).exit_code == 0
    assert 'attr.name="cluster"' not in plain_out.read_text(encoding="utf-8")
    gexf = tmp_path / "g.gexf"
    assert cli("export", "gexf", gexf, "--clusters").exit_code == 0
    read = nx.read_gexf(gexf)
    assert {n: d.get("cluster") for n, d in read.nodes(data=True)} == expected
    refused = cli("export", "bib", tmp_path / "x.bib", "--clusters")
    assert refused.exit_code == 2 and "--clusters" in refused.stderr


def test_labels_are_distinctive_words() -> None:
    words = distinctive_words(
        ["adversarial generative networks gans", "bird species fine grained", "1 2 3"], 2
    )
    assert words[0] == ["adversarial", "gans"] and words[2] == []
    assert distinctive_words(["", ""]) == [[], []]
