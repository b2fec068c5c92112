"""How each section of the survey grew (graph layer; pure Python, no database).

Counts are per taxonomy node and year, a paper counting once for its section and for
every section above it. "Rising" compares a section's share of its parent's papers in
recent years with its share before; bursts follow Kleinberg (2002), two-state batched.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

RECENT_YEARS = 3
BURST_SCALE = 2.0  # the burst state expects this many times the base rate
BURST_GAMMA = 1.0  # cost of entering the burst state, times ln(number of years)


@dataclass(frozen=True, slots=True)
class Placement:
    """One paper filed under one section."""

    path: str
    key: str
    year: int | None


def ancestors_of(path: str) -> list[str]:
    """`a/b/c` -> [`a`, `a/b`, `a/b/c`]."""
    parts = path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def counts_by_year(placements: Iterable[Placement]) -> dict[str, dict[int, int]]:
    """Distinct papers per section (its whole subtree) per year; papers without a year skipped."""
    papers: dict[str, dict[int, set[str]]] = {}
    for placement in placements:
        if placement.year is None:
            continue
        for path in ancestors_of(placement.path):
            papers.setdefault(path, {}).setdefault(placement.year, set()).add(placement.key)
    return {
        path: {year: len(keys) for year, keys in sorted(years.items())}
        for path, years in sorted(papers.items())
    }


def cumulative(series: Mapping[int, int], years: Iterable[int]) -> dict[int, int]:
    total = 0
    result = {}
    for year in years:
        total += series.get(year, 0)
        result[year] = total
    return result


def parent_of(path: str) -> str | None:
    return path.rsplit("/", 1)[0] if "/" in path else None


def share_of_parent(counts: Mapping[str, Mapping[int, int]], path: str) -> float | None:
    """The section's papers as a share of its parent's (all years)."""
    parent = parent_of(path)
    if parent is None or parent not in counts:
        return None
    total = sum(counts[parent].values())
    return sum(counts[path].values()) / total if total else None


@dataclass(frozen=True, slots=True)
class Rise:
    path: str
    recent_share: float  # share of the parent's papers in the recent window
    earlier_share: float  # share before the window
    change: float  # recent_share - earlier_share
    recent: int  # the section's papers in the window
    earlier: int


def rising(
    counts: Mapping[str, Mapping[int, int]], since: int | None = None, window: int = RECENT_YEARS
) -> list[Rise]:
    """Sections ranked by how much their share of the parent's papers grew.

    The recent window is the last `window` years of the data (or from `since`):
    change = section/parent in the window - section/parent before it. A section whose
    parent has no papers in one of the two periods is left out.
    """
    years = sorted({y for series in counts.values() for y in series})
    if not years:
        return []
    start = since if since is not None else years[-1] - window + 1
    found = []
    for path, series in counts.items():
        parent = parent_of(path)
        if parent is None or parent not in counts:
            continue
        recent = sum(n for y, n in series.items() if y >= start)
        earlier = sum(n for y, n in series.items() if y < start)
        parent_recent = sum(n for y, n in counts[parent].items() if y >= start)
        parent_earlier = sum(n for y, n in counts[parent].items() if y < start)
        if not parent_recent or not parent_earlier:
            continue
        recent_share, earlier_share = recent / parent_recent, earlier / parent_earlier
        found.append(
            Rise(
                path,
                round(recent_share, 4),
                round(earlier_share, 4),
                round(recent_share - earlier_share, 4),
                recent,
                earlier,
            )
        )
    return sorted(found, key=lambda r: (-r.change, r.path))


@dataclass(frozen=True, slots=True)
class Burst:
    start: int
    end: int
    weight: float  # how much better the burst state explains those years


def bursts(
    series: Mapping[int, int],
    totals: Mapping[int, int],
    scale: float = BURST_SCALE,
    gamma: float = BURST_GAMMA,
) -> list[Burst]:
    """Kleinberg's two-state burst detection on yearly counts (batched arrivals).

    `series[y]` papers of the section among `totals[y]` papers of that year. The base
    state expects the section's overall rate p0, the burst state `scale`*p0; entering
    the burst state costs gamma*ln(n). The cheapest state sequence (Viterbi) marks the
    bursts.
    """
    years = sorted(y for y in totals if totals[y] > 0)
    if len(years) < 2:
        return []
    relevant = sum(series.get(y, 0) for y in years)
    total = sum(totals[y] for y in years)
    if relevant == 0:
        return []
    p0 = relevant / total
    p1 = min(scale * p0, 0.9999)
    if p1 <= p0:
        return []
    enter = gamma * math.log(len(years))

    def cost(p: float, year: int) -> float:
        r, d = series.get(year, 0), totals[year]
        return -(
            math.lgamma(d + 1)
            - math.lgamma(r + 1)
            - math.lgamma(d - r + 1)
            + r * math.log(p)
            + (d - r) * math.log(1 - p)
        )

    base = [cost(p0, year) for year in years]
    burst = [cost(p1, year) for year in years]
    states = _cheapest_states(base, burst, enter)
    return _burst_runs(years, states, base, burst)


def _cheapest_states(base: list[float], burst: list[float], enter: float) -> list[int]:
    """Viterbi over states 0 (base) and 1 (burst): the cheapest state of each year, given
    each year's cost in either state and the cost of entering the burst state."""
    best = [base[0], burst[0] + enter]
    back: list[list[int]] = []
    for base_cost, burst_cost in zip(base[1:], burst[1:], strict=True):
        stay0, from1 = best[0], best[1]
        to1_from0, stay1 = best[0] + enter, best[1]
        choice0 = 0 if stay0 <= from1 else 1
        choice1 = 0 if to1_from0 < stay1 else 1
        best = [
            min(stay0, from1) + base_cost,
            min(to1_from0, stay1) + burst_cost,
        ]
        back.append([choice0, choice1])
    state = 0 if best[0] <= best[1] else 1
    states = [state]
    for choices in reversed(back):
        state = choices[state]
        states.append(state)
    states.reverse()
    return states


def _burst_runs(
    years: list[int], states: list[int], base: list[float], burst: list[float]
) -> list[Burst]:
    """Each run of years in the burst state, weighed by how much cheaper the burst state
    makes them."""
    found = []
    index = 0
    while index < len(years):
        if states[index] == 1:
            end = index
            while end + 1 < len(years) and states[end + 1] == 1:
                end += 1
            weight = sum(base[i] - burst[i] for i in range(index, end + 1))
            found.append(Burst(years[index], years[end], round(weight, 3)))
            index = end + 1
        else:
            index += 1
    return found


def venues_by_year(papers: Iterable[tuple[str, int | None]]) -> dict[str, dict[int, int]]:
    """(venue, year) pairs -> papers per venue per year."""
    table: dict[str, dict[int, int]] = {}
    for venue, year in papers:
        if year is None or not venue:
            continue
        table.setdefault(venue, {})
        table[venue][year] = table[venue].get(year, 0) + 1
    return {v: dict(sorted(s.items())) for v, s in sorted(table.items())}


def sparkline(values: list[int]) -> str:
    """A one-line bar chart of counts (▁▂▃▄▅▆▇█), blank for zero."""
    bars = "▁▂▃▄▅▆▇█"
    top = max(values, default=0)
    if top == 0:
        return " " * len(values)
    return "".join(
        " " if v == 0 else bars[min(len(bars) - 1, (v * len(bars) - 1) // top)] for v in values
    )
