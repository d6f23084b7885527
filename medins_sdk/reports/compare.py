"""Scheme comparison: what each payment scheme would pay for the same cases, and why.

A hospital moving from itemised billing to DRG or DIP asks first, on its own cases: what
would each scheme pay, where do we gain and where do we lose? :func:`compare_case` prices one
encounter under every scheme (itemised billing first: the baseline, it pays the cost);
:class:`Comparison` keeps running totals per department, medical group, doctor and each
grouping scheme's group code, and the cases whose payment differs most between schemes, each
with the reason (group, weight or score, outlier rule) in words.

A scheme that cannot price a case (maternity fixed rates for a stay that is not a delivery, a
DRG pack that rejects ungrouped cases) leaves it *unpriced* under that scheme, with the
reason; every total says how many cases it covers, and its ``total_cost`` is the cost of
those cases, so ``balance`` is always what the scheme pays over itemised billing on the same
cases. Sums are exact and every total equals the sum of the per-case outcomes it covers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, Literal

from pydantic import Field

from medins_sdk.models import Encounter, SdkModel
from medins_sdk.models.results import Outlier, Weight
from medins_sdk.money import Money, SignedMoney, format_money
from medins_sdk.reports.top import Largest
from medins_sdk.schemes import SchemeParts, encounter_cost

__all__ = [
    "BASELINE",
    "DIMENSIONS",
    "TOTAL",
    "CaseComparison",
    "Comparison",
    "ComparisonRow",
    "Dimension",
    "SchemeOutcome",
    "SchemeTotals",
    "compare_case",
]

BASELINE: Final = "itemised"
"""The scheme every comparison includes, first: itemised billing pays the cost."""

Dimension = Literal["department", "medical_group", "doctor", "group"]
DIMENSIONS: Final[tuple[Dimension, ...]] = ("department", "medical_group", "doctor", "group")
"""What totals are broken down by; ``group`` gives one breakdown per grouping scheme."""
TOTAL: Final = "total"
"""The ``by`` of the last row: every case."""
MISSING: Final = "-"
"""The key of cases that lack the breakdown's field (no department, not grouped …)."""
ZERO: Final = Decimal("0.00")


class SchemeOutcome(SdkModel):
    """What one scheme does with one case: its group and payment, or why it does not pay."""

    scheme: str = Field(description="payment scheme name")
    priced: bool = Field(description="whether the scheme priced the case")
    group: str | None = Field(None, description="the group the scheme put the case in")
    group_name: str | None = Field(None, description="the group's Chinese name")
    weight: Weight | None = Field(None, description="relative weight or score used")
    payment: Money | None = Field(None, description="what the scheme pays")
    balance: SignedMoney | None = Field(None, description="payment − total cost")
    method: str | None = Field(None, description="drg / dip / fixed-rate / itemised …")
    outlier: Outlier | None = Field(None, description="high / low cost outlier, if any")
    reason: str | None = Field(None, description="why unpriced, or why not grouped")

    def summary(self) -> str:
        """The outcome in a few words: payment, group and weight, outlier, or the reason."""
        if not self.priced or self.payment is None:
            return f"{self.scheme} 不支付: {self.reason}"
        basis = [self.group] if self.group else []
        if self.weight is not None:
            basis.append(f"{'分值' if self.method == 'dip' else 'RW'} {self.weight}")
        basis.append(_METHODS.get(self.method or "", self.method or ""))
        if self.outlier is not None:
            basis.append("高倍率病例" if self.outlier == "high" else "低倍率病例")
        return f"{self.scheme} 支付 {format_money(self.payment)} 元 ({', '.join(basis)})"


_METHODS: Final = {
    "itemised": "按项目",
    "drg": "按病组",
    "dip": "按病种分值",
    "fixed-rate": "定额",
    "per-diem": "按床日",
}


class CaseComparison(SdkModel):
    """One case under every scheme, and how far their payments lie apart."""

    kind: Literal["case", "change"] = Field(
        "case", description="case: every compared case; change: one of the largest spreads"
    )
    rank: int | None = Field(None, description="1 for the largest spread (changes only)")
    id: str = Field(description="the encounter's id")
    department: str | None = Field(None, description="discharge department code (出院科别)")
    medical_group: str | None = Field(None, description="medical group (医疗组)")
    doctor: str | None = Field(None, description="attending doctor's code, never the name")
    total_cost: Money = Field(description="医疗费总额 of the encounter")
    outcomes: list[SchemeOutcome] = Field(description="one per scheme, in the order compared")
    spread: Money = Field(description="highest − lowest payment among the priced outcomes")
    highest: str | None = Field(None, description="the scheme paying most")
    lowest: str | None = Field(None, description="the scheme paying least")
    reason: str = Field("", description="why the payments differ, in words")


class SchemeTotals(SdkModel):
    """One scheme's totals over the cases of a row that it priced."""

    scheme: str = Field(description="payment scheme name")
    cases: int = Field(description="cases the scheme priced")
    unpriced: int = Field(description="cases of the row the scheme did not price")
    total_cost: Money = Field(description="cost of the priced cases (what itemised pays)")
    payment: Money = Field(description="what the scheme pays for them")
    balance: SignedMoney = Field(description="payment − total cost: 结余 (+) / 超支 (−)")
    high_outliers: int = Field(description="high-cost outliers among them")
    low_outliers: int = Field(description="low-cost outliers among them")


class ComparisonRow(SdkModel):
    """Totals of every scheme for one department, medical group, doctor or group code."""

    kind: Literal["row"] = Field("row", description="row: an aggregate line")
    by: str = Field(
        description="department, medical_group, doctor, group:<scheme> (that scheme's "
        "groups) or total"
    )
    key: str = Field(description="the department, group … code; - when the case has none")
    cases: int = Field(description="cases in the row")
    schemes: list[SchemeTotals] = Field(description="one per scheme, in the order compared")


def compare_case(encounter: Encounter, schemes: Sequence[SchemeParts]) -> CaseComparison:
    """Price ``encounter`` under each of ``schemes`` (the first is the baseline).

    A ``ValueError`` from the baseline, or an encounter without a cost, propagates: the case
    cannot be compared at all. Any other scheme's ``ValueError`` (``UnpricableError``, a
    group missing from its weights) makes that outcome unpriced, with the error as reason.
    """
    outcomes = [_outcome(encounter, schemes[0])]
    for parts in schemes[1:]:
        try:
            outcomes.append(_outcome(encounter, parts))
        except ValueError as error:
            name = parts.scheme.name
            outcomes.append(SchemeOutcome(scheme=name, priced=False, reason=str(error)))
    info = encounter.settlement_list.info
    cost = encounter_cost(encounter)
    payments = sorted(
        (paid, index) for index, o in enumerate(outcomes) if (paid := o.payment) is not None
    )
    (least, lowest), (most, highest) = payments[0], payments[-1]
    spread = most - least
    return CaseComparison.from_trusted(
        id=encounter.id,
        department=info.discharge_dept,
        medical_group=encounter.medical_group,
        doctor=info.attending_doctor_code,
        total_cost=cost,
        outcomes=outcomes,
        spread=spread,
        highest=outcomes[highest].scheme if spread else None,
        lowest=outcomes[lowest].scheme if spread else None,
        reason=(
            f"{outcomes[highest].summary()}；{outcomes[lowest].summary()}；"
            f"相差 {format_money(spread)} 元"
            if spread
            else "各方案支付相同"
        ),
    )


def _outcome(encounter: Encounter, parts: SchemeParts) -> SchemeOutcome:
    grouping, price = parts.price(encounter)
    reason = None
    if grouping is not None and grouping.status != "grouped":
        reason = grouping.reason
    return SchemeOutcome.from_trusted(
        scheme=parts.scheme.name,
        priced=True,
        group=price.group,
        group_name=None if grouping is None else grouping.group_name,
        weight=price.weight,
        payment=price.payment,
        balance=price.balance,
        method=price.method,
        outlier=price.outlier,
        reason=reason,
    )


@dataclass(slots=True)
class _Totals:
    """Running sums of one scheme in one row."""

    cases: int = 0
    unpriced: int = 0
    total_cost: Decimal = ZERO
    payment: Decimal = ZERO
    high: int = 0
    low: int = 0

    def add(self, cost: Decimal, outcome: SchemeOutcome) -> None:
        if outcome.payment is None:
            self.unpriced += 1
            return
        self.cases += 1
        self.total_cost += cost
        self.payment += outcome.payment
        self.high += outcome.outlier == "high"
        self.low += outcome.outlier == "low"

    def model(self, scheme: str) -> SchemeTotals:
        return SchemeTotals(
            scheme=scheme,
            cases=self.cases,
            unpriced=self.unpriced,
            total_cost=self.total_cost,
            payment=self.payment,
            balance=self.payment - self.total_cost,
            high_outliers=self.high,
            low_outliers=self.low,
        )


@dataclass(slots=True)
class _Row:
    cases: int = 0
    schemes: list[_Totals] = field(default_factory=list)


class Comparison:
    """Running totals of compared cases, and the ``top`` cases whose payments differ most.

    Keeps one total per row key and a heap of ``top`` cases, never the cases themselves, so
    a year of cases fits in memory. Rows come out sorted by key; ties among the largest
    spreads go to the smaller case id, so the output does not depend on input order.
    """

    def __init__(
        self,
        schemes: Sequence[str],
        *,
        grouping: Iterable[str] = (),
        by: Iterable[Dimension] = DIMENSIONS,
        top: int = 20,
    ) -> None:
        """``schemes`` in the order compared; ``grouping`` the ones whose groups are rows."""
        self.schemes = tuple(schemes)
        wanted = tuple(by)
        self._dimensions: tuple[str, ...] = tuple(
            dimension for dimension in wanted if dimension != "group"
        ) + (tuple(f"group:{name}" for name in grouping) if "group" in wanted else ())
        self._rows: dict[tuple[str, str], _Row] = {}
        self._total = self._new_row()
        self._largest: Largest[CaseComparison] = Largest(top)

    def _new_row(self) -> _Row:
        return _Row(0, [_Totals() for _ in self.schemes])

    def add(self, case: CaseComparison) -> None:
        """Count ``case`` in its rows and among the largest spreads."""
        if tuple(o.scheme for o in case.outcomes) != self.schemes:
            raise ValueError(f"case {case.id} compares other schemes than {self.schemes}")
        for dimension in self._dimensions:
            key = (dimension, _key(case, dimension) or MISSING)
            row = self._rows.get(key)
            if row is None:
                row = self._rows[key] = self._new_row()
            _count(row, case)
        _count(self._total, case)
        if case.spread:
            self._largest.offer(case.spread, case.id, lambda: case)

    def rows(self) -> list[ComparisonRow]:
        """One row per breakdown key, breakdowns in the order asked, then the total."""
        order = {dimension: index for index, dimension in enumerate(self._dimensions)}
        keys = sorted(self._rows, key=lambda key: (order[key[0]], key[1]))
        rows = [self._model(by, key, self._rows[(by, key)]) for by, key in keys]
        rows.append(self._model(TOTAL, "*", self._total))
        return rows

    def changes(self) -> list[CaseComparison]:
        """The cases with the largest spreads, largest first, ranked from 1."""
        return [
            case.model_copy(update={"kind": "change", "rank": rank})
            for rank, case in enumerate(self._largest.items(), start=1)
        ]

    def _model(self, by: str, key: str, row: _Row) -> ComparisonRow:
        return ComparisonRow(
            by=by,
            key=key,
            cases=row.cases,
            schemes=[
                totals.model(name) for name, totals in zip(self.schemes, row.schemes, strict=True)
            ],
        )


def _key(case: CaseComparison, dimension: str) -> str | None:
    if dimension.startswith("group:"):
        scheme = dimension.removeprefix("group:")
        return next((o.group for o in case.outcomes if o.scheme == scheme), None)
    value: str | None = getattr(case, dimension)
    return value


def _count(row: _Row, case: CaseComparison) -> None:
    row.cases += 1
    for totals, outcome in zip(row.schemes, case.outcomes, strict=True):
        totals.add(case.total_cost, outcome)
