"""Reconciliation contracts: clearing categories and bureau statement readers.

Totals are compared per (insurance type, clearing agency, clearing category); regions define
categories of their own (seed 002 shows 省本机关, 省本企业, 异地门诊, 异地住院), so plugins
contribute them. Statement readers turn a bureau's statement file into settlement lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from medins_sdk.io.records import Record, Rejected


@dataclass(frozen=True, slots=True)
class ClearingCategory:
    """A clearing category (清算类别) as a region defines it."""

    code: str
    """The ``clr_type`` code."""
    name: str
    """Chinese name, e.g. 异地住院."""
    region: str | None = None
    """Clearing agency (``setl_optins``) or region code where the category applies, or None
    for national categories."""
    group: str | None = None
    """The monthly report's category this one adds up under (省本级, 异地 …); None: its name."""

    @property
    def key(self) -> str:
        """Registry key: categories are unique per region."""
        return f"{self.region or '*'}:{self.code}"


@runtime_checkable
class StatementReader(Protocol):
    """Reads a bureau statement (对账单) into the settlement lines it lists."""

    @property
    def name(self) -> str:
        """Unique name the registry selects it by (``--bureau-format NAME``)."""
        ...

    @property
    def description(self) -> str:
        """One line for listings (`medins plugins`)."""
        ...

    def read(self, path: Path) -> Iterator[Record | Rejected]:
        """Every settlement of the statement, in file order: a record whose model is a
        :class:`~medins_sdk.reconcile.lines.StatementLine`, or a rejection with its reasons."""
        ...
