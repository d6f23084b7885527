"""``medins audit``: run the audit rules over encounters; ``medins audit rules`` lists them.

``--stage during`` (default) checks each encounter before settlement; ``post`` checks settled
encounters and, after the last one, the batch patterns across them; ``pre`` checks one order
per encounter — the lines of ``--order NO`` (``drord_no``), by default the order of the
latest line — against the rest of the encounter, as the pop-up at order entry would.
Findings are results, not errors: the exit code is 0 with or without findings, 1 only when an
input record was rejected, 2 for unusable options (an unknown rule, a damaged pack).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from medins_sdk.audit import AuditRule
from medins_sdk.audit.engine import AuditEngine, BatchAudit
from medins_sdk.audit.knowledge import KnowledgePack
from medins_sdk.commands import CommandContext
from medins_sdk.commands.records import Job, RecordCommand, Row, UsageError
from medins_sdk.io.output import Column, TableWriter, write_json_line
from medins_sdk.io.records import Record
from medins_sdk.models import ChargeLine, Encounter, Finding, SdkModel
from medins_sdk.packs import PackError

LIST_RULES = "rules"
"""The word that makes ``medins audit rules`` list the rules instead of reading a file."""

_FINDING: Sequence[tuple[str, int, Callable[[Finding], object]]] = (
    ("id", 20, lambda f: f.id),
    ("rule", 26, lambda f: f.rule),
    ("severity", 8, lambda f: f.severity),
    ("amount", 10, lambda f: f.amount),
    ("lines", 14, lambda f: ",".join(f.lines)),
    ("message", 70, lambda f: f.message),
)


def _cell(get: Callable[[Finding], object]) -> Callable[[Row], object]:
    def cell(row: Row) -> object:
        return get(row[1]) if isinstance(row[1], Finding) else None

    return cell


def order_lines(encounter: Encounter, order: str | None) -> list[ChargeLine]:
    """The lines of order ``order`` (``drord_no``); by default the latest line's order, or
    the latest line alone when it has no order number."""
    if not encounter.charges:
        raise ValueError("the encounter has no charge lines, so it holds no order to check")
    if order is None:
        latest = max(encounter.charges, key=lambda line: (line.time, line.line_no))
        if latest.order_no is None:
            return [latest]
        order = latest.order_no
    lines = [line for line in encounter.charges if line.order_no == order]
    if not lines:
        raise ValueError(f"no charge line belongs to order {order}")
    return lines


class AuditCommand(RecordCommand):
    """Audit encounters at a stage and write one Finding per line of output."""

    name = "audit"
    help = (
        "audit encounters (事前 pre / 事中 during / 事后 post); Finding JSONL; `audit rules` lists"
    )
    columns = tuple(Column[Row](header, width, _cell(get)) for header, width, get in _FINDING)
    _batch: BatchAudit | None = None

    def configure(self, parser: argparse.ArgumentParser) -> None:
        super().configure(parser)
        parser.add_argument(
            "--stage", choices=("pre", "during", "post"), default="during", help="audit stage"
        )
        parser.add_argument("--rules", metavar="ID,…", help="run only these rules")
        parser.add_argument(
            "--pack",
            action="append",
            default=[],
            metavar="DIR",
            help="a knowledge pack directory to add (a hospital's catalogue); repeatable",
        )
        parser.add_argument("--region", metavar="ADMDVS", help="use this region's packs only")
        parser.add_argument("--order", metavar="NO", help="pre: the order (drord_no) to check")

    def engine(self, args: argparse.Namespace, context: CommandContext) -> AuditEngine:
        """The engine the options describe; :class:`UsageError` when they cannot work."""
        packs = [KnowledgePack(Path(path).name, Path(path)) for path in args.pack]
        only = [r.strip() for r in args.rules.split(",") if r.strip()] if args.rules else None
        try:
            return AuditEngine.from_registry(
                context.plugins.registry, packs=packs, region=args.region, only=only
            )
        except (PackError, ValueError) as error:
            raise UsageError(str(error)) from None

    def run(self, args: argparse.Namespace, context: CommandContext) -> int:
        if args.files == [LIST_RULES]:
            try:
                engine = self.engine(args, context)
            except UsageError as error:
                context.stderr.write(f"medins: {error}\n")
                return 2
            write_rules(engine, args.format, context.stdout)
            return 0
        return super().run(args, context)

    def start(self, args: argparse.Namespace, context: CommandContext) -> Job:
        engine = self.engine(args, context)
        if args.stage == "post":
            audit = engine.batch()
            self._batch = audit
            return lambda record: audit.add(record.encounter())
        self._batch = None
        if args.stage == "pre":

            def pre(record: Record) -> Iterable[SdkModel]:
                encounter = record.encounter()
                order = order_lines(encounter, args.order)
                numbers = {line.line_no for line in order}
                so_far = [line for line in encounter.charges if line.line_no not in numbers]
                before = encounter.model_copy(update={"charges": so_far})
                return engine.check_order(before, order)

            return pre
        return lambda record: engine.check(record.encounter(), "during")

    def end(self, job: Job, args: argparse.Namespace, out: TextIO) -> None:
        if self._batch is None:
            return
        findings = self._batch.finish()
        if args.format == "table":
            if findings:
                out.write("\n")
            table = TableWriter(out, [Column[Finding](h, w, get) for h, w, get in _FINDING])
            for finding in findings:
                table.write(finding)
        else:
            for finding in findings:
                write_json_line(out, finding)


def rule_listing(engine: AuditEngine) -> list[dict[str, Any]]:
    """Every rule the engine knows, enabled or not, with where its knowledge comes from."""
    return [
        {
            "id": configured.rule.id,
            "name": configured.rule.name,
            "stages": [s for s in ("pre", "during", "post") if s in configured.rule.stages],
            "severity": configured.rule.severity,
            "scope": configured.rule.scope,
            "enabled": configured in engine.active,
            "knowledge": _packs(configured.rule, engine),
            "parameters": configured.params.as_text(),
            "source": configured.rule.source,
        }
        for configured in engine.configured
    ]


def _packs(rule: AuditRule, engine: AuditEngine) -> dict[str, str]:
    """Knowledge table → the packs that provide it, or ``not loaded``."""
    tables = engine.knowledge.tables
    return {
        table: ", ".join(tables[table]) if table in tables else "not loaded"
        for table in rule.knowledge
    }


def write_rules(engine: AuditEngine, output: str, out: TextIO) -> None:
    """``medins audit rules``: JSONL, or a table."""
    listing = rule_listing(engine)
    if output != "table":
        for entry in listing:
            out.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")
        return
    table = TableWriter(
        out,
        [
            Column[dict[str, Any]]("id", 28, lambda e: e["id"]),
            Column[dict[str, Any]]("stages", 16, lambda e: ",".join(e["stages"])),
            Column[dict[str, Any]]("severity", 8, lambda e: e["severity"]),
            Column[dict[str, Any]]("scope", 9, lambda e: e["scope"]),
            Column[dict[str, Any]]("on", 3, lambda e: "yes" if e["enabled"] else "no"),
            Column[dict[str, Any]]("pack", 16, lambda e: "; ".join(e["knowledge"].values()) or "—"),
            Column[dict[str, Any]]("source", 60, lambda e: e["source"]),
        ],
    )
    for entry in listing:
        table.write(entry)
