"""``medins report drg``: the DRG case-mix report of a file of encounters under a scheme.

Every encounter is grouped and priced as ``medins price`` does (so the same records are
rejected, with the same reasons), counted in its row, and after the last record the rows are
written: one per department, doctor, DRG or principal diagnosis (``--by``), then 全院, as
JSONL or a table. ``--group`` keeps only some DRGs (``--group LC19 --by diagnosis``: where a
losing group's money goes); ``--benchmark`` adds the consumption indices against the region.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from medins_sdk.commands import CommandContext
from medins_sdk.commands.payment import add_scheme_option, scheme_parts
from medins_sdk.commands.records import Job, RecordCommand, UsageError
from medins_sdk.io.output import Column, TableWriter, write_json_line
from medins_sdk.io.records import Record
from medins_sdk.models import SdkModel
from medins_sdk.reports.benchmark import Benchmark, BenchmarkError
from medins_sdk.reports.drg import BY, DrgReport, DrgReportRow, case_facts
from medins_sdk.schemes import SchemeParts

COLUMNS: tuple[Column[DrgReportRow], ...] = (
    Column("key", 10, lambda row: row.key),
    Column("label", 24, lambda row: row.label),
    Column("cases", 6, lambda row: row.cases),
    Column("CMI", 7, lambda row: row.cmi),
    Column("mean cost", 11, lambda row: row.mean_cost),
    Column("mean LOS", 8, lambda row: row.mean_los),
    Column("cost idx", 8, lambda row: row.cost_index),
    Column("time idx", 8, lambda row: row.time_index),
    Column("total cost", 13, lambda row: row.total_cost),
    Column("balance", 13, lambda row: row.total_balance),
    Column("high", 5, lambda row: row.high_outliers),
    Column("low", 5, lambda row: row.low_outliers),
    Column("ungrouped", 9, lambda row: row.ungrouped),
)
"""The table of ``--format table``: the figures an insurance office compares."""


def add_benchmark_option(parser: argparse.ArgumentParser) -> None:
    """``--benchmark CSV``, shared by the reports that compare with the region's means."""
    parser.add_argument(
        "--benchmark",
        metavar="CSV",
        type=Path,
        help="regional means per DRG (code, mean_cost, mean_los): adds the indices",
    )


def benchmark_of(args: argparse.Namespace) -> Benchmark | None:
    """The ``--benchmark`` table, or None; :class:`UsageError` says what is wrong with it."""
    try:
        return None if args.benchmark is None else Benchmark.load(args.benchmark)
    except BenchmarkError as error:
        raise UsageError(str(error)) from None


class ReportJob:
    """Prices each record and counts it in the report; writes nothing per record."""

    def __init__(self, parts: SchemeParts, report: DrgReport, groups: Iterable[str]) -> None:
        self.parts = parts
        self.report = report
        self.groups = frozenset(groups)

    def __call__(self, record: Record) -> Iterable[SdkModel]:
        encounter = record.encounter()
        grouping, price = self.parts.price(encounter)
        facts = case_facts(encounter, grouping, price)
        if not self.groups or facts.group in self.groups:
            self.report.add(facts)
        return ()


class ReportDrgCommand(RecordCommand):
    """Cases, CMI, means, consumption indices and balance per department, doctor or DRG."""

    name = "report drg"
    help = "DRG case-mix report per department, doctor, DRG or diagnosis: CMI, indices, balance"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        super().configure(parser)
        add_scheme_option(parser)
        add_benchmark_option(parser)
        parser.add_argument(
            "--by",
            choices=BY,
            default="group",
            help="one row per discharge department, doctor code, DRG (default), diagnosis, "
            "medical group, or month or day of discharge",
        )
        parser.add_argument(
            "--group",
            metavar="CODE",
            action="append",
            default=[],
            help="only cases of this DRG (repeatable)",
        )

    def start(self, args: argparse.Namespace, context: CommandContext) -> Job:
        parts = scheme_parts(args, context)
        return ReportJob(parts, DrgReport(args.by, benchmark_of(args)), args.group)

    def end(self, job: Job, args: argparse.Namespace, out: TextIO) -> None:
        if not isinstance(job, ReportJob):
            raise TypeError(f"report drg ends its own job, not {job!r}")
        rows = job.report.rows()
        if args.format == "table":
            table = TableWriter(out, COLUMNS)
            for row in rows:
                table.write(row)
        else:
            for row in rows:
                write_json_line(out, row)
