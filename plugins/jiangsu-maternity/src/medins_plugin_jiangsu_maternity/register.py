"""The delivery register: per case, the facts the settlement data does not carry.

Two facts decide money here and travel in no national transaction the SDK models: the blood
loss of a postpartum haemorrhage (it is written in the delivery record, 分娩记录 产后出血量,
not in the settlement list or the front page), and whether the insurance office filed the
case as a severe-illness pregnancy (大病孕产妇备案, agreed with the bureau case by case). The
hospital keeps both in a small CSV keyed by the encounter's id::

    id,blood_loss_ml,filed
    SETL0000000012,1200,0
    SETL0000000031,,1

A case missing from the register has no registered volume and is not filed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Final

from medins_sdk.csvtable import CodeTable, TableLayout, decimal_cell

COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    "code": ("id", "setl_id", "结算ID", "记录标识"),
    "blood_loss_ml": ("blood_loss_ml", "产后出血量", "出血量", "出血量(mL)"),
    "filed": ("filed", "大病备案", "备案"),
}
"""Accepted headers per column; only the id is required."""
FILED: Final = {"1": True, "是": True, "0": False, "否": False, "": False}


class RegisterError(ValueError):
    """A register that cannot be used; the message names the source and every bad line."""


LAYOUT: Final = TableLayout(
    "delivery register", COLUMNS, ("code",), RegisterError, key="encounter id"
)


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    """One case's registered facts."""

    blood_loss_ml: Decimal | None
    """Blood loss in mL from the delivery record, None when not registered."""
    filed: bool
    """Filed as a severe-illness pregnancy (大病孕产妇备案)."""


class DeliveryRegister(CodeTable[RegisterEntry]):
    """Encounter id → :class:`RegisterEntry`, with the register's source."""

    @classmethod
    def from_csv(cls, text: str, source: str) -> DeliveryRegister:
        """Read a register (header row first); every bad line is named in one error."""
        return cls(LAYOUT.read(text, source, _row), source)

    @classmethod
    def load(cls, path: Path) -> DeliveryRegister:
        """Read ``path`` (UTF-8, BOM tolerated); unreadable is a :class:`RegisterError` too."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise RegisterError(f"{path}: cannot read the delivery register: {error}") from None
        return cls.from_csv(text, str(path))


EMPTY_REGISTER: Final = DeliveryRegister({}, "no delivery register")
"""What the registered scheme and rules see: no volume registered, nothing filed."""


def _row(_: str, cells: Mapping[str, str]) -> RegisterEntry | str:
    problems = []
    volume_text = cells["blood_loss_ml"]
    volume = decimal_cell(volume_text, 2) if volume_text else None
    if volume_text and volume is None:
        problems.append(f"blood_loss_ml {volume_text!r} is not a volume in mL (≥ 0, ≤ 2 decimals)")
    filed = FILED.get(cells["filed"])
    if filed is None:
        problems.append(f"filed {cells['filed']!r} is not 1 or 0 (是 / 否)")
    if problems or filed is None:
        return ", ".join(problems)
    return RegisterEntry(volume, filed)
