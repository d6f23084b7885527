"""Published tables in CSV, keyed by group code: weight tables, score tables, benchmarks.

Regions and bureaus publish these as spreadsheets, with headers in English or as printed in
Chinese and numbers that must stay exact. Every such reader goes through here, so all accept
the same spellings, read numbers the same way (``Decimal``, never float) and report every bad
line with its number in one error instead of stopping at the first.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final, TypeVar

T = TypeVar("T")

GROUP_CODE: Final = ("code", "group", "DRG编码", "病组编码", "DIP编码", "病种编码")
"""Accepted headers of the group-code column, the key of every table read here."""
GROUP_NAME: Final = ("name", "DRG名称", "病组名称", "病种名称")
"""Accepted headers of the group-name column."""


@dataclass(frozen=True, slots=True)
class TableLayout:
    """What one kind of table looks like: its columns, which are required, its error type.

    ``columns`` maps each column key to its accepted header names; ``code`` is required and
    is the table's key.
    """

    title: str
    """What the table is, for messages: ``weight table``."""
    columns: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...]
    error: type[ValueError]
    key: str = "group code"
    """What the ``code`` column holds, for messages: ``encounter id`` in a register."""

    def read(
        self, text: str, source: str, parse: Callable[[str, Mapping[str, str]], T | str]
    ) -> dict[str, T]:
        """Code → ``parse(code, cells)`` for each data row of ``text`` (header row first).

        ``cells`` maps every column key to its stripped text ("" when the column or cell is
        absent); ``parse`` returns the row's value or the problem in words. Blank lines are
        skipped. Rows without a code, repeated codes and every problem ``parse`` names are
        collected and raised together as ``error``, each with its line number.
        """
        rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
        header = next(rows, None)
        if header is None:
            raise self.error(f"{source}: empty {self.title}")
        positions = self.positions(header, source)
        problems: list[str] = []
        seen: set[str] = set()
        values: dict[str, T] = {}
        for line, row in enumerate(rows, start=2):
            if not any(cell.strip() for cell in row):
                continue
            cells = {key: _cell(row, positions.get(key)) for key in self.columns}
            code = cells["code"]
            if not code:
                problems.append(f"line {line}: no {self.key}")
                continue
            if code in seen:
                problems.append(f"line {line}: {code} is listed twice")
                continue
            seen.add(code)
            value = parse(code, cells)
            if isinstance(value, str):
                problems.append(f"line {line}: {code} {value}")
            else:
                values[code] = value
        if problems:
            raise self.error(f"{source}: " + "; ".join(problems))
        return values

    def positions(self, header: list[str], source: str) -> dict[str, int]:
        """Column key → index in ``header`` (the first matching header wins); ``error`` when a
        required column is missing. Streaming readers of large tables use it directly."""
        cleaned = [cell.strip() for cell in header]
        positions: dict[str, int] = {}
        for key, names in self.columns.items():
            index = next((i for i, cell in enumerate(cleaned) if cell in names), None)
            if index is not None:
                positions[key] = index
        missing = [key for key in self.required if key not in positions]
        if missing:
            accepted = "; ".join(f"{key}: {' / '.join(self.columns[key])}" for key in missing)
            raise self.error(f"{source}: header {cleaned} lacks columns ({accepted})")
        return positions


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def decimal_cell(text: str, places: int) -> Decimal | None:
    """``text`` as an exact, finite, non-negative decimal with at most ``places`` decimal
    places (``"12.50"`` passes for 2, ``"12.345"`` does not), or None."""
    try:
        number = Decimal(text)
        exact = (
            number.is_finite()
            and number >= 0
            and number == number.quantize(Decimal(1).scaleb(-places))
        )
    except InvalidOperation:  # not a number, or too many digits to quantize
        return None
    return number if exact else None


class CodeTable(Mapping[str, T]):
    """Group code → row of a published table, with the table's source for explanations."""

    def __init__(self, rows: Mapping[str, T], source: str) -> None:
        self._rows = dict(rows)
        self.source = source

    def __getitem__(self, code: str) -> T:
        return self._rows[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)
