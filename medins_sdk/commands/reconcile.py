"""``medins reconcile``: the hospital's settlements against the bureau's, totals and detail.

``--hospital`` is a statement file or a ledger (a SQLite file or a PostgreSQL DSN);
``--bureau`` a statement file: JSONL/JSON (flat ``setlinfo`` fields or 2304/2305 answers), CSV
with a header, or a 3202 detail/result file (``.txt``), or any registered reader
(``--bureau-format NAME``). Output: one JSON line per totals row (the grand total last), then
with ``--detail`` one per differing settlement, last first; ``--format table`` prints seed
002's table with 平 / 不平; ``--report`` the monthly report by category instead of the rows.
Every rejected record goes to stderr as a JSON line. Exit 0 balanced, 3 not balanced (so a
scheduler can alert), 1 when input was rejected, 2 for usage errors.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import TextIO, TypeVar

from pydantic import BaseModel

from medins_sdk.commands import CommandContext
from medins_sdk.commands.records import report_rejected
from medins_sdk.io.output import Column, TableWriter, write_json_line
from medins_sdk.io.reader import InputError
from medins_sdk.plugins import PluginError, UnknownNameError
from medins_sdk.reconcile import columnar
from medins_sdk.reconcile.categories import Categories
from medins_sdk.reconcile.compare import Reconciliation, reconcile
from medins_sdk.reconcile.detail import Difference
from medins_sdk.reconcile.ledger import Ledger
from medins_sdk.reconcile.ledger_postgres import is_dsn
from medins_sdk.reconcile.ledger_sqlite import is_sqlite_file
from medins_sdk.reconcile.lines import parse_day
from medins_sdk.reconcile.report import ReportRow, monthly_report
from medins_sdk.reconcile.statements import CsvColumnsError, Side, collect, reader_name_for
from medins_sdk.reconcile.totals import TotalsRow

T = TypeVar("T", bound=BaseModel)

UNBALANCED = 3
"""Exit code when the sides do not balance."""


def _money(value: object) -> str:
    return f"{value:.2f}"


def _explain(row: TotalsRow) -> str:
    """错误说明: how many settlements and how much apart, and which side has more."""
    if row.balanced:
        return ""
    gap = row.difference
    parts = [f"相差 {abs(gap.setl_cnt)} 笔"] if gap.setl_cnt else []
    labels = ("医疗费", "基金", "个人账户")
    amounts = (gap.medfee_sumamt, gap.fund_pay_sumamt, gap.acct_pay)
    parts += [f"{label}差 {_money(abs(a))}" for label, a in zip(labels, amounts, strict=True) if a]
    first = next(value for value in (*amounts, gap.setl_cnt) if value)
    return ", ".join(parts) + (": 医院多" if first > 0 else ": 医保多")


TOTALS_TABLE: tuple[Column[TotalsRow], ...] = (
    Column("险种类别", 8, lambda r: r.insutype or ""),
    Column("结算经办机构", 12, lambda r: r.setl_optins or ""),
    Column("清算类别", 10, lambda r: r.clr_type_name or r.clr_type or ""),
    Column("医疗费总额", 13, lambda r: _money(r.bureau.medfee_sumamt)),
    Column("基金支付总额", 13, lambda r: _money(r.bureau.fund_pay_sumamt)),
    Column("个人账户支付金额", 16, lambda r: _money(r.bureau.acct_pay)),
    Column("结算笔数", 8, lambda r: r.bureau.setl_cnt),
    Column("结果", 6, lambda r: "平" if r.balanced else "不平"),
    Column("错误说明", 44, _explain),
)
"""Seed 002's table (图 1): the bureau's figures per row, 平 / 不平 and what differs."""

DETAIL_TABLE: tuple[Column[Difference], ...] = (
    Column("类型", 16, lambda d: d.kind),
    Column("结算ID", 20, lambda d: d.setl_id),
    Column("医院金额", 12, lambda d: _money(d.hospital.medfee_sumamt) if d.hospital else "-"),
    Column("医保金额", 12, lambda d: _money(d.bureau.medfee_sumamt) if d.bureau else "-"),
    Column("哪边多", 8, lambda d: {"hospital": "医院", "bureau": "医保"}.get(d.more or "", "")),
    Column("多多少", 12, lambda d: _money(d.by)),
    Column("处理", 40, lambda d: d.advice),
)
"""The detail's table: one line per differing settlement, last first."""

REPORT_TABLE: tuple[Column[ReportRow], ...] = (
    Column("分项", 12, lambda r: r.dimension),
    Column("取值", 10, lambda r: r.value),
    Column("名称", 24, lambda r: r.label or ""),
    Column("医疗费总额", 13, lambda r: _money(r.hospital.medfee_sumamt)),
    Column("基金支付总额", 13, lambda r: _money(r.hospital.fund_pay_sumamt)),
    Column("个人账户支付金额", 16, lambda r: _money(r.hospital.acct_pay)),
    Column("结算笔数", 8, lambda r: r.hospital.setl_cnt),
    Column("结果", 6, lambda r: "平" if r.balanced else "不平"),
)
"""The monthly report's table: the hospital's figures per section, 平 / 不平 against the bureau."""


class UsageProblem(Exception):
    """Options or inputs that cannot work: exit 2."""


def add_period_options(parser: argparse.ArgumentParser) -> None:
    """``--from DATE --to DATE``: the settlement dates to keep, both inclusive."""
    parser.add_argument("--from", dest="start", metavar="DATE", help="first day (yyyy-MM-dd)")
    parser.add_argument("--to", dest="end", metavar="DATE", help="last day (yyyy-MM-dd)")


def period_of(args: argparse.Namespace) -> tuple[date | None, date | None]:
    """The parsed ``--from``/``--to``; :class:`UsageProblem` for a bad date or order."""
    try:
        start = None if args.start is None else parse_day(args.start)
        end = None if args.end is None else parse_day(args.end)
    except ValueError as error:
        raise UsageProblem(str(error)) from None
    if start is not None and end is not None and end < start:
        raise UsageProblem(f"--to {end} is before --from {start}")
    return start, end


def is_ledger(location: str) -> bool:
    """Whether ``location`` is a ledger (a DSN or an existing SQLite file) rather than a file
    of settlements."""
    return is_dsn(location) or is_sqlite_file(Path(location))


def read_side(
    name: str,
    location: str,
    reader_name: str | None,
    context: CommandContext,
    period: tuple[date | None, date | None],
) -> Side:
    """One side from a ledger or a statement file (reader by name, else by suffix)."""
    start, end = period
    if is_ledger(location):
        with Ledger.open(location) as ledger:
            return collect(name, ledger.lines(start, end).values())
    path = Path(location)
    if not path.is_file():
        raise UsageProblem(f"cannot read {location}: no such file")
    try:
        reader = context.plugins.registry.statement_readers.get(
            reader_name or reader_name_for(path)
        )
    except (UnknownNameError, PluginError) as error:
        raise UsageProblem(str(error)) from None
    try:
        return collect(name, reader.read(path), start, end)
    except (InputError, CsvColumnsError) as error:
        raise UsageProblem(str(error)) from None


def _engine(name: str) -> str:
    if name == "auto":
        return "columnar" if columnar.available() else "python"
    if name == "columnar" and not columnar.available():
        raise UsageProblem("--engine columnar needs Polars: pip install 'medins-sdk[columnar]'")
    return name


class ReconcileCommand:
    """Totals per (insutype, setl_optins, clr_type) and, with ``--detail``, every difference."""

    name = "reconcile"
    help = "reconcile the hospital's settlements with the bureau's: totals (平/不平) and detail"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--hospital", required=True, metavar="FILE|LEDGER", help="settlements or a ledger"
        )
        parser.add_argument("--bureau", required=True, metavar="FILE", help="the bureau's file")
        parser.add_argument(
            "--hospital-format", metavar="NAME", help="statement reader for --hospital"
        )
        parser.add_argument(
            "--bureau-format",
            metavar="NAME",
            help="statement reader for --bureau (default by suffix: .csv, .txt = 3202, JSONL)",
        )
        add_period_options(parser)
        parser.add_argument("--detail", action="store_true", help="list every difference")
        parser.add_argument(
            "--report", action="store_true", help="the monthly report by category instead"
        )
        parser.add_argument(
            "--engine",
            choices=("auto", "python", "columnar"),
            default="auto",
            help="columnar (Polars) when installed, else pure Python; same results",
        )
        parser.add_argument("-o", "--output", metavar="FILE", help="write here (default stdout)")
        parser.add_argument(
            "--format", choices=("jsonl", "table"), default="jsonl", help="output format"
        )

    def run(self, args: argparse.Namespace, context: CommandContext) -> int:
        try:
            period = period_of(args)
            engine = _engine(args.engine)
            hospital = read_side("hospital", args.hospital, args.hospital_format, context, period)
            bureau = read_side("bureau", args.bureau, args.bureau_format, context, period)
        except UsageProblem as error:
            context.stderr.write(f"medins: {error}\n")
            return 2
        for side in (hospital, bureau):
            for rejected in side.rejected:
                report_rejected(context.stderr, rejected)
        categories = Categories(context.plugins.registry.clearing_categories.values())
        compare = columnar.reconcile_lines if engine == "columnar" else reconcile
        result = compare(hospital.lines, bureau.lines, categories, detail=args.detail)
        with ExitStack() as stack:
            out = (
                stack.enter_context(open(args.output, "w", encoding="utf-8"))
                if args.output
                else context.stdout
            )
            if args.report:
                _write(out, monthly_report(result.rows, categories), REPORT_TABLE, args.format)
            else:
                _write_result(out, result, args.format)
        for side in (hospital, bureau):
            context.stderr.write(side.summary() + "\n")
        if hospital.rejected or bureau.rejected:
            return 1
        return 0 if result.balanced else UNBALANCED


def _write_result(out: TextIO, result: Reconciliation, form: str) -> None:
    _write(out, result.rows, TOTALS_TABLE, form)
    if result.differences:
        if form == "table":
            out.write("\n")
        _write(out, result.differences, DETAIL_TABLE, form)


def _write(out: TextIO, items: Sequence[T], columns: Sequence[Column[T]], form: str) -> None:
    if form == "table":
        table = TableWriter(out, columns)
        for item in items:
            table.write(item)
    else:
        for item in items:
            write_json_line(out, item)
