"""The core's own plugin: what medins-sdk itself registers, through the same hooks as any
plugin.

Registering the core's formats, schemes and commands like a plugin's keeps one lookup path
for everything (no special cases for built-ins) and makes a plugin that reuses a core name a
visible conflict rather than a silent override. :class:`medins_sdk.plugins.PluginManager`
registers this module directly, under the name ``core``, before any entry point.
"""

from __future__ import annotations

from collections.abc import Iterable

from medins_sdk.audit import AuditRule, KnowledgePack
from medins_sdk.audit.knowledge import national_pack
from medins_sdk.audit.rules import national_rules
from medins_sdk.codes.icd import icd9_crosswalk, icd10_crosswalk
from medins_sdk.codes.maps import CodeMap
from medins_sdk.codes.tables import ClearingType
from medins_sdk.commands import Command
from medins_sdk.commands.audit import AuditCommand
from medins_sdk.commands.compare import CompareCommand
from medins_sdk.commands.convert import ConvertCommand
from medins_sdk.commands.demo import DemoCommand
from medins_sdk.commands.dip import (
    BuildCatalogueCommand,
    DipPriceCommand,
    ImportCatalogueCommand,
    PointValueCommand,
)
from medins_sdk.commands.ledger import (
    LedgerExportCommand,
    LedgerImportCommand,
    LedgerRecoverCommand,
)
from medins_sdk.commands.payment import GroupCommand, PriceCommand
from medins_sdk.commands.plugins import PluginsCommand
from medins_sdk.commands.reconcile import ReconcileCommand
from medins_sdk.commands.report_drg import ReportDrgCommand
from medins_sdk.commands.report_hospital import ReportHospitalCommand
from medins_sdk.commands.validate import ValidateCommand
from medins_sdk.hookspecs import hookimpl
from medins_sdk.io.formats import BUILTIN_FORMATS, ModelFormat
from medins_sdk.reconcile import ClearingCategory, StatementReader
from medins_sdk.reconcile.statements import BUILTIN_READERS
from medins_sdk.schemes import ITEMISED, ItemisedPricer, PaymentScheme


@hookimpl
def medins_register_formats() -> Iterable[ModelFormat]:
    return BUILTIN_FORMATS


@hookimpl
def medins_register_schemes() -> Iterable[PaymentScheme]:
    return [ITEMISED]


@hookimpl
def medins_register_pricers() -> Iterable[ItemisedPricer]:
    return [ItemisedPricer()]


@hookimpl
def medins_register_audit_rules() -> Iterable[AuditRule]:
    """The national rule set (``medins_sdk.audit.rules``)."""
    return national_rules()


@hookimpl
def medins_register_knowledge_packs() -> Iterable[KnowledgePack]:
    """The national knowledge pack: real ICD ranges, example catalogue entries."""
    return [national_pack()]


@hookimpl
def medins_register_code_maps() -> Iterable[CodeMap]:
    return [
        CodeMap(
            "icd10-clinical-2.0-to-insurance-2.0",
            "ICD-10 国临版 2.0 → 医保版 2.0 (diagnoses: record codes to settlement codes)",
            icd10_crosswalk,
        ),
        CodeMap(
            "icd9cm3-clinical-3.0-to-insurance-2.0",
            "ICD-9-CM-3 国临版 3.0 → 医保版 2.0 (procedures: record codes to settlement codes)",
            icd9_crosswalk,
        ),
    ]


@hookimpl
def medins_register_clearing_categories() -> Iterable[ClearingCategory]:
    """The national ``clr_type`` table; regions add their own categories in plugins."""
    return [ClearingCategory(member.value, member.label) for member in ClearingType]


@hookimpl
def medins_register_statement_readers() -> Iterable[StatementReader]:
    """JSONL, CSV and the 3202 file; regions register their bureaus' own layouts."""
    return BUILTIN_READERS


@hookimpl
def medins_register_commands() -> Iterable[Command]:
    return [
        ValidateCommand(),
        ConvertCommand(),
        GroupCommand(),
        PriceCommand(),
        ReportDrgCommand(),
        CompareCommand(),
        DemoCommand(),
        ReportHospitalCommand(),
        BuildCatalogueCommand(),
        ImportCatalogueCommand(),
        PointValueCommand(),
        DipPriceCommand(),
        PluginsCommand(),
        AuditCommand(),
        ReconcileCommand(),
        LedgerImportCommand(),
        LedgerExportCommand(),
        LedgerRecoverCommand(),
    ]
