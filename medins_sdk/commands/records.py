"""The machinery every record-processing verb shares (validate, group, price, report …).

A verb's :meth:`RecordCommand.start` checks its options once (an unknown scheme is a usage
error before any input is read) and returns a job; every input is read through the
registered formats, each accepted record goes to the job, results are written as JSONL (or a
table), each rejected record is reported as one JSON line on stderr ``{"id", "path",
"reason", …}``, :meth:`RecordCommand.end` writes what a verb aggregates (a report), and the run
closes with ``N read, M ok, K rejected``. Exit codes: 0 all records ok, 1 any rejected, 2
usage errors (unreadable input, unknown format or scheme).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TextIO

from medins_sdk.commands import CommandContext
from medins_sdk.io.output import Column, TableWriter, write_json_line
from medins_sdk.io.reader import InputError, read_records
from medins_sdk.io.records import Issue, Record, Rejected
from medins_sdk.models import SdkModel
from medins_sdk.plugins import PluginError

Row = tuple[Record, SdkModel]
"""A table row: the record read and one result of processing it."""

Job = Callable[[Record], Iterable[SdkModel]]
"""What a verb does with one accepted record: its results; ``ValueError`` rejects the record
with the error as the reason."""


class UsageError(Exception):
    """Options that cannot work (unknown scheme, a scheme that does not group …): exit 2."""


@dataclass
class Tally:
    """Counts of one run: records read = ok + rejected, always."""

    read: int = 0
    ok: int = 0
    rejected: int = 0

    def summary(self) -> str:
        return f"{self.read} read, {self.ok} ok, {self.rejected} rejected"


def add_input_options(parser: argparse.ArgumentParser) -> None:
    """FILE…, --input-format, -o, --format: the options of every record verb."""
    parser.add_argument("files", nargs="+", metavar="FILE", help=".json, .jsonl or - (stdin)")
    parser.add_argument(
        "--input-format",
        metavar="NAME",
        help="force a record format or reader (default: detect each record)",
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write results here (default stdout)"
    )
    parser.add_argument(
        "--format", choices=("jsonl", "table"), default="jsonl", help="output format"
    )


def report_rejected(stream: TextIO, rejected: Rejected) -> None:
    """One JSON line per rejected record on the error stream."""
    stream.write(json.dumps(rejected.to_json(), ensure_ascii=False) + "\n")


class RecordCommand:
    """Base of record verbs: subclasses set ``name``, ``help``, ``columns`` and ``process``."""

    name: str = ""
    help: str = ""
    columns: Sequence[Column[Row]] = ()

    def configure(self, parser: argparse.ArgumentParser) -> None:
        add_input_options(parser)

    def start(self, args: argparse.Namespace, context: CommandContext) -> Job:
        """Check the options once and return the per-record job; raise :class:`UsageError`
        (or ``LookupError`` from the registry) when they cannot work."""
        raise NotImplementedError

    def end(self, job: Job, args: argparse.Namespace, out: TextIO) -> None:
        """Write what the job aggregated, after the last record (default: nothing)."""

    def run(self, args: argparse.Namespace, context: CommandContext) -> int:
        registry = context.plugins.registry
        try:
            job = self.start(args, context)
        except (UsageError, LookupError, PluginError) as error:
            context.stderr.write(f"medins: {error}\n")
            return 2
        tally = Tally()
        with ExitStack() as stack:
            out = (
                stack.enter_context(open(args.output, "w", encoding="utf-8"))
                if args.output
                else context.stdout
            )
            table = TableWriter(out, self.columns) if args.format == "table" else None
            records = read_records(
                args.files,
                registry.formats.values(),
                readers=registry.readers.values(),
                input_format=args.input_format,
            )
            try:
                for item in records:
                    tally.read += 1
                    if isinstance(item, Rejected):
                        tally.rejected += 1
                        report_rejected(context.stderr, item)
                        continue
                    try:
                        results = list(job(item))
                    except ValueError as error:
                        tally.rejected += 1
                        reason = Rejected(
                            item.id, item.source, item.format, (Issue("", str(error)),)
                        )
                        report_rejected(context.stderr, reason)
                        continue
                    tally.ok += 1
                    for result in results:
                        if table is not None:
                            table.write((item, result))
                        else:
                            write_json_line(out, result)
            except InputError as error:
                context.stderr.write(f"medins: {error}\n")
                return 2
            self.end(job, args, out)
        context.stderr.write(tally.summary() + "\n")
        return 0 if tally.rejected == 0 else 1
