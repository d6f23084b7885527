"""How the simulated bureau splits a settlement between fund, personal account and cash.

Simple and configurable, not any region's policy: the pooled fund pays ``fund_ratio`` of the
amount above the ``deductible`` (rounded half up to the cent), the personal account pays what
it can of the rest when the person has one and asked for it, cash pays the remainder — so
``medfee_sumamt = fund_pay_sumamt + acct_pay + psn_cash_pay`` holds exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from medins_sdk.money import to_cents

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class SplitRules:
    """The simulator's benefit rules, per insurance type (``insutype``)."""

    fund_ratio: Mapping[str, Decimal] = field(
        default_factory=lambda: {
            "310": Decimal("0.85"),
            "390": Decimal("0.70"),
            "510": Decimal("1.00"),
        }
    )
    """Share of the amount above the deductible the pooled fund pays."""
    default_ratio: Decimal = Decimal("0.60")
    """For insurance types not in :attr:`fund_ratio`."""
    deductible: Mapping[str, Decimal] = field(
        default_factory=lambda: {"310": Decimal("800.00"), "390": Decimal("600.00")}
    )
    """起付线 per insurance type (none for others)."""
    account_types: frozenset[str] = frozenset({"310"})
    """Insurance types whose insured have a personal account (职工)."""
    opening_balance: Decimal = Decimal("3000.00")
    """Each person's personal-account balance before their first settlement."""

    def split(
        self, insutype: str, total: Decimal, *, balance: Decimal, use_account: bool
    ) -> tuple[Decimal, Decimal, Decimal]:
        """``(fund, account, cash)`` of ``total``; ``balance`` is the person's account."""
        ratio = self.fund_ratio.get(insutype, self.default_ratio)
        base = max(total - self.deductible.get(insutype, ZERO), ZERO)
        fund = min(to_cents(base * ratio), total)
        has_account = use_account and insutype in self.account_types
        account = min(balance, total - fund) if has_account else ZERO
        return fund, account, total - fund - account

    @staticmethod
    def fund_pay_type(insutype: str) -> str:
        """The ``fund_pay_type`` of the pooled fund of ``insutype`` (``310100`` …)."""
        return f"{insutype}100"
