"""The plugin's hook implementations: what the ``guangzhou-dip`` entry point registers.

Guangzhou's own catalogue, point value and hospital coefficients are the user's to supply
(no primary source is at hand here): set the environment variables below, or use
``medins dip price --scheme guangzhou-dip --catalogue DIR --point-value V``. Unset, the
scheme prices with the SYNTHETIC sample catalogue in ``packs/catalogue`` and its budget point
value, so that ``medins price --scheme guangzhou-dip`` works out of the box. A configured path
or number that cannot be used fails the plugin on load, naming the variable (``medins
plugins`` shows it), rather than pricing with something else.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib.resources import files
from pathlib import Path

from medins_sdk.grouping.dip import DipGrouper
from medins_sdk.grouping.dip_catalogue import DipCatalogue
from medins_sdk.hookspecs import hookimpl
from medins_sdk.packs import PackError
from medins_sdk.pricing.dip import CoefficientTableError, DipPricer, HospitalCoefficients
from medins_sdk.schemes import Grouper, PaymentScheme, Pricer

SCHEME = "guangzhou-dip"
"""The scheme's name, also its grouper's and pricer's."""
REGION = "440100"
STARTED = date(2018, 1, 1)
"""Guangzhou has paid inpatient care by DIP since 2018 (seed 004, REFERENCE §4)."""
CATALOGUE_ENV = "MEDINS_GUANGZHOU_DIP_CATALOGUE"
"""A catalogue pack directory (``medins dip import-catalogue`` or ``build-catalogue``)."""
POINT_VALUE_ENV = "MEDINS_GUANGZHOU_DIP_POINT_VALUE"
"""Yuan per point (点值), replacing the catalogue's ``point_value``."""
COEFFICIENTS_ENV = "MEDINS_GUANGZHOU_DIP_COEFFICIENTS"
"""A CSV of hospital coefficients (institution code, coefficient)."""


class ConfigurationError(ValueError):
    """An environment variable of this plugin that cannot be used."""


@cache
def sample_catalogue() -> DipCatalogue:
    """The SYNTHETIC sample catalogue shipped in ``packs/catalogue``."""
    return DipCatalogue.load(files("medins_plugin_guangzhou_dip") / "packs" / "catalogue")


@cache
def _catalogue_at(path: str) -> DipCatalogue:
    try:
        return DipCatalogue.load(Path(path))
    except PackError as error:
        raise ConfigurationError(f"{CATALOGUE_ENV}={path}: {error}") from None


def catalogue() -> DipCatalogue:
    """The catalogue :data:`CATALOGUE_ENV` names, else the sample."""
    path = os.environ.get(CATALOGUE_ENV)
    return _catalogue_at(path) if path else sample_catalogue()


def point_value() -> Decimal | None:
    """The point value :data:`POINT_VALUE_ENV` sets, or None (the catalogue's)."""
    text = os.environ.get(POINT_VALUE_ENV)
    if not text:
        return None
    try:
        value = Decimal(text)
        if value.is_finite() and value > 0:
            return value
    except InvalidOperation:
        pass
    raise ConfigurationError(f"{POINT_VALUE_ENV}={text!r} is not a positive decimal")


def coefficients() -> HospitalCoefficients | None:
    """The table :data:`COEFFICIENTS_ENV` names, or None (the default coefficient)."""
    path = os.environ.get(COEFFICIENTS_ENV)
    if not path:
        return None
    try:
        return HospitalCoefficients.from_csv(Path(path).read_text(encoding="utf-8-sig"), path)
    except (OSError, CoefficientTableError) as error:
        raise ConfigurationError(f"{COEFFICIENTS_ENV}={path}: {error}") from None


def scheme() -> PaymentScheme:
    """``guangzhou-dip``: region 440100, in force since 2018; the source names the catalogue."""
    manifest = catalogue().manifest
    return PaymentScheme(
        name=SCHEME,
        title="广州市按病种分值付费 (DIP)",
        pricer=SCHEME,
        grouper=SCHEME,
        region=REGION,
        effective_from=STARTED,
        source=f"catalogue {manifest.title} ({manifest.version}): {manifest.source}",
    )


@hookimpl
def medins_register_schemes() -> Iterable[PaymentScheme]:
    return [scheme()]


@hookimpl
def medins_register_groupers() -> Iterable[Grouper]:
    return [DipGrouper(SCHEME, catalogue())]


@hookimpl
def medins_register_pricers() -> Iterable[Pricer]:
    return [DipPricer(SCHEME, catalogue(), point_value(), coefficients())]
