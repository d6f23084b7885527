"""The monthly report by category (分项报表): the month's totals regrouped three ways.

Seed 002's insurance office, once the month's totals match the bureau to the cent, splits
them into sub-reports — provincial / municipal agency (省市医保), employee / resident
insurance (职工 / 城乡居民), out-of-area (异地) — each backed by the total: every dimension
partitions the same settlements, so each dimension's rows add up to the grand total
(checked). Out-of-area and similar groupings come from the clearing categories' ``group``,
registered by regional plugins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import Field

from medins_sdk.codes.tables import InsuranceType
from medins_sdk.models import SdkModel
from medins_sdk.reconcile.categories import Categories
from medins_sdk.reconcile.lines import RowKey
from medins_sdk.reconcile.totals import Amounts, TotalsRow, compare_totals

Dimension = Literal["setl_optins", "insutype", "category"]
DIMENSIONS: tuple[Dimension, ...] = ("setl_optins", "insutype", "category")
"""The report's sections, in order: agency (省/市), insurance type, category group (异地 …)."""


class ReportRow(SdkModel):
    """One line of the monthly report: a dimension's value and both sides' totals."""

    dimension: Dimension | Literal["total"] = Field(description="分项")
    value: str = Field(description="分项取值 (agency code, insutype, category group)")
    label: str | None = Field(None, description="名称")
    hospital: Amounts = Field(description="医院")
    bureau: Amounts = Field(description="医保局")
    difference: Amounts = Field(description="医院 − 医保局")
    balanced: bool = Field(description="平 / 不平")


def _value_of(dimension: Dimension, categories: Categories) -> Callable[[RowKey], str]:
    if dimension == "setl_optins":
        return lambda key: key.setl_optins
    if dimension == "insutype":
        return lambda key: key.insutype
    return categories.group


def monthly_report(rows: Sequence[TotalsRow], categories: Categories) -> list[ReportRow]:
    """The report of a period's totals rows (as :func:`compare_totals` returns them)."""
    detail = [row for row in rows if row.level == "row"]
    report: list[ReportRow] = []
    for dimension in DIMENSIONS:
        value_of = _value_of(dimension, categories)
        hospital: dict[RowKey, Amounts] = {}
        bureau: dict[RowKey, Amounts] = {}
        for row in detail:
            key = RowKey(value_of(row.key), "", "")
            hospital[key] = _plus(hospital.get(key), row.hospital)
            bureau[key] = _plus(bureau.get(key), row.bureau)
        for item in compare_totals(hospital, bureau):
            is_total = item.level == "total"
            value = "合计" if is_total else item.key.insutype
            report.append(
                ReportRow(
                    dimension="total" if is_total else dimension,
                    value=value,
                    label=None if is_total else _label(dimension, value),
                    hospital=item.hospital,
                    bureau=item.bureau,
                    difference=item.difference,
                    balanced=item.balanced,
                )
            )
    totals = {row.hospital.figures() for row in report if row.dimension == "total"}
    if len(totals) > 1:
        raise AssertionError("the report's sections do not add up to the same total")
    return report


def _label(dimension: Dimension, value: str) -> str | None:
    if dimension == "insutype":
        return InsuranceType.label_of(value)
    return None


def _plus(left: Amounts | None, right: Amounts) -> Amounts:
    if left is None:
        return right
    return Amounts(
        medfee_sumamt=left.medfee_sumamt + right.medfee_sumamt,
        fund_pay_sumamt=left.fund_pay_sumamt + right.fund_pay_sumamt,
        acct_pay=left.acct_pay + right.acct_pay,
        setl_cnt=left.setl_cnt + right.setl_cnt,
    )
