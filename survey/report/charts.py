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

WIDTH_PX, HEIGHT_PX, DPI = 1000, 500, 100
TOP_SECTIONS = 5


def write_charts(trend: dict[str, Any], folder: Path) -> list[tuple[str, Path]]:
    """Papers per section per year (stacked bars) and the growth of the top sections
    (cumulative lines). Returns (alt text, path) per chart."""
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
    bottom = [0] * len(years)
    for index, row in enumerate(sections):
        values = [row["counts"][y] for y in years]
        axes.bar(
            [str(y) for y in years],
            values,
            bottom=bottom,
            label=row["path"],
            color=colours[index % len(colours)],
        )
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    written.append(
        _finish(plt, figure, axes, "Papers per section per year", folder / "papers-per-section.png")
    )

    figure, axes = plt.subplots(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    top = sorted(sections, key=lambda r: (-r["total"], r["path"]))[:TOP_SECTIONS]
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
