"""DIP point values and the settlement of a period against the fund, to the cent."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from medins_sdk.money import allocate_cents, round_fraction
from medins_sdk.pricing.dip_settlement import (
    budget_point_value,
    settle_period,
    settlement_amount,
)

WEIGHTS = {2021: 1, 2022: 2, 2023: 7}


def test_the_budget_point_value_worked_by_hand() -> None:
    # (1 × 1000 + 2 × 2200 + 7 × 7700) ÷ (1 × 100 + 2 × 200 + 7 × 700) = 59300 ÷ 5400.
    years = {
        2021: (Decimal(1000), Decimal(100)),
        2022: (Decimal(2200), Decimal(200)),
        2023: (Decimal(7700), Decimal(700)),
    }
    budget = budget_point_value(years, WEIGHTS)
    assert budget.point_value == Decimal("10.981481")
    assert budget.weighted_cost == Decimal("5930.00")  # 59300 ÷ 10
    assert budget.weighted_score == Decimal("540.0000")
    assert budget.weights == WEIGHTS


def test_years_without_a_weight_do_not_count() -> None:
    years = {2020: (Decimal(999999), Decimal(1)), 2023: (Decimal(500), Decimal(50))}
    assert budget_point_value(years, WEIGHTS).point_value == Decimal("10.000000")
    with pytest.raises(ValueError, match="no case with a score"):
        budget_point_value({2020: (Decimal(1), Decimal(1))}, WEIGHTS)


def test_the_amount_is_the_fund_over_the_reimbursement_ratio() -> None:
    assert settlement_amount(Decimal("900000.00"), Decimal("0.9")) == Decimal("1000000.00")
    assert settlement_amount(Decimal("100.00"), Decimal("0.3")) == Decimal("333.33")
    assert settlement_amount(Decimal("100.00")) == Decimal("100.00")
    with pytest.raises(ValueError, match="must lie in"):
        settlement_amount(Decimal("100.00"), Decimal("1.2"))


def test_the_largest_remainders_get_the_leftover_cents() -> None:
    # 100.00 over scores 1, 1, 1: exact shares 33.333…; one cent is left, and the remainders
    # tie, so the smallest id takes it.
    settled = settle_period([("c", Decimal(1)), ("a", Decimal(1)), ("b", Decimal(1))], Decimal(100))
    assert [(case.id, case.payment) for case in settled.cases] == [
        ("c", Decimal("33.33")),
        ("a", Decimal("33.34")),
        ("b", Decimal("33.33")),
    ]
    assert settled.point_value == Decimal("33.333333")
    # 10.00 over 1 : 2: 3.333… and 6.666…; the larger remainder (.666) takes the cent.
    settled = settle_period([("x", Decimal(1)), ("y", Decimal(2))], Decimal(10))
    assert [case.payment for case in settled.cases] == [Decimal("3.33"), Decimal("6.67")]


def test_a_period_without_score_cannot_be_settled() -> None:
    with pytest.raises(ValueError, match="no score"):
        settle_period([("a", Decimal(0))], Decimal(100))
    with pytest.raises(ValueError, match="not an amount"):
        settle_period([("a", Decimal(1))], Decimal("1.001"))


CASES = st.lists(
    st.tuples(
        st.text("ABCDEFGH", min_size=1, max_size=3),
        st.decimals(min_value=0, max_value=10**5, places=8),
    ),
    min_size=1,
    max_size=40,
).filter(lambda cases: sum(score for _, score in cases) > 0)
AMOUNTS = st.decimals(min_value=0, max_value=10**9, places=2)


@given(cases=CASES, amount=AMOUNTS)
def test_payments_add_up_to_the_amount_to_the_cent(
    cases: list[tuple[str, Decimal]], amount: Decimal
) -> None:
    settled = settle_period(cases, amount)
    assert sum(case.payment for case in settled.cases) == amount
    total = sum(Fraction(score) for _, score in cases)
    for (_, score), case in zip(cases, settled.cases, strict=True):
        exact = Fraction(amount) * Fraction(score) / total
        assert abs(Fraction(case.payment) - exact) < Fraction(1, 100)  # within one cent
        assert case.payment >= 0
    assert settled.point_value == round_fraction(Fraction(amount) / total, 6)


@given(cases=CASES, amount=AMOUNTS, data=st.data())
def test_the_order_of_the_cases_does_not_change_a_payment(
    cases: list[tuple[str, Decimal]], amount: Decimal, data: st.DataObject
) -> None:
    unique = list(dict(cases).items())  # one score per id, so a case is its id
    shuffled = data.draw(st.permutations(unique))
    first = {case.id: case.payment for case in settle_period(unique, amount).cases}
    second = {case.id: case.payment for case in settle_period(shuffled, amount).cases}
    assert first == second


@given(
    amount=st.decimals(min_value=0, max_value=10**6, places=2),
    weights=st.lists(st.decimals(min_value=0, max_value=1000, places=4), min_size=1, max_size=8),
)
def test_allocated_cents_sum_to_the_amount_and_stay_within_a_cent(
    amount: Decimal, weights: list[Decimal]
) -> None:
    assume(sum(weights) > 0)
    parts = allocate_cents(amount, weights)
    assert sum(parts, Decimal(0)) == amount
    total = sum(weights, Decimal(0))
    for part, weight in zip(parts, weights, strict=True):
        assert abs(Fraction(part) - Fraction(amount) * Fraction(weight) / Fraction(total)) < 0.01
