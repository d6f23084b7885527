"""The settlement answer (结算信息): transaction 2304 output, also refunds and cancellations."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from pydantic import ValidationInfo, model_validator

from medins_sdk.codes import patterns
from medins_sdk.codes.tables import Flag, Gender, SettlementWay
from medins_sdk.models.base import (
    Naming,
    Problem,
    SdkModel,
    WireDate,
    WireDateTime,
    field_key,
    naming_of,
    raise_if,
    wire,
)
from medins_sdk.money import Measure, Ratio, SignedMoney


class SettlementInfo(SdkModel):
    """The settlement's amounts and parties (``setlinfo`` of 2304).

    Invariant (checked): ``medfee_sumamt = fund_pay_sumamt + acct_pay + psn_cash_pay``
    (+ ``hosp_part_amt`` where the region uses it). Amounts are non-negative unless the
    settlement is a refund or cancellation (``refd_setl_flag`` 1 or an original settlement).
    """

    setl_id: str = wire("setl_id", "结算ID", pattern=patterns.IDENTIFIER)
    visit_id: str = wire("mdtrt_id", "就诊ID", pattern=patterns.IDENTIFIER)
    person_no: str | None = wire("psn_no", "人员编号", None, pattern=patterns.IDENTIFIER)
    person_name: str | None = wire("psn_name", "人员姓名", None, pii="name")
    cert_type: str | None = wire("psn_cert_type", "人员证件类型", None)
    cert_no: str | None = wire("certno", "证件号码", None, pii="id_number")
    gender: Gender | None = wire("gend", "性别", None)
    ethnicity: str | None = wire("naty", "民族", None)
    birth_date: WireDate | None = wire("brdy", "出生日期", None)
    age: Measure | None = wire("age", "年龄", None)
    insurance_type: str | None = wire("insutype", "险种类型", None, pattern=patterns.INSURANCE_TYPE)
    person_type: str | None = wire("psn_type", "人员类别", None)
    civil_servant: Flag | None = wire("cvlserv_flag", "公务员标志", None)
    settlement_time: WireDateTime | None = wire("setl_time", "结算时间", None)
    certificate_type: str | None = wire("mdtrt_cert_type", "就诊凭证类型", None)
    medical_type: str | None = wire("med_type", "医疗类别", None, pattern=patterns.MEDICAL_TYPE)
    settlement_way: SettlementWay | None = wire("psn_setlway", "个人结算方式", None)
    total: SignedMoney = wire("medfee_sumamt", "医疗费总额")
    full_ownpay: SignedMoney | None = wire("fulamt_ownpay_amt", "全自费金额", None)
    over_limit_selfpay: SignedMoney | None = wire("overlmt_selfpay", "超限价自费费用", None)
    pre_selfpay: SignedMoney | None = wire("preselfpay_amt", "先行自付金额", None)
    in_scope: SignedMoney | None = wire("inscp_scp_amt", "符合政策范围金额", None)
    deductible: SignedMoney | None = wire("act_pay_dedc", "实际支付起付线", None)
    pooled_fund: SignedMoney | None = wire("hifp_pay", "基本医疗保险统筹基金支出", None)
    pooled_ratio: Ratio | None = wire("pool_prop_selfpay", "基本医疗保险统筹基金支付比例", None)
    civil_servant_subsidy: SignedMoney | None = wire("cvlserv_pay", "公务员医疗补助资金支出", None)
    enterprise_supplement: SignedMoney | None = wire("hifes_pay", "企业补充医疗保险基金支出", None)
    critical_illness: SignedMoney | None = wire("hifmi_pay", "居民大病保险资金支出", None)
    large_amount: SignedMoney | None = wire("hifob_pay", "职工大额医疗费用补助基金支出", None)
    medical_aid: SignedMoney | None = wire("maf_pay", "医疗救助基金支出", None)
    other_fund: SignedMoney | None = wire("oth_pay", "其他支出", None)
    fund_total: SignedMoney = wire("fund_pay_sumamt", "基金支付总额")
    person_part: SignedMoney | None = wire("psn_part_amt", "个人负担总金额", None)
    account_pay: SignedMoney = wire("acct_pay", "个人账户支出")
    cash_pay: SignedMoney = wire("psn_cash_pay", "个人现金支出")
    hospital_part: SignedMoney | None = wire("hosp_part_amt", "医院负担金额", None)
    account_balance: SignedMoney | None = wire("balc", "余额", None)
    account_mutual_aid: SignedMoney | None = wire("acct_mulaid_pay", "个人账户共济支付金额", None)
    hospital_setl_id: str | None = wire("medins_setl_id", "医药机构结算ID", None)
    clearing_agency: str | None = wire("clr_optins", "清算经办机构", None)
    clearing_way: str | None = wire("clr_way", "清算方式", None)
    clearing_type: str | None = wire("clr_type", "清算类别", None, pattern=patterns.CLEARING_TYPE)
    refund: Flag | None = wire("refd_setl_flag", "退费结算标志", None)
    original_setl_id: str | None = wire(
        None, "原结算ID (冲销/退费时, SDK 扩展)", None, pattern=patterns.IDENTIFIER
    )

    @property
    def is_refund(self) -> bool:
        """A refund or cancellation: its amounts may be negative."""
        return self.refund is Flag.YES or self.original_setl_id is not None

    @property
    def parts_total(self) -> Decimal:
        """fund + personal account + cash (+ hospital part): what must equal the total."""
        return (
            self.fund_total + self.account_pay + self.cash_pay + (self.hospital_part or Decimal(0))
        )

    @model_validator(mode="after")
    def _check_amounts(self, info: ValidationInfo) -> SettlementInfo:
        raise_if("SettlementInfo", self._problems(naming_of(info)))
        return self

    def _problems(self, naming: Naming) -> Iterator[Problem]:
        if self.total != self.parts_total:
            hospital = " + hosp_part_amt" if self.hospital_part is not None else ""
            yield Problem(
                (field_key(SettlementInfo, "total", naming),),
                "unbalanced_settlement",
                f"medfee_sumamt {self.total:.2f} ≠ fund_pay_sumamt + acct_pay + psn_cash_pay"
                f"{hospital} = {self.parts_total:.2f}",
            )
        if not self.is_refund:
            for name in SettlementInfo.model_fields:
                value = getattr(self, name)
                if isinstance(value, Decimal) and value < 0:
                    yield Problem(
                        (field_key(SettlementInfo, name, naming),),
                        "negative_amount",
                        "amount is negative but the settlement is not a refund",
                    )


class FundDetail(SdkModel):
    """One fund's share of the settlement (``setldetail`` of 2304)."""

    fund_type: str = wire("fund_pay_type", "基金支付类型", pattern=patterns.FUND_PAY_TYPE)
    in_scope: SignedMoney | None = wire("inscp_scp_amt", "符合政策范围金额", None)
    payable_limit: SignedMoney | None = wire("crt_payb_lmt_amt", "本次可支付限额金额", None)
    amount: SignedMoney = wire("fund_payamt", "基金支付金额")
    fund_name: str | None = wire("fund_pay_type_name", "基金支付类型名称", None)
    process_info: str | None = wire("setl_proc_info", "结算过程信息", None)


class Settlement(SdkModel):
    """A settlement answer (2304): the settlement and each fund's share."""

    info: SettlementInfo = wire("setlinfo", "结算信息")
    funds: list[FundDetail] = wire("setldetail", "结算基金分项信息", default_factory=list)
