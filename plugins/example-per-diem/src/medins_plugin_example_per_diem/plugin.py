"""The plugin's hook implementations: what the ``example-per-diem`` entry point registers.

Both hooks load the pack (cached), so a damaged pack marks the whole plugin as failed in
``medins plugins`` with the checksum error, and neither the scheme nor its pricer is used.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from medins_plugin_example_per_diem.pricing import (
    PerDiemPricer,
    RatePack,
    load_pack,
    per_diem_scheme,
)
from medins_sdk.hookspecs import hookimpl
from medins_sdk.schemes import PaymentScheme, Pricer


@cache
def _pack() -> RatePack:
    return load_pack()


@hookimpl
def medins_register_schemes() -> Iterable[PaymentScheme]:
    return [per_diem_scheme(_pack().manifest)]


@hookimpl
def medins_register_pricers() -> Iterable[Pricer]:
    return [PerDiemPricer(_pack())]
