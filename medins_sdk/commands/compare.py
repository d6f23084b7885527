"""``medins compare``: the same encounters priced under several payment schemes, side by side.

``--schemes beijing-drg-2022,guangzhou-dip`` prices every encounter under itemised billing
(always first: the baseline) and each named scheme. JSONL output: one ``case`` line per
encounter (every scheme's group, payment, balance and outlier, the spread between the highest
and lowest payment and why; ``--no-cases`` leaves them out), then one ``row`` line per
department, medical group, doctor and grouping scheme's group code (``--by`` chooses) and the
``total``, then the ``--top`` cases whose payments differ most (``change``). ``--format table``
prints the same as tables. An encounter no scheme can price — not even the baseline, for lack
of a cost — is a rejected record; one that only some schemes price is compared where priced.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Sequence
from typing import TextIO

from medins_sdk.commands import CommandContext
from medins_sdk.commands.records import Job, RecordCommand, Row, UsageError
from medins_sdk.io.output import Column, TableWriter, write_json_line
from medins_sdk.io.records import Record
from medins_sdk.models import SdkModel
from medins_sdk.reports.compare import (
    BASELINE,
    DIMENSIONS,
    CaseComparison,
    Comparison,
    ComparisonRow,
    compare_case,
)
from medins_sdk.schemes import SchemeParts


def _case(row: Row) -> CaseComparison:
    case = row[1]
    if not isinstance(case, CaseComparison):
        raise TypeError(f"compare writes CaseComparison rows, not {case!r}")
    return case


class CompareJob:
    """Compares each record and counts it; yields the case unless cases are left out."""

    def __init__(self, schemes: Sequence[SchemeParts], comparison: Comparison, cases: bool):
        self.schemes = schemes
        self.comparison = comparison
        self.cases = cases

    def __call__(self, record: Record) -> Iterable[SdkModel]:
        case = compare_case(record.encounter(), self.schemes)
        self.comparison.add(case)
        return (case,) if self.cases else ()


class CompareCommand(RecordCommand):
    """Price encounters under several schemes and itemised billing; totals and largest changes."""

    name = "compare"
    help = "compare payment schemes on the same encounters (itemised billing as the baseline)"
    columns = (
        Column[Row]("id", 22, lambda row: _case(row).id),
        Column[Row]("department", 10, lambda row: _case(row).department),
        Column[Row]("cost", 12, lambda row: _case(row).total_cost),
        Column[Row]("spread", 12, lambda row: _case(row).spread),
        Column[Row]("highest", 18, lambda row: _case(row).highest),
        Column[Row]("lowest", 18, lambda row: _case(row).lowest),
    )

    def configure(self, parser: argparse.ArgumentParser) -> None:
        super().configure(parser)
        parser.add_argument(
            "--schemes",
            required=True,
            metavar="A,B,…",
            help=f"schemes to compare (see `medins plugins`); {BASELINE} is always included",
        )
        parser.add_argument(
            "--by",
            default=",".join(DIMENSIONS),
            metavar="DIMS",
            help=f"breakdowns, comma-separated, of {', '.join(DIMENSIONS)} (default: all)",
        )
        parser.add_argument(
            "--top",
            type=int,
            default=20,
            metavar="N",
            help="how many of the cases with the largest spread to list (default 20)",
        )
        parser.add_argument("--no-cases", action="store_true", help="leave out the per-case lines")

    def start(self, args: argparse.Namespace, context: CommandContext) -> Job:
        registry = context.plugins.registry
        names = list(dict.fromkeys([BASELINE, *filter(None, args.schemes.split(","))]))
        by = [part for part in args.by.split(",") if part]
        unknown = [part for part in by if part not in DIMENSIONS]
        if unknown or not by:
            raise UsageError(f"--by takes {', '.join(DIMENSIONS)}, not {args.by!r}")
        if args.top < 0:
            raise UsageError("--top must not be negative")
        schemes = [registry.scheme_parts(name) for name in names]
        comparison = Comparison(
            names,
            grouping=[parts.scheme.name for parts in schemes if parts.grouper is not None],
            by=[dimension for dimension in DIMENSIONS if dimension in by],
            top=args.top,
        )
        return CompareJob(schemes, comparison, cases=not args.no_cases)

    def end(self, job: Job, args: argparse.Namespace, out: TextIO) -> None:
        if not isinstance(job, CompareJob):
            raise TypeError(f"compare ends its own job, not {job!r}")
        rows = job.comparison.rows()
        changes = job.comparison.changes()
        if args.format != "table":
            for model in (*rows, *changes):
                write_json_line(out, model)
            return
        out.write("\n")
        totals = TableWriter(out, _row_columns(job.comparison.schemes))
        for row in rows:
            totals.write(row)
        if changes:
            out.write("\n")
            table = TableWriter(out, CHANGE_COLUMNS)
            for change in changes:
                table.write(change)


def _row_columns(schemes: Sequence[str]) -> list[Column[ComparisonRow]]:
    """by, key and cases, then each scheme's payment and balance."""
    columns: list[Column[ComparisonRow]] = [
        Column("by", 22, lambda row: row.by),
        Column("key", 14, lambda row: row.key),
        Column("cases", 6, lambda row: row.cases),
    ]
    for index, name in enumerate(schemes):
        header = f"{name} paid"
        columns.append(Column(header, max(14, len(header)), _cell(index, "payment")))
        if name != BASELINE:
            columns.append(Column("balance", 13, _cell(index, "balance")))
            columns.append(Column("cases", 6, _cell(index, "cases")))
    return columns


def _cell(index: int, name: str) -> Callable[[ComparisonRow], object]:
    return lambda row: getattr(row.schemes[index], name)


CHANGE_COLUMNS: tuple[Column[CaseComparison], ...] = (
    Column("rank", 4, lambda case: case.rank),
    Column("id", 22, lambda case: case.id),
    Column("department", 10, lambda case: case.department),
    Column("spread", 12, lambda case: case.spread),
    Column("why", 90, lambda case: case.reason),
)
"""The largest changes: how far the payments lie apart, and why."""
