"""Weight tables: each group's relative weight (or score) and payment standard, read from CSV.

Regions publish one row per group: code, name, relative weight, and often the payment
standard in yuan; groups paid item by item carry a phrase (``按项目据实支付``) instead of a
weight. The same reader serves DRG weights and DIP scores: the numbers are read as exact
decimals, a damaged row is reported with its line number, and nothing is guessed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final

from medins_sdk.money import CENT

ITEMISED_MARKERS: Final = frozenset({"按项目据实支付", "按项目付费", "按项目", "itemised"})
"""Weight-column phrases meaning "this group is paid item by item" (no weight)."""

WEIGHT_PLACES: Final = Decimal("0.0001")
"""Weights and scores carry at most four decimals (the core's ``Weight`` type)."""

COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    "code": ("code", "group", "DRG编码", "病组编码", "DIP编码", "病种编码"),
    "name": ("name", "DRG名称", "病组名称", "病种名称"),
    "weight": ("weight", "RW", "权重", "分值", "score"),
    "standard": ("standard", "支付标准", "付费标准"),
}
"""Accepted header names per column, English and as published; ``standard`` is optional."""


class WeightTableError(ValueError):
    """A weight table that cannot be used; the message names the source and the lines."""


@dataclass(frozen=True, slots=True)
class GroupRate:
    """One group's published numbers."""

    code: str
    name: str
    weight: Decimal | None
    """Relative weight (RW) or score; None when the group is paid item by item."""
    standard: Decimal | None
    """Published payment standard in yuan (to the cent), or None: weight × base rate."""

    @property
    def itemised(self) -> bool:
        """Whether the group is paid item by item (按项目据实支付) rather than by standard."""
        return self.weight is None


class WeightTable(Mapping[str, GroupRate]):
    """Group code → :class:`GroupRate`, with the table's source for explanations."""

    def __init__(self, rates: Mapping[str, GroupRate], source: str) -> None:
        self._rates = dict(rates)
        self.source = source

    def __getitem__(self, code: str) -> GroupRate:
        return self._rates[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rates)

    def __len__(self) -> int:
        return len(self._rates)

    @classmethod
    def from_csv(cls, text: str, source: str) -> WeightTable:
        """Read a CSV table (header row first; see :data:`COLUMNS`).

        Every problem is collected before failing, so one run lists every bad line:
        unknown headers, missing columns, duplicate codes, weights that are neither an
        exact non-negative decimal nor an item-by-item phrase, standards that are not money.
        """
        rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
        header = next(rows, None)
        if header is None:
            raise WeightTableError(f"{source}: empty weight table")
        positions = _positions(header, source)
        problems: list[str] = []
        rates: dict[str, GroupRate] = {}
        for line, row in enumerate(rows, start=2):
            if not any(cell.strip() for cell in row):
                continue
            cells = {key: row[i].strip() if i < len(row) else "" for key, i in positions.items()}
            code = cells["code"]
            if not code:
                problems.append(f"line {line}: no group code")
                continue
            if code in rates:
                problems.append(f"line {line}: {code} is listed twice")
                continue
            weight = _weight(cells["weight"])
            standard = _money(cells.get("standard", ""))
            if isinstance(weight, str):
                problems.append(f"line {line}: {code} {weight}")
            elif isinstance(standard, str):
                problems.append(f"line {line}: {code} {standard}")
            else:
                rates[code] = GroupRate(code, cells["name"], weight, standard)
        if problems:
            raise WeightTableError(f"{source}: " + "; ".join(problems))
        return cls(rates, source)


def _positions(header: list[str], source: str) -> dict[str, int]:
    """Column key → index in ``header``; code, name and weight are required."""
    cleaned = [cell.strip() for cell in header]
    positions: dict[str, int] = {}
    for key, names in COLUMNS.items():
        for index, cell in enumerate(cleaned):
            if cell in names:
                positions[key] = index
                break
    missing = [key for key in ("code", "name", "weight") if key not in positions]
    if missing:
        accepted = "; ".join(f"{key}: {' / '.join(COLUMNS[key])}" for key in missing)
        raise WeightTableError(f"{source}: header {cleaned} lacks columns ({accepted})")
    return positions


def _weight(text: str) -> Decimal | str | None:
    """The weight, None for an item-by-item phrase, or the problem as a string."""
    if text in ITEMISED_MARKERS:
        return None
    number = _decimal(text)
    if number is None or number < 0 or number != number.quantize(WEIGHT_PLACES):
        markers = " / ".join(sorted(ITEMISED_MARKERS))
        return f"weight {text!r} is neither a non-negative decimal (≤ 4 places) nor {markers}"
    return number


def _money(text: str) -> Decimal | str | None:
    """A payment standard quantised to the cent, None when empty, or the problem."""
    if not text:
        return None
    number = _decimal(text)
    if number is None or number < 0 or number != number.quantize(CENT):
        return f"standard {text!r} is not an amount in yuan with at most 2 decimals"
    return number.quantize(CENT)


def _decimal(text: str) -> Decimal | None:
    """``text`` as an exact finite decimal, or None."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
