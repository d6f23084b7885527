"""The conformance kit, run on the core's itemised scheme and on schemes broken on purpose.

The broken schemes show the kit can fail: each breaks one invariant the kit promises to check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

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
class ChargesOnlyPricer:
    """Counts the lines as the cost but forgets refund lines … and the last line."""

    name: str = "short"

    def price(
        self, encounter: Encounter, grouping: GroupResult | None, scheme: PaymentScheme
    ) -> PriceResult:
        cost = sum((line.amount for line in encounter.charges[:-1]), Decimal("0.00"))
        return PriceResult(
            id=encounter.id,
            scheme=scheme.name,
            total_cost=cost,
            payment=cost,
            balance=0,
            method="itemised",
        )


@dataclass(frozen=True)
class PickyGrouper:
    """Gives up (raises) on cases with many diagnoses instead of an ungroupable result."""

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
        return [DriftingPricer(), ChargesOnlyPricer()]

    @hookimpl
    def medins_register_groupers(self) -> Iterable[Grouper]:
        return [PickyGrouper()]


class Broken(SchemeConformance):
    """Not collected (no ``Test`` prefix): each test below runs one of its checks by hand."""

    def plugin_manager(self) -> PluginManager:
        manager = PluginManager(autoload=False, strict=True)
        manager.register(BrokenPlugin(), "broken")
        return manager


def broken(name: str) -> Broken:
    kit = Broken()
    kit.scheme = name
    return kit


def test_kit_catches_nondeterministic_pricing() -> None:
    with pytest.raises(AssertionError):
        broken("drifting").test_pricing_is_deterministic()


def test_kit_catches_a_price_that_is_not_the_encounters_cost() -> None:
    with pytest.raises(AssertionError):
        broken("short").test_every_encounter_is_priced_exactly()


def test_kit_catches_grouping_that_is_not_total() -> None:
    with pytest.raises(LookupError):
        broken("picky").test_grouping_is_total()
