"""The hook implementations the ``example-clearing`` entry point registers."""

from __future__ import annotations

from collections.abc import Iterable

from medins_plugin_example_clearing.seed002 import PROVINCIAL
from medins_sdk.hookspecs import hookimpl
from medins_sdk.reconcile import ClearingCategory


@hookimpl
def medins_register_clearing_categories() -> Iterable[ClearingCategory]:
    """Seed 002's regional categories of the provincial agency (codes made up)."""
    return [
        ClearingCategory("SBJG", "省本机关", PROVINCIAL, group="省本级"),
        ClearingCategory("SBQY", "省本企业", PROVINCIAL, group="省本级"),
        ClearingCategory("YDMZ", "异地门诊", PROVINCIAL, group="异地"),
        ClearingCategory("YDZY", "异地住院", PROVINCIAL, group="异地"),
    ]
