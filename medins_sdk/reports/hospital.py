"""The hospital report: a month (or a year) of priced cases, audit findings and reconciliation.

What an insurance office watches month by month (seed 000: per medical group, benchmark
group, top overspending cases; seed 004: per department and DRG against the city): the
balance trend by month, the balance by department and by medical group, case mix (CMI) and
cost and time consumption indices against a benchmark, the largest overspending cases with
their drug, material and examination costs, audit findings by rule and by the doctor who
ordered the items, and whether the books agree with the bureau's. :class:`HospitalReport`
collects it case by case in bounded memory; :func:`medins_sdk.reports.html.render` draws it.

Breakdowns reuse the DRG case-mix report (:class:`~medins_sdk.reports.drg.DrgReport`), so the
same figures are computed one way; sums are exact and each figure rounded once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from pydantic import Field, ValidationError

from medins_sdk.models import Encounter, Finding, GroupResult, PriceResult, SdkModel
from medins_sdk.money import Money, SignedMoney
from medins_sdk.reports.benchmark import Benchmark
from medins_sdk.reports.drg import CaseFacts, DrgReport, DrgReportRow, case_facts
from medins_sdk.reports.facts import USUAL_CATEGORIES, CostCategories, category_costs
from medins_sdk.reports.top import Largest

__all__ = [
    "FindingTally",
    "HospitalReport",
    "HospitalReportData",
    "OverspendCase",
    "ReconciliationRow",
    "reconciliation_rows",
]

ZERO: Final = Decimal("0.00")
UNATTRIBUTED: Final = "-"
"""The doctor of findings that name no charge line and an encounter without a doctor."""


class OverspendCase(SdkModel):
    """One of the largest overspends, with the cost structure the office looks at first."""

    id: str = Field(description="the encounter's id")
    department: str | None = Field(None, description="discharge department code")
    medical_group: str | None = Field(None, description="medical group (医疗组)")
    doctor: str | None = Field(None, description="attending doctor's code")
    group: str | None = Field(None, description="the scheme's group")
    group_name: str | None = Field(None, description="the group's name")
    total_cost: Money = Field(description="医疗费总额")
    payment: Money = Field(description="what the scheme pays")
    balance: SignedMoney = Field(description="payment − cost (negative: 超支)")
    drugs: SignedMoney = Field(description="药品费")
    materials: SignedMoney = Field(description="耗材费")
    examinations: SignedMoney = Field(description="检查化验费")
    other: SignedMoney = Field(description="其他费用 = cost − drugs − materials − examinations")


class FindingTally(SdkModel):
    """Audit findings of one rule or one doctor: how many, how severe, how much at risk."""

    key: str = Field(description="rule id, or the ordering doctor's code")
    findings: int = Field(description="number of findings")
    encounters: int = Field(description="encounters with at least one")
    block: int = Field(description="findings of severity block")
    warn: int = Field(description="findings of severity warn")
    info: int = Field(description="findings of severity info")
    amount: Money = Field(description="amount at risk, summed")


class ReconciliationRow(SdkModel):
    """One row of the totals reconciliation (对总账), as ``medins reconcile`` writes it."""

    key: str = Field(description="insutype / setl_optins / clr_type")
    hospital_amount: Money = Field(description="医疗费总额, the hospital's books")
    bureau_amount: Money = Field(description="医疗费总额, the bureau's books")
    hospital_count: int = Field(description="settlements, the hospital's books")
    bureau_count: int = Field(description="settlements, the bureau's books")
    balanced: bool = Field(description="平 (true) / 不平 (false)")


class HospitalReportData(SdkModel):
    """Everything the report shows, as data: the HTML draws it, JSON carries it."""

    title: str = Field(description="report title")
    scheme: str = Field(description="the payment scheme the cases were priced under")
    cases: int = Field(description="cases priced")
    months: list[DrgReportRow] = Field(description="per month of discharge, then 全院")
    days: list[DrgReportRow] = Field(description="per day of discharge, then 全院")
    departments: list[DrgReportRow] = Field(description="per discharge department, then 全院")
    medical_groups: list[DrgReportRow] = Field(description="per medical group, then 全院")
    overspending: list[OverspendCase] = Field(description="the largest overspends, largest first")
    findings_by_rule: list[FindingTally] = Field(description="audit findings per rule")
    findings_by_doctor: list[FindingTally] = Field(description="per ordering doctor")
    reconciliation: list[ReconciliationRow] | None = Field(
        None, description="totals reconciliation rows; None when none was given"
    )

    @property
    def balanced(self) -> bool | None:
        """Whether every reconciliation row is 平; None without reconciliation."""
        if self.reconciliation is None:
            return None
        return all(row.balanced for row in self.reconciliation)


@dataclass(slots=True)
class _Tally:
    findings: int = 0
    severities: Counter[str] = field(default_factory=Counter)
    amount: Decimal = ZERO

    def add(self, finding: Finding) -> None:
        self.findings += 1
        self.severities[finding.severity] += 1
        self.amount += finding.amount or ZERO


class HospitalReport:
    """The report being built: :meth:`add` each priced case, :meth:`add_findings` each
    encounter's findings, :meth:`set_reconciliation`, then :meth:`data`.

    Keeps running totals and the ``top`` overspends, never the cases, so a year of cases
    fits in memory; the result does not depend on the order cases come in.
    """

    def __init__(
        self,
        scheme: str,
        *,
        title: str = "医保运行分析报告",
        benchmark: Benchmark | None = None,
        top: int = 10,
        categories: CostCategories = USUAL_CATEGORIES,
    ) -> None:
        self.scheme = scheme
        self.title = title
        self.categories = categories
        self._months = DrgReport("month", benchmark)
        self._days = DrgReport("day", benchmark)
        self._departments = DrgReport("department", benchmark)
        self._groups = DrgReport("medical_group", benchmark)
        self._overspends: Largest[OverspendCase] = Largest(top)
        self._by_rule: dict[str, _Tally] = {}
        self._by_doctor: dict[str, _Tally] = {}
        self._encounters_by: dict[str, set[str]] = {}
        self._cases = 0
        self._reconciliation: list[ReconciliationRow] | None = None

    def add(self, encounter: Encounter, grouping: GroupResult | None, price: PriceResult) -> None:
        """Count one priced case in every breakdown, and among the overspends."""
        facts = case_facts(encounter, grouping, price)
        for report in (self._months, self._days, self._departments, self._groups):
            report.add(facts)
        self._cases += 1
        if price.balance < 0:
            self._overspends.offer(
                -price.balance, price.id, lambda: self._overspend(encounter, facts)
            )

    def _overspend(self, encounter: Encounter, facts: CaseFacts) -> OverspendCase:
        drugs, materials, examinations = category_costs(encounter, self.categories)
        return OverspendCase(
            id=facts.id,
            department=facts.department,
            medical_group=facts.medical_group,
            doctor=facts.doctor,
            group=facts.group,
            group_name=facts.group_name,
            total_cost=facts.total_cost,
            payment=facts.payment,
            balance=facts.balance,
            drugs=drugs,
            materials=materials,
            examinations=examinations,
            other=facts.total_cost - drugs - materials - examinations,
        )

    def add_findings(self, encounter: Encounter | None, findings: Iterable[Finding]) -> None:
        """Count ``encounter``'s findings by rule and by the doctor who ordered the items:
        the first named charge line's ordering doctor (开单医生), else the attending doctor
        (``-`` for findings whose encounter is not at hand)."""
        ordered_by = (
            {} if encounter is None else {c.line_no: c.doctor_code for c in encounter.charges}
        )
        attending = (
            None if encounter is None else encounter.settlement_list.info.attending_doctor_code
        )
        for finding in findings:
            doctor = next(
                (ordered_by[line] for line in finding.lines if ordered_by.get(line)), attending
            )
            for key, tallies in (
                (f"rule:{finding.rule}", self._by_rule),
                (f"doctor:{doctor or UNATTRIBUTED}", self._by_doctor),
            ):
                tallies.setdefault(key, _Tally()).add(finding)
                self._encounters_by.setdefault(key, set()).add(finding.id)

    def set_reconciliation(self, rows: Sequence[ReconciliationRow]) -> None:
        """The totals reconciliation to show (rows of ``medins reconcile``)."""
        self._reconciliation = list(rows)

    def data(self) -> HospitalReportData:
        """The report's content, sorted: rows by key, overspends largest first, findings by
        amount at risk then count (largest first), ties by key."""
        return HospitalReportData(
            title=self.title,
            scheme=self.scheme,
            cases=self._cases,
            months=self._months.rows(),
            days=self._days.rows(),
            departments=self._departments.rows(),
            medical_groups=self._groups.rows(),
            overspending=self._overspends.items(),
            findings_by_rule=self._tallies(self._by_rule),
            findings_by_doctor=self._tallies(self._by_doctor),
            reconciliation=self._reconciliation,
        )

    def _tallies(self, tallies: Mapping[str, _Tally]) -> list[FindingTally]:
        rows = [
            FindingTally(
                key=key.partition(":")[2],
                findings=tally.findings,
                encounters=len(self._encounters_by[key]),
                block=tally.severities["block"],
                warn=tally.severities["warn"],
                info=tally.severities["info"],
                amount=tally.amount,
            )
            for key, tally in tallies.items()
        ]
        return sorted(rows, key=lambda row: (-row.amount, -row.findings, row.key))


_ROW_KEY: Final = ("insutype", "setl_optins", "clr_type")


def reconciliation_rows(lines: Iterable[Mapping[str, object]]) -> list[ReconciliationRow]:
    """The total rows of ``medins reconcile`` JSONL (lines with ``hospital`` and ``bureau``
    objects); detail differences and other lines are skipped. ``ValueError`` names a row
    that lacks a field."""
    rows: list[ReconciliationRow] = []
    for number, line in enumerate(lines, start=1):
        hospital, bureau = line.get("hospital"), line.get("bureau")
        if not isinstance(hospital, dict) or not isinstance(bureau, dict):
            continue
        total = line.get("level") == "total"
        fields = {
            "key": "合计" if total else "/".join(str(line.get(name) or "-") for name in _ROW_KEY),
            "hospital_amount": hospital.get("medfee_sumamt"),
            "bureau_amount": bureau.get("medfee_sumamt"),
            "hospital_count": hospital.get("setl_cnt"),
            "bureau_count": bureau.get("setl_cnt"),
            "balanced": line.get("balanced"),
        }
        try:
            rows.append(ReconciliationRow.model_validate(fields))
        except ValidationError as error:
            raise ValueError(f"reconciliation line {number}: {error}") from None
    return rows
