"""Regional benchmarks: the region's mean cost and mean length of stay per group, from CSV.

Hospitals judge a ward against the city: the bureau (or the hospital's own statistics)
publishes, per DRG, the region's mean cost per case (例均费用) and mean length of stay
(平均住院日). The consumption indices of :mod:`medins_sdk.reports.drg` divide by these
means, so they are read as exact decimals and must be positive; a damaged file is refused
whole, with every bad line named.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Final

from medins_sdk.csvtable import GROUP_CODE, GROUP_NAME, CodeTable, TableLayout, decimal_cell

COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    "code": GROUP_CODE,
    "name": GROUP_NAME,
    "mean_cost": ("mean_cost", "例均费用", "次均费用", "平均费用"),
    "mean_los": ("mean_los", "平均住院日", "平均住院天数"),
    "cases": ("cases", "病例数", "例数"),
}
"""Accepted header names per column; ``name`` and ``cases`` are optional."""

LOS_PLACES: Final = 4
"""Regional mean stays are published with a few decimals; more would be noise."""


class BenchmarkError(ValueError):
    """A benchmark that cannot be used; the message names the source and every bad line."""


LAYOUT: Final = TableLayout(
    "benchmark table", COLUMNS, ("code", "mean_cost", "mean_los"), BenchmarkError
)


@dataclass(frozen=True, slots=True)
class GroupBenchmark:
    """One group's regional means."""

    code: str
    name: str
    """The group's name as the benchmark spells it ("" when the table has no names)."""
    mean_cost: Decimal
    """Regional mean cost per case in yuan (> 0, to the cent)."""
    mean_los: Decimal
    """Regional mean length of stay in days (> 0)."""
    cases: int | None
    """Regional number of cases the means are over, when published (information only)."""


class Benchmark(CodeTable[GroupBenchmark]):
    """Group code → :class:`GroupBenchmark`, with the table's source."""

    @classmethod
    def from_csv(cls, text: str, source: str) -> Benchmark:
        """Read a CSV table (header row first; see :data:`COLUMNS`); every bad line is
        reported in one :class:`BenchmarkError`."""
        return cls(LAYOUT.read(text, source, _row), source)

    @classmethod
    def load(cls, path: Path) -> Benchmark:
        """Read ``path`` (UTF-8, with or without BOM); an unreadable file is a
        :class:`BenchmarkError` too, so callers handle one error."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise BenchmarkError(f"{path}: cannot read the benchmark: {error}") from None
        return cls.from_csv(text, str(path))


def _row(code: str, cells: Mapping[str, str]) -> GroupBenchmark | str:
    """One row's :class:`GroupBenchmark`, or its problems."""
    cost = decimal_cell(cells["mean_cost"], 2)
    stay = decimal_cell(cells["mean_los"], LOS_PLACES)
    cases = cells["cases"]
    problems: list[str] = []
    if not cost:
        problems.append(f"mean cost {cells['mean_cost']!r} is not a positive amount in yuan")
    if not stay:
        problems.append(
            f"mean length of stay {cells['mean_los']!r} is not a positive number of days "
            f"(≤ {LOS_PLACES} decimals)"
        )
    if cases and not cases.isdecimal():
        problems.append(f"cases {cases!r} is not a whole number")
    if cost and stay and not problems:
        return GroupBenchmark(code, cells["name"], cost, stay, int(cases) if cases else None)
    return ", ".join(problems)
