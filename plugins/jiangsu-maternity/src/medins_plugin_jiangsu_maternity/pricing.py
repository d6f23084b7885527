"""The price of a decided channel: payment, balance, formula, inputs and a Chinese sentence.

``method`` is ``fixed-rate`` for the vaginal and caesarean amounts (add-on included) and
``itemised`` for a low-frequency complication, whose payment is the cost.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from medins_plugin_jiangsu_maternity.channels import (
    ZERO,
    Decision,
    codes_text,
    complications_text,
    set_aside_text,
)
from medins_sdk.models import PriceResult


def balance_text(balance: Decimal) -> str:
    """结余 / 超支 / 收支平衡, as an insurance office says it."""
    if balance > ZERO:
        return f"结余 {balance:.2f} 元"
    if balance < ZERO:
        return f"超支 {-balance:.2f} 元"
    return "无结余或超支"


@lru_cache(maxsize=4096)
def channel_text(decision: Decision) -> str:
    """The decision in a sentence: channel, the codes behind it, what was set aside.

    Cached: a hospital's deliveries share a few hundred code combinations, and building the
    sentence cost about 5 µs a case, a tenth of pricing it.
    """
    assert decision.mode is not None, "only a delivery has a channel"
    mode = f"{decision.mode.label}（依据 {codes_text(decision.evidence[:1])}）"
    if decision.itemised:
        complications = complications_text(decision.complications)
        text = f"{mode}，存在低频并发症 {complications}，按实际费用结算"
    else:
        text = f"{mode}定额 {decision.rate:.2f} 元"
        if decision.add_ons:
            text += (
                f" + 附加手术（{codes_text(decision.add_ons)}）{decision.add_on:.2f} 元"
                f" = {decision.fixed_amount:.2f} 元"
            )
    for item in decision.set_aside:
        text += f"；{set_aside_text(item)}，不按低频并发症结算"
    return text


def priced(encounter_id: str, scheme: str, decision: Decision, cost: Decimal) -> PriceResult:
    """The price of a delivery of ``cost`` under ``decision``."""
    channel = decision.channel
    assert channel is not None, "only a delivery is priced"
    itemised = decision.itemised
    payment = decision.payment(cost)
    balance = payment - cost
    cost_text = f"{cost:.2f}"
    inputs = {"total_cost": cost_text}
    if itemised:
        formula = "payment = total cost"
    else:
        formula = f"payment = {channel} rate"
        inputs["rate"] = f"{decision.rate:.2f}"
        if decision.add_ons:
            formula += " + additional-operation add-on"
            inputs["add_on"] = f"{decision.add_on:.2f}"
    return PriceResult.from_trusted(
        id=encounter_id,
        scheme=scheme,
        group=str(channel),
        payment_standard=None if itemised else payment,
        total_cost=cost,
        payment=payment,
        balance=balance,
        method="itemised" if itemised else "fixed-rate",
        formula=formula,
        inputs=inputs,
        explanation=(
            f"生育保险住院分娩按病种定额结算：{channel_text(decision)}；医疗费用 {cost_text} 元，"
            f"支付 {cost_text if itemised else f'{payment:.2f}'} 元，{balance_text(balance)}。"
        ),
    )
