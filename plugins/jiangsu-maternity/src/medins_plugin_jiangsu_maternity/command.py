"""``medins report maternity FILE [--by group|doctor|department]``: the monthly report.

Every encounter is priced as ``medins price --scheme jiangsu-maternity`` prices it (so the
same records are rejected, with the same reasons: a stay that is not a delivery), with the
delivery register if one is given, and counted; after the last record the report's sections
are written as JSON Lines (each row has a ``kind``) or as tables.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO, TypeVar

from medins_plugin_jiangsu_maternity.pack import MaternityPack, parse_shares
from medins_plugin_jiangsu_maternity.register import (
    EMPTY_REGISTER,
    DeliveryRegister,
    RegisterError,
)
from medins_plugin_jiangsu_maternity.report import (
    BY,
    AllocationRow,
    ChannelRow,
    FilingCase,
    MaternityReport,
    OverspendCase,
    ReportRows,
    WrongChannelCase,
)
from medins_sdk.commands import CommandContext
from medins_sdk.commands.records import Job, RecordCommand, UsageError
from medins_sdk.io.output import Column, TableWriter, write_json_line
from medins_sdk.io.records import Record
from medins_sdk.models import SdkModel

T = TypeVar("T")

CHANNEL_COLUMNS: tuple[Column[ChannelRow], ...] = (
    Column("month", 7, lambda row: row.month),
    Column("key", 12, lambda row: row.key),
    Column("channel", 12, lambda row: row.channel),
    Column("cases", 6, lambda row: row.cases),
    Column("add-on", 6, lambda row: row.add_on_cases),
    Column("filed", 5, lambda row: row.filed_cases),
    Column("total cost", 13, lambda row: row.total_cost),
    Column("payment", 13, lambda row: row.total_payment),
    Column("balance", 13, lambda row: row.total_balance),
    Column("mean bal.", 10, lambda row: row.mean_balance),
    Column("overspend", 12, lambda row: row.overspend),
    Column("benchmark", 12, lambda row: row.benchmark),
    Column("bench. mean", 11, lambda row: row.benchmark_mean_balance),
    Column("wrong", 5, lambda row: row.wrong_channel_cases),
    Column("recoverable", 11, lambda row: row.recoverable),
    Column("at risk", 11, lambda row: row.at_risk),
)
TOP_COLUMNS: tuple[Column[OverspendCase], ...] = (
    Column("month", 7, lambda row: row.month),
    Column("key", 12, lambda row: row.key),
    Column("rank", 4, lambda row: row.rank),
    Column("id", 20, lambda row: row.id),
    Column("channel", 12, lambda row: row.channel),
    Column("total cost", 12, lambda row: row.total_cost),
    Column("balance", 12, lambda row: row.balance),
    Column("drugs", 11, lambda row: row.drugs),
    Column("materials", 11, lambda row: row.materials),
    Column("examinations", 12, lambda row: row.examinations),
)
ALLOCATION_COLUMNS: tuple[Column[AllocationRow], ...] = (
    Column("month", 7, lambda row: row.month),
    Column("key", 12, lambda row: row.key),
    Column("overspend", 12, lambda row: row.overspend),
    Column("department", 20, lambda row: row.department),
    Column("share", 6, lambda row: row.share),
    Column("amount", 12, lambda row: row.amount),
)
WRONG_COLUMNS: tuple[Column[WrongChannelCase], ...] = (
    Column("month", 7, lambda row: row.month),
    Column("key", 12, lambda row: row.key),
    Column("id", 20, lambda row: row.id),
    Column("rule", 42, lambda row: row.rule),
    Column("difference", 11, lambda row: row.difference),
    Column("message", 60, lambda row: row.message),
)
FILING_COLUMNS: tuple[Column[FilingCase], ...] = (
    Column("month", 7, lambda row: row.month),
    Column("key", 12, lambda row: row.key),
    Column("id", 20, lambda row: row.id),
    Column("channel", 12, lambda row: row.maternity.group),
    Column("maternity cost", 14, lambda row: row.maternity.total_cost),
    Column("payment", 11, lambda row: row.maternity.payment),
    Column("balance", 11, lambda row: row.maternity.balance),
    Column("basic cost", 12, lambda row: row.basic.total_cost),
    Column("unflagged", 9, lambda row: row.unflagged_lines),
)


def _section(out: TextIO, title: str, columns: Sequence[Column[T]], rows: Sequence[T]) -> None:
    """A titled table; a section without rows says so instead."""
    out.write(f"{title}\n")
    if not rows:
        out.write("(none)\n")
    table = TableWriter(out, columns)
    for row in rows:
        table.write(row)


def write_tables(out: TextIO, rows: ReportRows) -> None:
    """The report as five tables, each under its title, a blank line between them."""
    _section(out, "通道汇总 channels (month × key × channel)", CHANNEL_COLUMNS, rows.channels)
    out.write("\n")
    _section(out, "超支前三 top overspending cases", TOP_COLUMNS, rows.top_overspend)
    out.write("\n")
    _section(out, "超支分摊 overspend by department", ALLOCATION_COLUMNS, rows.allocations)
    out.write("\n")
    _section(out, "通道错误 wrong-channel cases", WRONG_COLUMNS, rows.wrong_channel)
    out.write("\n")
    _section(out, "大病孕产妇备案 filed cases", FILING_COLUMNS, rows.filings)


class ReportJob:
    """Counts each record in the report; writes nothing per record."""

    def __init__(self, report: MaternityReport) -> None:
        self.report = report

    def __call__(self, record: Record) -> Iterable[SdkModel]:
        self.report.add(record.encounter())
        return ()


class ReportMaternityCommand(RecordCommand):
    """The maternity report of a file of deliveries (see the module docstring)."""

    name = "report maternity"
    help = (
        "maternity fixed-rate report per month and medical group: channels, balances, "
        "benchmark group, top overspending cases, department allocation, wrong channels"
    )

    def __init__(self, pack: MaternityPack) -> None:
        self.pack = pack

    def configure(self, parser: argparse.ArgumentParser) -> None:
        super().configure(parser)
        parser.add_argument(
            "--by",
            choices=BY,
            default="group",
            help="rows per medical group (default), attending doctor code or discharge department",
        )
        parser.add_argument(
            "--register",
            metavar="CSV",
            type=Path,
            help="delivery register: id, blood_loss_ml (postpartum haemorrhage), filed (大病备案)",
        )
        parser.add_argument(
            "--shares",
            metavar="DEPT:SHARE;…",
            help="overspend shares by department, summing to 1 (default: the pack's "
            "anaesthesia-surgery:0.60;clinical:0.40)",
        )

    def start(self, args: argparse.Namespace, context: CommandContext) -> Job:
        try:
            register = (
                EMPTY_REGISTER if args.register is None else DeliveryRegister.load(args.register)
            )
        except RegisterError as error:
            raise UsageError(str(error)) from None
        try:
            shares = None if args.shares is None else parse_shares(args.shares)
        except ValueError as error:
            raise UsageError(f"--shares: {error}") from None
        return ReportJob(MaternityReport(self.pack, args.by, register, shares))

    def end(self, job: Job, args: argparse.Namespace, out: TextIO) -> None:
        if not isinstance(job, ReportJob):
            raise TypeError(f"report maternity ends its own job, not {job!r}")
        rows = job.report.rows()
        if args.format == "table":
            write_tables(out, rows)
        else:
            for row in rows:
                write_json_line(out, row)
