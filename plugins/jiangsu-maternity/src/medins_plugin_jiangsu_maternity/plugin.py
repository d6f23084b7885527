"""The plugin's hook implementations: what the ``jiangsu-maternity`` entry point registers.

The pack loads once, on first use, verified against its manifest: a damaged pack fails the
whole plugin (``medins plugins`` names the file) instead of paying with unreviewed numbers.
The registered pricer and rules have no delivery register (blood losses, filings): that
comes with ``medins report maternity --register`` or with a pricer built in code.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from medins_plugin_jiangsu_maternity.audit import maternity_rules
from medins_plugin_jiangsu_maternity.channels import Classifier
from medins_plugin_jiangsu_maternity.command import ReportMaternityCommand
from medins_plugin_jiangsu_maternity.pack import MaternityPack, load_maternity_pack
from medins_plugin_jiangsu_maternity.pricer import MaternityPricer, maternity_scheme
from medins_sdk.audit import AuditRule
from medins_sdk.commands import Command
from medins_sdk.hookspecs import hookimpl
from medins_sdk.schemes import PaymentScheme, Pricer


@cache
def pack() -> MaternityPack:
    """The pack shipped in ``pack/``."""
    return load_maternity_pack()


@hookimpl
def medins_register_schemes() -> Iterable[PaymentScheme]:
    return [maternity_scheme(pack())]


@hookimpl
def medins_register_pricers() -> Iterable[Pricer]:
    return [MaternityPricer(pack())]


@hookimpl
def medins_register_audit_rules() -> Iterable[AuditRule]:
    return maternity_rules(Classifier(pack()))


@hookimpl
def medins_register_commands() -> Iterable[Command]:
    return [ReportMaternityCommand(pack())]
