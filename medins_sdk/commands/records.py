"""The machinery every record-processing verb shares (validate, group, price, audit …).

Reads every input through the registered formats, hands each accepted record to the verb's
``process``, writes results as JSONL (or a table), reports each rejected record as one JSON
line on stderr ``{"id", "path", "reason", …}``, and closes with ``N read, M ok, K rejected``.
Exit codes: 0 all records ok, 1 any rejected, 2 usage errors (unreadable input, unknown
format).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TextIO

from medins_sdk.commands import CommandContext
from medins_sdk.io.output import Column, TableWriter, write_json_line
from medins_sdk.io.reader import InputError, read_records
from medins_sdk.io.records import Issue, Record, Rejected
from medins_sdk.models import SdkModel

Row = tuple[Record, SdkModel]
"""A table row: the record read and one result of processing it."""


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

    def process(
        self, record: Record, args: argparse.Namespace, context: CommandContext
    ) -> Iterable[SdkModel]:
        """Results of one accepted record; raise ``ValueError`` to reject it with a reason."""
        raise NotImplementedError

    def run(self, args: argparse.Namespace, context: CommandContext) -> int:
        registry = context.plugins.registry
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
                        results = list(self.process(item, args, context))
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
        context.stderr.write(tally.summary() + "\n")
        return 0 if tally.rejected == 0 else 1
