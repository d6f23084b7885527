"""Result types: what grouping, pricing and auditing produce for an encounter.

Defined in the core so that every scheme plugin emits the same shape and reports, comparisons
and ledgers can read results from any plugin.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from medins_sdk.models.base import SdkModel
from medins_sdk.money import DecimalSpec, Money, SignedMoney

Weight = Annotated[
    Decimal,
    DecimalSpec(4, signed=False, integer_digits=8, description="a relative weight or score"),
]
"""A DRG relative weight (RW) or a DIP score (分值), up to 4 decimal places."""

GroupStatus = Literal["grouped", "ambiguous", "ungroupable"]
Outlier = Literal["high", "low"]
Severity = Literal["block", "warn", "info"]
Stage = Literal["pre", "during", "post"]
EvidenceValue = str | int | list[str]


class TraceStep(SdkModel):
    """One step of a grouping decision, written for a medical coder to read."""

    step: str = Field(description="stage of the algorithm, e.g. pre-mdc, mdc, adrg, cc, drg")
    outcome: str = Field(description="what happened: matched, skipped, excluded, counted …")
    rule: str | None = Field(None, description="the rule or table that decided, e.g. 表 2-3-12")
    codes: list[str] = Field(default_factory=list, description="codes the step looked at")
    detail: str = Field("", description="why, in a sentence")


class GroupResult(SdkModel):
    """The outcome of grouping one encounter under one scheme.

    ``grouped`` and ``ambiguous`` results name a group (an ambiguous case goes to the
    scheme's ambiguous group, e.g. QY); ``ungroupable`` results name no group and say why.
    """

    id: str = Field(description="the encounter's id")
    scheme: str = Field(description="payment scheme name, e.g. beijing-drg-2022")
    status: GroupStatus = Field(description="grouped / ambiguous / ungroupable")
    group: str | None = Field(None, description="DRG code or DIP group")
    group_name: str | None = Field(None, description="the group's Chinese name")
    weight: Weight | None = Field(None, description="DRG relative weight or DIP score")
    reason: str | None = Field(None, description="why the case is ambiguous or ungroupable")
    mdc: str | None = Field(None, description="major diagnostic category (DRG)")
    adrg: str | None = Field(None, description="adjacent DRG (DRG)")
    extras: dict[str, str] = Field(default_factory=dict, description="scheme-specific fields")
    trace: list[TraceStep] = Field(default_factory=list, description="the decision, step by step")

    @model_validator(mode="after")
    def _check_status(self) -> GroupResult:
        if self.status == "ungroupable":
            if self.group is not None or not self.reason:
                raise ValueError("an ungroupable result has a reason and no group")
        elif self.group is None:
            raise ValueError(f"a {self.status} result names its group")
        return self


class PriceResult(SdkModel):
    """What a scheme pays for one encounter, and the formula that says why.

    ``balance = payment − total_cost``: positive is a surplus (结余), negative an overspend
    (超支). The validator holds this to the cent.
    """

    id: str = Field(description="the encounter's id")
    scheme: str = Field(description="payment scheme name")
    group: str | None = Field(None, description="the group priced, if the scheme groups")
    weight: Weight | None = Field(None, description="relative weight or score used")
    payment_standard: Money | None = Field(None, description="the group's payment standard")
    total_cost: Money = Field(description="医疗费总额 of the encounter")
    payment: Money = Field(description="what the scheme pays for the case")
    balance: SignedMoney = Field(description="payment − total cost: 结余 (+) / 超支 (−)")
    method: str = Field(
        pattern=r"^[a-z][a-z0-9-]*$",
        description="drg / dip / fixed-rate / itemised / per-diem … (how payment was computed)",
    )
    outlier: Outlier | None = Field(None, description="high / low cost outlier, if any")
    formula: str = Field("", description="the formula applied, in words and symbols")
    inputs: dict[str, str] = Field(
        default_factory=dict, description="the formula's inputs as exact decimal strings"
    )
    explanation: str = Field("", description="a sentence for the insurance office")

    @model_validator(mode="after")
    def _check_balance(self) -> PriceResult:
        if self.balance != self.payment - self.total_cost:
            raise ValueError(
                f"balance {self.balance:.2f} ≠ payment {self.payment:.2f} − total cost "
                f"{self.total_cost:.2f}"
            )
        return self


class Finding(SdkModel):
    """An audit finding: a rule that fired on an encounter, with the money at stake."""

    id: str = Field(description="the encounter's id")
    rule: str = Field(description="the rule's id")
    severity: Severity = Field(description="block / warn / info")
    stage: Stage = Field(description="pre (事前) / during (事中) / post (事后)")
    lines: list[str] = Field(default_factory=list, description="charge line numbers involved")
    amount: Money | None = Field(None, description="amount at risk")
    message: str = Field(description="what to do, for a clinician (Chinese)")
    evidence: dict[str, EvidenceValue] = Field(
        default_factory=dict, description="the facts the rule saw (codes, amounts as strings)"
    )
