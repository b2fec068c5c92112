"""Every command rendered at 80 columns: no line wider, no citekey or DOI broken across
lines; the trend view stays readable at any span."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import HOSTILE_BIB, Cli
from rich.console import Console
from sqlalchemy import create_engine, select

from survey.cli import render
from survey.db.models import Paper
from survey.shapes import Trend, TrendSection

# Table borders and whitespace: what is left when a table's cells are read as one string.
_LAYOUT = re.compile(r"[\s\u2500-\u257f…]")

COMMANDS = [
    ("taxonomy",),
    ("check",),
    ("query", "show", "RA-CNN"),
    ("query", "show", "DBLP:conf/hostile/DoeS21"),
    ("query", "search", "bilinear"),
    ("query", "search", "fine grained"),
    ("query", "search", "hostile"),
    ("query", "lineage", "lin2015bilinear", "--descendants"),
    ("query", "lineage", "luo2019cross"),
    ("query", "path", "luo2019cross", "lin2015bilinear"),
    ("query", "mainpath"),
    ("query", "mainpath", "--within", "fine-grained"),
    ("query", "top"),
    ("query", "top", "--metric", "pagerank", "--limit", "20"),
    ("query", "related", "RA-CNN"),
    ("query", "trend"),
    ("query", "trend", "--level", "2"),
    ("query", "trend", "--level", "2", "--since", "2015"),
    ("db", "current"),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """One SQLite database for every case (the commands only read it): the bundled survey
    and the hostile entries; with every citekey and DOI in it."""
    folder = tmp_path_factory.mktemp("terminal")
    db = folder / "survey.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COLUMNS", "80")
        built = Cli()("--db", db, "build")
    assert built.exit_code == 0, built.stderr
    assert all(len(line) <= 80 for line in built.stdout.splitlines()), built.stdout
    # The hostile entries next to the bundled ones (StarGAN is in both: left out here).
    text = HOSTILE_BIB.read_text(encoding="utf-8")
    hostile = folder / "hostile.bib"
    hostile.write_text(text[: text.index("@inproceedings{choi2018stargan")], encoding="utf-8")
    loaded = Cli()("--db", db, "load", hostile)
    assert loaded.exit_code == 0, loaded.stderr
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        rows = connection.execute(select(Paper.citekey, Paper.doi)).all()
    engine.dispose()
    return db, sorted({k for k, _ in rows} | {d for _, d in rows if d})


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_every_command_fits_80_columns(
    cli: Cli,
    built: tuple[Path, list[str]],
    command: tuple[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db, keys = built
    monkeypatch.setenv("COLUMNS", "80")  # the shared fixtures render at 200
    result = cli("--db", db, *command)
    assert result.exit_code in (0, 1), result.stderr
    text = result.stdout
    assert text.strip()
    wide = [line for line in text.splitlines() if len(line) > 80]
    assert not wide, wide
    split = split_keys(text, keys)
    assert not split, f"split across lines: {split}\n{text}"


def split_keys(text: str, keys: list[str]) -> list[str]:
    """Keys whose start ends one line's cell and whose rest starts the next line at the same
    column (how a table wraps a cell), or that only appear once the layout is removed."""
    lines = text.splitlines()
    found = []
    squashed = _LAYOUT.sub("", text)
    for key in keys:
        if key in squashed and key not in text:
            found.append(key)
            continue
        for number, line in enumerate(lines[:-1]):
            below = lines[number + 1]
            for cut in range(3, len(key) - 1):
                head, tail = key[:cut], key[cut:]
                start = line.find(head)
                while start != -1:
                    end = start + len(head)
                    if (
                        line[end : end + 1] in ("", " ", "│", "┃")
                        and below[start : start + len(tail)] == tail
                    ):
                        found.append(key)
                        break
                    start = line.find(head, start + 1)
                else:
                    continue
                break
    return sorted(set(found))


def test_split_keys_sees_a_wrapped_cell() -> None:
    table = "│ zheng2019lea │ 2019 │ Learning │\n│ rning        │      │ Deep     │\n"
    assert split_keys(table, ["zheng2019learning", "lin2015bilinear"]) == ["zheng2019learning"]
    assert split_keys("│ zheng2019learning │ 2019 │\n", ["zheng2019learning"]) == []


def test_trend_view_at_80_columns_for_a_30_year_span() -> None:
    years = list(range(1991, 2023))
    counts = [{y: (y * (index + 3)) % 7 for y in years} for index in range(6)]
    sections: list[TrendSection] = [
        {
            "path": f"a-rather-long-top-section-name/sub-{index}",
            "label": f"Sub {index}",
            "counts": per_year,
            "total": sum(per_year.values()),
            "cumulative": {},
            "share_of_parent": None,
            "sparkline": "",
        }
        for index, per_year in enumerate(counts)
    ]
    result: Trend = {
        "level": 2,
        "within": None,
        "years": years,
        "sections": sections,
        "totals": {y: sum(per_year[y] for per_year in counts) for y in years},
        "rising": [],
        "bursts": [],
        "venues": {},
    }
    console = Console(width=80, record=True, color_system=None)
    console.print(render.trend_table(result, 80))
    lines = console.export_text().splitlines()
    assert all(len(line) <= 80 for line in lines)
    header = next(line for line in lines if line.startswith("section"))
    # Years are binned into readable periods: every label whole, the span contiguous.
    labels = header.split()[1:-2]
    assert all(re.fullmatch(r"\d\d-\d\d", label) for label in labels), labels
    assert labels[0].startswith("91-") and labels[-1].endswith("-22"), labels
    assert "…" not in header
    # A cut section name keeps its distinguishing end.
    assert sum("sub-" in line for line in lines) == 6
    total_row = next(line for line in lines if line.startswith("papers (each once)"))
    assert str(sum(sum(per_year.values()) for per_year in counts)) in total_row


def test_periods_are_single_years_when_they_fit() -> None:
    periods = render.year_periods(list(range(2015, 2021)), 120, 30)
    assert periods == [(y, y) for y in range(2015, 2021)]


def test_display_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert render.display_path(tmp_path / "refs.bib") == "refs.bib"
    assert render.display_path("/elsewhere/refs.bib") == "/elsewhere/refs.bib"


@pytest.fixture
def star_survey(tmp_path: Path) -> Path:
    """250 articles without a journal (250 missing-field errors), each citing the first."""
    folder = tmp_path / "star"
    folder.mkdir()
    entries = [
        f"@article{{star{i},\n  author = {{Doe, Jane}},\n  title = {{Star paper {i}}},\n"
        f"  year = {{{2000 + i // 50}}}\n}}\n"
        for i in range(250)
    ]
    (folder / "papers.bib").write_text("\n".join(entries), encoding="utf-8")
    edges = "".join(f"star{i},star0,related,\n" for i in range(1, 250))
    (folder / "citations.csv").write_text("citing,cited,relation,evidence\n" + edges)
    (folder / "notes.md").write_text("# Stars\n\n- [@star0]\n", encoding="utf-8")
    (folder / "survey.toml").write_text(
        'title = "Stars"\nbibliography = ["papers.bib"]\nnotes = "notes.md"\n'
        'citations = ["citations.csv"]\n',
        encoding="utf-8",
    )
    return folder


def test_a_long_check_shows_a_summary_and_the_first_rows(cli: Cli, star_survey: Path) -> None:
    assert cli("build", star_survey).exit_code == 0
    result = cli("check")
    shown = result.stdout
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert "missing-field" in shown and "250" in shown  # the summary per kind
    assert "the first 100 of" in shown and "--all prints every finding" in shown
    listed = {key for key in re.findall(r"star\d+", shown)}
    assert len(listed) < 150
    everything = cli("check", "--all").stdout
    assert "--all prints" not in everything
    assert {f"star{i}" for i in range(250)} <= set(re.findall(r"star\d+", everything))
    rows = cli("check", "--format", "csv").stdout.splitlines()
    assert sum(1 for row in rows if ",missing-field," in row) == 250


def test_a_long_lineage_shows_generations_and_the_first_papers(cli: Cli, star_survey: Path) -> None:
    cli("build", star_survey)
    shown = cli("query", "lineage", "star0", "--descendants").stdout
    assert "249 descendants" in shown and "g1" in shown  # the count per generation
    assert "the first 100 of 249 descendants: --all prints every one" in shown
    everything = cli("query", "lineage", "star0", "--descendants", "--all").stdout
    assert {f"star{i}" for i in range(1, 250)} <= set(re.findall(r"star\d+", everything))
    assert everything.rstrip().endswith("249 descendants")
    rows = cli("query", "lineage", "star0", "--descendants", "--format", "json").stdout
    assert rows.count('"generation": 1') == 249
