"""PNG charts for the report (report layer; the only user of matplotlib, an optional extra).

Install with `pip install 'survey-kb[charts]'`. Charts are drawn with the Agg backend at a
fixed size and without timestamps in their metadata, so the same data gives the same
image.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from survey import DISTRIBUTION
from survey.errors import SurveyError
from survey.shapes import Trend

WIDTH_PX, HEIGHT_PX, DPI = 1000, 500, 100
TOP_SECTIONS = 5


def write_charts(trend: Trend, folder: Path) -> list[tuple[str, Path]]:
    """Papers per section per year (stacked bars, every year of the span, the five largest
    sections named and the rest as "other") and the growth of the top sections (cumulative
    lines). Returns (alt text, path) per chart."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise SurveyError(
            "--charts needs matplotlib", f"install it with: pip install '{DISTRIBUTION}[charts]'"
        ) from exc
    folder = folder.expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    years = trend["years"]
    sections = trend["sections"]
    written = []
    colours = [plt.get_cmap("tab20")(index) for index in range(20)]

    figure, axes = plt.subplots(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    # The largest sections get a colour and a legend entry each; the rest stack as one
    # grey "other" bar, so the legend stays readable with many sections.
    top = sorted(sections, key=lambda r: (-r["total"], r["path"]))[:TOP_SECTIONS]
    named = [row for row in sections if row in top]
    rest = [row for row in sections if row not in top]
    stacks = [(row["path"], [row["counts"][y] for y in years]) for row in named]
    if rest:
        others = [sum(row["counts"][y] for row in rest) for y in years]
        stacks.append((f"other ({len(rest)} sections)", others))
    bottom = [0] * len(years)
    for index, (label, values) in enumerate(stacks):
        colour = colours[index % len(colours)] if index < len(named) else (0.7, 0.7, 0.7, 1.0)
        axes.bar([str(y) for y in years], values, bottom=bottom, label=label, color=colour)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    written.append(
        _finish(plt, figure, axes, "Papers per section per year", folder / "papers-per-section.png")
    )

    figure, axes = plt.subplots(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    for row in top:
        axes.plot([str(y) for y in years], [row["cumulative"][y] for y in years], label=row["path"])
    written.append(
        _finish(plt, figure, axes, "Growth of the largest sections", folder / "growth.png")
    )
    return written


def _finish(plt: Any, figure: Any, axes: Any, title: str, path: Path) -> tuple[str, Path]:
    """Title, axis label and legend, then save without a timestamp: (alt text, path)."""
    axes.set_title(title)
    axes.set_ylabel("papers")
    axes.tick_params(axis="x", labelrotation=90)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(fontsize="x-small", loc="upper left")
    figure.tight_layout()
    figure.savefig(path, dpi=DPI, metadata={"Software": None})
    plt.close(figure)
    return title, path
