"""The plugin's hook implementations: what the ``chs-drg`` entry point registers.

The national scheme publishes groups, not prices: each region sets weights and a base rate.
The pricer therefore reads a rates pack named by :data:`RATES_ENV` (build one with
``python -m medins_sdk.pricing.drg``); without it grouping works and pricing says what is
missing, per case, instead of inventing numbers.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

from medins_sdk.grouping.drg import DrgGrouper, DrgPack
from medins_sdk.hookspecs import hookimpl
from medins_sdk.models import Encounter, GroupResult, PriceResult
from medins_sdk.pricing.drg import DrgPricer, DrgRates
from medins_sdk.schemes import Grouper, PaymentScheme, Pricer, UnpricableError

SCHEME = "chs-drg-1.1"
"""The scheme's name, also its grouper's and pricer's."""
RATES_ENV = "MEDINS_CHS_DRG_RATES"
"""Environment variable naming the rates pack directory (weights.csv + base rate)."""


@cache
def grouping_pack() -> DrgPack:
    """The national CHS-DRG 1.1 grouping pack shipped in ``packs/grouping``."""
    return DrgPack.load(files("medins_plugin_chs_drg") / "packs" / "grouping")


@cache
def _rates_at(path: str) -> DrgRates:
    return DrgRates.load(Path(path))


def configured_rates() -> DrgRates | None:
    """The rates pack :data:`RATES_ENV` names, or None when it is unset."""
    path = os.environ.get(RATES_ENV)
    return _rates_at(path) if path else None


def scheme() -> PaymentScheme:
    """``chs-drg-1.1``: national (no region), dated by the grouping pack's manifest."""
    manifest = grouping_pack().manifest
    return PaymentScheme(
        name=SCHEME,
        title="国家医疗保障 DRG 分组 (CHS-DRG 1.1)",
        pricer=SCHEME,
        grouper=SCHEME,
        effective_from=manifest.effective_from,
        effective_to=manifest.effective_to,
        source=manifest.source,
    )


@dataclass(frozen=True, slots=True)
class ConfiguredDrgPricer:
    """A :class:`~medins_sdk.pricing.drg.DrgPricer` over the rates :data:`RATES_ENV` names.

    Unset, every case is :class:`UnpricableError` (a rejected record saying how to set it).
    """

    name: str = SCHEME

    def price(
        self, encounter: Encounter, grouping: GroupResult | None, scheme: PaymentScheme
    ) -> PriceResult:
        rates = configured_rates()
        if rates is None:
            raise UnpricableError(
                f"{SCHEME} has no national prices: set {RATES_ENV} to a rates pack built with "
                "`python -m medins_sdk.pricing.drg WEIGHTS.csv --base-rate …` (see the plugin "
                "README)"
            )
        return DrgPricer(self.name, rates).price(encounter, grouping, scheme)


@hookimpl
def medins_register_schemes() -> Iterable[PaymentScheme]:
    return [scheme()]


@hookimpl
def medins_register_groupers() -> Iterable[Grouper]:
    rates = configured_rates()
    weights = {code: rate.weight for code, rate in rates.table.items()} if rates else None
    return [DrgGrouper(SCHEME, grouping_pack(), weights)]


@hookimpl
def medins_register_pricers() -> Iterable[Pricer]:
    return [ConfiguredDrgPricer()]
