"""Weight tables: each group's relative weight (or score) and payment standard, read from CSV.

Regions publish one row per group: code, name, relative weight, and often the payment
standard in yuan; groups paid item by item carry a phrase (``按项目据实支付``) instead of a
weight. The same reader serves DRG weights and DIP scores: the numbers are read as exact
decimals, a damaged row is reported with its line number, and nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from medins_sdk.csvtable import GROUP_CODE, GROUP_NAME, CodeTable, TableLayout, decimal_cell
from medins_sdk.money import CENT

ITEMISED_MARKERS: Final = frozenset({"按项目据实支付", "按项目付费", "按项目", "itemised"})
"""Weight-column phrases meaning "this group is paid item by item" (no weight)."""

WEIGHT_PLACES: Final = 4
"""Weights and scores carry at most four decimals (the core's ``Weight`` type)."""

COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    "code": GROUP_CODE,
    "name": GROUP_NAME,
    "weight": ("weight", "RW", "权重", "分值", "score"),
    "standard": ("standard", "支付标准", "付费标准"),
}
"""Accepted header names per column, English and as published; ``standard`` is optional."""


class WeightTableError(ValueError):
    """A weight table that cannot be used; the message names the source and the lines."""


LAYOUT: Final = TableLayout("weight table", COLUMNS, ("code", "name", "weight"), WeightTableError)


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


class WeightTable(CodeTable[GroupRate]):
    """Group code → :class:`GroupRate`, with the table's source for explanations."""

    @classmethod
    def from_csv(cls, text: str, source: str) -> WeightTable:
        """Read a CSV table (header row first; see :data:`COLUMNS`).

        Every problem is collected before failing, so one run lists every bad line:
        unknown headers, missing columns, duplicate codes, weights that are neither an
        exact non-negative decimal nor an item-by-item phrase, standards that are not money.
        """
        return cls(LAYOUT.read(text, source, _rate), source)


def _rate(code: str, cells: Mapping[str, str]) -> GroupRate | str:
    """One row's :class:`GroupRate`, or its problem."""
    weight = _weight(cells["weight"])
    standard = _money(cells["standard"])
    if isinstance(weight, str):
        return weight
    if isinstance(standard, str):
        return standard
    return GroupRate(code, cells["name"], weight, standard)


def _weight(text: str) -> Decimal | str | None:
    """The weight, None for an item-by-item phrase, or the problem as a string."""
    if text in ITEMISED_MARKERS:
        return None
    number = decimal_cell(text, WEIGHT_PLACES)
    if number is None:
        markers = " / ".join(sorted(ITEMISED_MARKERS))
        return f"weight {text!r} is neither a non-negative decimal (≤ 4 places) nor {markers}"
    return number


def _money(text: str) -> Decimal | str | None:
    """A payment standard quantised to the cent, None when empty, or the problem."""
    if not text:
        return None
    number = decimal_cell(text, 2)
    if number is None:
        return f"standard {text!r} is not an amount in yuan with at most 2 decimals"
    return number.quantize(CENT)
