"""Settlement-list quality rules: each fires on a worked case and not on its near miss
(REFERENCE.md §2, the quality checks of deployed systems)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from medins_sdk.codes import icd9_grey, icd10_grey
from medins_sdk.codes.tables import DiagnosisType, Flag, Gender
from medins_sdk.models import Diagnosis
from medins_sdk.testing.audit import clean, findings, info, listing


def _diagnosis(code: str, principal: bool = True) -> Diagnosis:
    return Diagnosis.model_construct(
        type=DiagnosisType.WESTERN, code=code, principal=Flag.YES if principal else Flag.NO
    )


def test_an_inpatient_list_without_principal_diagnosis_is_blocked() -> None:
    stay = listing(info(clean(), admission_time=None), diagnoses=[])
    [finding] = findings("qc.principal-diagnosis", stay)
    assert finding.severity == "block"
    assert "未填写主要诊断" in finding.message
    two = listing(stay, diagnoses=[_diagnosis("I20.000"), _diagnosis("E11.900")])
    assert "填写了 2 个主要诊断" in findings("qc.principal-diagnosis", two)[0].message


def test_an_outpatient_list_needs_no_principal_diagnosis() -> None:
    stay = listing(info(clean(), admission_time=None), diagnoses=[])
    assert stay.settlement is not None
    outpatient = stay.settlement.model_copy(
        update={"info": stay.settlement.info.model_copy(update={"medical_type": "11"})}
    )
    assert (
        findings("qc.principal-diagnosis", stay.model_copy(update={"settlement": outpatient})) == []
    )
    assert findings("qc.principal-diagnosis", clean()) == []


def test_grey_and_unknown_diagnosis_codes_are_blocked() -> None:
    grey = sorted(icd10_grey())[0]
    stay = listing(clean(), diagnoses=[_diagnosis(grey), _diagnosis("A00.999x999", False)])
    found = findings("qc.diagnosis-code", stay)
    assert [f.evidence["code"] for f in found] == sorted([grey, "A00.999x999"])
    assert any("灰码" in f.message for f in found)
    assert any("不在 ICD-10 医保版 2.0" in f.message for f in found)


def test_insurance_edition_diagnoses_pass() -> None:
    stay = clean()
    assert stay.settlement_list.diagnoses
    assert findings("qc.diagnosis-code", stay) == []


def test_grey_procedure_codes_are_blocked_and_valid_ones_pass() -> None:
    stay = clean(seed=5)
    operation = stay.settlement_list.operations[0]
    grey = sorted(icd9_grey())[0]
    bad = listing(stay, operations=[operation.model_copy(update={"code": grey})])
    [finding] = findings("qc.procedure-code", bad)
    assert finding.evidence["code"] == grey
    assert findings("qc.procedure-code", stay) == []


def test_a_pregnancy_diagnosis_on_a_man_is_blocked_not_on_a_woman() -> None:
    delivery = listing(clean(), diagnoses=[_diagnosis("O80.000")])
    man = info(delivery, gender=Gender.MALE)
    [finding] = findings("qc.diagnosis-sex", man)
    assert finding.evidence == {"code": "O80.000", "range": "S01", "sex": "1"}
    assert "仅适用于女性" in finding.message
    assert findings("qc.diagnosis-sex", info(delivery, gender=Gender.FEMALE)) == []


def test_a_perinatal_code_after_the_newborn_period_warns() -> None:
    stay = listing(clean(), diagnoses=[_diagnosis("P07.300")])
    adult = info(stay, age=40, newborn_age_days=None, birth_date=None)
    [finding] = findings("qc.diagnosis-age", adult)
    assert finding.severity == "warn"
    newborn = info(stay, age=0, newborn_age_days=10, birth_date=None)
    assert findings("qc.diagnosis-age", newborn) == []
    day_28 = info(stay, age=0, newborn_age_days=28, birth_date=None)
    assert findings("qc.diagnosis-age", day_28) == []


def test_a_newborn_weight_outside_200_to_20000_grams_is_blocked() -> None:
    [finding] = findings("qc.newborn-weight", info(clean(), newborn_birth_weight=Decimal(150)))
    assert finding.evidence == {"field": "nwb_bir_wt", "grams": "150"}
    assert findings("qc.newborn-weight", info(clean(), newborn_birth_weight=Decimal(200))) == []
    assert findings("qc.newborn-weight", info(clean(), newborn_admission_weight=Decimal(20001)))


def test_an_operation_after_discharge_is_blocked() -> None:
    stay = clean(seed=5)
    discharged = stay.settlement_list.info.discharge_time
    assert discharged is not None
    assert stay.settlement_list.operations
    late = stay.settlement_list.operations[0].model_copy(
        update={"start": discharged + timedelta(hours=1), "end": discharged + timedelta(hours=2)}
    )
    [finding] = findings("qc.times-within-stay", listing(stay, operations=[late]))
    assert finding.evidence["fields"] == ["手术开始时间", "手术结束时间"]


def test_an_operation_date_on_the_discharge_day_passes() -> None:
    stay = clean(seed=5)
    discharged = stay.settlement_list.info.discharge_time
    assert discharged is not None
    same_day = stay.settlement_list.operations[0].model_copy(
        update={"date": discharged.replace(hour=23, minute=59), "start": None, "end": None}
    )
    assert findings("qc.times-within-stay", listing(stay, operations=[same_day])) == []


def test_an_operation_without_surgeon_code_is_blocked() -> None:
    stay = clean(seed=5)
    operation = stay.settlement_list.operations[0]
    missing = operation.model_copy(update={"surgeon_code": None})
    [finding] = findings("qc.operation-fields", listing(stay, operations=[missing]))
    assert finding.evidence["missing"] == ["术者医师代码 oper_dr_code"]
    local = operation.model_copy(update={"anaesthesia_way": None, "anaesthetist_code": None})
    assert findings("qc.operation-fields", listing(stay, operations=[local])) == []
