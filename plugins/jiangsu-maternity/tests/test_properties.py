"""Properties over generated deliveries: one channel, a listed amount or the cost, the add-on,
report totals, and the department allocation to the cent."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from medins_plugin_jiangsu_maternity import plugin
from medins_plugin_jiangsu_maternity.channels import Channel, Classifier
from medins_plugin_jiangsu_maternity.deliveries import Delivery, delivery, register_of
from medins_plugin_jiangsu_maternity.pricer import MaternityPricer
from medins_plugin_jiangsu_maternity.report import ALL, MaternityReport, allocate

from medins_sdk.codes import OperationType
from medins_sdk.models import Encounter, Operation
from medins_sdk.money import CENT
from medins_sdk.schemes import UnpricableError
from medins_sdk.testing import encounters

MYOMECTOMY = "68.2901"
SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def deliveries(draw: st.DrawFn) -> Delivery:
    rng = draw(st.randoms(use_true_random=False))
    return delivery(
        rng, plugin.pack(), index=draw(st.integers(0, 99_999)), lines=draw(st.integers(1, 20))
    )


def expected_channel(item: Delivery) -> Channel:
    """The channel, worked out from the lists directly (set look-ups, not the classifier)."""
    listing = item.encounter.settlement_list
    codes = {d.code for d in listing.diagnoses} | {o.code for o in listing.operations}
    lists = plugin.pack().lists.values()
    volume = item.entry.blood_loss_ml

    def coded(role: str) -> set[str]:
        return {
            code
            for found in lists
            if found.role == role
            and (found.blood_loss_above_ml is None or (volume or 0) > found.blood_loss_above_ml)
            for code in found.names
        } & codes

    if coded("complication"):
        return Channel.COMPLICATION
    return Channel.CAESAREAN if coded("caesarean") else Channel.VAGINAL


@SETTINGS
@given(deliveries())
def test_exactly_one_channel_and_a_fixed_amount_or_the_cost(item: Delivery) -> None:
    pack = plugin.pack()
    pricer = MaternityPricer(pack, register_of([item]))
    assessment = pricer.assess(item.encounter)
    assert assessment.decision.channel is expected_channel(item)
    price = assessment.price
    maternity = price if assessment.filed is None else assessment.filed.maternity
    if assessment.decision.itemised:
        assert (maternity.method, maternity.payment) == ("itemised", maternity.total_cost)
    else:
        amounts = {
            rate + add
            for rate in (pack.vaginal_rate, pack.caesarean_rate)
            for add in (0, pack.add_on)
        }
        assert maternity.method == "fixed-rate"
        assert maternity.payment in amounts
    assert price.balance == maternity.balance


@SETTINGS
@given(encounters(lines=st.integers(1, 5)))
def test_any_encounter_gets_a_decision_and_a_price_or_the_reason(encounter: Encounter) -> None:
    decision = Classifier(plugin.pack()).decide(encounter)
    pricer = MaternityPricer(plugin.pack())
    if decision.channel is None:
        with pytest.raises(UnpricableError, match="not a delivery"):
            pricer.assess(encounter)
    else:
        assert pricer.assess(encounter).price.group == str(decision.channel)


def without_add_ons(encounter: Encounter, *extra: str) -> Encounter:
    """The encounter with its additional operations removed, then ``extra`` operations added."""
    listing = encounter.settlement_list
    procedures = plugin.pack().procedures
    kept = [
        operation
        for operation in listing.operations
        if (found := procedures.get(operation.code)) is None or found.role != "additional-operation"
    ]
    added = [Operation(type=OperationType.OTHER, code=code) for code in extra]
    return encounter.model_copy(
        update={"settlement_list": listing.model_copy(update={"operations": kept + added})}
    )


@SETTINGS
@given(deliveries())
def test_an_additional_operation_adds_500_unless_the_case_is_itemised(item: Delivery) -> None:
    pricer = MaternityPricer(plugin.pack(), register_of([item]))
    before = pricer.assess(without_add_ons(item.encounter))
    after = pricer.assess(without_add_ons(item.encounter, MYOMECTOMY))
    added = Decimal(0) if before.decision.itemised else plugin.pack().add_on
    assert after.price.payment - before.price.payment == added
    assert after.decision.channel is before.decision.channel


@settings(max_examples=25, deadline=None)
@given(st.lists(deliveries(), min_size=1, max_size=25, unique_by=lambda item: item.encounter.id))
def test_balances_sum_to_the_report_totals(items: list[Delivery]) -> None:
    report = MaternityReport(plugin.pack(), register=register_of(items))
    balances = [report.add(item.encounter).price.balance for item in items]
    rows = report.rows()
    total = rows.channels[-1]
    assert (total.month, total.key, total.channel) == (ALL, ALL, ALL)
    assert (total.cases, total.total_balance) == (len(items), sum(balances, Decimal(0)))
    leaves = [row for row in rows.channels if ALL not in (row.month, row.key, row.channel)]
    assert sum(row.total_balance for row in leaves) == total.total_balance
    assert sum(row.cases for row in leaves) == total.cases
    per_channel = [r for r in rows.channels if (r.month, r.key) == (ALL, ALL) and r.channel != ALL]
    assert sum(row.total_balance for row in per_channel) == total.total_balance
    assert total.overspend == sum((-b for b in balances if b < 0), Decimal(0))
    for row in rows.channels:
        if row.channel == ALL and row.overspend:
            parts = [a.amount for a in rows.allocations if (a.month, a.key) == (row.month, row.key)]
            assert sum(parts) == row.overspend


@st.composite
def shares(draw: st.DrawFn) -> tuple[tuple[str, Decimal], ...]:
    """1–5 departments with positive 4-decimal shares summing to exactly 1."""
    cuts = sorted(draw(st.sets(st.integers(1, 9999), max_size=4)))
    bounds = [0, *cuts, 10_000]
    return tuple(
        (f"dept{i}", Decimal(high - low).scaleb(-4))
        for i, (low, high) in enumerate(pairwise(bounds))
    )


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=0, max_value=10**9, places=2), shares())
def test_the_allocation_sums_to_the_overspend_to_the_cent(
    amount: Decimal, split: tuple[tuple[str, Decimal], ...]
) -> None:
    parts = allocate(amount, split)
    assert sum(parts, Decimal(0)) == amount
    for part, (_, share) in zip(parts, split, strict=True):
        assert part == part.quantize(CENT)
        assert part >= 0
        assert abs(part - amount * share) < CENT
