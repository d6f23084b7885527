"""DIP pricing: case payment = case score × hospital coefficient × point value (REFERENCE §4).

The case score (病例分值) is the group's score after the auxiliary catalogue
(:meth:`~medins_sdk.grouping.dip_catalogue.DipCatalogue.adjusted`), changed for cost
outliers against the group's mean cost (the catalogue's parameters, :data:`medins_sdk.
grouping.dip_catalogue.PARAMETERS`):

- cost < ``low_outlier_ratio`` × mean (50 %): case score = score × cost ÷ mean;
- cost > ``high_outlier_multiple`` × mean (2×): case score = score × ((cost ÷ mean − 2) + 1),
  which equals the score at the threshold and grows with the cost above it;
- cost > ``review_multiple`` × mean (5×): flagged for expert review (专家评审), priced as above.

Thresholds are rounded to the cent before comparing; the case score is computed exactly and
rounded once to four places, the payment to the cent (both half up). The period's
settlement against the fund is :func:`medins_sdk.pricing.dip_settlement.settle_period`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import lru_cache
from typing import Final

from medins_sdk.csvtable import CodeTable, TableLayout, decimal_cell
from medins_sdk.grouping.dip import DipGrouper
from medins_sdk.grouping.dip_catalogue import (
    SCORE_PLACES,
    SCORE_STEP,
    DipCatalogue,
    DipGroup,
)
from medins_sdk.grouping.dip_history import HistoryCase
from medins_sdk.models import Encounter, GroupResult, Outlier, PriceResult
from medins_sdk.money import format_money, to_cents
from medins_sdk.pricing.ungrouped import group_or_price
from medins_sdk.schemes import PaymentScheme, UnpricableError, encounter_cost

_EXACT: Final = Context(prec=40)
"""Wide enough that rounding a case score at four places matches exact arithmetic: a product
of an 8-digit score and a 12-digit cost is exact, and a quotient that is not exact is never
within 10⁻³⁰ of a half-way point at four places."""


@dataclass(frozen=True, slots=True)
class CaseScore:
    """A case's score in its group, the outlier judgement and the thresholds it was judged by."""

    group: DipGroup
    adjusted: Decimal
    """The group's score after the auxiliary catalogue (the group's score when none applies)."""
    mean_cost: Decimal
    low_threshold: Decimal | None
    high_threshold: Decimal
    multiple: Decimal
    """The high-outlier multiple (``high_outlier_multiple``)."""
    review_threshold: Decimal | None
    outlier: Outlier | None
    review: bool
    value: Decimal
    """The case score (病例分值), four places."""


def score_case(
    catalogue: DipCatalogue, group: DipGroup, adjusted: Decimal, cost: Decimal
) -> CaseScore:
    """The case score of a case of ``group`` whose adjusted score is ``adjusted``, at ``cost``
    (rules in the module docstring)."""
    mean = catalogue.mean_cost(group)
    rules = catalogue.outliers
    low, high, review = _thresholds(catalogue, group.code)
    outlier: Outlier | None = None
    value = adjusted
    if low is not None and cost < low:
        outlier = "low"
        value = _EXACT.divide(_EXACT.multiply(adjusted, cost), mean)
    elif cost > high:
        outlier = "high"
        factor = _EXACT.subtract(_EXACT.divide(cost, mean), rules.high_multiple - 1)
        value = _EXACT.multiply(adjusted, factor)
    if outlier is not None:
        value = value.quantize(SCORE_STEP, rounding=ROUND_HALF_UP, context=_EXACT)
    flagged = review is not None and cost > review
    return CaseScore(
        group, adjusted, mean, low, high, rules.high_multiple, review, outlier, flagged, value
    )


@lru_cache(maxsize=1 << 14)
def _thresholds(
    catalogue: DipCatalogue, code: str
) -> tuple[Decimal | None, Decimal, Decimal | None]:
    """``(low, high, review)`` of a group, to the cent: the same groups recur on every case."""
    mean = catalogue.mean_cost(catalogue.groups[code])
    rules = catalogue.outliers
    low = None if rules.low_ratio is None else to_cents(mean * rules.low_ratio)
    review = None if rules.review_multiple is None else to_cents(mean * rules.review_multiple)
    return low, to_cents(mean * rules.high_multiple), review


_COEFFICIENT_COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    "code": ("institution", "code", "定点医药机构编号", "医疗机构编码", "机构编码"),
    "coefficient": ("coefficient", "系数", "医院系数", "等级系数"),
    "name": ("name", "定点医药机构名称", "机构名称"),
}
"""Headers of the hospital-coefficient table: institution code (``fixmedins_code``) and its
coefficient (positive, at most four decimals); the name is optional."""


class CoefficientTableError(ValueError):
    """A coefficient table that cannot be used; names the source and every bad line."""


_COEFFICIENTS: Final = TableLayout(
    "hospital coefficient table",
    _COEFFICIENT_COLUMNS,
    ("code", "coefficient"),
    CoefficientTableError,
)


def _coefficient(code: str, cells: Mapping[str, str]) -> Decimal | str:
    value = decimal_cell(cells["coefficient"], SCORE_PLACES)
    if value is None or value <= 0:
        return f"coefficient {cells['coefficient']!r} is not a positive decimal (≤ 4 places)"
    return value


class HospitalCoefficients(CodeTable[Decimal]):
    """Institution code → hospital coefficient (医院系数), read from CSV."""

    @classmethod
    def from_csv(cls, text: str, source: str) -> HospitalCoefficients:
        return cls(_COEFFICIENTS.read(text, source, _coefficient), source)


@dataclass(frozen=True, slots=True)
class DipPricer:
    """Prices grouped encounters with a :class:`DipCatalogue`; a :class:`~medins_sdk.schemes.
    Pricer`.

    ``point_value`` (else the catalogue's ``point_value`` parameter) turns scores into yuan;
    ``coefficients`` gives each institution's coefficient (else the catalogue's
    ``default_hospital_coefficient``). Ungroupable cases are paid item by item, or rejected,
    as the catalogue's ``ungrouped_payment`` says.
    """

    name: str
    catalogue: DipCatalogue
    point_value: Decimal | None = None
    coefficients: HospitalCoefficients | None = None

    def configured(
        self, point_value: Decimal | None, coefficients: HospitalCoefficients | None
    ) -> DipPricer:
        """This pricer with a point value and coefficient table replacing its own (None keeps)."""
        return replace(
            self,
            point_value=point_value if point_value is not None else self.point_value,
            coefficients=coefficients if coefficients is not None else self.coefficients,
        )

    def coefficient(self, institution: str | None) -> tuple[Decimal, str]:
        """The institution's coefficient and where it comes from."""
        table = self.coefficients
        if table is not None and institution is not None and institution in table:
            return table[institution], table.source
        return self.catalogue.default_coefficient, "default_hospital_coefficient"

    def price(
        self, encounter: Encounter, grouping: GroupResult | None, scheme: PaymentScheme
    ) -> PriceResult:
        """Price one grouped encounter; :class:`UnpricableError` when it cannot be."""
        cost = encounter_cost(encounter)
        code = group_or_price(encounter, grouping, scheme, cost, self.catalogue.ungrouped)
        if isinstance(code, PriceResult):
            return code
        group = self.catalogue.groups.get(code)
        if group is None:
            raise UnpricableError(f"group {code} is not in {self.catalogue.groups.source}")
        point_value = self.point_value or self.catalogue.point_value
        if point_value is None:
            raise UnpricableError(
                f"{scheme.name} has no point value: configure one (--point-value, or the "
                "catalogue's point_value parameter)"
            )
        extras = grouping.extras if grouping is not None else {}  # None priced above
        scored = score_case(self.catalogue, group, _adjusted(extras, group), cost)
        coefficient, source = self.coefficient(encounter.settlement_list.info.institution_code)
        inputs: dict[str, str] = {name: extras[name] for name in _ADJUSTMENTS if name in extras}
        return _result(
            encounter.id, scheme.name, scored, cost, coefficient, source, point_value, inputs
        )


_ADJUSTMENTS: Final = ("adjusted_score", "severity_coefficient", "age_coefficient")
"""What the grouping passes on from the auxiliary catalogue (:class:`~medins_sdk.grouping.dip.
DipGrouper` writes them into ``extras``)."""


def _adjusted(extras: Mapping[str, str], group: DipGroup) -> Decimal:
    """The grouping's adjusted score, else the group's score."""
    text = extras.get("adjusted_score")
    if text is None:
        return group.score
    value = decimal_cell(text, SCORE_PLACES)
    if value is None:
        raise UnpricableError(f"the grouping's adjusted_score {text!r} is not a score")
    return value


def _result(
    encounter_id: str,
    scheme: str,
    scored: CaseScore,
    cost: Decimal,
    coefficient: Decimal,
    coefficient_source: str,
    point_value: Decimal,
    adjustments: dict[str, str],
) -> PriceResult:
    """The :class:`PriceResult` of a scored case: formula, inputs and explanation."""
    group = scored.group
    payment = to_cents(scored.value * coefficient * point_value)
    standard = to_cents(scored.adjusted * coefficient * point_value)
    # Amounts computed here are already in cents, so str() renders them as format_money would,
    # five times faster (Decimal.__format__ parses its spec on every call).
    cost_text, mean_text = format_money(cost), str(scored.mean_cost)
    inputs = {
        "score": str(group.score),
        **adjustments,
        "case_score": str(scored.value),
        "hospital_coefficient": str(coefficient),
        "coefficient_source": coefficient_source,
        "point_value": str(point_value),
        "mean_cost": mean_text,
        "total_cost": cost_text,
        "high_threshold": str(scored.high_threshold),
    }
    if scored.low_threshold is not None:
        inputs["low_threshold"] = str(scored.low_threshold)
    if scored.review_threshold is not None:
        inputs["review_threshold"] = str(scored.review_threshold)
    if scored.outlier == "low":
        formula = "low-cost case: case score = score × cost ÷ mean; "
        verdict = "低倍率病例, 按费用比例计分"
    elif scored.outlier == "high":
        formula = f"high-cost case: case score = score × ((cost ÷ mean − {scored.multiple}) + 1); "
        verdict = "高倍率病例, 按费用比例加分"
    else:
        formula = ""
        verdict = "按病种分值支付"
    formula += "payment = case score × hospital coefficient × point value"
    if scored.review:
        inputs["review"] = "expert review (专家评审)"
        verdict += ", 费用超过审核倍数, 需专家评审"
    balance = payment - cost
    return PriceResult.from_trusted(
        id=encounter_id,
        scheme=scheme,
        group=group.code,
        weight=scored.adjusted,
        payment_standard=standard,
        total_cost=cost,
        payment=payment,
        balance=balance,
        method="dip",
        outlier=scored.outlier,
        formula=formula,
        inputs=inputs,
        explanation=(
            f"{group.code} {group.name}: 分值 {inputs.get('adjusted_score', inputs['score'])}, "
            f"病例分值 {inputs['case_score']}, 医院系数 {inputs['hospital_coefficient']}, "
            f"点值 {inputs['point_value']}; 医疗费用 {cost_text} 元 (病种例均 {mean_text} 元), "
            f"{verdict}, 支付 {payment!s} 元, {'结余' if balance >= 0 else '超支'} "
            f"{abs(balance)!s} 元。"
        ),
    )


@dataclass(frozen=True, slots=True)
class PeriodCase:
    """A case of a settlement period: its group, case score and hospital coefficient."""

    id: str
    group: DipGroup
    case_score: Decimal
    coefficient: Decimal

    @property
    def score(self) -> Decimal:
        """What the case counts in the period's total score: case score × coefficient."""
        return self.case_score * self.coefficient


def period_cases(
    grouper: DipGrouper, pricer: DipPricer, cases: Iterable[HistoryCase]
) -> tuple[list[PeriodCase], int]:
    """The scored cases of a period, and how many no group takes (not settled by score).

    Each case is grouped (:meth:`DipGrouper.locate`), adjusted by the auxiliary catalogue,
    judged for outliers at its cost and given its institution's coefficient, as
    :class:`DipPricer` would price it; :func:`~medins_sdk.pricing.dip_settlement.settle_period`
    then shares the fund among them.
    """
    catalogue = grouper.catalogue
    scored: list[PeriodCase] = []
    ungroupable = 0
    for item in cases:
        group = grouper.locate(item.case)[1]
        if group is None:
            ungroupable += 1
            continue
        adjusted = catalogue.adjusted(group, item.case).value
        case_score = score_case(catalogue, group, adjusted, item.cost).value
        coefficient = pricer.coefficient(item.institution)[0]
        scored.append(PeriodCase(item.id, group, case_score, coefficient))
    return scored, ungroupable
