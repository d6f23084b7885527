"""High- and low-cost outliers (高倍率 / 低倍率 病例): thresholds, judgement and payment.

Most DRG and DIP schemes stop paying the group's standard when a case costs far more or far
less than it: above a multiple of the standard (the multiple falling as the weight rises) or
below a fraction of it. The numbers differ by region and are rarely in the rule texts, so
they are pack parameters; this module only reads them and applies them, to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Final, Literal

from medins_sdk.models import Outlier
from medins_sdk.money import to_cents
from medins_sdk.packs import PackError, PackManifest

HighPayment = Literal["itemised", "standard-plus-excess"]
"""How a high-cost outlier is paid: item by item (the cost), or the standard plus a share of
the cost above the threshold."""

HIGH_MULTIPLES: Final = "high_outlier_multiples"
LOW_RATIO: Final = "low_outlier_ratio"
HIGH_PAYMENT: Final = "high_outlier_payment"
EXCESS_RATIO: Final = "high_outlier_excess_ratio"
PARAMETERS: Final = (HIGH_MULTIPLES, LOW_RATIO, HIGH_PAYMENT, EXCESS_RATIO)
"""Pack parameter names read by :meth:`OutlierPolicy.from_manifest`."""


@dataclass(frozen=True, slots=True)
class HighBand:
    """Weights up to ``max_weight`` (inclusive; None: any) are high outliers from ``multiple``
    × standard."""

    max_weight: Decimal | None
    multiple: Decimal


@dataclass(frozen=True, slots=True)
class Judgement:
    """Whether a case is an outlier, and the thresholds it was judged against."""

    outlier: Outlier | None
    high_threshold: Decimal
    low_threshold: Decimal | None
    multiple: Decimal


@dataclass(frozen=True, slots=True)
class OutlierPolicy:
    """A region's outlier rules; see :meth:`from_manifest` for the parameter syntax."""

    high: tuple[HighBand, ...]
    low_ratio: Decimal | None
    high_payment: HighPayment = "itemised"
    excess_ratio: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        bounds = [band.max_weight for band in self.high]
        if not bounds or bounds[-1] is not None or None in bounds[:-1]:
            raise ValueError("high-outlier bands must end with one open band (*)")
        closed = [bound for bound in bounds if bound is not None]
        if closed != sorted(closed) or len(set(closed)) != len(closed):
            raise ValueError("high-outlier band bounds must increase")
        if any(band.multiple <= 1 for band in self.high):
            raise ValueError("a high-outlier multiple must exceed 1")
        if self.low_ratio is not None and not Decimal(0) < self.low_ratio < 1:
            raise ValueError("the low-outlier ratio must lie strictly between 0 and 1")

    def judge(self, weight: Decimal, standard: Decimal, cost: Decimal) -> Judgement:
        """High when ``cost ≥ multiple × standard``, low when ``cost < ratio × standard``.

        Thresholds are rounded to the cent (half up) before comparing, so the comparison
        the insurance office repeats by hand gives the same answer.
        """
        high, low, multiple = self.thresholds(weight, standard)
        outlier: Outlier | None = None
        if cost >= high:
            outlier = "high"
        elif low is not None and cost < low:
            outlier = "low"
        return Judgement(outlier, high, low, multiple)

    def thresholds(
        self, weight: Decimal, standard: Decimal
    ) -> tuple[Decimal, Decimal | None, Decimal]:
        """``(high, low, multiple)`` for a group of ``weight`` and ``standard``: the high and
        low thresholds to the cent (half up) and the multiple the high one applies."""
        return _thresholds(self, weight, standard)

    def high_outlier_payment(self, standard: Decimal, cost: Decimal, threshold: Decimal) -> Decimal:
        """What a high outlier is paid under :attr:`high_payment`."""
        if self.high_payment == "itemised":
            return cost
        return to_cents(standard + (cost - threshold) * self.excess_ratio)

    def describe_high(self) -> str:
        """The high-outlier rule in words, for formulas and docs."""
        parts = [
            f"RW ≤ {band.max_weight}: ≥ {band.multiple}×"
            if band.max_weight is not None
            else f"otherwise ≥ {band.multiple}×"
            for band in self.high
        ]
        return "; ".join(parts)

    @classmethod
    def from_manifest(cls, manifest: PackManifest) -> OutlierPolicy:
        """Read the policy from a pack's parameters.

        - ``high_outlier_multiples``: ``"1:3;2:2;*:1.5"`` — weight upper bound : multiple of
          the standard, bands in increasing order, the last ``*``.
        - ``low_outlier_ratio``: ``"0.3"``, or ``"none"`` for no low-cost outliers.
        - ``high_outlier_payment``: ``itemised`` or ``standard-plus-excess``.
        - ``high_outlier_excess_ratio``: share of the cost above the threshold paid on top of
          the standard (``standard-plus-excess`` only).
        """
        try:
            bands = tuple(
                _band(part) for part in manifest.parameter(HIGH_MULTIPLES).value.split(";")
            )
            low_text = manifest.parameter(LOW_RATIO).value
            payment = manifest.parameter(HIGH_PAYMENT).value
            if payment not in ("itemised", "standard-plus-excess"):
                raise ValueError(f"{HIGH_PAYMENT} {payment!r} is not itemised/standard-plus-excess")
            return cls(
                high=bands,
                low_ratio=None if low_text == "none" else Decimal(low_text),
                high_payment=payment,  # type: ignore[arg-type]
                excess_ratio=Decimal(manifest.parameter(EXCESS_RATIO).value),
            )
        except (ValueError, ArithmeticError) as error:
            raise PackError(
                f"pack {manifest.scheme} {manifest.version}: outlier parameters: {error}"
            ) from None


def _band(text: str) -> HighBand:
    bound, _, multiple = text.strip().partition(":")
    return HighBand(None if bound.strip() == "*" else Decimal(bound), Decimal(multiple))


@lru_cache(maxsize=4096)
def _thresholds(
    policy: OutlierPolicy, weight: Decimal, standard: Decimal
) -> tuple[Decimal, Decimal | None, Decimal]:
    """``(high, low, multiple)`` for a group: the same few hundred groups recur on every case."""
    multiple = next(
        band.multiple
        for band in policy.high
        if band.max_weight is None or weight <= band.max_weight
    )
    high = to_cents(standard * multiple)
    low = to_cents(standard * policy.low_ratio) if policy.low_ratio is not None else None
    return high, low, multiple
