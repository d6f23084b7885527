"""Facts every hospital report reads off an encounter: its month and its cost structure.

Insurance offices look at an overspending case's drugs, materials and examinations first
(seed 000: "超支前三名孕产妇病案" with their drug, material and examination costs); which
charge categories count as which is a report parameter, with the usual reading as default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from medins_sdk.codes.tables import ChargeCategory
from medins_sdk.models import Encounter

ZERO: Final = Decimal("0.00")
NO_MONTH: Final = "-"
"""The month of an encounter with no discharge, period end or settlement time."""


@dataclass(frozen=True, slots=True)
class CostCategories:
    """Charge categories (``med_chrgitm_type``) summed as drug, material and examination cost."""

    drugs: frozenset[ChargeCategory]
    materials: frozenset[ChargeCategory]
    examinations: frozenset[ChargeCategory]


USUAL_CATEGORIES: Final = CostCategories(
    drugs=frozenset(
        {
            ChargeCategory.WESTERN_MEDICINE,
            ChargeCategory.HERBAL_PIECES,
            ChargeCategory.CHINESE_PATENT_MEDICINE,
        }
    ),
    materials=frozenset({ChargeCategory.MATERIALS}),
    examinations=frozenset({ChargeCategory.EXAMINATION, ChargeCategory.LABORATORY}),
)
"""西药费, 中药饮片费, 中成药费 as drugs; 卫生材料费 as materials; 检查费, 化验费 as
examinations. A reading, not a rule: no standard fixes it, so reports take it as a parameter."""


def category_costs(
    encounter: Encounter, categories: CostCategories = USUAL_CATEGORIES
) -> tuple[Decimal, Decimal, Decimal]:
    """Drug, material and examination cost: from the charge lines, else the charge table."""
    groups = (categories.drugs, categories.materials, categories.examinations)
    slot: dict[ChargeCategory | None, int] = {
        category: index for index, group in enumerate(groups) for category in group
    }
    totals = [ZERO, ZERO, ZERO]
    rows = encounter.charges or encounter.settlement_list.charge_items
    for row in rows:
        index = slot.get(row.category)
        if index is not None:
            totals[index] += row.amount
    return totals[0], totals[1], totals[2]


def discharge_date(encounter: Encounter) -> date | None:
    """The day of discharge (出院时间, else the settlement period's end or settlement time)."""
    info = encounter.settlement_list.info
    settled = encounter.settlement.info.settlement_time if encounter.settlement else None
    day = info.discharge_time or info.settlement_end or settled
    return day.date() if isinstance(day, datetime) else day


def discharge_month(encounter: Encounter) -> str:
    """YYYY-MM of :func:`discharge_date`, or ``-``."""
    day = discharge_date(encounter)
    return NO_MONTH if day is None else f"{day:%Y-%m}"
