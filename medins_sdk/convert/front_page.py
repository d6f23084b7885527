"""Front page (4401, clinical editions) → settlement list (4101, insurance editions): 贯标.

Every diagnosis and procedure code goes through a clinical → insurance crosswalk (by default
the national ones the core registers). A code is never dropped: one without counterpart is
kept as it was, one that maps to a grey code (灰码) keeps the grey code, and each is reported
as a ``block`` finding — the bureau would refuse the list as it stands. Costs go through
:mod:`medins_sdk.convert.costs`. The settlement list cannot be made valid from every front
page (a duration in the wrong shape, say): then :class:`ConversionError` names the fields.

A front page carries no settlement id; the list's ``setl_id`` and ``mdtrt_id`` (and the
encounter's id) are the front page's ``mdtrt_id``, else its ``mdtrt_sn``, else its
``medcasno``, unless the caller passes the real one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from pydantic import ValidationError

from medins_sdk.codes import icd
from medins_sdk.codes.icd import CodeList, CodeSet, Crosswalk
from medins_sdk.codes.tables import (
    AdmissionCondition,
    ChargeCategory,
    DiagnosisType,
    Flag,
    OperationType,
)
from medins_sdk.convert.costs import COST_RULES, CostRule, charge_table
from medins_sdk.io.records import issues_of
from medins_sdk.models import (
    ChargeItemSummary,
    Encounter,
    Finding,
    FrontPage,
    FrontPageBase,
    FrontPageDiagnosis,
    FrontPageIcuStay,
    FrontPageOperation,
    SettlementList,
)
from medins_sdk.models.results import EvidenceValue, Severity
from medins_sdk.money import format_money

_BASE_FIELDS = (
    "person_no",
    "institution_code",
    "record_no",
    "person_name",
    "gender",
    "birth_date",
    "nationality",
    "ethnicity",
    "cert_no",
    "occupation",
    "current_address",
    "contact_name",
    "contact_phone",
    "newborn_birth_weight",
    "newborn_admission_weight",
    "treatment_type",
    "admission_time",
    "admission_dept",
    "discharge_time",
    "discharge_dept",
    "length_of_stay",
    "ventilation_duration",
    "coma_before_admission",
    "coma_after_admission",
    "discharge_way",
    "readmission_plan",
    "attending_doctor_name",
)
"""Base fields with the same name and meaning on both documents, copied as they are."""


class ConversionError(ValueError):
    """The settlement list made from a front page is invalid; the message names each field
    (``settlement_list.info.vent_used_dura`` …) and never its value."""


@dataclass(frozen=True, slots=True)
class Converted:
    """A converted front page: the encounter (its settlement list, with the front page it
    came from) and what the conversion reports."""

    encounter: Encounter
    findings: tuple[Finding, ...]

    @property
    def blocking(self) -> tuple[Finding, ...]:
        """Findings that make the list unacceptable to the bureau as it stands."""
        return tuple(f for f in self.findings if f.severity == "block")


@dataclass(frozen=True, slots=True)
class _Edition:
    """One code system's crosswalk and insurance edition, as the converter uses them."""

    crosswalk: Crosswalk
    insurance: CodeSet
    grey: CodeList
    what: str  # 诊断 / 手术操作
    list_field: str  # the settlement list's field, for findings' evidence
    clean: dict[str, tuple[str, str | None]] = field(default_factory=dict, compare=False)
    """Clinical codes seen with one counterpart, not grey: the counterpart and its name.

    Remembered because the tables never change and every code costs three look-ups
    otherwise; at most one entry per code of the crosswalk."""


@dataclass
class _Findings:
    """Findings of one conversion, all for the same encounter id."""

    id: str
    found: list[Finding] = field(default_factory=list)

    def add(
        self,
        rule: str,
        severity: Severity,
        message: str,
        evidence: dict[str, EvidenceValue],
        amount: Decimal | None = None,
    ) -> None:
        self.found.append(
            Finding(
                id=self.id,
                rule=rule,
                severity=severity,
                stage="pre",
                amount=amount,
                message=message,
                evidence=evidence,
            )
        )


class FrontPageConverter:
    """Converts front pages to settlement lists with given crosswalks and cost rules.

    Build one and reuse it: the crosswalks and code tables load on first use.
    """

    def __init__(
        self,
        diagnoses: Crosswalk | None = None,
        procedures: Crosswalk | None = None,
        cost_rules: Sequence[CostRule] = COST_RULES,
    ) -> None:
        self._diagnoses = _Edition(
            diagnoses or icd.icd10_crosswalk(),
            icd.icd10_insurance(),
            icd.icd10_grey(),
            "诊断",
            "diagnoses",
        )
        self._procedures = _Edition(
            procedures or icd.icd9_crosswalk(),
            icd.icd9_insurance(),
            icd.icd9_grey(),
            "手术操作",
            "operations",
        )
        self._cost_rules = tuple(cost_rules)

    def convert(self, page: FrontPage, setl_id: str | None = None) -> Converted:
        """The settlement list of ``page`` and the findings; raises :class:`ConversionError`."""
        base = page.base
        visit_id = base.visit_id or base.visit_serial or base.record_no
        record_id = setl_id or visit_id
        findings = _Findings(record_id)
        info = {name: getattr(base, name) for name in _BASE_FIELDS}
        info.update(
            setl_id=record_id,
            visit_id=visit_id,
            admission_route=base.admission_route,
            age=None if base.age is None else int(base.age),
            newborn_age_days=_newborn_days(base),
            diagnosis_count=len(page.diagnoses),
            operation_count=len(page.operations),
        )
        items, unplaced = charge_table(base, self._cost_rules)
        for part in unplaced:
            findings.add(
                "convert.cost-category",
                "warn",
                f"病案首页费用 {_zh(part.field)} 在结算清单 14 类收费项目中没有唯一对应类别，"
                "已计入 14 其他费；请按费用明细拆分",
                {"field": part.field},
                part.amount,
            )
        items = _reconcile_total(base, items, findings)
        data: dict[str, Any] = {
            "info": info,
            "diagnoses": [
                self._diagnosis(diagnosis, i, findings)
                for i, diagnosis in enumerate(page.diagnoses)
            ],
            "operations": self._operations(page, findings),
            "icu_stays": [_icu(stay) for stay in page.icu_stays],
            "charge_items": items,
        }
        try:
            settlement_list = SettlementList.model_validate(data)
        except ValidationError as error:
            reasons = "; ".join(
                f"{issue.path}: {issue.reason}" for issue in issues_of(error, "settlement_list")
            )
            raise ConversionError(f"the settlement list is invalid: {reasons}") from None
        # Valid by construction: the id is the list's validated setl_id, the list and the
        # page are validated models, and with no charge lines or settlement the list's
        # charge table is the encounter's only total, so no cross-check can fail.
        encounter = Encounter.from_trusted(
            id=record_id, settlement_list=settlement_list, front_page=page
        )
        return Converted(encounter, tuple(findings.found))

    def _diagnosis(
        self, diagnosis: FrontPageDiagnosis, index: int, findings: _Findings
    ) -> dict[str, Any]:
        """One ``diseinfo`` entry, for the list to validate. The admission condition is read
        before the code so that findings keep their order."""
        condition = _condition(diagnosis.admission_condition, index, findings)
        code, name = _code(self._diagnoses, diagnosis.code, diagnosis.name, index, findings)
        return {
            "type": DiagnosisType.WESTERN,
            "principal": diagnosis.principal,
            "admission_condition": condition,
            "code": code,
            "name": name,
        }

    def _operations(self, page: FrontPage, findings: _Findings) -> list[dict[str, Any]]:
        flagged = any(o.principal is Flag.YES for o in page.operations)
        return [
            self._operation(o, i, o.principal is Flag.YES if flagged else i == 0, findings)
            for i, o in enumerate(page.operations)
        ]

    def _operation(
        self, operation: FrontPageOperation, index: int, principal: bool, findings: _Findings
    ) -> dict[str, Any]:
        """One ``oprninfo`` entry, for the list to validate."""
        code, name = _code(self._procedures, operation.code, operation.name, index, findings)
        return {
            "type": OperationType.PRINCIPAL if principal else OperationType.OTHER,
            "date": operation.date,
            "anaesthesia_way": operation.anaesthesia_method,
            "surgeon_name": operation.surgeon_name,
            "anaesthetist_name": operation.anaesthetist_name,
            "anaesthesia_start": operation.anaesthesia_start,
            "anaesthesia_end": operation.anaesthesia_end,
            "code": code,
            "name": name,
        }


def _code(
    edition: _Edition, code: str, name: str | None, index: int, findings: _Findings
) -> tuple[str, str | None]:
    """The insurance code and name for one clinical code, reporting what is not clean."""
    clean = edition.clean.get(code)
    if clean is None:
        targets = edition.crosswalk.map(code)
        if len(targets) != 1 or edition.grey.is_grey(targets[0]):
            return _reported_code(
                edition, code, name, targets, f"{edition.list_field}[{index}]", findings
            )
        clean = edition.clean[code] = (targets[0], edition.insurance.name_of(targets[0]))
    target, insurance_name = clean
    return target, insurance_name or name


def _reported_code(
    edition: _Edition,
    code: str,
    name: str | None,
    targets: tuple[str, ...],
    where: str,
    findings: _Findings,
) -> tuple[str, str | None]:
    """:func:`_code` for a code without exactly one counterpart, or mapping to a grey code."""
    evidence: dict[str, EvidenceValue] = {"field": f"{where}.code", "clinical": code}
    if not targets:
        if code in edition.insurance:
            findings.add(
                "convert.already-insurance",
                "info",
                f"{edition.what}编码 {code} 不在{edition.crosswalk.source}中，"
                f"但属于{edition.insurance.name}，按原码上传",
                evidence,
            )
        else:
            findings.add(
                "convert.unmapped",
                "block",
                f"{edition.what}编码 {code} 在{edition.crosswalk.target}中没有对应编码，"
                "原码保留；请编码员重新编码后再上传结算清单",
                evidence,
            )
            return code, name
    target = targets[0] if targets else code
    evidence["insurance"] = target
    if len(targets) > 1:
        findings.add(
            "convert.several-counterparts",
            "warn",
            f"{edition.what}编码 {code} 对应多个医保版编码 {'、'.join(targets)}，"
            f"已取 {target}；请核对",
            {**evidence, "candidates": list(targets)},
        )
    if edition.grey.is_grey(target):
        findings.add(
            "convert.grey-code",
            "block",
            f"{edition.what}编码 {code} 对应的医保版编码 {target} 是灰码，结算清单不予接收；"
            "请编码员细化编码",
            evidence,
        )
    return target, edition.insurance.name_of(target) or name


def _newborn_days(base: FrontPageBase) -> int | None:
    """Age in days of a patient under one year (年龄不足1周岁的年龄(天)), from the birth date."""
    if base.birth_date is None or base.age is None or base.age >= 1:
        return None
    days = (base.admission_time.date() - base.birth_date).days
    return days if 0 <= days <= 366 else None


def _condition(code: str | None, index: int, findings: _Findings) -> AdmissionCondition | None:
    if code is None:
        return None
    member = AdmissionCondition._value2member_map_.get(code)
    if isinstance(member, AdmissionCondition):
        return member
    findings.add(
        "convert.admission-condition",
        "warn",
        f"入院病情代码 {code} 不在结算清单的入院病情代码表（1 有 / 2 临床未确定 / 3 情况不明 / "
        "4 无）中，未填写；请补录",
        {"field": f"diagnoses[{index}].admission_condition", "value": code},
    )
    return None


def _icu(stay: FrontPageIcuStay) -> dict[str, Any]:
    return {"entered": stay.entered, "left": stay.left, "duration": _duration(stay)}


def _duration(stay: FrontPageIcuStay) -> str | None:
    """``days/hours/minutes`` between entering and leaving, as the settlement list writes it."""
    if not isinstance(stay.entered, datetime) or not isinstance(stay.left, datetime):
        return None
    minutes = int((stay.left - stay.entered).total_seconds() // 60)
    return f"{minutes // 1440}/{minutes % 1440 // 60}/{minutes % 60}"


def _reconcile_total(
    base: FrontPageBase, items: list[ChargeItemSummary], findings: _Findings
) -> list[ChargeItemSummary]:
    """The charge table checked against the front page's total: a total without categories
    becomes one 14 其他费 row, categories that do not add up to the total are reported."""
    total = base.total_cost
    if total is None:
        return items
    if not items:
        if total:
            shown = format_money(total)
            findings.add(
                "convert.cost-uncategorised",
                "warn",
                f"病案首页只有总费用 {shown} 元，没有分项费用，已全部计入 14 其他费；"
                "请按费用明细拆分",
                {"total": shown},
                total,
            )
            return [ChargeItemSummary(category=ChargeCategory.OTHER, amount=total)]
        return items
    placed = sum((item.amount for item in items), Decimal(0))
    if placed != total:
        findings.add(
            "convert.cost-total",
            "warn",
            f"病案首页分项费用合计 {format_money(placed)} 元与总费用 {format_money(total)} 元"
            "不符；结算清单按分项填写，请核对",
            {"categories": format_money(placed), "total": format_money(total)},
            abs(total - placed),
        )
    return items


def _zh(name: str) -> str:
    """A front-page field's Chinese name and national name, for messages."""
    info = FrontPageBase.model_fields[name]
    return f"{info.description} ({info.alias})"


@cache
def _national() -> FrontPageConverter:
    return FrontPageConverter()


def front_page_encounter(page: FrontPage) -> Encounter:
    """The encounter of a front page with the national crosswalks, for steps that need one
    (``medins group``, ``medins price`` on front pages). Raises :class:`ConversionError`
    when a finding blocks the list (a code without counterpart, a grey code), naming them."""
    converted = _national().convert(page)
    if converted.blocking:
        raise ConversionError(
            "the front page does not convert to an acceptable settlement list: "
            + "; ".join(f"{f.rule} {f.evidence.get('clinical', '')}" for f in converted.blocking)
            + " (`medins convert` reports every finding)"
        )
    return converted.encounter
