"""One settlement as reconciliation sees it: its id, its row key and the three amounts.

Both sides are reduced to this shape: the hospital's 2304/2305 answers (from the ledger or a
file) and the bureau's statement (its detail file, the 3202 result file, a CSV export). Only
what the bureau checks is kept — ``medfee_sumamt``, ``fund_pay_sumamt``, ``acct_pay``, the
refund flag — plus the row key (``insutype``, ``setl_optins``, ``clr_type``), so a line
carries no name or ID number and can be logged and written to reports as it is.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from pydantic import model_validator

from medins_sdk.codes import patterns
from medins_sdk.codes.tables import Flag
from medins_sdk.io.formats import ModelFormat
from medins_sdk.models import SdkModel, Settlement, SettlementInfo, WireDateTime
from medins_sdk.models.base import wire
from medins_sdk.money import SignedMoney


class RowKey(NamedTuple):
    """The key totals are compared by: 险种类型, 结算经办机构, 清算类别 ("" when unknown)."""

    insutype: str
    setl_optins: str
    clr_type: str


class StatementLine(SdkModel):
    """A settlement (or refund) as both sides list it for reconciliation (3202 fields + key).

    ``setl_optins`` (结算经办机构) is the ``clr_optins`` of the 2304 answer: national files
    that only carry ``clr_optins`` are read with it as ``setl_optins``.
    """

    setl_id: str = wire("setl_id", "结算ID", pattern=patterns.IDENTIFIER)
    visit_id: str | None = wire("mdtrt_id", "就诊ID", None, pattern=patterns.IDENTIFIER)
    person_no: str | None = wire("psn_no", "人员编号", None, pattern=patterns.IDENTIFIER)
    insurance_type: str | None = wire("insutype", "险种类型", None, pattern=patterns.INSURANCE_TYPE)
    settlement_agency: str | None = wire(
        "setl_optins", "结算经办机构", None, pattern=patterns.IDENTIFIER
    )
    clearing_type: str | None = wire("clr_type", "清算类别", None, pattern=patterns.CLEARING_TYPE)
    settlement_time: WireDateTime | None = wire("setl_time", "结算时间", None)
    total: SignedMoney = wire("medfee_sumamt", "医疗费总额")
    fund_total: SignedMoney = wire("fund_pay_sumamt", "基金支付总额")
    account_pay: SignedMoney = wire("acct_pay", "个人账户支出")
    refund: Flag | None = wire("refd_setl_flag", "退费结算标志", None)
    original_setl_id: str | None = wire(
        None, "原结算ID (退费时, SDK 扩展)", None, pattern=patterns.IDENTIFIER
    )

    @model_validator(mode="before")
    @classmethod
    def _agency_from_clearing(cls, data: Any) -> Any:
        """National files name the agency ``clr_optins`` (2304) or ``setl_optins`` (3201)."""
        if isinstance(data, dict) and "setl_optins" not in data and "clr_optins" in data:
            return {**data, "setl_optins": data["clr_optins"]}
        return data

    @property
    def is_refund(self) -> bool:
        """A refund or cancellation (退费 / 冲销) line."""
        return self.refund is Flag.YES or self.original_setl_id is not None

    @property
    def key(self) -> RowKey:
        """The totals row this line counts in."""
        return RowKey(
            self.insurance_type or "", self.settlement_agency or "", self.clearing_type or ""
        )

    @property
    def amounts(self) -> tuple[Decimal, Decimal, Decimal]:
        """``(medfee_sumamt, fund_pay_sumamt, acct_pay)``: what the bureau compares."""
        return (self.total, self.fund_total, self.account_pay)

    def within(self, start: date | None, end: date | None) -> bool:
        """Whether the settlement date lies in ``[start, end]`` (open ends allowed).

        A line without a time (a 3202 result file has none) is in every period: the bureau's
        file already is the period's.
        """
        when = self.settlement_time
        if when is None:
            return True
        day = when.date()
        return (start is None or day >= start) and (end is None or day <= end)


def line_of(info: SettlementInfo, original_setl_id: str | None = None) -> StatementLine:
    """The reconciliation line of a 2304 (or 2305) answer's ``setlinfo``."""
    return StatementLine(
        setl_id=info.setl_id,
        visit_id=info.visit_id,
        person_no=info.person_no,
        insurance_type=info.insurance_type,
        settlement_agency=info.clearing_agency,
        clearing_type=info.clearing_type,
        settlement_time=info.settlement_time,
        total=info.total,
        fund_total=info.fund_total,
        account_pay=info.account_pay,
        refund=Flag.YES if info.is_refund else Flag.NO,
        original_setl_id=original_setl_id or info.original_setl_id,
    )


def _line_of_settlement(model: SdkModel) -> SdkModel:
    assert isinstance(model, Settlement)
    return line_of(model.info)


STATEMENT_FORMATS: tuple[ModelFormat, ...] = (
    # Named "canonical" so the record reader validates such lines straight from their bytes.
    ModelFormat(
        "canonical",
        "a statement line in the SDK's canonical JSON (English field names)",
        "settlement",
        StatementLine,
        "canonical",
        id_paths=(("setl_id",),),
    ),
    ModelFormat(
        "statement-line-national",
        "a settlement's setlinfo fields, flat (2304 setlinfo, 3202 detail line)",
        "settlement",
        StatementLine,
        "national",
        id_paths=(("setl_id",),),
    ),
    ModelFormat(
        "statement-2304",
        "a 2304/2305 answer (setlinfo, setldetail) reduced to its reconciliation line",
        "settlement",
        Settlement,
        "national",
        infno=("2304", "2305"),
        id_paths=(("setlinfo", "setl_id"),),
        wrap=_line_of_settlement,
    ),
)
"""The JSON shapes a statement file's records may have; each reads into a StatementLine."""


def parse_day(text: str) -> date:
    """``2022-11-15`` (or ``20221115``) as a date; ValueError otherwise."""
    digits = text.replace("-", "")
    if len(digits) != 8 or not digits.isdigit():
        raise ValueError(f"{text!r} is not a date (yyyy-MM-dd)")
    return datetime.strptime(digits, "%Y%m%d").date()
