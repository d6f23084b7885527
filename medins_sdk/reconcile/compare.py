"""A reconciliation of two sides: the totals rows and the detail differences, in pure Python.

Fast enough for a hospital's day (thousands of settlements in well under a second); a city's
month goes through :mod:`medins_sdk.reconcile.columnar`, which gives the same result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from medins_sdk.reconcile.categories import Categories
from medins_sdk.reconcile.detail import Difference, compare_detail
from medins_sdk.reconcile.lines import StatementLine
from medins_sdk.reconcile.totals import TotalsRow, compare_totals, sums_by_key


@dataclass(frozen=True)
class Reconciliation:
    """The totals rows (the grand total last) and the differences (last first)."""

    rows: list[TotalsRow]
    differences: list[Difference]

    @property
    def balanced(self) -> bool:
        """平: every row balanced and no settlement differs."""
        return self.rows[-1].balanced and not self.differences


def keyed_like(
    bureau: Mapping[str, StatementLine], hospital: Mapping[str, StatementLine]
) -> dict[str, StatementLine]:
    """The bureau's lines, each missing key part taken from the hospital's line of the same
    ``setl_id``: a 3202 file lists no insutype or clearing category, yet its settlements
    must count in the hospital's rows."""
    keyed: dict[str, StatementLine] = {}
    for setl_id, line in bureau.items():
        ours = hospital.get(setl_id)
        missing = ours is not None and None in (
            line.insurance_type,
            line.settlement_agency,
            line.clearing_type,
        )
        if ours is not None and missing:
            line = line.model_copy(
                update={
                    "insurance_type": line.insurance_type or ours.insurance_type,
                    "settlement_agency": line.settlement_agency or ours.settlement_agency,
                    "clearing_type": line.clearing_type or ours.clearing_type,
                    "settlement_time": line.settlement_time or ours.settlement_time,
                }
            )
        keyed[setl_id] = line
    return keyed


def reconcile(
    hospital: Mapping[str, StatementLine],
    bureau: Mapping[str, StatementLine],
    categories: Categories | None = None,
    *,
    detail: bool = True,
) -> Reconciliation:
    """Totals per (insutype, setl_optins, clr_type) and, with ``detail``, every difference.

    Both sides map ``setl_id`` → line (:func:`medins_sdk.reconcile.statements.collect`
    builds them from files; :meth:`Ledger.lines` from a ledger).
    """
    bureau = keyed_like(bureau, hospital)
    ours, theirs = sums_by_key(hospital.values()), sums_by_key(bureau.values())
    names = categories or Categories(())
    labels = {
        key: label for key in set(ours) | set(theirs) if (label := names.name(key)) is not None
    }
    rows = compare_totals(ours, theirs, labels)
    return Reconciliation(rows, compare_detail(hospital, bureau) if detail else [])
