"""Terminal rendering shared by the commands (CLI layer): tables that fit 80 columns.

Identifiers (citekeys, DOIs, short names, numbers) are never wrapped or cut: their
columns are `no_wrap`. Prose (titles, venues, messages) wraps at spaces and absorbs the
squeeze; a word too long for its column ends in `…` instead of breaking mid-word. Paths
of loaded files are shown relative to the current folder when they are inside it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from survey.config import bundled_survey_dir

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from survey.shapes import Trend

# Columns whose values are identifiers or numbers: shown whole.
IDENTIFIERS = frozenset(
    {
        "key",
        "citekey",
        "doi",
        "arxiv",
        "year",
        "rank",
        "step",
        "short",
        "short name",
        "count",
        "citations",
        "pagerank",
        "spc",
        "generation",
        "severity",
        "kind",
        "total",
    }
)


def table(title: str, header: Sequence[str], *, show_header: bool = True) -> Table:
    """A compact table (no outer border): identifier columns whole, prose wrapping."""
    from rich import box
    from rich.table import Table

    result = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
        show_header=show_header,
    )
    for name in header:
        if name in IDENTIFIERS:
            result.add_column(name, no_wrap=True)
        else:
            result.add_column(name, overflow="ellipsis")
    return result


def break_at(text: str, width: int, marks: str = "/-") -> list[str]:
    """`text` in lines of at most `width`, broken only after one of `marks` (a slug path
    after `/` or `-`), so no word is split; a word longer than `width` has a line of its own."""
    lines: list[str] = []
    current = ""
    start = 0
    pieces: list[str] = []
    for index, char in enumerate(text):
        if char in marks:
            pieces.append(text[start : index + 1])
            start = index + 1
    if start < len(text):
        pieces.append(text[start:])
    for piece in pieces:
        if current and len(current) + len(piece) > width:
            lines.append(current)
            current = ""
        current += piece
    if current:
        lines.append(current)
    return lines or [""]


def plural(count: int, word: str) -> str:
    """`word` for one, `words` otherwise: `1 finding`, `2 findings`."""
    return word if count == 1 else word + "s"


def cells(row: Sequence[Any]) -> list[Text]:
    """Table cells of plain values: None empty, no control characters (an escape sequence
    in a title must not reach the terminal)."""
    from rich.text import Text

    from survey.controls import strip_controls

    return [Text("" if v is None else strip_controls(str(v))) for v in row]


def display_path(path: str | Path) -> str:
    """A loaded file's path for people: relative to the current folder when inside it,
    `<bundled>/...` for the survey shipped with survey, else as stored."""
    text = str(path)
    if not os.path.isabs(text):
        return text
    here = Path.cwd()
    resolved = Path(text)
    for base, prefix in ((here, ""), (bundled_survey_dir().parent, "<bundled>/")):
        try:
            relative = resolved.relative_to(base)
        except ValueError:
            continue
        return prefix + relative.as_posix()
    return text


def period_label(start: int, end: int, periods: int) -> str:
    """A year column's header: `2017`, `'17` in a long row, or `15-17` for a period."""
    if start == end:
        return str(start) if periods <= 8 else f"'{str(start)[2:]}"
    return f"{str(start)[2:]}-{str(end)[2:]}"


# The totals row: distinct papers, a paper in two sections once.
_ALL_PAPERS = "papers (each once)"
# Between two columns: one space of padding and the (blank) column separator.
_GAP = 2


def year_periods(years: Sequence[int], width: int, fixed: int) -> list[tuple[int, int]]:
    """Contiguous `years` grouped into periods of 1, 2, 3, 5 or 10 years, the shortest
    that fit `width` columns next to `fixed` columns of section name and totals."""
    if not years:
        return []
    first, last = years[0], years[-1]
    for size in (1, 2, 3, 5, 10, 20, 50):
        periods = [(y, min(y + size - 1, last)) for y in range(first, last + 1, size)]
        header = max(len(period_label(a, b, len(periods))) for a, b in periods)
        # Each column is its widest cell plus the gap; the sparkline is one cell a period.
        if fixed + len(periods) * (max(header, 3) + _GAP) + len(periods) <= width:
            return periods
    return periods


def trend_table(result: Trend, width: int) -> Table:
    """Papers per section per period, sized to `width`: years binned into periods when
    one column a year would not fit, section names cut with `…`."""
    from rich import box
    from rich.table import Table

    from survey.graph.trends import sparkline

    years: list[int] = result["years"]
    name_width = min(max(len(_ALL_PAPERS), *(len(s["path"]) for s in result["sections"])), 28)
    total = max(len(str(s["total"])) for s in result["sections"])
    fixed = name_width + _GAP + max(total, 5) + _GAP
    periods = year_periods(years, width, fixed)
    binned = len(periods) < len(years)
    title = f"papers per section per {'period' if binned else 'year'} (level {result['level']})"
    grid = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    grid.add_column("section", no_wrap=True)
    for start, end in periods:
        grid.add_column(period_label(start, end, len(periods)), justify="right", no_wrap=True)
    grid.add_column("total", justify="right", no_wrap=True)
    grid.add_column("trend", no_wrap=True)

    def sums(counts: dict[int, int]) -> list[int]:
        return [sum(counts.get(y, 0) for y in range(a, b + 1)) for a, b in periods]

    for section in result["sections"]:
        series = sums(section["counts"])
        path = section["path"]
        if len(path) > name_width:  # keep the end, where sibling sections differ
            path = "…" + path[-(name_width - 1) :]
        grid.add_row(
            path,
            *[str(n or "") for n in series],
            str(section["total"]),
            sparkline(series),
        )
    # Distinct papers: a paper in two sections counts in both rows, once here.
    totals = sums(result["totals"])
    grid.add_row(
        _ALL_PAPERS,
        *[str(n or "") for n in totals],
        str(sum(totals)),
        sparkline(totals),
        style="bold",
    )
    return grid
