"""Payment schemes and the groupers and pricers they name.

A scheme (Beijing DRG 2022, Guangzhou DIP, Jiangsu maternity fixed rates …) is data: a name,
a region, effective dates, and the names of the grouper and pricer it uses. A region can
reuse a national grouper with its own pricer; a hospital can price one grouping under several
schemes. Plugins register all three through ``medins_sdk.hookspecs``; the host selects by
name or by (region, date) through :class:`medins_sdk.plugins.Registry`, never by hook order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol, runtime_checkable

from medins_sdk.models import Encounter, GroupResult, PriceResult


@dataclass(frozen=True, slots=True)
class PaymentScheme:
    """A payment scheme: what pays for a case, where and when."""

    name: str
    """Unique name, e.g. ``beijing-drg-2022``."""
    title: str
    """Chinese title, e.g. 北京市 DRG 付费 (2022 版)."""
    pricer: str
    """Name of the registered :class:`Pricer` that computes payments."""
    grouper: str | None = None
    """Name of the registered :class:`Grouper`, or None for schemes that do not group."""
    region: str | None = None
    """Region code ``admdvs`` (e.g. ``110000``), or None for a scheme valid everywhere."""
    effective_from: date = date(1900, 1, 1)
    effective_to: date | None = None
    """Last day the scheme applies, or None while it is in force."""
    source: str = ""
    """Where the scheme's rules come from (notice, rule pack manifest)."""

    def in_effect(self, on: date) -> bool:
        """Whether the scheme applies to a case settled on ``on``."""
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


@runtime_checkable
class Grouper(Protocol):
    """Assigns an encounter to a group (DRG, DIP group, maternity channel …).

    Must be total and deterministic: every valid encounter gets a result (``ungroupable``
    with a reason at worst), and the same encounter always gets the same result.
    """

    @property
    def name(self) -> str:
        """Unique name the registry selects it by."""
        ...

    def group(self, encounter: Encounter, scheme: PaymentScheme) -> GroupResult:
        """Group one encounter under ``scheme``."""
        ...


@runtime_checkable
class Pricer(Protocol):
    """Computes what a scheme pays for an encounter, with the formula and its inputs."""

    @property
    def name(self) -> str:
        """Unique name the registry selects it by."""
        ...

    def price(
        self, encounter: Encounter, grouping: GroupResult | None, scheme: PaymentScheme
    ) -> PriceResult:
        """Price one encounter; ``grouping`` is None for schemes without a grouper."""
        ...


class UnpricableError(ValueError):
    """The encounter lacks what the pricer needs (no cost, no group …): a rejected record."""


@dataclass(frozen=True, slots=True)
class SchemeParts:
    """A scheme with the grouper and pricer it names, resolved once (by the registry)."""

    scheme: PaymentScheme
    grouper: Grouper | None
    pricer: Pricer

    def group(self, encounter: Encounter) -> GroupResult | None:
        """The encounter's grouping, or None when the scheme does not group."""
        if self.grouper is None:
            return None
        return self.grouper.group(encounter, self.scheme)

    def price(self, encounter: Encounter) -> tuple[GroupResult | None, PriceResult]:
        """The encounter's grouping (if the scheme groups) and its price."""
        grouping = self.group(encounter)
        return grouping, self.pricer.price(encounter, grouping, self.scheme)


def encounter_cost(encounter: Encounter) -> Decimal:
    """The encounter's total cost, or :class:`UnpricableError` when it carries none."""
    cost = encounter.total_cost
    if cost is None:
        raise UnpricableError(
            "the encounter carries no cost: give charge lines, a settlement or the "
            "settlement list's charge table (iteminfo)"
        )
    return cost


@dataclass(frozen=True, slots=True)
class ItemisedPricer:
    """Itemised billing (按项目付费): the scheme pays the cost, item by item.

    The baseline every other scheme is compared with: payment = total cost, balance 0.
    """

    name: str = "itemised"

    def price(
        self, encounter: Encounter, grouping: GroupResult | None, scheme: PaymentScheme
    ) -> PriceResult:
        return itemised_result(
            encounter.id,
            scheme.name,
            grouping.group if grouping else None,
            encounter_cost(encounter),
            "按项目付费: 医疗费用按项目据实结算, 无结余或超支。",
        )


def itemised_result(
    encounter_id: str, scheme: str, group: str | None, cost: Decimal, explanation: str
) -> PriceResult:
    """A case paid item by item (payment = cost, balance 0), with why in ``explanation``.

    Itemised schemes pay every case so; DRG and DIP schemes pay so the groups and cases they
    exclude from group payment (newborns, burns, outliers, ambiguous cases …).
    """
    return PriceResult.from_trusted(
        id=encounter_id,
        scheme=scheme,
        group=group,
        total_cost=cost,
        payment=cost,
        balance=Decimal("0.00"),
        method="itemised",
        formula="payment = total cost",
        inputs={"total_cost": f"{cost:.2f}"},
        explanation=explanation,
    )


ITEMISED = PaymentScheme(
    name="itemised",
    title="按项目付费",
    pricer="itemised",
    source="national itemised fee-for-service billing (the baseline of every comparison)",
)
"""The built-in itemised scheme, valid in every region."""
