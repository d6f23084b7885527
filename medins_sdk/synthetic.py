"""Deterministic synthetic encounters with realistic codes, for samples, tests and benchmarks.

Everything is drawn from one ``random.Random``: the same seed gives the same encounters,
byte for byte. Hypothesis strategies (``medins_sdk.testing``) drive the same generator with
a Hypothesis-controlled ``Random``, so tests, samples and benchmarks share one source of
realistic data. Codes come from the ICD-10 / ICD-9-CM-3 insurance 2.0 editions (grey codes
excluded); amounts are exact to the cent and every total agrees with its parts.
:func:`dip_history` draws a region's settled cases, the input of a DIP catalogue build.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from random import Random

from medins_sdk.codes import icd
from medins_sdk.codes.tables import (
    AdmissionCondition,
    ChargeCategory,
    DiagnosisType,
    DischargeWay,
    Flag,
    Gender,
    OperationType,
)
from medins_sdk.grouping.dip_history import HistoryCase
from medins_sdk.grouping.dip_match import DipCase
from medins_sdk.models import (
    ChargeItemSummary,
    ChargeLine,
    Diagnosis,
    Encounter,
    FrontPage,
    FrontPageBase,
    FrontPageDiagnosis,
    FrontPageIcuStay,
    FrontPageOperation,
    FundDetail,
    FundPayment,
    IcuStay,
    Operation,
    OutpatientDiagnosis,
    Settlement,
    SettlementInfo,
    SettlementList,
    SettlementListInfo,
    Transfusion,
)
from medins_sdk.money import CENT, allocate_cents
from medins_sdk.reconcile.lines import RowKey, StatementLine


@dataclass(frozen=True, slots=True)
class Department:
    """A clinical department: its code (科别), name and typical case mix."""

    code: str
    name: str
    diagnosis_prefixes: tuple[str, ...]
    procedure_prefixes: tuple[str, ...]
    sex: Gender | None = None


DEPARTMENTS: tuple[Department, ...] = (
    Department(
        "A03.04", "心血管内科", ("I20", "I21", "I25", "I48", "I50"), ("00.66", "36.0", "88.5")
    ),
    Department("A03.01", "呼吸内科", ("J18", "J44", "J45", "J15"), ("33.2", "96.0")),
    Department("A03.06", "内分泌科", ("E11", "E10", "E05"), ()),
    Department(
        "A04.01", "普通外科", ("K35", "K80", "K40", "C18", "C20"), ("47.0", "51.2", "53.0", "45.7")
    ),
    Department("A04.03", "泌尿外科", ("N20", "N40", "C67"), ("56.0", "59.8", "60.2"), Gender.MALE),
    Department(
        "A05.02", "产科", ("O80", "O82", "O34", "O42"), ("74.1", "73.5", "75.6"), Gender.FEMALE
    ),
    Department("A05.01", "妇科", ("D25", "N83", "N80"), ("68.2", "65.2", "68.4"), Gender.FEMALE),
    Department("A07", "儿科", ("J18", "J20", "A09", "J06"), ()),
    Department("A10", "眼科", ("H25", "H40", "H33"), ("13.4", "14.7")),
)

_CATEGORY_PRICES: dict[ChargeCategory, tuple[int, int]] = {
    ChargeCategory.BED: (4000, 12000),
    ChargeCategory.CONSULTATION: (1000, 3000),
    ChargeCategory.EXAMINATION: (5000, 60000),
    ChargeCategory.LABORATORY: (1000, 20000),
    ChargeCategory.TREATMENT: (1000, 50000),
    ChargeCategory.SURGERY: (50000, 600000),
    ChargeCategory.NURSING: (1000, 8000),
    ChargeCategory.MATERIALS: (500, 300000),
    ChargeCategory.WESTERN_MEDICINE: (100, 50000),
    ChargeCategory.CHINESE_PATENT_MEDICINE: (500, 10000),
}
"""Unit price ranges in fen per charge category: realistic orders of magnitude, synthetic."""


@cache
def _pool(system: str, prefix: str) -> tuple[str, ...]:
    """Non-grey insurance-edition codes under ``prefix``."""
    if system == "icd10":
        grey, codes = icd.icd10_grey(), icd.icd10_insurance()
    else:
        grey, codes = icd.icd9_grey(), icd.icd9_insurance()
    found = tuple(code for code in codes.startswith(prefix) if code not in grey)
    if not found:
        raise LookupError(f"no {system} insurance code under {prefix}")
    return found


def _code(rng: Random, system: str, prefixes: tuple[str, ...]) -> tuple[str, str]:
    code = rng.choice(_pool(system, rng.choice(prefixes)))
    table = icd.icd10_insurance() if system == "icd10" else icd.icd9_insurance()
    return code, table.name_of(code) or ""


_SECONDARY_PREFIXES = ("I10", "E11", "E78", "K21", "J44", "N18", "D64", "I25", "E87", "R50")


def settlement_list(
    rng: Random,
    *,
    index: int = 0,
    department: Department | None = None,
    diagnoses: int | None = None,
    operations: int | None = None,
    start: date = date(2024, 1, 1),
    span_days: int = 360,
    stay_days: tuple[int, int] = (1, 20),
) -> SettlementList:
    """A settlement list of one inpatient stay, without charge table or payments, admitted
    within ``span_days`` days from ``start``, staying ``stay_days`` (a range) days."""
    dept = department or rng.choice(DEPARTMENTS)
    gender = dept.sex or rng.choice((Gender.MALE, Gender.FEMALE))
    age = rng.randint(18, 45) if dept.sex is Gender.FEMALE else rng.randint(1, 90)
    admitted = datetime.combine(start, datetime.min.time()) + timedelta(
        days=rng.randint(0, span_days), hours=rng.randint(0, 23), minutes=rng.randint(0, 59)
    )
    stay = rng.randint(*stay_days)
    discharged = admitted + timedelta(days=stay, hours=rng.randint(0, 5))
    n_diagnoses = diagnoses if diagnoses is not None else rng.randint(1, 8)
    n_operations = (
        operations
        if operations is not None
        else (rng.randint(0, 3) if dept.procedure_prefixes else 0)
    )
    codes: list[str] = []
    diagnosis_models: list[Diagnosis] = []
    for position in range(n_diagnoses):
        prefixes = dept.diagnosis_prefixes if position == 0 else _SECONDARY_PREFIXES
        code, name = _code(rng, "icd10", prefixes)
        while code in codes:
            code, name = _code(rng, "icd10", _SECONDARY_PREFIXES + dept.diagnosis_prefixes)
        codes.append(code)
        diagnosis_models.append(
            Diagnosis(
                type=DiagnosisType.WESTERN,
                code=code,
                name=name,
                principal=Flag.YES if position == 0 else Flag.NO,
                admission_condition=rng.choice(list(AdmissionCondition)),
            )
        )
    operation_models = []
    procedure_prefixes = dept.procedure_prefixes or ("88.7", "89.5", "99.2")
    for position in range(n_operations):
        code, name = _code(rng, "icd9cm3", procedure_prefixes)
        # Within the stay: the last operation day is the day before discharge.
        day = min(position + 1, stay - 1)
        when = admitted + timedelta(days=day, hours=rng.randint(8, 16))
        operation_models.append(
            Operation(
                type=OperationType.PRINCIPAL if position == 0 else OperationType.OTHER,
                code=code,
                name=name,
                date=when,
                anaesthesia_way=rng.choice(("01", "02", "03")),
                surgeon_code=f"D{rng.randint(1000, 9999)}",
                surgeon_name=f"医师{rng.randint(1, 99):02d}",
                anaesthetist_code=f"D{rng.randint(1000, 9999)}",
                start=when,
                end=when + timedelta(minutes=rng.randint(20, 240)),
            )
        )
    birth = date(admitted.year - age, rng.randint(1, 12), rng.randint(1, 28))
    info = SettlementListInfo(
        visit_id=f"MDT{index:010d}",
        setl_id=f"SETL{index:010d}",
        person_no=f"PSN{rng.randint(10**9, 10**10 - 1)}",
        institution_code="H11010500001",
        institution_name="示例医院",
        record_no=f"BA{index:08d}",
        person_name=f"患者{index}",
        gender=gender,
        birth_date=birth,
        age=age,
        cert_no=f"11010{rng.randint(10**12, 10**13 - 1)}",
        insurance_category=rng.choice(("310", "390")),
        admission_time=admitted,
        admission_dept=dept.code,
        discharge_time=discharged,
        discharge_dept=dept.code,
        length_of_stay=stay,
        discharge_way=DischargeWay.DEATH if rng.random() < 0.01 else DischargeWay.ORDERED,
        attending_doctor_code=f"D{rng.randint(1000, 1099)}",
        attending_doctor_name=f"主诊医师{rng.randint(1, 20):02d}",
        settlement_start=admitted.date(),
        settlement_end=discharged.date(),
        diagnosis_count=n_diagnoses,
        operation_count=n_operations,
    )
    return SettlementList(info=info, diagnoses=diagnosis_models, operations=operation_models)


def charge_lines(
    rng: Random, settlement_list: SettlementList, count: int, dept_code: str
) -> list[ChargeLine]:
    """``count`` charge lines of the stay, priced exactly (amount = price × quantity)."""
    info = settlement_list.info
    assert info.admission_time is not None
    assert info.discharge_time is not None
    span = int((info.discharge_time - info.admission_time).total_seconds() // 60)
    categories = list(_CATEGORY_PRICES)
    lines = []
    for number in range(1, count + 1):
        category = rng.choice(categories)
        low, high = _CATEGORY_PRICES[category]
        price = Decimal(rng.randint(low, high)) * CENT
        quantity = Decimal(rng.randint(1, 5))
        lines.append(
            ChargeLine(
                line_no=f"{number}",
                visit_id=info.visit_id,
                time=info.admission_time + timedelta(minutes=rng.randint(0, span)),
                catalogue_code=f"{category.value}{rng.randint(10**8, 10**9 - 1)}",
                hospital_code=f"H{rng.randint(10**5, 10**6 - 1)}",
                item_name=category.label,
                amount=price * quantity,
                quantity=quantity,
                price=price,
                category=category,
                dept_code=dept_code,
                doctor_code=info.attending_doctor_code,
            )
        )
    return lines


def charge_table(lines: list[ChargeLine]) -> list[ChargeItemSummary]:
    """The settlement list's charge table (iteminfo) summed from charge lines, by category."""
    totals: dict[ChargeCategory, Decimal] = defaultdict(Decimal)
    for line in lines:
        totals[line.category or ChargeCategory.OTHER] += line.amount
    return [
        ChargeItemSummary(category=category, amount=amount, class_a=amount, class_b=Decimal(0))
        for category, amount in sorted(totals.items())
    ]


def settlement(rng: Random, settlement_list: SettlementList, total: Decimal) -> Settlement:
    """A settlement of ``total`` split into fund, personal account and cash, to the cent."""
    fund = (total * Decimal(rng.randint(50, 85)) / 100).quantize(CENT)
    account = min(total - fund, Decimal(rng.randint(0, 2000)))
    cash = total - fund - account
    info = settlement_list.info
    return Settlement(
        info=SettlementInfo(
            setl_id=info.setl_id,
            visit_id=info.visit_id,
            person_no=info.person_no,
            insurance_type=info.insurance_category,
            medical_type="21",
            settlement_time=info.discharge_time,
            total=total,
            pooled_fund=fund,
            fund_total=fund,
            account_pay=account,
            cash_pay=cash,
            clearing_type="21",
            clearing_agency="110199",
        ),
        funds=[FundDetail(fund_type="310100", amount=fund)],
    )


@cache
def _clinical_of(system: icd.System) -> dict[str, str]:
    """Insurance code → a clinical code the crosswalk maps to it (itself when it maps to itself)."""
    crosswalk = icd.icd10_crosswalk() if system == "icd10" else icd.icd9_crosswalk()
    back: dict[str, str] = {}
    for clinical in crosswalk:
        for insurance in crosswalk.map(clinical):
            if insurance == clinical:
                back[insurance] = clinical
            else:
                back.setdefault(insurance, clinical)
    return back


def _clinical(system: icd.System, code: str) -> tuple[str, str]:
    """The clinical-edition code (and name) a hospital record would carry for ``code``."""
    clinical = _clinical_of(system).get(code, code)
    table = icd.icd10_clinical() if system == "icd10" else icd.icd9_clinical()
    return clinical, table.name_of(clinical) or ""


def front_page(rng: Random, settlement_list: SettlementList) -> FrontPage:
    """The front page (4401) the settlement list was coded from, in the clinical editions.

    Each insurance code is read back through the clinical → insurance crosswalk, so the
    front page's codes crosswalk to the list's codes (where the crosswalk has the code at all).
    """
    info = settlement_list.info
    assert info.admission_time is not None
    assert info.discharge_time is not None
    diagnoses = []
    for diagnosis in settlement_list.diagnoses:
        if diagnosis.type is DiagnosisType.WESTERN:
            code, name = _clinical("icd10", diagnosis.code)
            diagnoses.append(
                FrontPageDiagnosis(
                    diagnosis_type="1" if diagnosis.is_principal else "2",
                    principal=diagnosis.principal,
                    code=code,
                    name=name,
                    admission_condition=diagnosis.admission_condition,
                )
            )
    operations = []
    for serial, operation in enumerate(settlement_list.operations, start=1):
        code, name = _clinical("icd9cm3", operation.code)
        operations.append(
            FrontPageOperation(
                date=operation.date,
                name=name,
                code=code,
                serial=str(serial),
                level=rng.choice("1234"),
                surgeon_name=operation.surgeon_name,
                healing_grade=rng.choice(("11", "12", "21")),
                anaesthesia_method=operation.anaesthesia_way,
                principal=Flag.YES if operation.is_principal else Flag.NO,
            )
        )
    base = FrontPageBase(
        visit_id=info.visit_id,
        person_no=info.person_no,
        admission_count=rng.randint(1, 5),
        inpatient_no=f"ZY{rng.randint(10**7, 10**8 - 1)}",
        record_no=info.record_no or info.setl_id,
        person_name=info.person_name,
        gender=info.gender,
        birth_date=info.birth_date,
        age=None if info.age is None else Decimal(info.age),
        cert_no=info.cert_no,
        marital_status=rng.choice(("10", "20", "90")),
        admission_route=rng.choice(("1", "2", "3")),
        admission_dept=info.admission_dept,
        admission_time=info.admission_time,
        discharge_time=info.discharge_time,
        discharge_dept=info.discharge_dept,
        length_of_stay=info.length_of_stay,
        discharge_way=info.discharge_way,
        attending_doctor_name=info.attending_doctor_name,
        total_cost=settlement_list.charge_items_total,
        institution_code=info.institution_code,
    )
    return FrontPage(base=base, diagnoses=diagnoses, operations=operations)


def encounter(
    rng: Random,
    *,
    index: int = 0,
    lines: int | None = None,
    diagnoses: int | None = None,
    operations: int | None = None,
    with_settlement: bool = True,
    with_front_page: bool = False,
    with_rare_parts: bool = False,
) -> Encounter:
    """One complete inpatient encounter whose totals all agree.

    The front page, then the rare parts (ICU stays, transfusions, outpatient special-disease
    diagnoses), are drawn last, so asking for them leaves the rest of the encounter as the
    same seed gives without them.
    """
    dept = rng.choice(DEPARTMENTS)
    sl = settlement_list(
        rng, index=index, department=dept, diagnoses=diagnoses, operations=operations
    )
    charges = charge_lines(rng, sl, lines if lines is not None else rng.randint(5, 60), dept.code)
    total = sum((line.amount for line in charges), Decimal(0))
    answer = settlement(rng, sl, total) if with_settlement else None
    items = charge_table(charges)
    payments = [FundPayment(fund_type="310100", amount=answer.info.fund_total)] if answer else []
    full_list = sl.model_copy(update={"charge_items": items, "payments": payments})
    checked_list = SettlementList.model_validate(full_list.model_dump())
    group = f"{dept.name}{rng.randint(1, 3)}组"
    page = front_page(rng, checked_list) if with_front_page else None
    if with_rare_parts:
        checked_list, page = rare_parts(rng, checked_list, page)
    return Encounter(
        id=sl.info.setl_id,
        settlement_list=checked_list,
        charges=charges,
        settlement=answer,
        front_page=page,
        medical_group=group,
    )


def rare_parts(
    rng: Random, settlement_list: SettlementList, page: FrontPage | None
) -> tuple[SettlementList, FrontPage | None]:
    """The same stay with an ICU stay, a transfusion and an outpatient special-disease
    diagnosis: parts few cases have, so that tests see every model."""
    info = settlement_list.info
    assert info.admission_time is not None
    assert info.discharge_time is not None
    entered = info.admission_time + timedelta(hours=rng.randint(1, 12))
    hours = rng.randint(1, 47)
    left = min(entered + timedelta(hours=hours), info.discharge_time)
    minutes = int((left - entered).total_seconds() // 60)
    duration = f"{minutes // 1440}/{minutes % 1440 // 60}/{minutes % 60}"
    code, name = _code(rng, "icd10", ("N18", "E11", "I10"))
    richer = settlement_list.model_copy(
        update={
            "icu_stays": [
                IcuStay(
                    ward_type=rng.choice(("1", "2")), entered=entered, left=left, duration=duration
                )
            ],
            "transfusions": [
                Transfusion(category="红细胞", amount=Decimal(rng.randint(1, 8)), unit="U")
            ],
            "outpatient_diagnoses": [OutpatientDiagnosis(diagnosis_code=code, diagnosis_name=name)],
        }
    )
    checked = SettlementList.model_validate(richer.model_dump())
    if page is None:
        return checked, None
    icu = FrontPageIcuStay(icu_code="ICU1", entered=entered, left=left, nursing_days=1)
    return checked, FrontPage.model_validate(
        page.model_copy(update={"icu_stays": [icu]}).model_dump()
    )


def coded_encounter(
    principal: str | None,
    others: Sequence[str] = (),
    procedure: str | None = None,
    procedures: Sequence[str] = (),
    *,
    gender: Gender = Gender.MALE,
    age: int = 40,
    newborn_days: int | None = None,
    birth_weight: int | None = None,
    stay: int | None = 5,
    cost: Decimal = Decimal("10000.00"),
    discharge_way: DischargeWay = DischargeWay.ORDERED,
    index: int = 0,
) -> Encounter:
    """An inpatient encounter with exactly these codes, demographics and cost; the rest made up.

    Worked examples (a caesarean section, a newborn, a death …) name their codes and numbers;
    this builds the case around them. The cost is the settlement list's charge table (one row),
    with no charge lines or settlement. Dates agree with ``age``, ``newborn_days`` (age in
    days, for patients under one year, who need it) and ``stay``. A ``principal`` of None
    builds, without validation, the list no settlement could carry: the minimal route to the
    "no principal diagnosis" case.
    """
    if age == 0 and newborn_days is None:
        raise ValueError("a patient under one year needs newborn_days (age in days)")
    base = settlement_list(Random(index), index=index, diagnoses=1, operations=0)
    admitted = base.info.admission_time
    assert admitted is not None  # settlement_list always sets it
    born = (
        admitted.date() - timedelta(days=newborn_days)
        if newborn_days is not None
        else date(admitted.year - age, 1, 1)
    )
    info = base.info.model_copy(
        update={
            "gender": gender,
            "age": age,
            "birth_date": born,
            "newborn_age_days": newborn_days,
            "newborn_birth_weight": Decimal(birth_weight) if birth_weight is not None else None,
            "length_of_stay": stay,
            "discharge_time": admitted + timedelta(days=stay or 0, hours=2),
            "settlement_end": (admitted + timedelta(days=stay or 0, hours=2)).date(),
            "discharge_way": discharge_way,
            "diagnosis_count": len(others) + (principal is not None),
            "operation_count": len(procedures) + (procedure is not None),
        }
    )
    diagnoses = [
        Diagnosis(type=DiagnosisType.WESTERN, code=code, principal=Flag.NO) for code in others
    ]
    if principal is not None:
        diagnoses.insert(
            0, Diagnosis(type=DiagnosisType.WESTERN, code=principal, principal=Flag.YES)
        )
    operations = [Operation(type=OperationType.PRINCIPAL, code=procedure)] if procedure else []
    operations += [Operation(type=OperationType.OTHER, code=code) for code in procedures]
    listing = base.model_copy(
        update={
            "info": info,
            "diagnoses": diagnoses,
            "operations": operations,
            "charge_items": [ChargeItemSummary(category=ChargeCategory.OTHER, amount=cost)],
        }
    )
    return Encounter.model_construct(id=info.setl_id, settlement_list=listing)


COLORECTAL = Department(
    "A04.01.02",
    "结直肠外科",
    ("C18", "C20", "K57", "K63"),
    ("45.7", "48.6", "45.2", "45.4", "99.25"),
)
"""A colorectal-surgery ward (seed 004: Guangzhou's Sixth Affiliated Hospital), for DIP history."""

_DIP_PATHWAYS = 6
"""Common treatment pathways per department in a synthetic DIP history."""
_KIND_COST_FEN = {
    "手术": 3_500_000,
    "介入治疗": 3_000_000,
    "治疗性操作": 1_200_000,
    "诊断性操作": 800_000,
}
"""Typical cost of a stay by its heaviest procedure's category, in fen (synthetic)."""
_CONSERVATIVE_FEN = 600_000
_INSTITUTIONS = tuple(f"H4401{n:07d}" for n in (1001, 1002, 2001, 2002, 3001, 3002))
"""Synthetic institution codes of a Guangzhou-like region (440100)."""


@dataclass(frozen=True, slots=True)
class _Pathway:
    principal: str
    procedures: tuple[str, ...]
    cost_fen: int


def _pathway_cost(rng: Random, procedures: Sequence[str]) -> int:
    categories = icd.procedure_categories()
    costs = sorted(
        (_KIND_COST_FEN.get(categories.category_of(code) or "", 800_000) for code in procedures),
        reverse=True,
    )
    base = costs[0] + sum(costs[1:]) // 5 if costs else _CONSERVATIVE_FEN
    return base * rng.randint(70, 160) // 100


@cache
def _pathways(department: Department) -> tuple[_Pathway, ...]:
    """A department's common pathways: one conservative, the others with one or two of its
    procedures; drawn once from a generator seeded by the department's code."""
    rng = Random(f"dip-pathways-{department.code}")
    prefixes = department.procedure_prefixes or ("88.7", "89.5", "99.2")
    found = []
    for index in range(_DIP_PATHWAYS):
        principal = _code(rng, "icd10", department.diagnosis_prefixes)[0]
        count = 0 if index == 0 else rng.randint(1, 2)
        procedures = tuple(dict.fromkeys(_code(rng, "icd9cm3", prefixes)[0] for _ in range(count)))
        found.append(_Pathway(principal, procedures, _pathway_cost(rng, procedures)))
    return tuple(found)


def dip_history(
    rng: Random, count: int, years: Sequence[int] = (2021, 2022, 2023)
) -> Iterator[HistoryCase]:
    """A region's settled inpatient cases, the input of a DIP catalogue build; synthetic.

    Most cases follow one of each department's common pathways (:func:`_pathways`; the
    colorectal ward's among them), the first pathways more often, so that frequent
    combinations reach a core group's threshold as in a real region; one case in six is a rare
    combination of the department's codes, so that 综合病种 fill too. Later years have more
    cases and cost 5 % more a year; about 2 % of cases cost 2.5–6 times their pathway's usual
    cost and 3 % under half of it. Costs are whole fen; the same seed gives the same cases.
    """
    departments = (*DEPARTMENTS, COLORECTAL)
    spread = sum(range(1, len(years) + 1))
    for index in range(count):
        draw = rng.randint(1, spread)
        position = 0
        while draw > position + 1:
            draw -= position + 1
            position += 1
        year = years[position]
        department = rng.choice(departments)
        if rng.randint(1, 6) > 1:
            common = _pathways(department)
            pathway = common[min(rng.randrange(len(common)), rng.randrange(len(common)))]
            principal, procedures, cost = pathway.principal, pathway.procedures, pathway.cost_fen
        else:
            principal = _code(rng, "icd10", department.diagnosis_prefixes)[0]
            prefixes = department.procedure_prefixes or ("88.7", "89.5", "99.2")
            procedures = tuple(
                dict.fromkeys(_code(rng, "icd9cm3", prefixes)[0] for _ in range(rng.randint(0, 3)))
            )
            cost = _pathway_cost(rng, procedures)
        cost = cost * (100 + 5 * position) // 100 * rng.randint(70, 130) // 100
        luck = rng.randint(1, 100)
        if luck <= 2:
            cost = cost * rng.randint(250, 600) // 100
        elif luck <= 5:
            cost = cost * rng.randint(20, 45) // 100
        others = tuple(
            dict.fromkeys(
                code
                for code in (
                    _code(rng, "icd10", _SECONDARY_PREFIXES)[0] for _ in range(rng.randint(0, 3))
                )
                if code != principal
            )
        )
        yield HistoryCase(
            id=f"GZ{year}{index:07d}",
            year=year,
            case=DipCase(principal, procedures, others, rng.randint(1, 90)),
            cost=Decimal(max(cost, 1)).scaleb(-2),
            institution=rng.choice(_INSTITUTIONS),
        )


@dataclass(frozen=True, slots=True)
class RowTotals:
    """One row of a day's total reconciliation: its key, sums and settlement count."""

    key: RowKey
    total: Decimal
    fund: Decimal
    account: Decimal
    count: int


def settlements_of_rows(
    rows: Sequence[RowTotals], day: date, rng: Random, prefix: str = "S"
) -> list[StatementLine]:
    """Settlement lines that add up to each row's sums exactly, to the cent.

    Each row's fund, personal-account and cash parts are shared among its settlements in
    proportion to random weights (largest remainder, :func:`allocate_cents`), so no part is
    negative and every settlement's total is the sum of its parts. Ids are ``prefix`` + row
    + number; times fall within ``day``, 08:00–18:00.
    """
    lines: list[StatementLine] = []
    start = datetime.combine(day, datetime.min.time()) + timedelta(hours=8)
    for number, row in enumerate(rows):
        weights = [Decimal(rng.randint(1, 100)) for _ in range(row.count)]
        funds = allocate_cents(row.fund, weights)
        accounts = allocate_cents(row.account, weights)
        cash = allocate_cents(row.total - row.fund - row.account, weights)
        for index in range(row.count):
            lines.append(
                StatementLine(
                    setl_id=f"{prefix}{number:02d}{index:05d}",
                    visit_id=f"M{number:02d}{index:05d}",
                    person_no=f"P{rng.randint(0, 10**9):09d}",
                    insurance_type=row.key.insutype,
                    settlement_agency=row.key.setl_optins,
                    clearing_type=row.key.clr_type,
                    settlement_time=start + timedelta(seconds=rng.randint(0, 10 * 3600)),
                    total=funds[index] + accounts[index] + cash[index],
                    fund_total=funds[index],
                    account_pay=accounts[index],
                    refund=Flag.NO,
                )
            )
    return lines


_ROW_KEYS = (
    RowKey("310", "110199", "11"),
    RowKey("310", "110199", "21"),
    RowKey("390", "110199", "11"),
    RowKey("390", "110199", "21"),
    RowKey("310", "110099", "21"),
    RowKey("510", "110199", "21"),
)


def statement_lines(rng: Random, count: int, day: date, prefix: str = "S") -> list[StatementLine]:
    """``count`` settlement lines of one day over six national rows, amounts to the cent."""
    start = datetime.combine(day, datetime.min.time())
    lines = []
    for index in range(count):
        key = rng.choice(_ROW_KEYS)
        total = rng.randint(1000, 2_000_000)
        fund = total * rng.randint(0, 90) // 100
        account = rng.randint(0, total - fund)
        lines.append(
            StatementLine(
                setl_id=f"{prefix}{index:09d}",
                person_no=f"P{rng.randint(0, 10**9):09d}",
                insurance_type=key.insutype,
                settlement_agency=key.setl_optins,
                clearing_type=key.clr_type,
                settlement_time=start + timedelta(seconds=rng.randint(0, 86399)),
                total=Decimal(total).scaleb(-2),
                fund_total=Decimal(fund).scaleb(-2),
                account_pay=Decimal(account).scaleb(-2),
                refund=Flag.NO,
            )
        )
    return lines


_AUDIT_ITEMS: dict[str, tuple[str, ChargeCategory, int]] = {
    "EX-BED-01": ("普通病房床位费（示例）", ChargeCategory.BED, 5000),
    "EX-BED-02": ("重症监护病房床位费（示例）", ChargeCategory.BED, 18000),
    "EX-NURSE-1": ("一级护理（示例）", ChargeCategory.NURSING, 2400),
    "EX-NURSE-2": ("二级护理（示例）", ChargeCategory.NURSING, 1500),
    "EX-LAB-CBC": ("血细胞分析（示例）", ChargeCategory.LABORATORY, 2000),
    "EX-LAB-HB": ("血红蛋白测定（示例）", ChargeCategory.LABORATORY, 500),
    "EX-LAB-CULT": ("细菌培养及鉴定（示例）", ChargeCategory.LABORATORY, 8000),
    "EX-LAB-PSA": ("血清前列腺特异性抗原测定（示例）", ChargeCategory.LABORATORY, 6000),
    "EX-LAB-TCT": ("宫颈液基薄层细胞学检查（示例）", ChargeCategory.LABORATORY, 12000),
    "EX-DRUG-MEM": ("注射用美罗培南（示例）", ChargeCategory.WESTERN_MEDICINE, 9800),
    "EX-DRUG-EPO": ("重组人促红素注射液（示例）", ChargeCategory.WESTERN_MEDICINE, 4500),
    "EX-DRUG-ALB": ("人血白蛋白（示例）", ChargeCategory.WESTERN_MEDICINE, 38000),
    "EX-MAT-STENT": ("冠状动脉药物洗脱支架（示例）", ChargeCategory.MATERIALS, 75000),
}
"""Example items of the national audit knowledge pack, with a unit price in fen under its
ceiling: audit encounters bill them as a ward would, so the rules have lines to look at."""

AUDIT_DEFECTS = (
    "charge.duplicate",
    "charge.daily-limit",
    "charge.days-beyond-stay",
    "charge.after-discharge",
    "charge.amount-mismatch",
    "charge.orphan-refund",
    "charge.price-ceiling",
    "charge.sex-restricted-item",
    "charge.exclusive-items",
    "pay.restricted-drug",
    "pay.antibiotic-culture",
)
"""Defects :func:`audit_encounter` can plant, named by the rule that finds them."""


def _audit_line(
    info: SettlementListInfo, number: int, code: str, when: datetime, quantity: int
) -> ChargeLine:
    name, category, fen = _AUDIT_ITEMS[code]
    price = Decimal(fen) * CENT
    return ChargeLine(
        line_no=str(number),
        visit_id=info.visit_id,
        time=when,
        catalogue_code=code,
        hospital_code=f"H-{code}",
        item_name=name,
        amount=price * quantity,
        quantity=Decimal(quantity),
        price=price,
        category=category,
        dept_code=info.admission_dept,
        doctor_code=info.attending_doctor_code,
    )


def _within_stay(listing: SettlementList) -> SettlementList:
    """The list with its operations moved inside the stay (operation times are otherwise
    drawn independently of discharge)."""
    info = listing.info
    assert info.admission_time is not None
    assert info.discharge_time is not None
    span = info.discharge_time - info.admission_time
    moved = []
    for number, operation in enumerate(listing.operations, start=1):
        start = info.admission_time + span * number / (len(listing.operations) + 1)
        end = min(start + timedelta(hours=1), info.discharge_time)
        moved.append(operation.model_copy(update={"date": start, "start": start, "end": end}))
    return listing.model_copy(update={"operations": moved})


def audit_encounter(
    rng: Random, *, index: int = 0, lines: int = 200, defect: str | None = None
) -> Encounter:
    """An inpatient stay billed as a ward bills it, which the national audit rules pass (no
    block finding) — or, with ``defect`` (one of :data:`AUDIT_DEFECTS`), with that defect.

    One bed and one nursing day per day of stay, a blood count, a sex-specific test, a
    restricted antibiotic with its culture, a restricted drug only with a qualifying
    diagnosis, a stent in cardiology, the rest of the ``lines`` drawn as :func:`charge_lines`.
    """
    dept = rng.choice(DEPARTMENTS)
    listing = _within_stay(settlement_list(rng, index=index, department=dept))
    info = listing.info
    admitted, discharged = info.admission_time, info.discharge_time
    assert admitted is not None
    assert discharged is not None
    days = max((discharged.date() - admitted.date()).days, 1)
    hour = timedelta(hours=1)
    planned: list[tuple[str, datetime, int]] = []
    for day in range(days):
        planned += [("EX-BED-01", admitted + timedelta(days=day), 1)]
        planned += [("EX-NURSE-2", admitted + timedelta(days=day, minutes=1), 1)]
    sex_test = "EX-LAB-PSA" if info.gender is Gender.MALE else "EX-LAB-TCT"
    planned += [("EX-LAB-CBC", admitted + hour, 1), (sex_test, admitted + 2 * hour, 1)]
    if rng.random() < 0.3 or defect == "pay.antibiotic-culture":
        if defect != "pay.antibiotic-culture":
            planned.append(("EX-LAB-CULT", admitted + 3 * hour, 1))
        planned += [("EX-DRUG-MEM", admitted + (4 + dose) * hour, 1) for dose in range(3)]
    if any(d.code.startswith("N18") for d in listing.diagnoses):
        planned.append(("EX-DRUG-EPO", admitted + 5 * hour, 1))
    if dept.code == "A03.04" and listing.operations:
        planned.append(("EX-MAT-STENT", listing.operations[0].start or admitted, 1))
    planned += _planted(defect, info, admitted, discharged)
    billed = [_audit_line(info, n, *entry) for n, entry in enumerate(planned, start=1)]
    filler = charge_lines(rng, listing, max(lines - len(billed), 0), dept.code)
    charges = billed + [
        line.model_copy(update={"line_no": str(len(billed) + n)})
        for n, line in enumerate(filler, start=1)
    ]
    charges = _planted_lines(defect, charges, discharged)
    total = sum((line.amount for line in charges), Decimal(0))
    answer = settlement(rng, listing, total)
    full = listing.model_copy(
        update={
            "charge_items": charge_table(charges),
            "payments": [FundPayment(fund_type="310100", amount=answer.info.fund_total)],
        }
    )
    return Encounter(
        id=info.setl_id,
        settlement_list=SettlementList.model_validate(full.model_dump()),
        charges=charges,
        settlement=answer,
        medical_group=f"{dept.name}{rng.randint(1, 3)}组",
    )


def _planted(
    defect: str | None, info: SettlementListInfo, admitted: datetime, discharged: datetime
) -> list[tuple[str, datetime, int]]:
    """Extra items a defect adds to the bill."""
    other_sex = "EX-LAB-TCT" if info.gender is Gender.MALE else "EX-LAB-PSA"
    return {
        "charge.daily-limit": [("EX-BED-01", admitted + timedelta(minutes=30), 1)],
        "charge.days-beyond-stay": [("EX-BED-02", discharged, 1)],
        "charge.sex-restricted-item": [(other_sex, admitted + timedelta(hours=6), 1)],
        "charge.exclusive-items": [("EX-NURSE-1", admitted + timedelta(minutes=2), 1)],
        "pay.restricted-drug": [("EX-DRUG-ALB", admitted + timedelta(hours=7), 2)],
    }.get(defect or "", [])


def _planted_lines(
    defect: str | None, charges: list[ChargeLine], discharged: datetime
) -> list[ChargeLine]:
    """The bill with a defect that changes existing lines planted in it."""
    last = charges[-1]
    number = str(len(charges) + 1)
    changed: dict[str, list[ChargeLine]] = {
        "charge.duplicate": [*charges, last.model_copy(update={"line_no": number})],
        "charge.after-discharge": [
            *charges[:-1],
            last.model_copy(update={"time": discharged + timedelta(days=1)}),
        ],
        "charge.amount-mismatch": [
            *charges[:-1],
            last.model_copy(update={"amount": last.amount + Decimal(1)}),
        ],
        "charge.orphan-refund": [
            *charges,
            last.model_copy(
                update={
                    "line_no": number,
                    "original_line_no": "NO-SUCH-LINE",
                    "amount": -last.amount,
                    "quantity": -last.quantity,
                }
            ),
        ],
        "charge.price-ceiling": [
            charges[0].model_copy(
                update={"price": Decimal("80.00"), "amount": Decimal("80.00") * charges[0].quantity}
            ),
            *charges[1:],
        ],
    }
    return changed.get(defect or "", charges)
