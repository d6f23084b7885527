"""Reconciliation contracts: clearing categories and bureau statement readers.

Totals are compared per (insurance type, clearing agency, clearing category); regions define
categories of their own (seed 002 shows 省本机关, 省本企业, 异地门诊, 异地住院), so plugins
contribute them. Statement readers turn a bureau's statement file into settlements.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from medins_sdk.models import SettlementInfo


@dataclass(frozen=True, slots=True)
class ClearingCategory:
    """A clearing category (清算类别) as a region defines it."""

    code: str
    """The ``clr_type`` code."""
    name: str
    """Chinese name, e.g. 异地住院."""
    region: str | None = None
    """Region code where the category applies, or None for national categories."""

    @property
    def key(self) -> str:
        """Registry key: categories are unique per region."""
        return f"{self.region or '*'}:{self.code}"


@runtime_checkable
class StatementReader(Protocol):
    """Reads a bureau statement (对账单) into the settlements it lists."""

    @property
    def name(self) -> str:
        """Unique name the registry selects it by."""
        ...

    def read(self, path: Path) -> Iterator[SettlementInfo]:
        """Every settlement of the statement, in file order."""
        ...
