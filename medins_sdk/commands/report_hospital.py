"""``medins report hospital``: the insurance office's monthly report as one HTML file.

Every encounter of the input is priced under ``--scheme`` as ``medins price`` does (the same
records are rejected, for the same reasons) and counted; ``--findings`` adds the audit
findings of ``medins audit`` (JSONL) and ``--reconciliation`` the rows of ``medins
reconcile`` (JSONL). After the last record the report is written to ``-o`` (default
stdout) as a self-contained HTML file; ``--data FILE`` also writes its content as JSON.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from medins_sdk.commands import CommandContext
from medins_sdk.commands.payment import default_scheme, scheme_parts
from medins_sdk.commands.records import Job, RecordCommand, UsageError
from medins_sdk.commands.report_drg import add_benchmark_option, benchmark_of
from medins_sdk.io.records import Record
from medins_sdk.models import Finding, SdkModel
from medins_sdk.reports.hospital import HospitalReport, reconciliation_rows
from medins_sdk.reports.html import render
from medins_sdk.schemes import SchemeParts


class HospitalJob:
    """Prices each record, counts it and its findings; writes nothing per record."""

    def __init__(
        self, parts: SchemeParts, report: HospitalReport, findings: dict[str, list[Finding]]
    ) -> None:
        self.parts = parts
        self.report = report
        self.findings = findings

    def __call__(self, record: Record) -> Iterable[SdkModel]:
        encounter = record.encounter()
        grouping, price = self.parts.price(encounter)
        self.report.add(encounter, grouping, price)
        self.report.add_findings(encounter, self.findings.pop(encounter.id, []))
        return ()

    def finish(self) -> None:
        """Count the findings of encounters the input did not hold (doctor unknown)."""
        for encounter_id in sorted(self.findings):
            self.report.add_findings(None, self.findings.pop(encounter_id))


def read_findings(path: Path) -> dict[str, list[Finding]]:
    """Findings of a ``medins audit`` JSONL file by encounter id; :class:`UsageError` names a
    bad line."""
    found: dict[str, list[Finding]] = {}
    try:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    try:
                        finding = Finding.model_validate_json(line)
                    except ValidationError as error:
                        raise UsageError(f"{path}:{number}: not a finding: {error}") from None
                    found.setdefault(finding.id, []).append(finding)
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    return found


def read_reconciliation(path: Path) -> list[dict[str, object]]:
    """The JSON lines of a ``medins reconcile`` output file, amounts as exact decimals."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    try:
        return [json.loads(line, parse_float=Decimal) for line in text.splitlines() if line]
    except json.JSONDecodeError as error:
        raise UsageError(f"{path}: line {error.lineno}: {error.msg}") from None


class ReportHospitalCommand(RecordCommand):
    """Balance by month, department and medical group, case mix, overspends, audit, books."""

    name = "report hospital"
    help = "the hospital's report as one self-contained HTML file with charts (-o report.html)"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        super().configure(parser)
        parser.add_argument(
            "--scheme",
            metavar="NAME",
            help="payment scheme (default: the first installed scheme that groups, by name)",
        )
        add_benchmark_option(parser)
        parser.add_argument(
            "--findings", metavar="JSONL", type=Path, help="audit findings (`medins audit`)"
        )
        parser.add_argument(
            "--reconciliation",
            metavar="JSONL",
            type=Path,
            help="totals reconciliation rows (`medins reconcile`)",
        )
        parser.add_argument(
            "--top", type=int, default=10, metavar="N", help="overspending cases listed (10)"
        )
        parser.add_argument("--title", default="医保运行分析报告", help="the report's title")
        parser.add_argument(
            "--data", metavar="FILE", type=Path, help="also write the report's content as JSON"
        )

    def start(self, args: argparse.Namespace, context: CommandContext) -> Job:
        if args.scheme is None:
            args.scheme = default_scheme(context.plugins.registry)
        parts = scheme_parts(args, context)
        benchmark = benchmark_of(args)
        if args.top < 0:
            raise UsageError("--top must not be negative")
        report = HospitalReport(
            parts.scheme.name, title=args.title, benchmark=benchmark, top=args.top
        )
        if args.reconciliation is not None:
            try:
                report.set_reconciliation(
                    reconciliation_rows(read_reconciliation(args.reconciliation))
                )
            except ValueError as error:
                raise UsageError(f"{args.reconciliation}: {error}") from None
        findings = {} if args.findings is None else read_findings(args.findings)
        return HospitalJob(parts, report, findings)

    def end(self, job: Job, args: argparse.Namespace, out: TextIO) -> None:
        if not isinstance(job, HospitalJob):
            raise TypeError(f"report hospital ends its own job, not {job!r}")
        job.finish()
        data = job.report.data()
        out.write(render(data))
        if args.data is not None:
            args.data.write_text(data.model_dump_json(indent=2) + "\n", encoding="utf-8")
