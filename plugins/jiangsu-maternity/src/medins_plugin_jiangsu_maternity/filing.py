"""Severe-illness filing (大病孕产妇备案): one stay, two payers.

For a pregnant woman with a severe illness, the hospital files the case with the bureau; then
"医疗资源消耗较大的治疗疾病费用由基本医疗保险支付，生育相关费用由生育保险支付" (seed 000,
二(二)6). The charge lines say which is which through the maternity flag of 2301
(``matn_fee_flag``). The rules, in order:

1. a line flagged 1 is maternity, a line flagged 0 is basic medical insurance;
2. a refund line without a flag follows the line it refunds (``init_feedetl_sn``);
3. any other line without a flag goes where the pack's ``filing_unflagged_lines`` says
   (default ``maternity``: an unflagged line stays with the delivery, as on a case not filed).

The maternity part is priced by the delivery's channel like any case (the fixed amount, or
its cost for a complication); the basic part is paid item by item (the basic scheme's own
deductibles and ratios are the patient's share, not the hospital's balance). The case's
balance is the maternity part's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from medins_plugin_jiangsu_maternity.channels import ZERO, Decision
from medins_plugin_jiangsu_maternity.pack import LinePolicy
from medins_plugin_jiangsu_maternity.pricing import balance_text, channel_text, priced
from medins_sdk.codes import Flag
from medins_sdk.models import Encounter, PriceResult
from medins_sdk.schemes import ITEMISED, UnpricableError, itemised_result


@dataclass(frozen=True, slots=True)
class ChargeSplit:
    """A filed encounter's cost split between the two insurances."""

    maternity_cost: Decimal
    basic_cost: Decimal
    maternity_lines: int
    basic_lines: int
    unflagged_lines: int
    """Lines placed by the ``filing_unflagged_lines`` policy (counted in one of the two)."""


def split_charges(encounter: Encounter, unflagged: LinePolicy) -> ChargeSplit:
    """Split the charge lines by their maternity flag (rules in the module docstring)."""
    if not encounter.charges:
        raise UnpricableError(
            "filed as a severe-illness pregnancy (大病孕产妇备案), but the encounter has no "
            "charge lines: the split between maternity and basic insurance needs each line's "
            "matn_fee_flag"
        )
    flags = {line.line_no: line.maternity_fee for line in encounter.charges}
    maternity = basic = ZERO
    maternity_lines = basic_lines = by_policy = 0
    for line in encounter.charges:
        flag = line.maternity_fee
        if flag is None and line.original_line_no is not None:
            flag = flags.get(line.original_line_no)
        if flag is None:
            by_policy += 1
            to_maternity = unflagged == "maternity"
        else:
            to_maternity = flag is Flag.YES
        if to_maternity:
            maternity += line.amount
            maternity_lines += 1
        else:
            basic += line.amount
            basic_lines += 1
    return ChargeSplit(maternity, basic, maternity_lines, basic_lines, by_policy)


@dataclass(frozen=True, slots=True)
class FiledPrice:
    """Both parts of a filed encounter, priced, and the whole case."""

    split: ChargeSplit
    maternity: PriceResult
    """The maternity part under the scheme: total cost = the maternity lines."""
    basic: PriceResult
    """The basic medical insurance part, item by item (scheme ``itemised``)."""
    whole: PriceResult
    """The encounter: cost = both parts, payment = both payments, balance = maternity's."""


def price_filed(
    encounter: Encounter, scheme: str, decision: Decision, unflagged: LinePolicy
) -> FiledPrice:
    """Price a filed encounter's two parts and the whole."""
    split = split_charges(encounter, unflagged)
    maternity = priced(encounter.id, scheme, decision, split.maternity_cost)
    basic = itemised_result(
        encounter.id,
        ITEMISED.name,
        None,
        split.basic_cost,
        f"大病孕产妇备案：疾病治疗费用 {split.basic_cost:.2f} 元（{split.basic_lines} 条明细）"
        "由基本医疗保险按项目结算。",
    )
    cost = split.maternity_cost + split.basic_cost
    payment = maternity.payment + basic.payment
    inputs = {
        **maternity.inputs,
        "total_cost": f"{cost:.2f}",
        "maternity_cost": f"{split.maternity_cost:.2f}",
        "basic_cost": f"{split.basic_cost:.2f}",
    }
    whole = PriceResult(
        id=encounter.id,
        scheme=scheme,
        group=maternity.group,
        payment_standard=maternity.payment_standard,
        total_cost=cost,
        payment=payment,
        balance=payment - cost,
        method=maternity.method,
        formula=f"payment = maternity part ({maternity.formula}) + basic part (item by item)",
        inputs=inputs,
        explanation=(
            f"大病孕产妇备案：生育相关费用 {split.maternity_cost:.2f} 元"
            f"（{split.maternity_lines} 条明细）由生育保险支付，{channel_text(decision)}，"
            f"支付 {maternity.payment:.2f} 元，{balance_text(maternity.balance)}；"
            f"疾病治疗费用 {split.basic_cost:.2f} 元（{split.basic_lines} 条明细）"
            "由基本医疗保险按项目结算。"
        ),
    )
    return FiledPrice(split, maternity, basic, whole)
