"""``medins dip …``: DIP catalogues, point values and pricing with a given catalogue.

- ``dip build-catalogue --history FILE … -o DIR``: a catalogue pack from settled history
  (:mod:`medins_sdk.grouping.dip_builder`); how a region starts.
- ``dip import-catalogue CSV -o DIR``: a pack from a catalogue as a region publishes it
  (the column mapping of :data:`medins_sdk.grouping.dip_catalogue.COLUMNS`).
- ``dip point-value FILE …``: the budget point value of a history, or with ``--fund`` the
  settlement point value of a period's cases (:mod:`medins_sdk.pricing.dip_settlement`).
- ``dip price FILE …``: ``medins price`` with ``--catalogue DIR``, ``--point-value`` and
  ``--coefficients`` replacing a DIP scheme's own (or with no scheme at all).

The verbs live in the core, not in a regional plugin, so that every DIP scheme shares them
(two plugins registering ``dip price`` would be a conflict). History input is read as
``medins_sdk.grouping.dip_history`` says: ``.csv`` files as a history CSV, the others as
records; each refused case is a JSON line on stderr, and the run ends with the tally.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from medins_sdk.commands import CommandContext
from medins_sdk.commands.payment import PriceCommand
from medins_sdk.commands.records import Job, RecordCommand, Tally, UsageError, report_rejected
from medins_sdk.csvtable import decimal_cell
from medins_sdk.grouping.dip import DipGrouper
from medins_sdk.grouping.dip_builder import BuildOptions, CatalogueBuilder
from medins_sdk.grouping.dip_catalogue import (
    ADJUSTMENTS_HEADER,
    PARAMETERS,
    SCALE,
    YEAR_WEIGHTS,
    CatalogueError,
    DipCatalogue,
    weights_by_year,
    write_catalogue_pack,
)
from medins_sdk.grouping.dip_history import HistoryCase, HistoryError, read_history
from medins_sdk.io.output import write_json_line
from medins_sdk.io.reader import InputError
from medins_sdk.io.records import Record, Rejected
from medins_sdk.models import SdkModel
from medins_sdk.packs import PackError, PackManifest
from medins_sdk.plugins import PluginError
from medins_sdk.pricing.dip import (
    CoefficientTableError,
    DipPricer,
    HospitalCoefficients,
    period_cases,
)
from medins_sdk.pricing.dip_settlement import (
    budget_point_value,
    settle_period,
    settlement_amount,
)
from medins_sdk.schemes import PaymentScheme, SchemeParts


def _decimal(text: str) -> Decimal:
    """An exact positive decimal option (argparse type)."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a decimal number") from None
    if not value.is_finite() or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
    return value


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return name.strip(), value.strip()


def _add_pack_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    """The manifest's fields and the parameter overrides, shared by build and import."""
    parser.add_argument("-o", "--out", type=Path, required=True, help="pack directory to write")
    parser.add_argument("--scheme", required=required, help="scheme the pack serves")
    parser.add_argument("--region", help="admdvs of the region, e.g. 440100")
    parser.add_argument("--version", required=required, help="catalogue version")
    parser.add_argument("--effective-from", type=date.fromisoformat, required=required)
    parser.add_argument("--title", help="the catalogue's title")
    parser.add_argument("--source-note", required=required, help="where the data comes from")
    parser.add_argument("--licence", required=required, help="the data's licence")
    parser.add_argument(
        "--adjustments", type=Path, metavar="CSV", help="auxiliary catalogue (辅助目录) CSV"
    )
    parser.add_argument(
        "--set",
        type=_pair,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=f"override a parameter ({', '.join(PARAMETERS)})",
    )
    parser.add_argument(
        "--source-of",
        type=_pair,
        action="append",
        default=[],
        metavar="NAME=SOURCE",
        help="record a parameter's primary source (else it is marked configurable)",
    )


def _adjustments(args: argparse.Namespace) -> bytes:
    path: Path | None = args.adjustments
    if path is None:
        return ADJUSTMENTS_HEADER
    try:
        return path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None


def _history(
    args: argparse.Namespace, context: CommandContext, files: list[str], tally: Tally
) -> Iterator[HistoryCase]:
    """The accepted cases of ``files``; each refused one reported on stderr and tallied."""
    registry = context.plugins.registry
    cases = read_history(
        files,
        registry.formats.values(),
        readers=registry.readers.values(),
        input_format=args.input_format,
    )
    for item in cases:
        tally.read += 1
        if isinstance(item, Rejected):
            tally.rejected += 1
            report_rejected(context.stderr, item)
        else:
            tally.ok += 1
            yield item


def _input_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--input-format", metavar="NAME", help="force the record format of JSON inputs"
    )


def _finish(context: CommandContext, tally: Tally, code: int = 0) -> int:
    context.stderr.write(tally.summary() + "\n")
    return code or (0 if tally.rejected == 0 else 1)


class BuildCatalogueCommand:
    """Build a catalogue pack from settled history; prints the build report as JSON."""

    name = "dip build-catalogue"
    help = "build a DIP catalogue (core groups, 综合病种, scores) from settled history"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--history",
            action="append",
            required=True,
            metavar="FILE",
            help="settled cases: a history .csv, or encounters as JSON/JSONL (repeatable)",
        )
        _input_format_option(parser)
        parser.add_argument("--min-cases", type=int, default=15, help="cases for a core group")
        parser.add_argument("--scale", type=_decimal, help="score scale (default 1000)")
        parser.add_argument(
            "--diagnosis-level",
            choices=("subcategory", "category"),
            default="subcategory",
            help="core groups by ICD-10 subcategory (亚目, default) or category (类目)",
        )
        parser.add_argument(
            "--year-weights", metavar="W:…:W", help="year weights, oldest first (default 1:2:7)"
        )
        _add_pack_options(parser, required=False)

    def run(self, args: argparse.Namespace, context: CommandContext) -> int:
        parameters = dict(args.set)
        if args.scale is not None:
            parameters[SCALE] = str(args.scale)
        if args.year_weights is not None:
            parameters[YEAR_WEIGHTS] = args.year_weights
        tally = Tally()
        try:
            adjustments = _adjustments(args)
            builder = CatalogueBuilder(
                BuildOptions(args.min_cases, args.diagnosis_level), parameters
            )
        except (UsageError, ValueError) as error:
            context.stderr.write(f"medins: {error}\n")
            return 2
        try:
            for case in _history(args, context, args.history, tally):
                builder.add(case)
            latest = builder.latest_year
            if latest is None:
                raise ValueError("the history has no case to build a catalogue from")
            manifest = _build_manifest(args, latest, builder.cases)
            catalogue, report = builder.write(
                args.out, manifest, sources=dict(args.source_of), adjustments=adjustments
            )
        except (InputError, HistoryError, OSError) as error:
            context.stderr.write(f"medins: {error}\n")
            return 2
        except (ValueError, PackError) as error:
            context.stderr.write(f"medins: {error}\n")
            return _finish(context, tally, 1)
        write_json_line(
            context.stdout,
            {
                "catalogue": str(args.out),
                "scheme": manifest.scheme,
                "version": manifest.version,
                "cases": report.cases,
                "used": report.used,
                "older_left_out": report.older,
                "year_weights": {str(y): w for y, w in report.weights.items()},
                "core_groups": report.core_groups,
                "comprehensive_groups": report.comprehensive_groups,
                "overall_mean_cost": f"{report.overall_mean_cost:.2f}",
                "budget_point_value": str(report.point_value),
                "problems": list(catalogue.problems),
            },
        )
        return _finish(context, tally)


def _build_manifest(args: argparse.Namespace, latest: int, cases: int) -> PackManifest:
    """The manifest of a built pack; defaults: scheme ``dip``, version the year after the
    history's latest, effective from its first day."""
    following = latest + 1
    version = args.version or str(following)
    history = ", ".join(args.history)
    return PackManifest(
        scheme=args.scheme or "dip",
        region=args.region,
        version=version,
        title=args.title or f"DIP 病种分值目录 {version} (built from {cases} settled cases)",
        effective_from=args.effective_from or date(following, 1, 1),
        source=args.source_note or f"built by medins dip build-catalogue from {history}",
        licence=args.licence or "the history's licence",
    )


class ImportCatalogueCommand:
    """A pack from a catalogue CSV as a region publishes it (病种编码, 主要诊断编码, 分值 …)."""

    name = "dip import-catalogue"
    help = "make a DIP catalogue pack from a published catalogue CSV"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("catalogue", type=Path, metavar="CSV", help="the published catalogue")
        _add_pack_options(parser, required=True)

    def run(self, args: argparse.Namespace, context: CommandContext) -> int:
        manifest = PackManifest(
            scheme=args.scheme,
            region=args.region,
            version=args.version,
            title=args.title or f"{args.scheme} {args.version} DIP 病种分值目录",
            effective_from=args.effective_from,
            source=args.source_note,
            licence=args.licence,
        )
        try:
            data = args.catalogue.read_bytes()
            adjustments = _adjustments(args)
        except (OSError, UsageError) as error:
            context.stderr.write(f"medins: {error}\n")
            return 2
        try:
            catalogue = write_catalogue_pack(
                data,
                args.out,
                manifest,
                adjustments=adjustments,
                parameters=dict(args.set),
                sources=dict(args.source_of),
                catalogue_source=args.source_note,
            )
        except (PackError, CatalogueError) as error:
            context.stderr.write(f"medins: {error}\n")
            return 1
        for problem in catalogue.problems:
            context.stderr.write(f"medins: warning: {problem}\n")
        core = sum(1 for group in catalogue.groups.values() if group.type == "core")
        context.stdout.write(
            f"{args.scheme}: {core} core groups, {len(catalogue.groups) - core} 综合病种, "
            f"{len(catalogue.problems)} problems\n"
        )
        return 0


def _add_dip_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scheme", metavar="NAME", help="a DIP scheme (see `medins plugins`)")
    parser.add_argument(
        "--catalogue", type=Path, metavar="DIR", help="catalogue pack replacing the scheme's"
    )
    parser.add_argument(
        "--coefficients", type=Path, metavar="CSV", help="hospital coefficients (医院系数)"
    )


@dataclass(frozen=True, slots=True)
class DipParts:
    """A DIP scheme with its grouper and pricer, as the options configure them."""

    scheme: PaymentScheme
    grouper: DipGrouper
    pricer: DipPricer


def dip_parts(
    args: argparse.Namespace, context: CommandContext, point_value: Decimal | None = None
) -> DipParts:
    """The scheme of ``--scheme`` and/or the catalogue of ``--catalogue``, with
    ``--coefficients`` and ``point_value`` replacing the configured ones.

    With ``--catalogue`` alone the scheme is named by the pack's manifest; with ``--scheme``
    alone, the scheme must group and price by DIP. :class:`UsageError` otherwise.
    """
    registry = context.plugins.registry
    coefficients = None
    if args.coefficients is not None:
        try:
            text = args.coefficients.read_text(encoding="utf-8-sig")
            coefficients = HospitalCoefficients.from_csv(text, str(args.coefficients))
        except (OSError, CoefficientTableError) as error:
            raise UsageError(str(error)) from None
    if args.catalogue is not None:
        try:
            catalogue = DipCatalogue.load(args.catalogue)
        except PackError as error:
            raise UsageError(f"{args.catalogue}: {error}") from None
        manifest = catalogue.manifest
        scheme = (
            registry.scheme(args.scheme)
            if args.scheme
            else PaymentScheme(
                name=manifest.scheme,
                title=manifest.title,
                pricer=manifest.scheme,
                grouper=manifest.scheme,
                region=manifest.region,
                effective_from=manifest.effective_from,
                effective_to=manifest.effective_to,
                source=manifest.source,
            )
        )
        grouper, pricer = DipGrouper(scheme.name, catalogue), DipPricer(scheme.name, catalogue)
    elif args.scheme:
        scheme = registry.scheme(args.scheme)
        found, priced = registry.grouper_for(scheme), registry.pricer_for(scheme)
        if not isinstance(found, DipGrouper) or not isinstance(priced, DipPricer):
            raise UsageError(f"scheme {scheme.name} does not group and price by DIP")
        grouper, pricer = found, priced
    else:
        raise UsageError("name a DIP scheme (--scheme NAME) or a catalogue (--catalogue DIR)")
    return DipParts(scheme, grouper, pricer.configured(point_value, coefficients))


class DipPriceCommand(RecordCommand):
    """``medins price`` for DIP with a given catalogue, point value and coefficients."""

    name = "dip price"
    help = "price encounters by DIP with --catalogue / --point-value / --coefficients"
    columns = PriceCommand.columns

    def configure(self, parser: argparse.ArgumentParser) -> None:
        super().configure(parser)
        _add_dip_options(parser)
        parser.add_argument(
            "--point-value", type=_decimal, metavar="YUAN", help="yuan per point (点值)"
        )

    def start(self, args: argparse.Namespace, context: CommandContext) -> Job:
        parts = dip_parts(args, context, args.point_value)
        both = SchemeParts(parts.scheme, parts.grouper, parts.pricer)

        def job(record: Record) -> Iterable[SdkModel]:
            return (both.price(record.encounter())[1],)

        return job


class PointValueCommand:
    """The budget point value of a history, or with ``--fund`` the settlement point value."""

    name = "dip point-value"
    help = "DIP budget point value of a history, or settlement point value with --fund"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "files", nargs="+", metavar="FILE", help="cases: history .csv or JSON/JSONL records"
        )
        _input_format_option(parser)
        _add_dip_options(parser)
        parser.add_argument(
            "--fund", metavar="YUAN", help="the period's DIP fund: settlement point value"
        )
        parser.add_argument(
            "--reimbursement-ratio",
            type=_decimal,
            default=Decimal(1),
            metavar="RATIO",
            help="the fund's share of payments (default 1): amount = fund ÷ ratio",
        )
        parser.add_argument(
            "--payments",
            type=Path,
            metavar="FILE",
            help="write each case's settled payment (JSONL)",
        )

    def run(self, args: argparse.Namespace, context: CommandContext) -> int:
        tally = Tally()
        try:
            parts = dip_parts(args, context)
            fund = None if args.fund is None else decimal_cell(args.fund, 2)
            if args.fund is not None and fund is None:
                raise UsageError(f"--fund {args.fund!r} is not an amount in yuan")
            cases = _history(args, context, args.files, tally)
            if fund is None:
                result = _budget(parts, cases)
            else:
                amount = settlement_amount(fund, args.reimbursement_ratio)
                result = _settlement(parts, cases, amount, args.payments)
                result = {
                    "fund": f"{fund:.2f}",
                    "reimbursement_ratio": str(args.reimbursement_ratio),
                    **result,
                }
        except (UsageError, LookupError, PluginError, InputError, HistoryError, OSError) as error:
            context.stderr.write(f"medins: {error}\n")
            return 2
        except ValueError as error:
            context.stderr.write(f"medins: {error}\n")
            return _finish(context, tally, 1)
        write_json_line(context.stdout, {"scheme": parts.scheme.name, **result})
        return _finish(context, tally)


def _budget(parts: DipParts, cases: Iterable[HistoryCase]) -> dict[str, Any]:
    """Σ cost and Σ group score per year, then the budget point value over the weights."""
    years: dict[int, tuple[Decimal, Decimal]] = {}
    grouped = ungroupable = 0
    for item in cases:
        group = parts.grouper.locate(item.case)[1]
        if group is None:
            ungroupable += 1
            continue
        grouped += 1
        cost, score = years.get(item.year, (Decimal(0), Decimal(0)))
        years[item.year] = (cost + item.cost, score + group.score)
    weights = weights_by_year(years, parts.grouper.catalogue.year_weights)
    budget = budget_point_value(years, weights)
    return {
        "kind": "budget",
        "point_value": str(budget.point_value),
        "weighted_cost": f"{budget.weighted_cost:.2f}",
        "weighted_score": str(budget.weighted_score),
        "year_weights": {str(year): weight for year, weight in budget.weights.items()},
        "cases": grouped,
        "ungroupable": ungroupable,
    }


def _settlement(
    parts: DipParts, cases: Iterable[HistoryCase], amount: Decimal, payments: Path | None
) -> dict[str, Any]:
    """The period's cases scored and settled against ``amount``."""
    scored, ungroupable = period_cases(parts.grouper, parts.pricer, cases)
    settled = settle_period(((case.id, case.score) for case in scored), amount)
    if payments is not None:
        with open(payments, "w", encoding="utf-8") as out:
            for case, paid in zip(scored, settled.cases, strict=True):
                write_json_line(
                    out,
                    {
                        "id": case.id,
                        "group": case.group.code,
                        "case_score": str(case.case_score),
                        "hospital_coefficient": str(case.coefficient),
                        "score": str(paid.score),
                        "payment": f"{paid.payment:.2f}",
                    },
                )
    total = sum((case.payment for case in settled.cases), Decimal(0))
    return {
        "kind": "settlement",
        "amount": f"{amount:.2f}",
        "total_score": str(settled.total_score),
        "point_value": str(settled.point_value),
        "cases": len(settled.cases),
        "total_payments": f"{total:.2f}",
        "ungroupable": ungroupable,
    }
