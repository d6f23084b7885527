"""DIP point values and the settlement of a period's cases against the fund (REFERENCE §4).

- **Budget point value** (预算点值) = the weighted mean yearly inpatient cost of the prior
  years ÷ the weighted mean yearly total score, both weighted by year as the catalogue says
  (1:2:7 nationally, the most recent year 7). The weights divide out, so it is
  Σ wᵧ × costᵧ ÷ Σ wᵧ × scoreᵧ, where scoreᵧ = Σ (each case's group score) over year y.
- **Settlement point value** (结算点值) = (the year's DIP fund ÷ reimbursement ratio) ÷ the
  period's total score, where each case counts its case score (after the auxiliary catalogue
  and outliers) × its hospital's coefficient, so that Σ payments is what the fund covers.

Point values are exact ratios, shown to :data:`POINT_VALUE_PLACES` decimals (half up).
:func:`settle_period` pays each case its share of the amount in whole cents so that the
payments add up to the amount exactly (the largest-remainder rule, below).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Final

from medins_sdk.money import CENT, allocate_cents, round_fraction, to_cents

POINT_VALUE_PLACES: Final = 6
"""Decimals of a point value as shown (yuan per point)."""


@dataclass(frozen=True, slots=True)
class BudgetPointValue:
    """The budget point value and the weighted sums it divides."""

    point_value: Decimal
    weighted_cost: Decimal
    """Σ wᵧ × costᵧ ÷ Σ wᵧ: the weighted mean yearly cost, to the cent."""
    weighted_score: Decimal
    """Σ wᵧ × scoreᵧ ÷ Σ wᵧ: the weighted mean yearly total score, to four places."""
    weights: Mapping[int, int]
    """The weight of each year counted."""


def budget_point_value(
    years: Mapping[int, tuple[Decimal, Decimal]], weights: Mapping[int, int]
) -> BudgetPointValue:
    """The budget point value of ``years`` (year → (total cost, total score)) under ``weights``
    (year → weight; years without a weight are not counted). ``ValueError`` when no counted
    year has a score."""
    counted = {year: weight for year, weight in weights.items() if year in years}
    cost = sum((Fraction(years[y][0]) * w for y, w in counted.items()), Fraction(0))
    score = sum((Fraction(years[y][1]) * w for y, w in counted.items()), Fraction(0))
    if score <= 0:
        raise ValueError("no case with a score in the years counted: no point value")
    total = sum(counted.values())
    return BudgetPointValue(
        point_value=round_fraction(cost / score, POINT_VALUE_PLACES),
        weighted_cost=round_fraction(cost / total, 2),
        weighted_score=round_fraction(score / total, 4),
        weights=dict(sorted(counted.items())),
    )


def settlement_amount(fund: Decimal, reimbursement_ratio: Decimal = Decimal(1)) -> Decimal:
    """What the period's scores share: the fund ÷ the reimbursement ratio, to the cent.

    The fund pays ``ratio`` of each case's payment, so the payments it covers total
    fund ÷ ratio (REFERENCE §4). A ratio of 1 shares the fund itself.
    """
    if not Decimal(0) < reimbursement_ratio <= 1:
        raise ValueError(f"reimbursement ratio {reimbursement_ratio} must lie in (0, 1]")
    if fund < 0 or fund != fund.quantize(CENT):
        raise ValueError(f"fund {fund} is not an amount in yuan")
    return to_cents(fund / reimbursement_ratio)


@dataclass(frozen=True, slots=True)
class SettledCase:
    """One case of a period: its score (case score × hospital coefficient) and payment."""

    id: str
    score: Decimal
    payment: Decimal


@dataclass(frozen=True, slots=True)
class PeriodSettlement:
    """A period settled against an amount: Σ payments = amount, to the cent."""

    amount: Decimal
    total_score: Decimal
    point_value: Decimal
    """amount ÷ total score, to :data:`POINT_VALUE_PLACES` decimals (the exact ratio pays)."""
    cases: tuple[SettledCase, ...]


def settle_period(scores: Iterable[tuple[str, Decimal]], amount: Decimal) -> PeriodSettlement:
    """Share ``amount`` among cases in proportion to their scores, in whole cents.

    ``scores`` gives each case's id and score (case score × hospital coefficient). Each
    case's exact share is amount × score ÷ total score; it is paid the whole cents of its
    share, and the cents left over (fewer than the cases) go one each to the cases with the
    largest remainders, ties broken by case id, then by input order. So the payments add up
    to ``amount`` exactly, each is within one cent of its exact share, and the same cases
    give the same payments whatever their order.
    """
    cases = list(scores)
    total = sum((score for _, score in cases), Decimal(0))
    paid = allocate_cents(amount, [score for _, score in cases], [case_id for case_id, _ in cases])
    return PeriodSettlement(
        amount=amount,
        total_score=total,
        point_value=round_fraction(Fraction(amount) / Fraction(total), POINT_VALUE_PLACES),
        cases=tuple(
            SettledCase(case_id, score, payment)
            for (case_id, score), payment in zip(cases, paid, strict=True)
        ),
    )
