"""What a grouping scheme pays a case it could not group: item by item, or nothing.

DRG and DIP schemes alike either pay ambiguous and ungroupable cases at cost or refuse them;
the choice is the pack parameter :data:`UNGROUPED`. One function so both pricers agree on
the wording, the checks and the result.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final, Literal

from medins_sdk.models import Encounter, GroupResult, PriceResult
from medins_sdk.schemes import PaymentScheme, UnpricableError, itemised_result

UNGROUPED: Final = "ungrouped_payment"
"""Pack parameter: ``itemised`` (pay the cost) or ``reject`` (a rejected record)."""

Ungrouped = Literal["itemised", "reject"]


def group_or_price(
    encounter: Encounter,
    grouping: GroupResult | None,
    scheme: PaymentScheme,
    cost: Decimal,
    rule: Ungrouped,
) -> str | PriceResult:
    """The group the pricer prices by, or the whole price of a case without a proper group.

    No grouping at all is an :class:`UnpricableError` (group first); an ambiguous or
    ungroupable case is paid its cost with the reason in the explanation, or refused when
    ``rule`` is ``reject``.
    """
    if grouping is None:
        raise UnpricableError(f"{scheme.name} prices by group: group the encounter first")
    if grouping.group is not None and grouping.status == "grouped":
        return grouping.group
    why = f"{grouping.status} ({grouping.reason})"
    if rule == "reject":
        raise UnpricableError(f"{why}: {scheme.name} does not pay such cases")
    return itemised_result(
        encounter.id,
        scheme.name,
        grouping.group,
        cost,
        f"{why}: 未入组/歧义组病例按项目付费 (pack parameter {UNGROUPED})",
    )
