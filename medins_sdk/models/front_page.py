"""The medical record front page (住院病案首页): transaction 4401.

The front page is the hospital's clinical record: codes are in the national clinical
editions (国临版). The settlement list is derived from it with the clinical → insurance
crosswalks (``medins_sdk.codes.icd``).
"""

from __future__ import annotations

from pydantic import ValidationInfo, model_validator

from medins_sdk.codes import patterns
from medins_sdk.codes.tables import DischargeWay, Flag, Gender
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


class FrontPageBase(SdkModel):
    """Base information of the front page (``baseinfo`` of 4401)."""

    visit_serial: str | None = wire("mdtrt_sn", "就医流水号", None, pattern=patterns.IDENTIFIER)
    visit_id: str | None = wire("mdtrt_id", "就诊ID", None, pattern=patterns.IDENTIFIER)
    person_no: str | None = wire("psn_no", "人员编号", None, pattern=patterns.IDENTIFIER)
    admission_count: int | None = wire("patn_ipt_cnt", "患者住院次数", None, ge=1)
    inpatient_no: str | None = wire("ipt_no", "住院号", None)
    record_no: str = wire("medcasno", "病案号", pattern=patterns.IDENTIFIER)
    person_name: str | None = wire("psn_name", "人员姓名", None, pii="name")
    gender: Gender = wire("gend", "性别")
    birth_date: WireDate | None = wire("brdy", "出生日期", None)
    age: Measure | None = wire("age", "年龄", None)
    nationality: str | None = wire("ntly", "国籍", None)
    newborn_birth_weight: Measure | None = wire("nwb_bir_wt", "新生儿出生体重(g)", None)
    newborn_admission_weight: Measure | None = wire("nwb_adm_wt", "新生儿入院体重(g)", None)
    ethnicity: str | None = wire("naty", "民族", None)
    cert_no: str | None = wire("certno", "证件号码", None, pii="id_number")
    occupation: str | None = wire("prfs", "职业", None)
    marital_status: str | None = wire("mrg_stas", "婚姻状态", None)
    current_address: str | None = wire("curr_addr", "现住址", None, pii="address")
    phone: str | None = wire("psn_tel", "个人联系电话", None, pii="phone")
    contact_name: str | None = wire("coner_name", "联系人姓名", None, pii="name")
    contact_phone: str | None = wire("coner_tel", "联系人电话", None, pii="phone")
    admission_route: str | None = wire("adm_way_code", "入院途径代码", None)
    treatment_type: str | None = wire("trt_type", "治疗类别", None)
    admission_dept: str | None = wire("adm_caty", "入院科别", None, pattern=patterns.DEPARTMENT)
    admission_ward: str | None = wire("adm_ward", "入院病房", None)
    admission_time: WireDateTime = wire("adm_date", "入院日期")
    discharge_time: WireDateTime = wire("dscg_date", "出院日期")
    discharge_dept: str | None = wire("dscg_caty", "出院科别", None, pattern=patterns.DEPARTMENT)
    discharge_ward: str | None = wire("dscg_ward", "出院病房", None)
    length_of_stay: int | None = wire("ipt_days", "住院天数", None, ge=0)
    death: Flag | None = wire("die_flag", "死亡标志", None)
    director_name: str | None = wire("deptdrt_name", "科主任姓名", None)
    chief_physician_name: str | None = wire("chfdr_name", "主任(副主任)医师姓名", None)
    attending_name: str | None = wire("atddr_name", "主治医生姓名", None)
    attending_doctor_name: str | None = wire("chfpdr_name", "主诊医师姓名", None)
    resident_name: str | None = wire("ipt_dr_name", "住院医师姓名", None)
    coder_name: str | None = wire("codr_name", "编码员姓名", None)
    discharge_way: DischargeWay | None = wire("dscg_way", "离院方式", None)
    readmission_plan: str | None = wire("dscg_31days_rinp_flag", "出院31天内再住院计划标志", None)
    external_cause_code: str | None = wire(
        "damg_intx_ext_rea_disecode", "损伤、中毒的外部原因疾病编码", None
    )
    coma_before_admission: str | None = wire(
        "brn_damg_bfadm_coma_dura", "颅脑损伤患者入院前昏迷时长", None, pattern=patterns.DURATION
    )
    coma_after_admission: str | None = wire(
        "brn_damg_afadm_coma_dura", "颅脑损伤患者入院后昏迷时长", None, pattern=patterns.DURATION
    )
    ventilation_duration: str | None = wire("vent_used_dura", "呼吸机使用时长", None)
    payment_method: str | None = wire("medfee_paymtd_code", "医疗费用支付方式代码", None)
    total_cost: Money | None = wire("medfee_sumamt", "医疗费总额", None)
    self_pay: Money | None = wire("selfpay_amt", "自付金额", None)
    general_service_fee: Money | None = wire("ordn_med_servfee", "一般医疗服务费", None)
    general_treatment_fee: Money | None = wire("ordn_trt_oprt_fee", "一般治疗操作费", None)
    nursing_fee: Money | None = wire("nurs_fee", "护理费", None)
    other_service_fee: Money | None = wire("com_med_serv_oth_fee", "综合医疗服务类其他费用", None)
    pathology_fee: Money | None = wire("palg_diag_fee", "病理诊断费", None)
    laboratory_fee: Money | None = wire("lab_diag_fee", "实验室诊断费", None)
    imaging_fee: Money | None = wire("rdhy_diag_fee", "影像学诊断费", None)
    clinical_diagnosis_fee: Money | None = wire("clnc_dise_fee", "临床诊断项目费", None)
    non_surgical_fee: Money | None = wire("nsrgtrt_item_fee", "非手术治疗项目费", None)
    physical_therapy_fee: Money | None = wire("clnc_phys_trt_fee", "临床物理治疗费", None)
    surgical_treatment_fee: Money | None = wire("rgtrt_trt_fee", "手术治疗费", None)
    anaesthesia_fee: Money | None = wire("anst_fee", "麻醉费", None)
    surgery_fee: Money | None = wire("rgtrt_fee", "手术费", None)
    rehabilitation_fee: Money | None = wire("rhab_fee", "康复费", None)
    tcm_treatment_fee: Money | None = wire("tcm_trt_fee", "中医治疗费", None)
    western_medicine_fee: Money | None = wire("wm_fee", "西药费", None)
    antibiotics_fee: Money | None = wire("abtl_medn_fee", "抗菌药物费用", None)
    chinese_patent_medicine_fee: Money | None = wire("tcmpat_fee", "中成药费", None)
    herbal_fee: Money | None = wire("tcmherb_fee", "中药饮片费", None)
    blood_fee: Money | None = wire("blo_fee", "血费", None)
    albumin_fee: Money | None = wire("albu_fee", "白蛋白类制品费", None)
    globulin_fee: Money | None = wire("glon_fee", "球蛋白类制品费", None)
    clotting_factor_fee: Money | None = wire("clotfac_fee", "凝血因子类制品费", None)
    cytokine_fee: Money | None = wire("cyki_fee", "细胞因子类制品费", None)
    examination_material_fee: Money | None = wire(
        "exam_dspo_matl_fee", "检查用一次性医用材料费", None
    )
    treatment_material_fee: Money | None = wire("trt_dspo_matl_fee", "治疗用一次性医用材料费", None)
    surgery_material_fee: Money | None = wire("oprn_dspo_matl_fee", "手术用一次性医用材料费", None)
    other_fee: Money | None = wire("oth_fee", "其他费", None)
    institution_code: str | None = wire("fixmedins_code", "定点医药机构编号", None)

    @model_validator(mode="after")
    def _check_order(self, info: ValidationInfo) -> FrontPageBase:
        raise_if(
            "FrontPageBase",
            order_problem(
                FrontPageBase,
                self.admission_time,
                self.discharge_time,
                "discharge_time",
                naming_of(info),
                "discharge date is before admission date",
            ),
        )
        return self


class FrontPageDiagnosis(SdkModel):
    """A diagnosis on the front page (``diseinfo`` of 4401), clinical-edition code."""

    diagnosis_type: str | None = wire(
        "ipt_patn_disediag_type_code", "住院患者疾病诊断类型代码", None
    )
    principal: Flag = wire("maindiag_flag", "主诊断标志")
    code: str = wire("diag_code", "诊断代码", pattern=patterns.ICD10)
    name: str | None = wire("diag_name", "诊断名称", None)
    hospital_code: str | None = wire("inhosp_diag_code", "院内诊断代码", None)
    hospital_name: str | None = wire("inhosp_diag_name", "院内诊断名称", None)
    admission_condition: str | None = wire("adm_cond_code", "入院时病情代码", None)
    pathology_no: str | None = wire("palg_no", "病理号", None)

    @property
    def is_principal(self) -> bool:
        """Whether this is the principal diagnosis (主要诊断)."""
        return self.principal is Flag.YES


class FrontPageOperation(SdkModel):
    """An operation on the front page (``oprninfo`` of 4401), clinical-edition code."""

    date: WireDateTime | None = wire("oprn_oprt_date", "手术操作日期", None)
    name: str | None = wire("oprn_oprt_name", "手术操作名称", None)
    code: str = wire("oprn_oprt_code", "手术操作代码", pattern=patterns.ICD9CM3)
    serial: str | None = wire("oprn_oprt_sn", "手术操作序列号", None)
    level: str | None = wire("oprn_lv_code", "手术级别代码", None)
    surgeon_name: str | None = wire("oper_name", "手术者姓名", None)
    assistant1_name: str | None = wire("asit_1_name", "助手Ⅰ姓名", None)
    assistant2_name: str | None = wire("asit_name2", "助手Ⅱ姓名", None)
    healing_grade: str | None = wire("sinc_heal_lv_code", "手术切口愈合等级代码", None)
    anaesthesia_method: str | None = wire("anst_mtd_code", "麻醉-方法代码", None)
    anaesthetist_name: str | None = wire("anst_dr_name", "麻醉医师姓名", None)
    principal: Flag | None = wire("main_oprn_flag", "主要手术标志", None)
    anaesthesia_start: WireDateTime | None = wire("anst_begntime", "麻醉开始时间", None)
    anaesthesia_end: WireDateTime | None = wire("anst_endtime", "麻醉结束时间", None)

    @model_validator(mode="after")
    def _check_order(self, info: ValidationInfo) -> FrontPageOperation:
        raise_if(
            "FrontPageOperation",
            order_problem(
                FrontPageOperation,
                self.anaesthesia_start,
                self.anaesthesia_end,
                "anaesthesia_end",
                naming_of(info),
                "anaesthesia ends before it starts",
            ),
        )
        return self


class FrontPageIcuStay(SdkModel):
    """An ICU stay on the front page (``icuinfo`` of 4401)."""

    icu_code: str | None = wire("icu_codeid", "重症监护室代码", None)
    entered: WireDateTime | None = wire("inpool_icu_time", "进入监护室时间", None)
    left: WireDateTime | None = wire("out_icu_time", "退出监护室时间", None)
    nursing_level: str | None = wire("nurscare_lv_code", "护理等级代码", None)
    nursing_days: int | None = wire("nurscare_days", "护理天数", None, ge=0)
    readmitted: str | None = wire("back_icu", "重返重症监护室标志", None)

    @model_validator(mode="after")
    def _check_order(self, info: ValidationInfo) -> FrontPageIcuStay:
        raise_if(
            "FrontPageIcuStay",
            order_problem(
                FrontPageIcuStay,
                self.entered,
                self.left,
                "left",
                naming_of(info),
                "ICU exit before entry",
            ),
        )
        return self


class FrontPage(SdkModel):
    """The inpatient medical record front page (住院病案首页, 4401)."""

    base: FrontPageBase = wire("baseinfo", "基本信息")
    diagnoses: list[FrontPageDiagnosis] = wire("diseinfo", "诊断信息", min_length=1)
    operations: list[FrontPageOperation] = wire("oprninfo", "手术信息", default_factory=list)
    icu_stays: list[FrontPageIcuStay] = wire("icuinfo", "重症监护信息", default_factory=list)

    @model_validator(mode="after")
    def _check_principal(self, info: ValidationInfo) -> FrontPage:
        raise_if("FrontPage", self._problems(naming_of(info)))
        return self

    def _problems(self, naming: Naming) -> tuple[Problem, ...]:
        return principal_problems(
            [i for i, d in enumerate(self.diagnoses) if d.is_principal],
            field_key(FrontPage, "diagnoses", naming),
            field_key(FrontPageDiagnosis, "principal", naming),
            "diagnosis (主要诊断)",
            required=True,
        )

    @property
    def principal_diagnosis(self) -> FrontPageDiagnosis | None:
        """The principal diagnosis (主要诊断)."""
        return next((d for d in self.diagnoses if d.is_principal), None)
