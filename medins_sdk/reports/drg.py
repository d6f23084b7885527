"""The DRG case-mix report: per department, doctor, group or principal diagnosis, and overall.

What a hospital's insurance office works out by hand each month (REFERENCE §3): how many
cases, how heavy (CMI), how costly and how long against the region's means (the cost and
time consumption indices), and what the scheme paid against what the cases cost (结余 /
超支). Definitions:

- CMI = Σ RW ÷ cases with a weight (cases whose group is paid item by item have none);
- per DRG, 费用消耗指数 = the hospital's mean cost ÷ the region's, 时间消耗指数 = the
  hospital's mean stay ÷ the region's; above one DRG (a ward, a doctor, the hospital), the
  case-weighted mean of the DRG indices over the DRGs the benchmark lists.

Sums are exact; each figure is rounded once, half up, at the end: money to the cent, CMI and
indices to 4 places, mean stay to 2. :class:`DrgReport` keeps one running total per row
key, not the cases, so any number of cases fits in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Final, Literal

from pydantic import Field

from medins_sdk.codes import icd10_insurance
from medins_sdk.models import Encounter, GroupResult, PriceResult, SdkModel
from medins_sdk.models.results import GroupStatus, Outlier, Weight
from medins_sdk.money import CENT, DecimalSpec, Money, SignedMoney
from medins_sdk.reports.benchmark import Benchmark, BenchmarkError, GroupBenchmark
from medins_sdk.reports.facts import discharge_date

__all__ = [
    "BY",
    "TOTAL_KEY",
    "Benchmark",
    "BenchmarkError",
    "CaseFacts",
    "DrgReport",
    "DrgReportRow",
    "GroupBenchmark",
    "ReportBy",
    "case_facts",
    "drg_report",
]

ReportBy = Literal["department", "doctor", "group", "diagnosis", "medical_group", "month", "day"]
BY: Final[tuple[ReportBy, ...]] = (
    "department",
    "doctor",
    "group",
    "diagnosis",
    "medical_group",
    "month",
    "day",
)
"""The row keys a report can be broken down by (``--by``)."""

TOTAL_KEY: Final = "*"
"""Key of the last row, the whole hospital (全院)."""
MISSING_KEY: Final = "-"
"""Key of the cases that lack the breakdown's field (no group, no department …)."""
MISSING_LABELS: Final[Mapping[ReportBy, str]] = {
    "department": "未填出院科别",
    "doctor": "未填主诊医师代码",
    "group": "未入组",
    "diagnosis": "无主要诊断",
    "medical_group": "未填医疗组",
    "month": "无出院时间",
    "day": "无出院时间",
}

Index = Annotated[
    Decimal,
    DecimalSpec(4, signed=False, integer_digits=8, description="an index against a benchmark"),
]
"""A consumption index: 1 is the region's mean, 4 decimal places."""
Days = Annotated[
    Decimal, DecimalSpec(2, signed=False, integer_digits=6, description="a number of days")
]
"""A mean length of stay in days, 2 decimal places."""

FOUR_PLACES: Final = Decimal("0.0001")
"""CMI and indices have 4 decimal places; money and mean stays 2 (``CENT``)."""


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the report needs of one priced case; no personal data (the doctor is a code)."""

    id: str
    status: GroupStatus | None
    """grouped / ambiguous / ungroupable; None when the scheme does not group."""
    group: str | None
    group_name: str | None
    weight: Decimal | None
    """The group's relative weight; None for item-by-item groups and ungrouped cases."""
    total_cost: Decimal
    payment: Decimal
    balance: Decimal
    outlier: Outlier | None
    length_of_stay: int | None
    department: str | None
    """Discharge department code (出院科别)."""
    doctor: str | None
    """Attending doctor's code (主诊医师代码), never the name."""
    diagnosis: str | None
    """Principal diagnosis code (主要诊断)."""
    medical_group: str | None = None
    """The HIS's medical group (医疗组)."""
    month: str | None = None
    """YYYY-MM of discharge."""
    day: str | None = None
    """YYYY-MM-DD of discharge."""

    @property
    def ungrouped(self) -> bool:
        """Whether the grouper found no proper group (ambiguous QY, or ungroupable)."""
        return self.status in ("ambiguous", "ungroupable")


def case_facts(encounter: Encounter, grouping: GroupResult | None, price: PriceResult) -> CaseFacts:
    """The facts of one case from its encounter, grouping (if the scheme groups) and price."""
    info = encounter.settlement_list.info
    principal = encounter.settlement_list.principal_diagnosis
    weight = None if grouping is None else grouping.weight
    discharged = discharge_date(encounter)
    return CaseFacts(
        id=price.id,
        status=None if grouping is None else grouping.status,
        group=price.group if grouping is None else grouping.group,
        group_name=None if grouping is None else grouping.group_name,
        weight=price.weight if weight is None else weight,
        total_cost=price.total_cost,
        payment=price.payment,
        balance=price.balance,
        outlier=price.outlier,
        length_of_stay=info.length_of_stay,
        department=info.discharge_dept,
        doctor=info.attending_doctor_code,
        diagnosis=None if principal is None else principal.code,
        medical_group=encounter.medical_group,
        month=None if discharged is None else f"{discharged:%Y-%m}",
        day=None if discharged is None else f"{discharged:%Y-%m-%d}",
    )


class DrgReportRow(SdkModel):
    """One line of the case-mix report: a department, doctor, DRG or diagnosis, or 全院."""

    key: str = Field(
        description="department, doctor, DRG or diagnosis code; - when missing; * for 全院"
    )
    label: str | None = Field(None, description="DRG name, diagnosis name, 全院 …")
    cases: int = Field(ge=0, description="病例数")
    weighted_cases: int = Field(ge=0, description="cases whose group has a weight (CMI's cases)")
    cmi: Weight | None = Field(None, description="病例组合指数 CMI = Σ RW ÷ weighted cases")
    total_cost: Money = Field(description="医疗费总额, summed")
    mean_cost: Money | None = Field(None, description="例均费用 = total cost ÷ cases")
    mean_los: Days | None = Field(
        None, description="平均住院日, over the cases with a length of stay"
    )
    cost_index: Index | None = Field(
        None, description="费用消耗指数: mean cost ÷ regional mean, case-weighted over DRGs"
    )
    time_index: Index | None = Field(
        None, description="时间消耗指数: mean stay ÷ regional mean, case-weighted over DRGs"
    )
    total_payment: Money = Field(description="what the scheme pays, summed")
    total_balance: SignedMoney = Field(description="payment − cost, summed: 结余 (+) / 超支 (−)")
    high_outliers: int = Field(ge=0, description="高倍率 cases")
    low_outliers: int = Field(ge=0, description="低倍率 cases")
    ungrouped: int = Field(ge=0, description="ambiguous (QY) and ungroupable cases")


@dataclass
class _Means:
    """Cases, cost and stays summed: what means and consumption indices are computed from."""

    cases: int = 0
    cost: Decimal = Decimal(0)
    stays: int = 0
    """Cases with a length of stay."""
    days: int = 0

    def add(self, case: CaseFacts) -> None:
        self.cases += 1
        self.cost += case.total_cost
        if case.length_of_stay is not None:
            self.stays += 1
            self.days += case.length_of_stay


@dataclass
class _Sums:
    """The running totals of one row."""

    means: _Means = field(default_factory=_Means)
    by_group: dict[str, _Means] = field(default_factory=dict)
    weighted: int = 0
    weights: Decimal = Decimal(0)
    payment: Decimal = Decimal(0)
    balance: Decimal = Decimal(0)
    high: int = 0
    low: int = 0
    ungrouped: int = 0

    def add(self, case: CaseFacts) -> None:
        self.means.add(case)
        if case.group is not None:
            self.by_group.setdefault(case.group, _Means()).add(case)
        if case.weight is not None:
            self.weighted += 1
            self.weights += case.weight
        self.payment += case.payment
        self.balance += case.balance
        self.high += case.outlier == "high"
        self.low += case.outlier == "low"
        self.ungrouped += case.ungrouped

    def row(self, key: str, label: str | None, benchmark: Benchmark | None) -> DrgReportRow:
        means = self.means
        cost_index, time_index = _indices(self.by_group, benchmark or {})
        return DrgReportRow(
            key=key,
            label=label,
            cases=means.cases,
            weighted_cases=self.weighted,
            cmi=_mean(self.weights, self.weighted, FOUR_PLACES),
            total_cost=means.cost,
            mean_cost=_mean(means.cost, means.cases, CENT),
            mean_los=_mean(Decimal(means.days), means.stays, CENT),
            cost_index=cost_index,
            time_index=time_index,
            total_payment=self.payment,
            total_balance=self.balance,
            high_outliers=self.high,
            low_outliers=self.low,
            ungrouped=self.ungrouped,
        )


def _mean(total: Decimal, count: int, places: Decimal) -> Decimal | None:
    """``total ÷ count`` rounded half up to ``places`` (as ``to_cents`` does money), or None."""
    return None if count == 0 else (total / count).quantize(places, rounding=ROUND_HALF_UP)


def _indices(
    groups: Mapping[str, _Means], benchmark: Mapping[str, GroupBenchmark]
) -> tuple[Decimal | None, Decimal | None]:
    """Cost and time consumption indices: Σ cases_g × index_g ÷ Σ cases_g over benchmarked
    DRGs g, where cases_g × (mean_g ÷ regional mean_g) = total_g ÷ regional mean_g."""
    cost, cost_cases = Decimal(0), 0
    time, time_cases = Decimal(0), 0
    for code, means in sorted(groups.items()):  # sorted: the same sums whatever the order
        region = benchmark.get(code)
        if region is None:
            continue
        cost += means.cost / region.mean_cost
        cost_cases += means.cases
        time += Decimal(means.days) / region.mean_los
        time_cases += means.stays
    return _mean(cost, cost_cases, FOUR_PLACES), _mean(time, time_cases, FOUR_PLACES)


_KEYS: Final[Mapping[ReportBy, Callable[[CaseFacts], str | None]]] = {
    "department": lambda case: case.department,
    "doctor": lambda case: case.doctor,
    "group": lambda case: case.group,
    "diagnosis": lambda case: case.diagnosis,
    "medical_group": lambda case: case.medical_group,
    "month": lambda case: case.month,
    "day": lambda case: case.day,
}


class DrgReport:
    """The report being built: :meth:`add` each case, then :meth:`rows`."""

    def __init__(self, by: ReportBy, benchmark: Benchmark | None = None) -> None:
        self.by = by
        self.benchmark = benchmark
        self._key = _KEYS[by]
        self._rows: dict[str, _Sums] = {}
        self._total = _Sums()
        self._group_names: dict[str, str] = {}

    def add(self, case: CaseFacts) -> None:
        """Count one case in its row and in the total."""
        key = self._key(case) or MISSING_KEY
        self._rows.setdefault(key, _Sums()).add(case)
        self._total.add(case)
        if case.group is not None and case.group_name is not None:
            self._group_names.setdefault(case.group, case.group_name)

    def rows(self) -> list[DrgReportRow]:
        """One row per key, sorted by key, then the total row (key ``*``, label 全院)."""
        rows = [
            sums.row(key, self._label(key), self.benchmark)
            for key, sums in sorted(self._rows.items())
        ]
        rows.append(self._total.row(TOTAL_KEY, "全院", self.benchmark))
        return rows

    def _label(self, key: str) -> str | None:
        if key == MISSING_KEY:
            return MISSING_LABELS[self.by]
        if self.by == "group":
            return self._group_names.get(key)
        if self.by == "diagnosis":
            return icd10_insurance().name_of(key)
        return None


def drg_report(
    cases: Iterable[CaseFacts], by: ReportBy, benchmark: Benchmark | None = None
) -> list[DrgReportRow]:
    """The case-mix report of ``cases`` broken down ``by`` a field, then the total row."""
    report = DrgReport(by, benchmark)
    for case in cases:
        report.add(case)
    return report.rows()
