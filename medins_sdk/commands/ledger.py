"""``medins ledger import | export | recover``: the settlement ledger from the command line.

The ledger is ``--ledger PATH|DSN`` (default: the ``MEDINS_LEDGER`` environment variable), a
SQLite file or a PostgreSQL DSN. ``import`` records the settlements of statement files
(recording one again is a no-op; a conflicting one is rejected with the reason); ``export``
writes the period's lines as JSONL, in settlement order (what ``import`` reads back);
``recover`` completes or undoes what a crash left half-done and prints what it did.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
from contextlib import ExitStack
from pathlib import Path

from medins_sdk.commands import CommandContext
from medins_sdk.commands.reconcile import UsageProblem, add_period_options, period_of
from medins_sdk.commands.records import Tally, report_rejected
from medins_sdk.io.output import write_json_line
from medins_sdk.io.reader import InputError
from medins_sdk.io.records import Issue, Record, Rejected
from medins_sdk.plugins import PluginError, UnknownNameError
from medins_sdk.reconcile.ledger import Ledger, LedgerError, LedgerHook
from medins_sdk.reconcile.lines import StatementLine
from medins_sdk.reconcile.statements import CsvColumnsError, reader_name_for

LEDGER_ENV = "MEDINS_LEDGER"
"""Environment variable naming the ledger when ``--ledger`` is not given."""

INCOMPLETE = 3
"""Exit code of ``recover`` when something is left for a person (a hook, the bureau)."""


def _add_ledger_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ledger",
        metavar="PATH|DSN",
        default=os.environ.get(LEDGER_ENV),
        help=f"SQLite file or postgresql:// DSN (default ${LEDGER_ENV})",
    )


def _open(args: argparse.Namespace, hook: LedgerHook | None = None) -> Ledger:
    if not args.ledger:
        raise UsageProblem(f"no ledger: give --ledger PATH|DSN or set {LEDGER_ENV}")
    try:
        return Ledger.open(args.ledger, hook=hook)
    except Exception as error:  # a connection refused, a file we cannot create …
        raise UsageProblem(f"cannot open ledger {args.ledger}: {error}") from None


class LedgerImportCommand:
    """Record the settlements of statement files in the ledger."""

    name = "ledger import"
    help = "record settlements from JSONL / CSV / 3202 files in the ledger (idempotent)"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="statement files")
        parser.add_argument("--input-format", metavar="NAME", help="statement reader by name")
        _add_ledger_option(parser)

    def run(self, args: argparse.Namespace, context: CommandContext) -> int:
        tally = Tally()
        registry = context.plugins.registry
        try:
            with _open(args) as ledger:
                for name in args.files:
                    path = Path(name)
                    reader = registry.statement_readers.get(
                        args.input_format or reader_name_for(path)
                    )
                    for item in reader.read(path):
                        tally.read += 1
                        problem = item if isinstance(item, Rejected) else _record(ledger, item)
                        if problem is None:
                            tally.ok += 1
                        else:
                            tally.rejected += 1
                            report_rejected(context.stderr, problem)
        except (UsageProblem, InputError, CsvColumnsError, UnknownNameError, PluginError) as error:
            context.stderr.write(f"medins: {error}\n")
            return 2
        context.stderr.write(tally.summary() + "\n")
        return 0 if tally.rejected == 0 else 1


def _record(ledger: Ledger, record: Record) -> Rejected | None:
    """Record one line; the reason it was refused, as a rejected record, or None."""
    line = record.model
    if not isinstance(line, StatementLine):
        return Rejected(record.id, record.source, record.format, (Issue("", "not a settlement"),))
    try:
        ledger.record_line(line)
    except LedgerError as error:
        return Rejected(line.setl_id, record.source, record.format, (Issue("", str(error)),))
    return None


class LedgerExportCommand:
    """Write the ledger's settlement lines of a period as JSONL."""

    name = "ledger export"
    help = "write the ledger's settlements (and refunds) of a period as JSONL"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        _add_ledger_option(parser)
        add_period_options(parser)
        parser.add_argument("-o", "--output", metavar="FILE", help="write here (default stdout)")

    def run(self, args: argparse.Namespace, context: CommandContext) -> int:
        try:
            start, end = period_of(args)
            with _open(args) as ledger, ExitStack() as stack:
                out = (
                    stack.enter_context(open(args.output, "w", encoding="utf-8"))
                    if args.output
                    else context.stdout
                )
                for line in ledger.lines(start, end).values():
                    write_json_line(out, line)
        except UsageProblem as error:
            context.stderr.write(f"medins: {error}\n")
            return 2
        return 0


def load_hook(spec: str) -> LedgerHook:
    """The hook object ``module:attribute`` names (the HIS's own, importable here)."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise UsageProblem(f"--hook {spec!r}: expected module:attribute")
    try:
        hook: LedgerHook = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise UsageProblem(f"--hook {spec!r}: {error}") from None
    return hook


class LedgerRecoverCommand:
    """Complete or undo what a crash left half-done; print what was done and what is left."""

    name = "ledger recover"
    help = "after a crash: complete settlements the bureau answered, report requests in doubt"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        _add_ledger_option(parser)
        parser.add_argument(
            "--hook",
            metavar="MODULE:ATTR",
            help="the hospital's ledger hook, to write its own tables for answered settlements",
        )

    def run(self, args: argparse.Namespace, context: CommandContext) -> int:
        try:
            hook = None if args.hook is None else load_hook(args.hook)
            with _open(args, hook) as ledger:
                report = ledger.recover(hook)
        except UsageProblem as error:
            context.stderr.write(f"medins: {error}\n")
            return 2
        context.stdout.write(json.dumps(report.to_json(), ensure_ascii=False) + "\n")
        return 0 if report.clean else INCOMPLETE
