"""The settlement list (医疗保障基金结算清单): transactions 4101 / 4101A.

Coded in the insurance editions (ICD-10 医保版 2.0, ICD-9-CM-3 医保版 2.0); the documents
DRG and DIP grouping are done on. Knowledge checks (grey codes, sex/diagnosis conflicts,
missing mandatory fields for quality control) are audit rules, not validation: validation
only refuses what no later step could process.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import ValidationInfo, model_validator

from medins_sdk.codes import patterns
from medins_sdk.codes.tables import (
    AdmissionCondition,
    ChargeCategory,
    DiagnosisType,
    DischargeWay,
    Flag,
    Gender,
    OperationType,
)
from medins_sdk.models.base import (
    Naming,
    Problem,
    SdkModel,
    WireDate,
    WireDateTime,
    field_key,
    naming_of,
    order_problem,
    principal_problems,
    raise_if,
    wire,
)
from medins_sdk.money import Measure, Money

_PRINCIPAL_WHAT = {kind: f"diagnosis of type {kind.value} ({kind.label})" for kind in DiagnosisType}
"""Each diagnosis type with the words the principal-diagnosis check uses for it, worked out
once: iterating the enum and wording each type cost more than the check on every list."""


class SettlementListInfo(SdkModel):
    """Base information of the settlement list (``setlinfo`` of 4101, 基本信息)."""

    visit_id: str = wire("mdtrt_id", "就诊ID", pattern=patterns.IDENTIFIER)
    setl_id: str = wire("setl_id", "结算ID", pattern=patterns.IDENTIFIER)
    person_no: str | None = wire("psn_no", "人员编号", None, pattern=patterns.IDENTIFIER)
    institution_name: str | None = wire("fixmedins_name", "定点医药机构名称", None)
    institution_code: str | None = wire("fixmedins_code", "定点医药机构编号", None)
    settlement_level: str | None = wire("hi_setl_lv", "医保结算等级", None)
    insurance_no: str | None = wire("hi_no", "医保编号", None)
    record_no: str | None = wire("medcasno", "病案号", None)
    declared_time: WireDateTime | None = wire("dcla_time", "申报时间", None)
    person_name: str | None = wire("psn_name", "人员姓名", None, pii="name")
    gender: Gender = wire("gend", "性别")
    birth_date: WireDate | None = wire("brdy", "出生日期", None)
    age: int | None = wire("age", "年龄(岁)", None, ge=0, le=150)
    nationality: str | None = wire("ntly", "国籍", None)
    newborn_age_days: int | None = wire("nwb_age", "(年龄不足1周岁)年龄(天)", None, ge=0, le=366)
    ethnicity: str | None = wire("naty", "民族", None)
    cert_type: str | None = wire("patn_cert_type", "患者证件类别", None)
    cert_no: str | None = wire("certno", "证件号码", None, pii="id_number")
    occupation: str | None = wire("prfs", "职业", None)
    current_address: str | None = wire("curr_addr", "现住址", None, pii="address")
    employer_name: str | None = wire("emp_name", "单位名称", None)
    employer_address: str | None = wire("emp_addr", "单位地址", None, pii="address")
    employer_phone: str | None = wire("emp_tel", "单位电话", None, pii="phone")
    postcode: str | None = wire("poscode", "邮编", None)
    contact_name: str | None = wire("coner_name", "联系人姓名", None, pii="name")
    contact_relation: str | None = wire("patn_rlts", "与患者关系", None)
    contact_address: str | None = wire("coner_addr", "联系人地址", None, pii="address")
    contact_phone: str | None = wire("coner_tel", "联系人电话", None, pii="phone")
    insurance_category: str | None = wire("hi_type", "医保类型", None)
    insured_region: str | None = wire("insuplc", "参保地", None, pattern=patterns.REGION)
    special_person_type: str | None = wire("sp_psn_type", "特殊人员类型", None)
    newborn_admission_type: str | None = wire("nwb_adm_type", "新生儿入院类型", None)
    newborn_birth_weight: Measure | None = wire("nwb_bir_wt", "新生儿出生体重(g)", None)
    newborn_admission_weight: Measure | None = wire("nwb_adm_wt", "新生儿入院体重(g)", None)
    outpatient_special_dept: str | None = wire("opsp_diag_caty", "门诊慢特病诊断科别", None)
    outpatient_special_date: WireDate | None = wire("opsp_mdtrt_date", "门诊慢特病就诊日期", None)
    inpatient_medical_type: str | None = wire("ipt_med_type", "住院医疗类型", None)
    admission_route: str | None = wire("adm_way", "入院途径", None)
    treatment_type: str | None = wire("trt_type", "治疗类别", None)
    admission_time: WireDateTime | None = wire("adm_time", "入院时间", None)
    admission_dept: str | None = wire("adm_caty", "入院科别", None, pattern=patterns.DEPARTMENT)
    transfer_dept: str | None = wire("refldept_dept", "转科科别", None)
    discharge_time: WireDateTime | None = wire("dscg_time", "出院时间", None)
    discharge_dept: str | None = wire("dscg_caty", "出院科别", None, pattern=patterns.DEPARTMENT)
    length_of_stay: int | None = wire("act_ipt_days", "实际住院天数", None, ge=0)
    outpatient_wm_diagnosis: str | None = wire("otp_wm_dise", "门(急)诊诊断(西医)", None)
    outpatient_wm_code: str | None = wire("wm_dise_code", "西医诊断疾病代码", None)
    outpatient_tcm_diagnosis: str | None = wire("otp_tcm_dise", "门(急)诊诊断(中医)", None)
    outpatient_tcm_code: str | None = wire("tcm_dise_code", "中医诊断代码", None)
    diagnosis_count: int | None = wire("diag_code_cnt", "诊断代码计数", None, ge=0)
    operation_count: int | None = wire("oprn_oprt_code_cnt", "手术及操作代码计数", None, ge=0)
    ventilation_duration: str | None = wire(
        "vent_used_dura", "呼吸机使用时长(天/小时/分钟)", None, pattern=patterns.DURATION
    )
    coma_before_admission: str | None = wire(
        "pwcry_bfadm_coma_dura", "颅脑损伤患者入院前昏迷时长", None, pattern=patterns.DURATION
    )
    coma_after_admission: str | None = wire(
        "pwcry_afadm_coma_dura", "颅脑损伤患者入院后昏迷时长", None, pattern=patterns.DURATION
    )
    blood_category: str | None = wire("bld_cat", "输血品种", None)
    blood_amount: Measure | None = wire("bld_amt", "输血量", None)
    blood_unit: str | None = wire("bld_unt", "输血计量单位", None)
    special_care_days: int | None = wire("spga_nurscare_days", "特级护理天数", None, ge=0)
    level1_care_days: int | None = wire("lv1_nurscare_days", "一级护理天数", None, ge=0)
    level2_care_days: int | None = wire("scd_nurscare_days", "二级护理天数", None, ge=0)
    level3_care_days: int | None = wire("lv3_nurscare_days", "三级护理天数", None, ge=0)
    discharge_way: DischargeWay | None = wire("dscg_way", "离院方式", None)
    receiving_institution_name: str | None = wire("acp_medins_name", "拟接收机构名称", None)
    receiving_institution_code: str | None = wire("acp_optins_code", "拟接收机构代码", None)
    bill_code: str | None = wire("bill_code", "票据代码", None)
    bill_no: str | None = wire("bill_no", "票据号码", None)
    business_serial_no: str | None = wire("biz_sn", "业务流水号", None)
    readmission_plan: str | None = wire("days_rinp_flag_31", "出院31天内再住院计划标志", None)
    readmission_purpose: str | None = wire("days_rinp_pup_31", "出院31天内再住院目的", None)
    attending_doctor_name: str | None = wire("chfpdr_name", "主诊医师姓名", None)
    attending_doctor_code: str | None = wire("chfpdr_code", "主诊医师代码", None)
    settlement_start: WireDate | None = wire("setl_begn_date", "结算开始日期", None)
    settlement_end: WireDate | None = wire("setl_end_date", "结算结束日期", None)
    self_pay: Money | None = wire("psn_selfpay", "个人自付", None)
    own_pay: Money | None = wire("psn_ownpay", "个人自费", None)
    account_pay: Money | None = wire("acct_pay", "个人账户支出", None)
    cash_pay: Money | None = wire("psn_cashpay", "个人现金支付", None)
    payment_method: str | None = wire("hi_paymtd", "医保支付方式", None)
    agency: str | None = wire("hsorg", "医保机构", None)
    agency_operator: str | None = wire("hsorg_opter", "医保机构经办人", None)
    filling_dept: str | None = wire("medins_fill_dept", "医疗机构填报部门", None)
    filling_person: str | None = wire("medins_fill_psn", "医疗机构填报人", None)

    @model_validator(mode="after")
    def _check_order(self, info: ValidationInfo) -> SettlementListInfo:
        naming = naming_of(info)
        cls = SettlementListInfo
        raise_if(
            "SettlementListInfo",
            order_problem(
                cls,
                self.admission_time,
                self.discharge_time,
                "discharge_time",
                naming,
                "discharge time is before admission time",
            )
            + order_problem(
                cls,
                self.settlement_start,
                self.settlement_end,
                "settlement_end",
                naming,
                "settlement end date is before its start date",
            ),
        )
        return self


class FundPayment(SdkModel):
    """A fund's payment on the settlement (``payinfo``, 基金支付信息)."""

    fund_type: str = wire("fund_pay_type", "基金支付类型", pattern=patterns.FUND_PAY_TYPE)
    amount: Money = wire("fund_payamt", "基金支付金额")


class OutpatientDiagnosis(SdkModel):
    """Outpatient chronic/special disease diagnosis (``opspdiseinfo``, 门诊慢特病诊断信息)."""

    diagnosis_name: str | None = wire("diag_name", "诊断名称", None)
    diagnosis_code: str = wire("diag_code", "诊断代码", pattern=patterns.ICD10)
    operation_name: str | None = wire("oprn_oprt_name", "手术及操作名称", None)
    operation_code: str | None = wire(
        "oprn_oprt_code", "手术及操作代码", None, pattern=patterns.ICD9CM3
    )


class Diagnosis(SdkModel):
    """An inpatient diagnosis (``diseinfo``, 住院诊断信息)."""

    type: DiagnosisType = wire("diag_type", "诊断类别")
    code: str = wire(
        "diag_code", "诊断代码 (ICD-10 西医 / GB/T 15657 中医, by type)", max_length=40
    )
    name: str | None = wire("diag_name", "诊断名称", None)
    principal: Flag = wire("maindiag_flag", "主诊断标志")
    admission_condition: AdmissionCondition | None = wire("adm_cond_type", "入院病情", None)

    @model_validator(mode="after")
    def _check_code_shape(self, info: ValidationInfo) -> Diagnosis:
        western = self.type is DiagnosisType.WESTERN
        if (patterns.ICD10_SHAPE if western else patterns.TCM_SHAPE).fullmatch(self.code) is None:
            edition = "an ICD-10 code" if western else "a TCM (GB/T 15657) code"
            raise_if(
                "Diagnosis",
                [
                    Problem(
                        (field_key(Diagnosis, "code", naming_of(info)),),
                        "code_shape",
                        f"diagnosis code is not shaped like {edition}",
                    )
                ],
            )
        return self

    @property
    def is_principal(self) -> bool:
        """Whether this is the principal diagnosis (主要诊断)."""
        return self.principal is Flag.YES


class Operation(SdkModel):
    """An operation or procedure (``oprninfo``, 手术操作信息)."""

    type: OperationType = wire("oprn_oprt_type", "手术操作类别")
    name: str | None = wire("oprn_oprt_name", "手术及操作名称", None)
    code: str = wire("oprn_oprt_code", "手术及操作代码", pattern=patterns.ICD9CM3)
    date: WireDateTime | None = wire("oprn_oprt_date", "手术及操作日期", None)
    anaesthesia_way: str | None = wire("anst_way", "麻醉方式", None)
    surgeon_name: str | None = wire("oper_dr_name", "术者医师姓名", None)
    surgeon_code: str | None = wire("oper_dr_code", "术者医师代码", None)
    anaesthetist_name: str | None = wire("anst_dr_name", "麻醉医师姓名", None)
    anaesthetist_code: str | None = wire("anst_dr_code", "麻醉医师代码", None)
    start: WireDateTime | None = wire("oprn_oprt_begntime", "手术操作开始时间 (4101A)", None)
    end: WireDateTime | None = wire("oprn_oprt_endtime", "手术操作结束时间 (4101A)", None)
    anaesthesia_start: WireDateTime | None = wire("anst_begntime", "麻醉开始时间 (4101A)", None)
    anaesthesia_end: WireDateTime | None = wire("anst_endtime", "麻醉结束时间 (4101A)", None)

    @model_validator(mode="after")
    def _check_order(self, info: ValidationInfo) -> Operation:
        naming = naming_of(info)
        raise_if(
            "Operation",
            order_problem(
                Operation, self.start, self.end, "end", naming, "operation ends before it starts"
            )
            + order_problem(
                Operation,
                self.anaesthesia_start,
                self.anaesthesia_end,
                "anaesthesia_end",
                naming,
                "anaesthesia ends before it starts",
            ),
        )
        return self

    @property
    def is_principal(self) -> bool:
        """Whether this is the principal operation (主要手术及操作)."""
        return self.type is OperationType.PRINCIPAL


class IcuStay(SdkModel):
    """A stay in intensive care (``icuinfo``, 重症监护信息)."""

    ward_type: str | None = wire("scs_cutd_ward_type", "重症监护病房类型", None)
    entered: WireDateTime | None = wire("scs_cutd_inpool_time", "进重症监护室时间", None)
    left: WireDateTime | None = wire("scs_cutd_exit_time", "出重症监护室时间", None)
    duration: str | None = wire(
        "scs_cutd_sum_dura", "重症监护合计时长(天/小时/分钟)", None, pattern=patterns.DURATION
    )

    @model_validator(mode="after")
    def _check_order(self, info: ValidationInfo) -> IcuStay:
        raise_if(
            "IcuStay",
            order_problem(
                IcuStay, self.entered, self.left, "left", naming_of(info), "ICU exit before entry"
            ),
        )
        return self


class Transfusion(SdkModel):
    """A blood transfusion (``bldinfo`` of 4101A, 输血信息)."""

    category: str | None = wire("bld_cat", "输血品种", None)
    amount: Measure | None = wire("bld_amt", "输血量", None)
    unit: str | None = wire("bld_unt", "输血计量单位", None)


class ChargeItemSummary(SdkModel):
    """One row of the charge table (``iteminfo``, 医疗收费信息): a category's amounts."""

    category: ChargeCategory = wire("med_chrgitm", "医疗收费项目类别")
    amount: Money = wire("amt", "金额")
    class_a: Money | None = wire("claa_sumfee", "甲类费用合计", None)
    class_b: Money | None = wire("clab_amt", "乙类金额", None)
    full_ownpay: Money | None = wire("fulamt_ownpay_amt", "全自费金额", None)
    other: Money | None = wire("oth_amt", "其他金额", None)


class SettlementList(SdkModel):
    """The settlement list (结算清单), as uploaded with 4101 / 4101A.

    Validation checks what belongs to the data itself: exactly one principal western
    diagnosis on an inpatient list (and at most one per TCM diagnosis type), each charge
    category once, and the time order of admission, discharge and settlement period.
    """

    info: SettlementListInfo = wire("setlinfo", "基本信息")
    payments: list[FundPayment] = wire("payinfo", "基金支付信息", default_factory=list)
    outpatient_diagnoses: list[OutpatientDiagnosis] = wire(
        "opspdiseinfo", "门诊慢特病诊断信息", default_factory=list
    )
    diagnoses: list[Diagnosis] = wire("diseinfo", "住院诊断信息", default_factory=list)
    charge_items: list[ChargeItemSummary] = wire("iteminfo", "医疗收费信息", default_factory=list)
    operations: list[Operation] = wire("oprninfo", "手术操作信息", default_factory=list)
    icu_stays: list[IcuStay] = wire("icuinfo", "重症监护信息", default_factory=list)
    transfusions: list[Transfusion] = wire("bldinfo", "输血信息 (4101A)", default_factory=list)

    @model_validator(mode="after")
    def _check_list(self, info: ValidationInfo) -> SettlementList:
        raise_if("SettlementList", self._problems(naming_of(info)))
        return self

    def _problems(self, naming: Naming) -> list[Problem]:
        principals: dict[DiagnosisType, list[int]] = {kind: [] for kind in _PRINCIPAL_WHAT}
        yes = Flag.YES  # one enum lookup, not one per diagnosis
        for index, diagnosis in enumerate(self.diagnoses):
            if diagnosis.principal is yes:
                principals[diagnosis.type].append(index)
        needs_principal = self.info.admission_time is not None or any(
            d.type is DiagnosisType.WESTERN for d in self.diagnoses
        )
        diagnoses_key = field_key(SettlementList, "diagnoses", naming)
        flag_key = field_key(Diagnosis, "principal", naming)
        problems: list[Problem] = []
        for kind, indexes in principals.items():
            problems += principal_problems(
                indexes,
                diagnoses_key,
                flag_key,
                _PRINCIPAL_WHAT[kind],
                required=kind is DiagnosisType.WESTERN and needs_principal,
            )
        seen: set[ChargeCategory] = set()
        for index, item in enumerate(self.charge_items):
            if item.category in seen:
                problems.append(
                    Problem(
                        (
                            field_key(SettlementList, "charge_items", naming),
                            index,
                            field_key(ChargeItemSummary, "category", naming),
                        ),
                        "duplicate_category",
                        f"charge category {item.category.value} ({item.category.label}) "
                        "appears twice",
                    )
                )
            seen.add(item.category)
        return problems

    @property
    def principal_diagnosis(self) -> Diagnosis | None:
        """The principal western diagnosis (主要诊断), the one grouping starts from."""
        return next(
            (d for d in self.diagnoses if d.type is DiagnosisType.WESTERN and d.is_principal),
            None,
        )

    @property
    def secondary_diagnoses(self) -> list[Diagnosis]:
        """Western diagnoses other than the principal one (其他诊断)."""
        return [d for d in self.diagnoses if d.type is DiagnosisType.WESTERN and not d.is_principal]

    @property
    def principal_operation(self) -> Operation | None:
        """The principal operation, or the first one listed when none is flagged."""
        flagged = next((o for o in self.operations if o.is_principal), None)
        return flagged or (self.operations[0] if self.operations else None)

    @property
    def charge_items_total(self) -> Decimal | None:
        """Σ ``iteminfo.amt``, or None when the list carries no charge table."""
        if not self.charge_items:
            return None
        return sum((item.amount for item in self.charge_items), Decimal(0))
