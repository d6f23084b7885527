"""Charge lines (费用明细): transaction 2301 ``feedetail`` and the bureau's per-line answer."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal

from pydantic import ValidationInfo, model_validator

from medins_sdk.codes import patterns
from medins_sdk.codes.tables import ChargeCategory, ChargeLevel, Flag
from medins_sdk.models.base import (
    Naming,
    Problem,
    SdkModel,
    WireDateTime,
    field_key,
    naming_of,
    raise_if,
    wire,
)
from medins_sdk.money import Money, Price, Quantity, Ratio, SignedMoney

_ZERO = Decimal(0)


class ChargeLine(SdkModel):
    """One inpatient or outpatient charge line (费用明细), as uploaded with 2301.

    The bureau's per-line answer fields (price ceiling, self-pay ratio, item level …) are
    optional: a line is complete before the bureau has seen it.
    """

    line_no: str = wire("feedetl_sn", "费用明细流水号", min_length=1, max_length=64)
    original_line_no: str | None = wire(
        "init_feedetl_sn", "原费用流水号 (退费时)", None, pattern=patterns.IDENTIFIER
    )
    visit_id: str | None = wire("mdtrt_id", "就诊ID", None, min_length=1, max_length=64)
    order_no: str | None = wire("drord_no", "医嘱号", None)
    person_no: str | None = wire("psn_no", "人员编号", None, pattern=patterns.IDENTIFIER)
    medical_type: str | None = wire("med_type", "医疗类别", None, pattern=patterns.MEDICAL_TYPE)
    time: WireDateTime = wire("fee_ocur_time", "费用发生时间")
    catalogue_code: str = wire("med_list_codg", "医疗目录编码", min_length=1, max_length=50)
    hospital_code: str = wire("medins_list_codg", "医药机构目录编码", min_length=1, max_length=50)
    item_name: str | None = wire(None, "项目名称 (SDK 扩展)", None, max_length=200)
    amount: SignedMoney = wire("det_item_fee_sumamt", "明细项目费用总额")
    quantity: Quantity = wire("cnt", "数量")
    price: Price = wire("pric", "单价")
    category: ChargeCategory | None = wire("med_chrgitm_type", "医疗收费项目类别", None)
    dept_code: str | None = wire("bilg_dept_codg", "开单科室编码", None)
    dept_name: str | None = wire("bilg_dept_name", "开单科室名称", None)
    doctor_code: str | None = wire("bilg_dr_codg", "开单医生编码", None)
    doctor_name: str | None = wire("bilg_dr_name", "开单医师姓名", None)
    performing_dept_code: str | None = wire("acord_dept_codg", "受单科室编码", None)
    performing_dept_name: str | None = wire("acord_dept_name", "受单科室名称", None)
    performing_doctor_code: str | None = wire("orders_dr_code", "受单医生编码", None)
    performing_doctor_name: str | None = wire("orders_dr_name", "受单医生姓名", None)
    hospital_approval: str | None = wire("hosp_appr_flag", "医院审批标志", None, pattern=r"^\d$")
    tcm_usage: str | None = wire("tcmdrug_used_way", "中药使用方式", None, pattern=r"^\d$")
    external_test: Flag | None = wire("etip_flag", "外检标志", None)
    external_hospital_code: str | None = wire("etip_hosp_code", "外检医院编码", None)
    discharge_medication: Flag | None = wire("dscg_tkdrug_flag", "出院带药标志", None)
    maternity_fee: Flag | None = wire("matn_fee_flag", "生育费用标志", None)
    memo: str | None = wire("memo", "备注", None, max_length=500)
    # The bureau's answer per line (2301 output).
    price_ceiling: Money | None = wire("pric_uplmt_amt", "定价上限金额", None)
    selfpay_ratio: Ratio | None = wire("selfpay_prop", "自付比例", None)
    full_ownpay_amount: SignedMoney | None = wire("fulamt_ownpay_amt", "全自费金额", None)
    over_limit_amount: SignedMoney | None = wire("overlmt_amt", "超限价金额", None)
    pre_selfpay_amount: SignedMoney | None = wire("preselfpay_amt", "先行自付金额", None)
    in_scope_amount: SignedMoney | None = wire("inscp_scp_amt", "符合政策范围金额", None)
    charge_level: ChargeLevel | None = wire("chrgitm_lv", "收费项目等级", None)
    limited_use: Flag | None = wire("lmt_used_flag", "限制使用标志", None)

    @property
    def is_refund(self) -> bool:
        """A refund line points at the line it refunds (退费冲销)."""
        return self.original_line_no is not None


def line_problems(
    lines: Sequence[ChargeLine], naming: Naming, prefix: tuple[str | int, ...]
) -> Iterator[Problem]:
    """Defects of a set of charge lines: duplicate line numbers, negative non-refund lines.

    Checked once over the set rather than per line: a few C-speed passes over hundreds of
    lines cost far less than a Python validator on each line, and duplicates need the set.
    Only when a pass finds something does the slow, locating loop run.
    """
    numbers = [line.line_no for line in lines]
    duplicated = len(set(numbers)) != len(numbers)
    negative = (
        min((line.amount for line in lines), default=_ZERO) < _ZERO
        or min((line.quantity for line in lines), default=_ZERO) < _ZERO
    )
    if not (duplicated or negative):
        return
    seen: set[str] = set()
    line_no = field_key(ChargeLine, "line_no", naming)
    for index, line in enumerate(lines):
        if line.line_no in seen:
            yield Problem(
                (*prefix, index, line_no),
                "duplicate_line",
                f"charge line number {line.line_no} appears twice in the visit",
            )
        seen.add(line.line_no)
        if line.original_line_no is None and (line.amount < 0 or line.quantity < 0):
            field = "amount" if line.amount < 0 else "quantity"
            yield Problem(
                (*prefix, index, field_key(ChargeLine, field, naming)),
                "negative_charge",
                f"{field} is negative but the line is not a refund (no original line number)",
            )


def lines_total(lines: Sequence[ChargeLine]) -> Decimal:
    """Net amount of the lines, refunds included (their amounts are negative)."""
    return sum([line.amount for line in lines], _ZERO)


class ChargeBatch(SdkModel):
    """A 2301 upload: the charge lines of one visit (``feedetail``)."""

    lines: list[ChargeLine] = wire("feedetail", "费用明细", min_length=1)

    @model_validator(mode="after")
    def _check_lines(self, info: ValidationInfo) -> ChargeBatch:
        naming = naming_of(info)
        raise_if(
            "ChargeBatch",
            line_problems(self.lines, naming, (field_key(ChargeBatch, "lines", naming),)),
        )
        return self

    @property
    def total(self) -> Decimal:
        """Net amount of the batch."""
        return lines_total(self.lines)
