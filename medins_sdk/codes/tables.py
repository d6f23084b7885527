"""National code tables (国家医疗保障信息平台 代码表) as enums with Chinese labels.

Only tables that are closed nationally are enums that models validate against. Tables that
provinces extend (``med_type`` 99xx codes, regional ``clr_type`` categories, new ``insutype``
codes) are validated by shape in the models; the enums here still give labels for the codes
the national table defines (``MedicalType.label_of("21")``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class CodeEnum(StrEnum):
    """A code table: each member is a national code (its value) with a Chinese label."""

    label: str

    def __new__(cls, code: str, label: str) -> Self:
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        return member

    @classmethod
    def label_of(cls, code: str) -> str | None:
        """The Chinese label of ``code``, or None when the national table does not define it."""
        member = cls._value2member_map_.get(code)
        return member.label if isinstance(member, CodeEnum) else None


class Gender(CodeEnum):
    """性别 ``gend`` (GB/T 2261.1)."""

    UNKNOWN = "0", "未知的性别"
    MALE = "1", "男"
    FEMALE = "2", "女"
    UNSPECIFIED = "9", "未说明的性别"


class InsuranceType(CodeEnum):
    """险种类型 ``insutype``."""

    EMPLOYEE = "310", "职工基本医疗保险"
    CIVIL_SERVANT = "320", "公务员医疗补助"
    EMPLOYEE_LARGE_AMOUNT = "330", "大额医疗费用补助"
    RETIRED_CADRE = "340", "离休人员医疗保障"
    RESIDENT = "390", "城乡居民基本医疗保险"
    RESIDENT_CRITICAL_ILLNESS = "392", "城乡居民大病医疗保险"
    MATERNITY = "510", "生育保险"


class ClearingType(CodeEnum):
    """清算类别 ``clr_type``; regions add their own categories through plugins."""

    OUTPATIENT = "11", "门诊"
    INPATIENT = "21", "住院"
    PHARMACY = "41", "药店购药"
    OTHER = "99", "其他"


class MedicalType(CodeEnum):
    """医疗类别 ``med_type``; provinces add 99xx codes."""

    OUTPATIENT = "11", "普通门诊"
    REGISTRATION = "12", "门诊挂号"
    EMERGENCY = "13", "急诊"
    CHRONIC_SPECIAL_OUTPATIENT = "14", "门诊慢特病"
    ACCIDENT_OUTPATIENT = "19", "意外伤害门诊"
    INPATIENT = "21", "普通住院"
    TRAUMA_INPATIENT = "22", "外伤住院"
    TRANSFERRED_INPATIENT = "23", "转外诊治住院"
    EMERGENCY_TO_INPATIENT = "24", "急诊转住院"
    PHARMACY = "41", "定点药店购药"
    MATERNITY_OUTPATIENT = "51", "生育门诊"
    MATERNITY_INPATIENT = "52", "生育住院"
    FAMILY_PLANNING = "53", "计划生育手术"


class ChargeCategory(CodeEnum):
    """医疗收费项目类别 ``med_chrgitm_type``: the 14 categories of the settlement list."""

    BED = "01", "床位费"
    CONSULTATION = "02", "诊察费"
    EXAMINATION = "03", "检查费"
    LABORATORY = "04", "化验费"
    TREATMENT = "05", "治疗费"
    SURGERY = "06", "手术费"
    NURSING = "07", "护理费"
    MATERIALS = "08", "卫生材料费"
    WESTERN_MEDICINE = "09", "西药费"
    HERBAL_PIECES = "10", "中药饮片费"
    CHINESE_PATENT_MEDICINE = "11", "中成药费"
    GENERAL_TREATMENT = "12", "一般诊疗费"
    REGISTRATION = "13", "挂号费"
    OTHER = "14", "其他费"


class ChargeLevel(CodeEnum):
    """收费项目等级 ``chrgitm_lv``."""

    CLASS_A = "01", "甲类"
    CLASS_B = "02", "乙类"
    CLASS_C = "03", "丙类"


class DiagnosisType(CodeEnum):
    """诊断类别 ``diag_type``."""

    WESTERN = "1", "西医诊断"
    TCM_DISEASE = "2", "中医主病诊断"
    TCM_SYNDROME = "3", "中医主证诊断"


class AdmissionCondition(CodeEnum):
    """入院病情 ``adm_cond_type``."""

    PRESENT = "1", "有"
    UNCERTAIN = "2", "临床未确定"
    UNKNOWN = "3", "情况不明"
    ABSENT = "4", "无"


class DischargeWay(CodeEnum):
    """离院方式 ``dscg_way``."""

    ORDERED = "1", "医嘱离院"
    TRANSFERRED = "2", "医嘱转院"
    TO_COMMUNITY = "3", "医嘱转社区卫生服务机构/乡镇卫生院"
    AGAINST_ADVICE = "4", "非医嘱离院"
    DEATH = "5", "死亡"
    OTHER = "9", "其他"


class SettlementWay(CodeEnum):
    """个人结算方式 ``psn_setlway``: the payment channel chosen at settlement."""

    ITEMISED = "01", "按项目结算"
    FIXED_RATE = "02", "按定额结算"


class OperationType(CodeEnum):
    """手术操作类别 ``oprn_oprt_type``."""

    PRINCIPAL = "1", "主要手术及操作"
    OTHER = "2", "其他手术及操作"


class Flag(CodeEnum):
    """Yes/no flags of the interface (``maindiag_flag``, ``refd_setl_flag`` …)."""

    NO = "0", "否"
    YES = "1", "是"
