"""Front-page cost categories (病案首页费用) → the settlement list's 14 charge categories.

The front page groups costs by the health statistics classification (综合医疗服务类, 诊断类,
治疗类 …); the settlement list's ``iteminfo`` uses the 14 categories of ``med_chrgitm_type``
(床位费, 诊察费, 检查费 …). Some front-page categories have one clear counterpart (护理费,
西药费, 化验费); some mix several settlement categories and cannot be split from the front page
alone (一般医疗服务费 holds both 床位费 and 诊察费; blood and blood products have no category of
their own). :data:`COST_RULES` is the table: a category without counterpart is carried in 14
其他费, so Σ ``iteminfo`` still equals the front page's total, and reported as a finding so a
coder can split it from the charge lines. The table is this SDK's reading of the two
classifications; a province that rules otherwise passes its own rules to the converter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from medins_sdk.codes.tables import ChargeCategory
from medins_sdk.models import ChargeItemSummary, FrontPageBase


@dataclass(frozen=True, slots=True)
class CostRule:
    """Where one front-page cost category goes in the settlement list's charge table."""

    field: str
    """The :class:`~medins_sdk.models.FrontPageBase` field, e.g. ``nursing_fee``."""
    category: ChargeCategory | None
    """Its settlement category; None when it has no single counterpart."""
    parts: tuple[str, ...] = ()
    """Its 其中 items (amounts it already includes), summed when the category itself is absent."""


COST_RULES: tuple[CostRule, ...] = (
    CostRule("general_service_fee", None),
    CostRule("general_treatment_fee", ChargeCategory.TREATMENT),
    CostRule("nursing_fee", ChargeCategory.NURSING),
    CostRule("other_service_fee", None),
    CostRule("pathology_fee", ChargeCategory.EXAMINATION),
    CostRule("laboratory_fee", ChargeCategory.LABORATORY),
    CostRule("imaging_fee", ChargeCategory.EXAMINATION),
    CostRule("clinical_diagnosis_fee", ChargeCategory.EXAMINATION),
    CostRule("non_surgical_fee", ChargeCategory.TREATMENT, ("physical_therapy_fee",)),
    CostRule("surgical_treatment_fee", ChargeCategory.SURGERY, ("anaesthesia_fee", "surgery_fee")),
    CostRule("rehabilitation_fee", ChargeCategory.TREATMENT),
    CostRule("tcm_treatment_fee", ChargeCategory.TREATMENT),
    CostRule("western_medicine_fee", ChargeCategory.WESTERN_MEDICINE, ("antibiotics_fee",)),
    CostRule("chinese_patent_medicine_fee", ChargeCategory.CHINESE_PATENT_MEDICINE),
    CostRule("herbal_fee", ChargeCategory.HERBAL_PIECES),
    CostRule("blood_fee", None),
    CostRule("albumin_fee", None),
    CostRule("globulin_fee", None),
    CostRule("clotting_factor_fee", None),
    CostRule("cytokine_fee", None),
    CostRule("examination_material_fee", ChargeCategory.MATERIALS),
    CostRule("treatment_material_fee", ChargeCategory.MATERIALS),
    CostRule("surgery_material_fee", ChargeCategory.MATERIALS),
    CostRule("other_fee", ChargeCategory.OTHER),
)
"""Every cost category of the front page, with its settlement category (or none)."""


@dataclass(frozen=True, slots=True)
class Unplaced:
    """A front-page amount with no settlement category of its own, carried in 14 其他费."""

    field: str
    amount: Decimal


def charge_table(
    base: FrontPageBase, rules: Sequence[CostRule] = COST_RULES
) -> tuple[list[ChargeItemSummary], list[Unplaced]]:
    """The settlement charge table of a front page, and the amounts placed in 14 其他费 for
    want of a counterpart. Rows are in category order; amounts are exact sums."""
    totals: dict[ChargeCategory, Decimal] = {}
    unplaced: list[Unplaced] = []
    for rule in rules:
        amount: Decimal | None = getattr(base, rule.field)
        if amount is None and rule.parts:
            amount = _sum_of_parts(base, rule.parts)
        if not amount:
            continue
        category = rule.category or ChargeCategory.OTHER
        totals[category] = totals.get(category, Decimal(0)) + amount
        if rule.category is None:
            unplaced.append(Unplaced(rule.field, amount))
    items = [
        ChargeItemSummary(category=category, amount=totals[category])
        for category in sorted(totals, key=lambda c: c.value)
    ]
    return items, unplaced


def _sum_of_parts(base: FrontPageBase, parts: tuple[str, ...]) -> Decimal | None:
    """Σ of a category's 其中 items given on the page, or None when none is."""
    given = [p for p in (getattr(base, name) for name in parts) if p is not None]
    return sum(given, Decimal(0)) if given else None
