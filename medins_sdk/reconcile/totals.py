"""Total reconciliation (对总账): per (insutype, setl_optins, clr_type), both sides' sums.

A row is balanced (平) when the hospital's and the bureau's ``medfee_sumamt``,
``fund_pay_sumamt``, ``acct_pay`` and settlement count are all equal, to the cent. Refund
lines carry negative amounts and so reduce the sums; every line — refunds included — counts
once in ``setl_cnt``, as each is one line of the bureau's detail file. (Whether a deployment's
3201 counts refund settlements in ``fixmedins_setl_cnt`` is not confirmed by the reference;
reconciling against the bureau's own detail, as here, compares like with like either way.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from medins_sdk.models import SdkModel
from medins_sdk.money import SignedMoney, format_money
from medins_sdk.reconcile.lines import RowKey, StatementLine

ZERO = Decimal("0.00")

BALANCED_CODES: tuple[str, ...] = ("0", "000000")
"""``stmt_rslt`` codes that mean balanced in a 3201 answer; deployments differ (configurable)."""


class Amounts(SdkModel):
    """One side's sums over a row (or a period): what 3201 sends and the bureau checks."""

    medfee_sumamt: SignedMoney = Field(ZERO, description="医疗费总额")
    fund_pay_sumamt: SignedMoney = Field(ZERO, description="基金支付总额")
    acct_pay: SignedMoney = Field(ZERO, description="个人账户支付金额")
    setl_cnt: int = Field(0, description="结算笔数")

    def figures(self) -> tuple[Decimal, Decimal, Decimal, int]:
        """The four compared figures, in table order."""
        return (self.medfee_sumamt, self.fund_pay_sumamt, self.acct_pay, self.setl_cnt)


class TotalsRow(SdkModel):
    """One row of the total reconciliation, or the grand total (``level: "total"``)."""

    level: Literal["row", "total"] = Field("row", description="一行 / 合计")
    insutype: str | None = Field(None, description="险种类型")
    setl_optins: str | None = Field(None, description="结算经办机构")
    clr_type: str | None = Field(None, description="清算类别")
    clr_type_name: str | None = Field(None, description="清算类别名称 (from the registry)")
    hospital: Amounts = Field(description="医院")
    bureau: Amounts = Field(description="医保局")
    difference: Amounts = Field(description="医院 − 医保局")
    balanced: bool = Field(description="平 (true) / 不平 (false)")

    @property
    def key(self) -> RowKey:
        """The row's key ("" for parts the grand total has none of)."""
        return RowKey(self.insutype or "", self.setl_optins or "", self.clr_type or "")


@dataclass
class _Sums:
    medfee: Decimal = ZERO
    fund: Decimal = ZERO
    account: Decimal = ZERO
    count: int = 0

    def add(self, line: StatementLine) -> None:
        self.medfee += line.total
        self.fund += line.fund_total
        self.account += line.account_pay
        self.count += 1

    def amounts(self) -> Amounts:
        return Amounts(
            medfee_sumamt=self.medfee,
            fund_pay_sumamt=self.fund,
            acct_pay=self.account,
            setl_cnt=self.count,
        )


def sums_by_key(lines: Iterable[StatementLine]) -> dict[RowKey, Amounts]:
    """Each row key's sums over ``lines``."""
    sums: dict[RowKey, _Sums] = {}
    for line in lines:
        sums.setdefault(line.key, _Sums()).add(line)
    return {key: value.amounts() for key, value in sums.items()}


def _difference(hospital: Amounts, bureau: Amounts) -> Amounts:
    return Amounts(
        medfee_sumamt=hospital.medfee_sumamt - bureau.medfee_sumamt,
        fund_pay_sumamt=hospital.fund_pay_sumamt - bureau.fund_pay_sumamt,
        acct_pay=hospital.acct_pay - bureau.acct_pay,
        setl_cnt=hospital.setl_cnt - bureau.setl_cnt,
    )


def _total(amounts: Iterable[Amounts]) -> Amounts:
    sums = _Sums()
    for item in amounts:
        sums.medfee += item.medfee_sumamt
        sums.fund += item.fund_pay_sumamt
        sums.account += item.acct_pay
        sums.count += item.setl_cnt
    return sums.amounts()


def compare_totals(
    hospital: Mapping[RowKey, Amounts],
    bureau: Mapping[RowKey, Amounts],
    names: Mapping[RowKey, str] | None = None,
) -> list[TotalsRow]:
    """One row per key of either side (sorted by key), then the grand total.

    ``names`` gives a row's clearing-category name (省本机关 …) for display.
    """
    rows: list[TotalsRow] = []
    empty = Amounts()
    for key in sorted(set(hospital) | set(bureau)):
        ours, theirs = hospital.get(key, empty), bureau.get(key, empty)
        rows.append(
            TotalsRow(
                insutype=key.insutype or None,
                setl_optins=key.setl_optins or None,
                clr_type=key.clr_type or None,
                clr_type_name=(names or {}).get(key),
                hospital=ours,
                bureau=theirs,
                difference=_difference(ours, theirs),
                balanced=ours.figures() == theirs.figures(),
            )
        )
    ours, theirs = _total(r.hospital for r in rows), _total(r.bureau for r in rows)
    rows.append(
        TotalsRow(
            level="total",
            hospital=ours,
            bureau=theirs,
            difference=_difference(ours, theirs),
            balanced=all(r.balanced for r in rows),
        )
    )
    return rows


def request_3201(
    key: RowKey, amounts: Amounts, start: date, end: date, *, refunds: bool = False
) -> dict[str, Any]:
    """The ``input.data`` of a 3201 call for one row: the hospital's totals for the period.

    ``refd_setl_flag`` is sent as given; the reference does not say whether a deployment
    wants refunds in a separate call, so the caller decides.
    """
    return {
        "insutype": key.insutype,
        "clr_type": key.clr_type,
        "setl_optins": key.setl_optins,
        "stmt_begndate": start.isoformat(),
        "stmt_enddate": end.isoformat(),
        "medfee_sumamt": format_money(amounts.medfee_sumamt),
        "fund_pay_sumamt": format_money(amounts.fund_pay_sumamt),
        "acct_pay": format_money(amounts.acct_pay),
        "fixmedins_setl_cnt": amounts.setl_cnt,
        "refd_setl_flag": "1" if refunds else "0",
    }


def balanced_3201(answer: Mapping[str, Any], codes: Sequence[str] = BALANCED_CODES) -> bool:
    """Whether a 3201 answer (``output.stmtinfo`` or the whole envelope) says balanced."""
    info: Any = answer
    for key in ("output", "stmtinfo"):
        if isinstance(info, Mapping) and key in info:
            info = info[key]
    result = info.get("stmt_rslt") if isinstance(info, Mapping) else None
    return result is not None and str(result) in codes
