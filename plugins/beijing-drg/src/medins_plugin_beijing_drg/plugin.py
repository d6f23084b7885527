"""The plugin's hook implementations: what the ``beijing-drg`` entry point registers.

Packs load once, on first use, and are verified against their manifests: a damaged pack
fails the whole plugin (``medins plugins`` names the file) instead of paying with
unreviewed numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib.resources import files

from medins_sdk.grouping.drg import DrgGrouper, DrgPack
from medins_sdk.hookspecs import hookimpl
from medins_sdk.pricing.drg import DrgPricer, DrgRates
from medins_sdk.schemes import Grouper, PaymentScheme, Pricer

SCHEME = "beijing-drg-2022"
"""The scheme's name, also its grouper's and pricer's."""
REGION = "110000"


@cache
def grouping_pack() -> DrgPack:
    """The Beijing 2022 grouping pack shipped in ``packs/grouping``."""
    return DrgPack.load(files("medins_plugin_beijing_drg") / "packs" / "grouping")


@cache
def rates() -> DrgRates:
    """The 2022 weights, payment standards and outlier parameters in ``packs/rates``."""
    return DrgRates.load(files("medins_plugin_beijing_drg") / "packs" / "rates")


def scheme() -> PaymentScheme:
    """``beijing-drg-2022``: dates from the grouping pack's manifest, sources from both packs."""
    manifest = rates().manifest
    return PaymentScheme(
        name=SCHEME,
        title="北京市 DRG 付费 (2022 版)",
        pricer=SCHEME,
        grouper=SCHEME,
        region=REGION,
        effective_from=manifest.effective_from,
        effective_to=manifest.effective_to,
        source=f"{grouping_pack().manifest.source}; {manifest.source}",
    )


@hookimpl
def medins_register_schemes() -> Iterable[PaymentScheme]:
    return [scheme()]


@hookimpl
def medins_register_groupers() -> Iterable[Grouper]:
    weights = {code: rate.weight for code, rate in rates().table.items()}
    return [DrgGrouper(SCHEME, grouping_pack(), weights)]


@hookimpl
def medins_register_pricers() -> Iterable[Pricer]:
    return [DrgPricer(SCHEME, rates())]
