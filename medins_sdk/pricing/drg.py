"""DRG pricing: payment standard = relative weight × base rate, with outliers and item-by-item
groups, from a checksummed rates pack.

A rates pack is a directory with ``manifest.json``, ``weights.csv`` (see
:mod:`medins_sdk.pricing.weights`) and parameters: the base rate (when the table publishes no
standards), the outlier rules (:mod:`medins_sdk.pricing.outliers`) and what ambiguous and
ungroupable cases are paid. ``python -m medins_sdk.pricing.drg`` builds one from a CSV, so a
region changing its numbers ships a new pack, not code (DESIGN: rule data, not rule code).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Final

from medins_sdk.models import Encounter, GroupResult, Outlier, PriceResult
from medins_sdk.money import format_money, to_cents
from medins_sdk.packs import (
    PackData,
    PackError,
    PackManifest,
    PackParameter,
    add_manifest_arguments,
    load_pack,
    manifest_from_arguments,
    write_pack_dir,
)
from medins_sdk.pricing.outliers import (
    EXCESS_RATIO,
    HIGH_MULTIPLES,
    HIGH_PAYMENT,
    LOW_RATIO,
    OutlierPolicy,
)
from medins_sdk.pricing.ungrouped import UNGROUPED, Ungrouped, group_or_price
from medins_sdk.pricing.weights import GroupRate, WeightTable, WeightTableError
from medins_sdk.schemes import PaymentScheme, UnpricableError, encounter_cost, itemised_result

WEIGHTS: Final = "weights.csv"
BASE_RATE: Final = "base_rate"

DEFAULT_PARAMETERS: Final[dict[str, tuple[str, str, str]]] = {
    HIGH_MULTIPLES: (
        "1:3;2:2;*:1.5",
        "RW bound:multiple",
        "high-cost outlier (高倍率) when cost ≥ multiple × standard: 3× for RW ≤ 1, 2× for "
        "1 < RW ≤ 2, 1.5× above (REFERENCE §3: common CHS-DRG practice)",
    ),
    LOW_RATIO: (
        "0.3",
        "ratio",
        "low-cost outlier (低倍率) when cost < ratio × standard, paid item by item "
        "(REFERENCE §3: regions use 30–50 %)",
    ),
    HIGH_PAYMENT: (
        "itemised",
        "",
        "high-cost outliers paid item by item (itemised) or standard + (cost − threshold) × "
        "excess ratio (standard-plus-excess)",
    ),
    EXCESS_RATIO: (
        "1",
        "ratio",
        "share of the cost above the high threshold paid with standard-plus-excess",
    ),
    UNGROUPED: (
        "itemised",
        "",
        "ambiguous (QY) and ungroupable cases: paid item by item (itemised) or rejected (reject)",
    ),
}
"""Parameter → (default value, unit, description). No primary source fixes these numbers for a
given region, so a pack written with the defaults records them with ``source: null``:
configurable, and ``medins plugins`` shows them as such."""


@dataclass(frozen=True, slots=True)
class DrgRates:
    """A loaded rates pack: the weight table, base rate, outlier policy and ungrouped rule."""

    manifest: PackManifest
    table: WeightTable
    base_rate: Decimal | None
    outliers: OutlierPolicy
    ungrouped: Ungrouped

    @classmethod
    def load(cls, root: Path | Traversable) -> DrgRates:
        """Load and verify the pack in ``root``; :class:`PackError` says what is wrong."""
        pack = load_pack(root)
        manifest = pack.manifest
        try:
            table = WeightTable.from_csv(pack.text(WEIGHTS), f"{manifest.scheme} {WEIGHTS}")
        except WeightTableError as error:
            raise PackError(str(error)) from None
        base_text = manifest.parameter(BASE_RATE).value
        ungrouped = manifest.parameter(UNGROUPED).value
        if ungrouped not in ("itemised", "reject"):
            raise PackError(f"{UNGROUPED} {ungrouped!r} is not itemised or reject")
        try:
            base_rate = None if base_text == "none" else Decimal(base_text)
        except InvalidOperation:
            raise PackError(f"{BASE_RATE} {base_text!r} is not a decimal amount") from None
        rates = cls(
            manifest,
            table,
            base_rate,
            OutlierPolicy.from_manifest(manifest),
            "itemised" if ungrouped == "itemised" else "reject",
        )
        unpriced = sorted(
            code
            for code, rate in table.items()
            if not rate.itemised and rates.standard(rate) is None
        )
        if unpriced:
            raise PackError(
                f"pack {manifest.scheme}: no payment standard and no base rate for "
                f"{', '.join(unpriced[:10])}{' …' if len(unpriced) > 10 else ''}"
            )
        return rates

    def standard(self, rate: GroupRate) -> Decimal | None:
        """The group's payment standard: as published, else RW × base rate to the cent."""
        if rate.standard is not None:
            return rate.standard
        if rate.weight is None or self.base_rate is None:
            return None
        return to_cents(rate.weight * self.base_rate)


@dataclass(frozen=True, slots=True)
class _Verdict:
    """How one kind of case (high outlier, low outlier, within the thresholds) is paid."""

    formula: str
    words: str


@dataclass(frozen=True, slots=True)
class _GroupTerms:
    """What every price of one group states: its thresholds, inputs and wording.

    Computed once per group (a scheme has a few hundred), so that pricing a case only
    compares its cost with the thresholds and formats its own amounts.
    """

    standard: Decimal
    high_threshold: Decimal
    low_threshold: Decimal | None
    inputs: dict[str, str]
    """The formula's inputs, ``total_cost`` left empty in its place for the case to fill."""
    high: _Verdict
    low: _Verdict
    within: _Verdict
    heading: str
    """The explanation up to the case's cost."""


@dataclass(frozen=True, slots=True)
class DrgPricer:
    """Prices grouped encounters with a :class:`DrgRates` pack; a :class:`~medins_sdk.schemes.
    Pricer`.

    - Ambiguous and ungroupable cases: item by item, or rejected (``ungrouped_payment``).
    - Groups the table marks ``按项目据实支付``: item by item (payment = cost).
    - Otherwise the standard, unless the case is a high- or low-cost outlier: low outliers
      are paid item by item, high outliers per ``high_outlier_payment``.
    """

    name: str
    rates: DrgRates
    _terms: dict[str, _GroupTerms] = field(default_factory=dict, init=False, compare=False)

    def price(
        self, encounter: Encounter, grouping: GroupResult | None, scheme: PaymentScheme
    ) -> PriceResult:
        """Price one grouped encounter; :class:`UnpricableError` when it cannot be."""
        cost = encounter_cost(encounter)
        code = group_or_price(encounter, grouping, scheme, cost, self.rates.ungrouped)
        if isinstance(code, PriceResult):
            return code
        rate = self.rates.table.get(code)
        if rate is None:
            raise UnpricableError(f"group {code} is not in {self.rates.table.source}")
        if rate.weight is None:
            return itemised_result(
                encounter.id,
                scheme.name,
                rate.code,
                cost,
                f"{rate.code} {rate.name}: 按项目据实支付 ({self.rates.table.source})",
            )
        terms = self._terms.get(rate.code) or self._terms_of(rate, rate.weight)
        policy = self.rates.outliers
        if cost >= terms.high_threshold:
            outlier: Outlier | None = "high"
            payment = policy.high_outlier_payment(terms.standard, cost, terms.high_threshold)
            verdict = terms.high
        elif terms.low_threshold is not None and cost < terms.low_threshold:
            outlier, payment, verdict = "low", cost, terms.low
        else:
            outlier, payment, verdict = None, terms.standard, terms.within
        balance = payment - cost
        cost_text = format_money(cost)
        inputs = terms.inputs.copy()
        inputs["total_cost"] = cost_text
        return PriceResult.from_trusted(
            id=encounter.id,
            scheme=scheme.name,
            group=rate.code,
            weight=rate.weight,
            payment_standard=terms.standard,
            total_cost=cost,
            payment=payment,
            balance=balance,
            method="drg",
            outlier=outlier,
            formula=verdict.formula,
            inputs=inputs,
            explanation=(
                f"{terms.heading}{cost_text} 元, {verdict.words}, 支付 {format_money(payment)} 元, "
                f"{'结余' if balance >= 0 else '超支'} {format_money(abs(balance))} 元。"
            ),
        )

    def _terms_of(self, rate: GroupRate, weight: Decimal) -> _GroupTerms:
        """The terms of ``rate``'s group, computed and kept (see :class:`_GroupTerms`)."""
        standard = self.rates.standard(rate)
        if standard is None:  # DrgRates.load refuses such tables; a hand-built one may not
            raise UnpricableError(f"group {rate.code} has no standard and the pack no base rate")
        policy = self.rates.outliers
        high, low, multiple = policy.thresholds(weight, standard)
        standard_text = format_money(standard)
        inputs = {
            "weight": str(weight),
            "payment_standard": standard_text,
            "total_cost": "",
            "high_threshold": format_money(high),
        }
        if rate.standard is None and self.rates.base_rate is not None:
            inputs["base_rate"] = str(self.rates.base_rate)
        if low is not None:
            inputs["low_threshold"] = format_money(low)
        source = (
            "published standard"
            if rate.standard is not None
            else f"RW {weight} × base rate {self.rates.base_rate}"
        )
        high_payment = (
            "total cost (item by item)"
            if policy.high_payment == "itemised"
            else f"standard + (cost − threshold) × {policy.excess_ratio}"
        )
        terms = _GroupTerms(
            standard=standard,
            high_threshold=high,
            low_threshold=low,
            inputs=inputs,
            high=_Verdict(
                f"high-cost outlier: cost ≥ {multiple} × standard; payment = " + high_payment,
                f"高倍率病例 (≥ {multiple} 倍)",
            ),
            low=_Verdict(
                f"low-cost outlier: cost < {policy.low_ratio} × standard; payment = total cost",
                f"低倍率病例 (< {policy.low_ratio} 倍)",
            ),
            within=_Verdict(f"payment = payment standard ({source})", "按病组支付标准支付"),
            heading=f"{rate.code} {rate.name}: RW {weight}, 支付标准 {standard_text} 元; 医疗费用 ",
        )
        self._terms[rate.code] = terms
        return terms


def write_rates_pack(
    weights: bytes,
    out: Path,
    manifest: PackManifest,
    *,
    base_rate: Decimal | None = None,
    parameters: dict[str, str] | None = None,
    sources: dict[str, str] | None = None,
    weights_source: str | None = None,
) -> DrgRates:
    """Write a rates pack and load it back (so a bad table fails here, not at pricing).

    ``parameters`` override :data:`DEFAULT_PARAMETERS`; ``sources`` give a parameter's
    primary source (absent: ``source: null``, configurable). ``manifest`` supplies the
    scheme, region, version, dates, source and licence; its files and parameters are replaced.
    """
    values = {name: default for name, (default, _, _) in DEFAULT_PARAMETERS.items()}
    values.update(parameters or {})
    unknown = set(values) - set(DEFAULT_PARAMETERS)
    if unknown:
        raise PackError(f"unknown rates parameters: {', '.join(sorted(unknown))}")
    sources = sources or {}
    listed = [
        PackParameter(
            name=BASE_RATE,
            value="none" if base_rate is None else str(base_rate),
            unit="yuan per RW",
            description="payment standard = RW × base rate when the table publishes none",
            source=sources.get(BASE_RATE),
        ),
        *(
            PackParameter(
                name=name,
                value=values[name],
                unit=unit,
                description=description,
                source=sources.get(name),
            )
            for name, (_, unit, description) in DEFAULT_PARAMETERS.items()
        ),
    ]
    write_pack_dir(
        out,
        manifest.model_copy(update={"parameters": listed}),
        [PackData(WEIGHTS, weights, "group weights and payment standards", weights_source)],
    )
    return DrgRates.load(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Build a rates pack from a weights CSV; 0 on success, 1 when the table or values are bad."""
    parser = argparse.ArgumentParser(
        prog="python -m medins_sdk.pricing.drg",
        description="Build a checksummed DRG rates pack from a weights CSV.",
    )
    parser.add_argument("weights", type=Path, help="CSV: code, name, RW [, standard]")
    parser.add_argument("-o", "--out", type=Path, required=True, help="pack directory to write")
    add_manifest_arguments(parser, "where the weights come from")
    parser.add_argument("--base-rate", type=Decimal, help="yuan per RW (if no standards)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=f"override a parameter ({', '.join(DEFAULT_PARAMETERS)})",
    )
    parser.add_argument(
        "--source-of",
        action="append",
        default=[],
        metavar="NAME=SOURCE",
        help="record the primary source of a parameter (else it is marked configurable)",
    )
    args = parser.parse_args(argv)
    manifest = manifest_from_arguments(args, f"{args.scheme} {args.version} DRG rates")
    try:
        rates = write_rates_pack(
            args.weights.read_bytes(),
            args.out,
            manifest,
            base_rate=args.base_rate,
            parameters=dict(_pair(item) for item in args.set),
            sources=dict(_pair(item) for item in args.source_of),
            weights_source=args.source_note,
        )
    except (PackError, ValueError, OSError) as error:
        print(f"medins: {error}", file=sys.stderr)
        return 1
    itemised = sum(1 for rate in rates.table.values() if rate.itemised)
    print(f"{args.scheme}: {len(rates.table)} groups, {itemised} paid item by item")
    return 0


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep:
        raise ValueError(f"{text!r} is not NAME=VALUE")
    return name.strip(), value.strip()


if __name__ == "__main__":
    sys.exit(main())
