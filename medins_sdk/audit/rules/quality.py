"""Settlement-list quality (结算清单质控): what makes a list rejected or mis-grouped.

Source for all of them: REFERENCE.md §2, the quality-control rules seen in deployed systems
(医疗保障基金结算清单填写规范 as the bureaus check it). Validation already refuses what no later
step could process (two principal western diagnoses, discharge before admission); these rules
find what validation lets through but the bureau rejects or the grouper mis-groups.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from medins_sdk.audit.knowledge import CodeRange
from medins_sdk.audit.params import Parameter, Params
from medins_sdk.audit.rules.base import RECORD_STAGES, Rule
from medins_sdk.audit.view import AuditCase
from medins_sdk.codes import icd9_grey, icd9_insurance, icd10_grey, icd10_insurance
from medins_sdk.codes.icd import CodeList, CodeSet
from medins_sdk.codes.tables import DiagnosisType, MedicalType
from medins_sdk.models import Finding

_SOURCE = "REFERENCE.md §2: settlement-list quality control (医疗保障基金结算清单填写规范)"
_INPATIENT_TYPES = frozenset(
    {
        MedicalType.INPATIENT,
        MedicalType.TRAUMA_INPATIENT,
        MedicalType.TRANSFERRED_INPATIENT,
        MedicalType.EMERGENCY_TO_INPATIENT,
        MedicalType.MATERNITY_INPATIENT,
    }
)


class QualityRule(Rule):
    """Quality rules read the finished settlement list: 事中 and 事后, one encounter."""

    stages = RECORD_STAGES
    scope = "encounter"
    source = _SOURCE


def is_inpatient(case: AuditCase) -> bool:
    """An inpatient stay: an admission time, or an inpatient medical type on list or answer."""
    settlement = case.encounter.settlement
    types = {case.info.inpatient_medical_type}
    if settlement is not None:
        types.add(settlement.info.medical_type)
    return case.admission is not None or not _INPATIENT_TYPES.isdisjoint(types)


class PrincipalDiagnosisRule(QualityRule):
    """主要诊断: an inpatient list has exactly one principal western diagnosis."""

    id = "qc.principal-diagnosis"
    name = "主要诊断缺失或不唯一"
    description = (
        "An inpatient settlement list without a principal western diagnosis, or with several, "
        "is rejected at upload and cannot be grouped."
    )

    def check(self, case: AuditCase, params: Params) -> Iterator[Finding]:
        diagnoses = case.encounter.settlement_list.diagnoses
        flagged = [d.code for d in diagnoses if d.type is DiagnosisType.WESTERN and d.is_principal]
        if len(flagged) == 1 or not is_inpatient(case):
            return
        problem = "未填写主要诊断" if not flagged else f"填写了 {len(flagged)} 个主要诊断"
        yield self.found(
            case,
            (),
            None,
            f"住院结算清单{problem}：请由主诊医师确定唯一的主要诊断（主诊断标志为 1）后再上传。",
            {"principal": flagged},
        )


def _code_problem(code: str, edition: CodeSet, grey: CodeList, name: str) -> str | None:
    if code not in edition:
        return f"不在 {name}"
    if code in grey:
        return f"是 {name} 的灰码（结算清单不得使用）"
    return None


class DiagnosisCodeRule(QualityRule):
    """Diagnosis codes of the list must be in ICD-10 医保版 2.0 and not grey codes."""

    id = "qc.diagnosis-code"
    name = "诊断编码不在医保版或为灰码"
    description = (
        "Each western diagnosis (and outpatient special-disease diagnosis) must be an "
        "ICD-10 医保版 2.0 code and not one of its grey codes (灰码)."
    )
    source = _SOURCE + "; codes: ICD-10 医保版 2.0 and its grey list (OpenDRG, Apache-2.0)"

    def check(self, case: AuditCase, params: Params) -> Iterator[Finding]:
        edition, grey = icd10_insurance(), icd10_grey()
        for code in case.diagnosis_codes:
            problem = _code_problem(code, edition, grey, "ICD-10 医保版 2.0")
            if problem:
                yield self.found(
                    case,
                    (),
                    None,
                    f"诊断编码 {code} {problem}：请按医保版 2.0 重新编码后上传结算清单。",
                    {"code": code, "edition": edition.name},
                )


class ProcedureCodeRule(QualityRule):
    """Procedure codes of the list must be in ICD-9-CM-3 医保版 2.0 and not grey codes."""

    id = "qc.procedure-code"
    name = "手术操作编码不在医保版或为灰码"
    description = (
        "Each operation or procedure must be an ICD-9-CM-3 医保版 2.0 code and not one of its "
        "grey codes."
    )
    source = _SOURCE + "; codes: ICD-9-CM-3 医保版 2.0 and its grey list (OpenDRG, Apache-2.0)"

    def check(self, case: AuditCase, params: Params) -> Iterator[Finding]:
        listing = case.encounter.settlement_list
        codes = {o.code for o in listing.operations}
        codes |= {d.operation_code for d in listing.outpatient_diagnoses if d.operation_code}
        edition, grey = icd9_insurance(), icd9_grey()
        for code in sorted(codes):
            problem = _code_problem(code, edition, grey, "ICD-9-CM-3 医保版 2.0")
            if problem:
                yield self.found(
                    case,
                    (),
                    None,
                    f"手术操作编码 {code} {problem}：请按医保版 2.0 重新编码后上传结算清单。",
                    {"code": code, "edition": edition.name},
                )


class DiagnosisSexRule(QualityRule):
    """A diagnosis limited to one sex on a patient of the other (O codes for a man)."""

    id = "qc.diagnosis-sex"
    name = "诊断与性别不符"
    description = (
        "A diagnosis in an ICD-10 category limited to one sex (pregnancy, female or male "
        "genital organs) on a patient of the other sex."
    )
    source = _SOURCE + "; categories: knowledge table diagnosis_sex (ICD-10 chapter blocks)"
    knowledge = ("diagnosis_sex",)

    def check(self, case: AuditCase, params: Params) -> Iterator[Finding]:
        if case.sex is None:
            return
        for code in case.diagnosis_codes:
            limited = case.knowledge.sex_of_diagnosis(code)
            if limited is not None and limited.sex is not case.sex:
                assert limited.sex is not None
                yield self.found(
                    case,
                    (),
                    None,
                    f"诊断 {code}（{limited.note}）仅适用于{limited.sex.label}性，患者性别为"
                    f"{case.sex.label}：请核对诊断编码或患者性别。",
                    {"code": code, "range": limited.id, "sex": case.sex.value},
                )


class DiagnosisAgeRule(QualityRule):
    """A diagnosis limited to an age range outside it (P codes after the newborn period)."""

    id = "qc.diagnosis-age"
    name = "诊断与年龄不符"
    description = (
        "A diagnosis in an ICD-10 category limited to an age range, such as perinatal "
        "conditions (P00–P96) on a patient past the newborn period. A warning: a perinatal "
        "condition may still be coded later in life when it is the cause."
    )
    severity = "warn"
    source = _SOURCE + "; ranges: knowledge table diagnosis_age (neonatal period: WHO ICD-10)"
    knowledge = ("diagnosis_age",)

    def check(self, case: AuditCase, params: Params) -> Iterator[Finding]:
        days = case.age_days
        if days is None:
            return
        for code in case.diagnosis_codes:
            limited = case.knowledge.age_of_diagnosis(code)
            if limited is None:
                continue
            too_old = limited.age_to_days is not None and days > limited.age_to_days
            too_young = limited.age_from_days is not None and days < limited.age_from_days
            if too_old or too_young:
                yield self.found(
                    case,
                    (),
                    None,
                    f"诊断 {code}（{limited.note}）适用年龄为 {_days_text(limited)}，患者入院时"
                    f"{_age_text(days)}：请核对诊断编码或出生日期。",
                    {"code": code, "range": limited.id, "age_days": days},
                )


def _days_text(limited: CodeRange) -> str:
    low, high = limited.age_from_days, limited.age_to_days
    return f"{low if low is not None else 0}–{high if high is not None else '∞'} 天"


def _age_text(days: int) -> str:
    return f"{days} 天" if days < 365 else f"至少 {days // 365} 岁"


class NewbornWeightRule(QualityRule):
    """Newborn birth and admission weights are between 200 g and 20 000 g."""

    id = "qc.newborn-weight"
    name = "新生儿体重超出范围"
    description = "A newborn birth or admission weight outside the plausible range (grams)."
    parameters = (
        Parameter("min_grams", "200", "lowest plausible weight", "g", _SOURCE, "int"),
        Parameter("max_grams", "20000", "highest plausible weight", "g", _SOURCE, "int"),
    )

    def check(self, case: AuditCase, params: Params) -> Iterator[Finding]:
        low, high = params.integer("min_grams"), params.integer("max_grams")
        page = case.encounter.front_page
        weights = [
            ("出生体重", "nwb_bir_wt", case.info.newborn_birth_weight),
            ("入院体重", "nwb_adm_wt", case.info.newborn_admission_weight),
        ]
        if page is not None:
            weights += [
                ("病案首页出生体重", "baseinfo.nwb_bir_wt", page.base.newborn_birth_weight),
                ("病案首页入院体重", "baseinfo.nwb_adm_wt", page.base.newborn_admission_weight),
            ]
        for label, field, grams in weights:
            if grams is not None and not low <= grams <= high:
                yield self.found(
                    case,
                    (),
                    None,
                    f"新生儿{label} {grams:f} g 不在 {low}–{high} g 之内：请核对单位（克）与数值。",
                    {"field": field, "grams": f"{grams:f}"},
                )


class TimesWithinStayRule(QualityRule):
    """Operation, anaesthesia and ICU times lie between admission and discharge."""

    id = "qc.times-within-stay"
    name = "手术/麻醉/重症监护时间超出住院期间"
    description = (
        "An operation date, operation or anaesthesia start or end, or an ICU entry or exit "
        "outside admission–discharge. Operation dates are compared by day (lists often carry "
        "the date only); the other times exactly."
    )

    def check(self, case: AuditCase, params: Params) -> Iterator[Finding]:
        admitted, discharged = case.admission, case.discharge
        if admitted is None or discharged is None:
            return
        for where, times in _timed_parts(case):
            outside = [
                label
                for label, when, by_day in times
                if when is not None and _outside(when, admitted, discharged, by_day=by_day)
            ]
            if outside:
                yield self.found(
                    case,
                    (),
                    None,
                    f"{where}的{'、'.join(outside)}不在入院（{admitted:%Y-%m-%d %H:%M}）至出院"
                    f"（{discharged:%Y-%m-%d %H:%M}）之间：请核对时间。",
                    {"part": where, "fields": outside},
                )


_Timed = list[tuple[str, datetime | None, bool]]


def _timed_parts(case: AuditCase) -> Iterator[tuple[str, _Timed]]:
    listing = case.encounter.settlement_list
    for number, op in enumerate(listing.operations, start=1):
        yield (
            f"手术操作 {number}（{op.code}）",
            [
                ("手术日期", op.date, True),
                ("手术开始时间", op.start, False),
                ("手术结束时间", op.end, False),
                ("麻醉开始时间", op.anaesthesia_start, False),
                ("麻醉结束时间", op.anaesthesia_end, False),
            ],
        )
    for number, icu in enumerate(listing.icu_stays, start=1):
        yield (
            f"重症监护 {number}",
            [("进重症监护室时间", icu.entered, False), ("出重症监护室时间", icu.left, False)],
        )
    page = case.encounter.front_page
    if page is not None:
        for number, fop in enumerate(page.operations, start=1):
            yield (
                f"病案首页手术 {number}（{fop.code}）",
                [
                    ("麻醉开始时间", fop.anaesthesia_start, False),
                    ("麻醉结束时间", fop.anaesthesia_end, False),
                ],
            )
        for number, ficu in enumerate(page.icu_stays, start=1):
            yield (
                f"病案首页重症监护 {number}",
                [("进入监护室时间", ficu.entered, False), ("退出监护室时间", ficu.left, False)],
            )


def _outside(when: datetime, admitted: datetime, discharged: datetime, *, by_day: bool) -> bool:
    if by_day:
        return not admitted.date() <= when.date() <= discharged.date()
    return not admitted <= when <= discharged


class OperationFieldsRule(QualityRule):
    """An operation names its surgeon, its date and, under anaesthesia, its anaesthetist."""

    id = "qc.operation-fields"
    name = "手术必填项缺失"
    description = (
        "Each operation carries its date and surgeon code; one with an anaesthesia method "
        "carries the anaesthetist's code (术者 / 麻醉医师代码 are mandatory on the list)."
    )

    def check(self, case: AuditCase, params: Params) -> Iterator[Finding]:
        for number, op in enumerate(case.encounter.settlement_list.operations, start=1):
            missing = [
                label
                for label, absent in (
                    ("手术及操作日期 oprn_oprt_date", op.date is None),
                    ("术者医师代码 oper_dr_code", not op.surgeon_code),
                    (
                        "麻醉医师代码 anst_dr_code",
                        bool(op.anaesthesia_way) and not op.anaesthetist_code,
                    ),
                )
                if absent
            ]
            if missing:
                yield self.found(
                    case,
                    (),
                    None,
                    f"手术操作 {number}（{op.code}）缺少{'、'.join(missing)}："
                    "请补全后上传结算清单。",
                    {"operation": str(number), "missing": missing},
                )


def quality_rules() -> list[Rule]:
    """The settlement-list quality rules."""
    return [
        PrincipalDiagnosisRule(),
        DiagnosisCodeRule(),
        ProcedureCodeRule(),
        DiagnosisSexRule(),
        DiagnosisAgeRule(),
        NewbornWeightRule(),
        TimesWithinStayRule(),
        OperationFieldsRule(),
    ]
