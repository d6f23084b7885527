"""The conformance kit, run on the core's itemised scheme and on schemes broken on purpose.

The broken schemes show that each check of the kit can fail: every one breaks one invariant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from random import Random

import pytest

from medins_sdk import synthetic
from medins_sdk.hookspecs import hookimpl
from medins_sdk.models import Encounter, GroupResult, PriceResult
from medins_sdk.plugins import PluginManager
from medins_sdk.schemes import Grouper, ItemisedPricer, PaymentScheme, Pricer
from medins_sdk.testing import SchemeConformance


class TestItemised(SchemeConformance):
    scheme = "itemised"


@dataclass
class DriftingPricer:
    """Pays a cent more on every call: not deterministic."""

    name: str = "drifting"
    calls: list[None] = field(default_factory=list)

    def price(
        self, encounter: Encounter, grouping: GroupResult | None, scheme: PaymentScheme
    ) -> PriceResult:
        self.calls.append(None)
        result = ItemisedPricer().price(encounter, grouping, scheme)
        payment = result.payment + Decimal(len(self.calls)) / 100
        return result.model_copy(
            update={"payment": payment, "balance": payment - result.total_cost}
        )


@dataclass(frozen=True)
class ShortPricer:
    """Forgets the last charge line: its total cost is not the encounter's."""

    name: str = "short"

    def price(
        self, encounter: Encounter, grouping: GroupResult | None, scheme: PaymentScheme
    ) -> PriceResult:
        cost = sum((line.amount for line in encounter.charges[:-1]), Decimal("0.00"))
        zero = Decimal("0.00")
        return PriceResult(
            id=encounter.id,
            scheme=scheme.name,
            total_cost=cost,
            payment=cost,
            balance=zero,
            method="itemised",
        )


@dataclass(frozen=True)
class PickyGrouper:
    """Raises on cases with many diagnoses instead of answering ``ungroupable``."""

    name: str = "picky"

    def group(self, encounter: Encounter, scheme: PaymentScheme) -> GroupResult:
        if len(encounter.settlement_list.diagnoses) > 4:
            raise LookupError("no ADRG for this case")
        return GroupResult(id=encounter.id, scheme=scheme.name, status="grouped", group="XX1")


class BrokenPlugin:
    @hookimpl
    def medins_register_schemes(self) -> Iterable[PaymentScheme]:
        return [
            PaymentScheme("drifting", "不确定", pricer="drifting"),
            PaymentScheme("short", "少算", pricer="short"),
            PaymentScheme("picky", "挑剔", pricer="itemised", grouper="picky"),
        ]

    @hookimpl
    def medins_register_pricers(self) -> Iterable[Pricer]:
        return [DriftingPricer(), ShortPricer()]

    @hookimpl
    def medins_register_groupers(self) -> Iterable[Grouper]:
        return [PickyGrouper()]


class BrokenKit(SchemeConformance):
    """Not collected (no ``Test`` prefix): the tests below run its checks by hand."""

    def plugin_manager(self) -> PluginManager:
        manager = PluginManager(autoload=False, strict=True)
        manager.register(BrokenPlugin(), "broken")
        return manager


class Drifting(BrokenKit):
    scheme = "drifting"


class Short(BrokenKit):
    scheme = "short"


class Picky(BrokenKit):
    scheme = "picky"


CASE = synthetic.encounter(Random(7), lines=5, diagnoses=6)


@pytest.mark.parametrize(
    ("kit", "check", "error"),
    [
        (Drifting, SchemeConformance.check_pricing_deterministic, AssertionError),
        (Short, SchemeConformance.check_price, AssertionError),
        (Picky, SchemeConformance.check_grouping, LookupError),
    ],
)
def test_each_check_fails_on_a_scheme_that_breaks_it(
    kit: type[BrokenKit],
    check: Callable[[SchemeConformance, Encounter], object],
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        check(kit(), CASE)


def test_checks_pass_on_the_same_case_for_a_sound_scheme() -> None:
    kit = TestItemised()
    assert kit.check_price(CASE).payment == CASE.total_cost
    kit.check_pricing_deterministic(CASE)
