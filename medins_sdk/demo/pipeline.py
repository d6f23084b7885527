"""The demo's pipeline: a synthetic month through every step, each one the SDK's own API.

1. **generate** a tertiary hospital's month (:mod:`medins_sdk.demo.month`) as the JSONL a HIS
   would export;
2. **validate** it with the reader every verb uses (rejected records would be reported);
3. **compare**: group and price every case under every installed scheme, itemised billing
   first (:mod:`medins_sdk.reports.compare`);
4. **audit** every case before settlement with the national rules and any plugin's
   (:class:`medins_sdk.audit.engine.AuditEngine`);
5. **settle** the month against a simulated bureau and **reconcile** (a ``SettlementSimulator``
   registered by an adapter, e.g. the national platform's; skipped with a notice without one);
6. **report**: the hospital report under the report scheme, as HTML.

Each step writes its output under the output directory, so every figure of the summary can be
traced to a file; same seed, same files.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from medins_sdk.audit.engine import AuditEngine
from medins_sdk.clients import SettledMonth, SettlementSimulator
from medins_sdk.commands.payment import default_scheme
from medins_sdk.demo.month import month_records
from medins_sdk.demo.progress import Progress
from medins_sdk.io import Record, read_records
from medins_sdk.io.output import write_json_line
from medins_sdk.models import Encounter, Finding
from medins_sdk.plugins import Registry
from medins_sdk.reports.compare import BASELINE, Comparison, SchemeTotals, compare_case
from medins_sdk.reports.hospital import HospitalReport, reconciliation_rows
from medins_sdk.reports.html import render
from medins_sdk.schemes import SchemeParts

FAULTS = "drop-after=0.03@2304"
"""The demo's default: the bureau drops the connection after committing 3 % of settlements."""


@dataclass(frozen=True, slots=True)
class DemoOptions:
    """What the demo runs: how many cases of which month, from which seed, where to."""

    out: Path
    cases: int = 2000
    seed: int = 2024
    year: int = 2024
    month: int = 10
    report_scheme: str | None = None
    """Scheme of the HTML report; default: the first installed scheme that groups."""
    faults: str = FAULTS
    """Faults the simulated bureau injects while the month is settled (:data:`FAULTS`)."""


@dataclass
class DemoSummary:
    """What the demo did, step by step, with where each output is."""

    records: int = 0
    accepted: int = 0
    rejected: int = 0
    totals: list[SchemeTotals] = field(default_factory=list)
    findings: int = 0
    blocking: int = 0
    at_risk: Decimal = Decimal("0.00")
    settled: SettledMonth | None = None
    report: Path | None = None
    files: dict[str, Path] = field(default_factory=dict)


def _schemes(registry: Registry) -> list[SchemeParts]:
    installed = sorted(scheme.name for scheme in registry.schemes.values())
    names = [BASELINE, *(name for name in installed if name != BASELINE)]
    return [registry.scheme_parts(name) for name in names]


def _encounters(path: Path, registry: Registry, summary: DemoSummary) -> Iterator[Encounter]:
    for item in read_records([path], registry.formats.values()):
        summary.records += 1
        if isinstance(item, Record):
            summary.accepted += 1
            yield item.encounter()
        else:
            summary.rejected += 1


def run_demo(
    options: DemoOptions,
    registry: Registry,
    simulator: SettlementSimulator | None,
    log: TextIO,
) -> DemoSummary:
    """Run every step; ``log`` gets one line per step (and progress bars on a terminal)."""
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    summary = DemoSummary()
    month = out / "month.jsonl"
    with month.open("w", encoding="utf-8") as file, Progress("generate", options.cases, log) as bar:
        for record in month_records(
            options.seed, year=options.year, month=options.month, cases=options.cases
        ):
            file.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
            bar.advance()
    log.write(
        f"generate  {options.cases} encounters of {options.year}-{options.month:02d} → {month}"
        f" ({bar.seconds:.1f} s)\n"
    )
    summary.files["month"] = month

    schemes = _schemes(registry)
    grouping = [parts.scheme.name for parts in schemes if parts.grouper is not None]
    report_scheme = options.report_scheme or default_scheme(registry)
    report_parts = next(parts for parts in schemes if parts.scheme.name == report_scheme)
    comparison = Comparison([parts.scheme.name for parts in schemes], grouping=grouping)
    report = HospitalReport(
        report_scheme, title=f"示例医院 {options.year} 年 {options.month} 月医保运行分析"
    )
    engine = AuditEngine.from_registry(registry)
    paths = {name: out / f"{name}.jsonl" for name in ("compare", "findings")}
    with (
        paths["compare"].open("w", encoding="utf-8") as compared,
        paths["findings"].open("w", encoding="utf-8") as found,
        Progress("price+audit", options.cases, log) as bar,
    ):
        for encounter in _encounters(month, registry, summary):
            case = compare_case(encounter, schemes)
            comparison.add(case)
            write_json_line(compared, case)
            report.add(encounter, *report_parts.price(encounter))
            findings = engine.check(encounter, "during")
            _count(findings, summary)
            for finding in findings:
                write_json_line(found, finding)
            report.add_findings(encounter, findings)
            bar.advance()
        for row in comparison.rows():
            write_json_line(compared, row)
        for change in comparison.changes():
            write_json_line(compared, change)
    summary.totals = comparison.rows()[-1].schemes
    summary.files.update(paths)
    log.write(
        f"validate  {summary.records} read, {summary.accepted} ok, {summary.rejected} rejected\n"
        f"price     {len(schemes)} schemes: {', '.join(p.scheme.name for p in schemes)}"
        f" (validate + price + audit {bar.seconds:.1f} s)\n"
        f"audit     {summary.findings} findings ({summary.blocking} block), "
        f"{summary.at_risk:,.2f} 元 at risk\n"
    )

    if simulator is None:
        log.write(
            "settle    skipped: no settlement simulator installed (adapter national-platform)\n"
        )
    else:
        last = date(
            options.year, options.month, calendar.monthrange(options.year, options.month)[1]
        )
        with Progress("settle", summary.accepted, log) as bar:
            # Streamed again (constant memory), the bar advancing as the simulator takes them.
            again = _advancing(_encounters(month, registry, DemoSummary()), bar)
            settled = simulator.settle_month(
                again, day=last, out=out, faults=options.faults, seed=options.seed
            )
        summary.settled = settled
        reconciliation = out / "reconcile.jsonl"
        with reconciliation.open("w", encoding="utf-8") as file:
            for line in settled.reconciliation:
                file.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
        summary.files["reconcile"] = reconciliation
        report.set_reconciliation(reconciliation_rows(settled.reconciliation))
        log.write(
            f"settle    {settled.settlements} settlements, faults {settled.faults_text}, "
            f"{settled.recovered} recovered, {settled.reversed} reversed ({bar.seconds:.1f} s)\n"
            f"reconcile {'平 (balanced)' if settled.balanced else '不平 (NOT balanced)'}; "
            f"one-sided accounts {settled.one_sided}, "
            f"double settlements {settled.double_settlements}\n"
        )

    page = out / "report.html"
    page.write_text(render(report.data()), encoding="utf-8")
    summary.report = page
    log.write(f"report    {page}\n")
    return summary


def _advancing(encounters: Iterator[Encounter], bar: Progress) -> Iterator[Encounter]:
    for encounter in encounters:
        bar.advance()
        yield encounter


def _count(findings: Sequence[Finding], summary: DemoSummary) -> None:
    summary.findings += len(findings)
    summary.blocking += sum(1 for finding in findings if finding.severity == "block")
    summary.at_risk += sum((finding.amount or Decimal(0) for finding in findings), Decimal(0))
