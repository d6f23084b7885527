"""Per-diem pricing (按床日付费) from a checksummed rate pack — an EXAMPLE, not for settlement.

The rates live in a pack (``pack/manifest.json`` and the files it lists with their sha256),
not in code, so that a real scheme's parameters can be updated, reviewed and traced to their
source without a code change; the checksums make a pack edited after review fail to load
instead of pricing with unreviewed numbers.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib.resources import files
from importlib.resources.abc import Traversable

from medins_sdk.models import Encounter, GroupResult, PriceResult, SettlementListInfo
from medins_sdk.money import to_cents
from medins_sdk.packs import PackError, PackManifest
from medins_sdk.packs import load_pack as load_rule_pack
from medins_sdk.schemes import PaymentScheme, UnpricableError, encounter_cost

RATES = "daily_rates.csv"
RATE_COLUMNS = ["dept_prefix", "daily_rate", "note"]


@dataclass(frozen=True, slots=True)
class DailyRate:
    """One row of ``daily_rates.csv``: the rate for departments whose code starts with
    ``dept_prefix`` (the empty prefix is the default)."""

    dept_prefix: str
    daily_rate: Decimal
    note: str


@dataclass(frozen=True, slots=True)
class RatePack:
    """A loaded, verified pack."""

    manifest: PackManifest
    rates: tuple[DailyRate, ...]

    def rate_for(self, department: str | None) -> DailyRate:
        """The rate of the longest prefix of ``department`` (the default when none matches)."""
        code = department or ""
        return max(
            (rate for rate in self.rates if code.startswith(rate.dept_prefix)),
            key=lambda rate: len(rate.dept_prefix),
        )


def _parse_rates(text: str) -> tuple[DailyRate, ...]:
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != RATE_COLUMNS:
        raise PackError(f"{RATES} must have the columns {','.join(RATE_COLUMNS)}")
    rates: dict[str, DailyRate] = {}
    for line, row in enumerate(reader, start=2):
        prefix = row["dept_prefix"].strip()
        try:
            amount = Decimal(row["daily_rate"])
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite() or amount <= 0:
            raise PackError(
                f"{RATES} line {line}: daily_rate {row['daily_rate']!r} is not a positive amount"
            )
        if prefix in rates:
            raise PackError(f"{RATES} line {line}: dept_prefix {prefix!r} is listed twice")
        rates[prefix] = DailyRate(prefix, amount, row["note"])
    if "" not in rates:
        raise PackError(
            f"{RATES} has no default row (empty dept_prefix), so some departments have no rate"
        )
    return tuple(rates.values())


def load_pack(root: Traversable | None = None) -> RatePack:
    """Load and verify the pack in ``root`` (default: the pack shipped with this plugin).

    ``medins_sdk.packs`` checks every file against its sha256 in the manifest; the rates are
    parsed from the very bytes that were verified.
    """
    pack = load_rule_pack(root if root is not None else files(__package__ or __name__) / "pack")
    return RatePack(pack.manifest, _parse_rates(pack.text(RATES)))


def stay_days(info: SettlementListInfo) -> int:
    """Bed days: 实际住院天数 if given, else discharge date − admission date; at least 1,
    so that a same-day stay is paid one day."""
    if info.length_of_stay is not None:
        days = info.length_of_stay
    elif info.admission_time is not None and info.discharge_time is not None:
        days = (info.discharge_time.date() - info.admission_time.date()).days
    else:
        raise UnpricableError(
            "per-diem pricing needs the length of stay (act_ipt_days) or the admission and "
            "discharge times (adm_time, dscg_time)"
        )
    return max(days, 1)


class PerDiemPricer:
    """payment = daily rate of the discharge department × bed days, rounded to the cent."""

    name = "per-diem"

    def __init__(self, pack: RatePack) -> None:
        self.pack = pack

    def price(
        self, encounter: Encounter, grouping: GroupResult | None, scheme: PaymentScheme
    ) -> PriceResult:
        cost = encounter_cost(encounter)
        info = encounter.settlement_list.info
        days = stay_days(info)
        rate = self.pack.rate_for(info.discharge_dept)
        payment = to_cents(rate.daily_rate * days)
        basis = f"科别前缀 {rate.dept_prefix} 的" if rate.dept_prefix else "默认"
        return PriceResult(
            id=encounter.id,
            scheme=scheme.name,
            group=grouping.group if grouping else None,
            total_cost=cost,
            payment=payment,
            balance=payment - cost,
            method="per-diem",
            formula="payment = daily rate × days",
            inputs={
                "days": str(days),
                "daily_rate": f"{rate.daily_rate:f}",
                "total_cost": f"{cost:.2f}",
            },
            explanation=(
                f"按床日付费（示例参数，不可用于结算）：出院科别 {info.discharge_dept or '未填写'} "
                f"适用{basis}床日标准 {rate.daily_rate:f} 元 × {days} 天 = {payment:.2f} 元。"
            ),
        )


def per_diem_scheme(manifest: PackManifest) -> PaymentScheme:
    """The scheme the pack describes, priced by :class:`PerDiemPricer`."""
    return PaymentScheme(
        name=manifest.scheme,
        title=manifest.title,
        pricer=PerDiemPricer.name,
        region=manifest.region,
        effective_from=manifest.effective_from,
        effective_to=manifest.effective_to,
        source=f"{manifest.source} (pack {manifest.version}, licence {manifest.licence})",
    )
