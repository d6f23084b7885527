"""Detail reconciliation (对明细账): settlement by settlement, which side differs and what to do.

Lines are matched by ``setl_id``. A difference is classified:

* ``bureau_only`` — the bureau settled, the hospital has nothing: confirm with the bureau and
  reverse it (冲正) through the interface, or record it if the patient was served;
* ``hospital_only`` — the hospital holds a settlement the bureau does not: re-upload it (the
  answer may have been lost), or refund the patient (seed 002: 医院端多收钱则对患者进行退费);
* ``amount_mismatch`` — both hold it with different amounts: the bureau's answer is the
  record; correct the hospital's copy (or reverse and settle again);
* ``refund_mismatch`` — any of the above on a refund line, or a refund flag that differs: the
  refund must be made (or recorded) on the other side, last first;
* ``category_mismatch`` — same amounts, different row key (insutype, setl_optins,
  clr_type): the totals of two rows are off by the same settlement; correct the category.

Differences are listed last-first (latest settlement time, then ``setl_id``, descending): the
order in which refunds and reversals must be made, as the bureau requires.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from medins_sdk.codes.tables import Flag
from medins_sdk.models import SdkModel, WireDateTime
from medins_sdk.money import SignedMoney
from medins_sdk.reconcile.lines import StatementLine

DifferenceKind = Literal[
    "bureau_only", "hospital_only", "amount_mismatch", "refund_mismatch", "category_mismatch"
]
Action = Literal["reverse", "reupload_or_refund", "correct", "record_refund", "resubmit_refund"]

ADVICE: Mapping[Action, str] = {
    "reverse": "医保端多: 核实后调用冲正接口 (confirm with the bureau, then reverse 冲正)",
    "reupload_or_refund": "医院端多: 重新上传结算, 或对患者退费 (re-upload, or refund the patient)",
    "correct": "金额或类别不符: 以医保结算结果为准更正医院记录 (correct the hospital's record)",
    "record_refund": "医保端已退费: 医院端补记退费 (record the bureau's refund in the HIS)",
    "resubmit_refund": "医院端已退费: 向医保补办退费, 后结先退 (submit the refund, last first)",
}
"""What each action means, in Chinese and English, for the people who act on it."""


class LineAmounts(SdkModel):
    """One side's figures for one settlement."""

    medfee_sumamt: SignedMoney = Field(description="医疗费总额")
    fund_pay_sumamt: SignedMoney = Field(description="基金支付总额")
    acct_pay: SignedMoney = Field(description="个人账户支付金额")
    refd_setl_flag: Flag = Field(Flag.NO, description="退费结算标志")

    @classmethod
    def of(cls, line: StatementLine | None) -> LineAmounts | None:
        """The figures of ``line`` (None for a side that lacks the settlement)."""
        if line is None:
            return None
        return cls(
            medfee_sumamt=line.total,
            fund_pay_sumamt=line.fund_total,
            acct_pay=line.account_pay,
            refd_setl_flag=Flag.YES if line.is_refund else Flag.NO,
        )


class Difference(SdkModel):
    """One settlement the two sides disagree on, located, classified, with the action."""

    kind: DifferenceKind = Field(description="差异类型")
    setl_id: str = Field(description="结算ID")
    insutype: str | None = Field(None, description="险种类型")
    setl_optins: str | None = Field(None, description="结算经办机构")
    clr_type: str | None = Field(None, description="清算类别")
    setl_time: WireDateTime | None = Field(None, description="结算时间")
    hospital: LineAmounts | None = Field(None, description="医院的金额")
    bureau: LineAmounts | None = Field(None, description="医保局的金额")
    more: Literal["hospital", "bureau"] | None = Field(
        None, description="哪边多 (None: same amounts)"
    )
    by: SignedMoney = Field(description="多多少: the first differing amount's gap, ≥ 0")
    action: Action = Field(description="建议处理")
    advice: str = Field(description="处理说明")


def _gap(hospital: StatementLine | None, bureau: StatementLine | None) -> Decimal:
    """Hospital − bureau on the first amount that differs (medfee, fund, account)."""
    ours = hospital.amounts if hospital else (Decimal(0),) * 3
    theirs = bureau.amounts if bureau else (Decimal(0),) * 3
    return next((a - b for a, b in zip(ours, theirs, strict=True) if a != b), Decimal(0))


def classify(
    hospital: StatementLine | None, bureau: StatementLine | None
) -> tuple[DifferenceKind, Action] | None:
    """The kind and action of one settlement's disagreement, or None when both agree."""
    either = hospital or bureau
    if either is None:
        return None
    if hospital is None or bureau is None:
        if either.is_refund:
            return "refund_mismatch", "record_refund" if hospital is None else "resubmit_refund"
        return (
            ("bureau_only", "reverse")
            if hospital is None
            else ("hospital_only", "reupload_or_refund")
        )
    if hospital.is_refund != bureau.is_refund:
        return "refund_mismatch", "record_refund" if bureau.is_refund else "resubmit_refund"
    if hospital.amounts != bureau.amounts:
        return ("refund_mismatch" if hospital.is_refund else "amount_mismatch"), "correct"
    if _key_differs(hospital, bureau):
        return "category_mismatch", "correct"
    return None


def _key_differs(hospital: StatementLine, bureau: StatementLine) -> bool:
    """Whether the row keys differ where the bureau states them (a 3202 file has none)."""
    pairs = (
        (hospital.insurance_type, bureau.insurance_type),
        (hospital.settlement_agency, bureau.settlement_agency),
        (hospital.clearing_type, bureau.clearing_type),
    )
    return any(theirs is not None and ours != theirs for ours, theirs in pairs)


def difference(hospital: StatementLine | None, bureau: StatementLine | None) -> Difference | None:
    """The located, classified difference of one settlement, or None when both agree."""
    found = classify(hospital, bureau)
    if found is None:
        return None
    kind, action = found
    line = hospital or bureau
    assert line is not None
    gap = _gap(hospital, bureau)
    return Difference(
        kind=kind,
        setl_id=line.setl_id,
        insutype=line.insurance_type,
        setl_optins=line.settlement_agency,
        clr_type=line.clearing_type,
        setl_time=line.settlement_time or (bureau.settlement_time if bureau else None),
        hospital=LineAmounts.of(hospital),
        bureau=LineAmounts.of(bureau),
        more=None if gap == 0 else "hospital" if gap > 0 else "bureau",
        by=abs(gap),
        action=action,
        advice=ADVICE[action],
    )


def last_first(item: Difference) -> tuple[datetime, str]:
    """Sort key of the last-first order (use with ``reverse=True``); no time sorts last."""
    return (item.setl_time or datetime.min, item.setl_id)


def compare_detail(
    hospital: Mapping[str, StatementLine], bureau: Mapping[str, StatementLine]
) -> list[Difference]:
    """Every settlement the sides disagree on, last first."""
    found = [
        item
        for setl_id in set(hospital) | set(bureau)
        if (item := difference(hospital.get(setl_id), bureau.get(setl_id))) is not None
    ]
    return sorted(found, key=last_first, reverse=True)
