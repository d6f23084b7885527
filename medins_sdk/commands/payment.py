"""``medins group`` and ``medins price``: a payment scheme's grouping and pricing, per case.

Both take ``--scheme NAME`` (``medins plugins`` lists the schemes), read encounters in any
supported format and write one :class:`~medins_sdk.models.GroupResult` or
:class:`~medins_sdk.models.PriceResult` per case as JSONL (or a table). ``price`` groups
first when the scheme groups. A case the scheme cannot price (no cost, a group missing from
the weights) is a rejected record with the reason, so read = ok + rejected still holds.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable

from medins_sdk.commands import CommandContext
from medins_sdk.commands.records import Job, RecordCommand, Row, UsageError
from medins_sdk.io.output import Column
from medins_sdk.io.records import Record
from medins_sdk.models import GroupResult, SdkModel
from medins_sdk.plugins import Registry
from medins_sdk.schemes import ITEMISED, SchemeParts


def add_scheme_option(parser: argparse.ArgumentParser) -> None:
    """``--scheme NAME``, shared by every verb that applies a payment scheme."""
    parser.add_argument(
        "--scheme", required=True, metavar="NAME", help="payment scheme (see `medins plugins`)"
    )


def default_scheme(registry: Registry) -> str:
    """The first installed scheme, by name, that groups (a report's default); else
    ``itemised``, which every installation has."""
    grouping = sorted(s.name for s in registry.schemes.values() if s.grouper is not None)
    return grouping[0] if grouping else ITEMISED.name


def scheme_parts(args: argparse.Namespace, context: CommandContext) -> SchemeParts:
    """Resolve ``--scheme``; unknown names raise ``LookupError`` listing the known ones."""
    return context.plugins.registry.scheme_parts(args.scheme)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


class GroupCommand(RecordCommand):
    """Group each encounter under a scheme; the result carries the trace of every decision."""

    name = "group"
    help = "group encounters under a payment scheme (DRG, DIP …); GroupResult JSONL"
    columns = (
        Column[Row]("id", 22, lambda row: row[0].id),
        Column[Row]("status", 11, lambda row: getattr(row[1], "status", None)),
        Column[Row]("group", 6, lambda row: getattr(row[1], "group", None)),
        Column[Row]("weight", 8, lambda row: _text(getattr(row[1], "weight", None))),
        Column[Row]("name / reason", 60, lambda row: _name_or_reason(row[1])),
    )

    def configure(self, parser: argparse.ArgumentParser) -> None:
        super().configure(parser)
        add_scheme_option(parser)

    def start(self, args: argparse.Namespace, context: CommandContext) -> Job:
        parts = scheme_parts(args, context)
        if parts.grouper is None:
            raise UsageError(
                f"scheme {parts.scheme.name} does not group; `medins price` prices its cases"
            )

        def job(record: Record) -> Iterable[SdkModel]:
            grouping = parts.group(record.encounter())
            return () if grouping is None else (grouping,)

        return job


def _name_or_reason(model: SdkModel) -> str | None:
    if isinstance(model, GroupResult):
        return model.group_name if model.status == "grouped" else model.reason
    return None


class PriceCommand(RecordCommand):
    """Price each encounter under a scheme: payment, balance, method, outlier and formula."""

    name = "price"
    help = "price encounters under a payment scheme; PriceResult JSONL"
    columns = (
        Column[Row]("id", 22, lambda row: row[0].id),
        Column[Row]("group", 6, lambda row: getattr(row[1], "group", None)),
        Column[Row]("weight", 8, lambda row: _text(getattr(row[1], "weight", None))),
        Column[Row]("cost", 12, lambda row: getattr(row[1], "total_cost", None)),
        Column[Row]("standard", 12, lambda row: getattr(row[1], "payment_standard", None)),
        Column[Row]("payment", 12, lambda row: getattr(row[1], "payment", None)),
        Column[Row]("balance", 12, lambda row: getattr(row[1], "balance", None)),
        Column[Row]("method", 9, lambda row: getattr(row[1], "method", None)),
        Column[Row]("outlier", 7, lambda row: getattr(row[1], "outlier", None)),
    )

    def configure(self, parser: argparse.ArgumentParser) -> None:
        super().configure(parser)
        add_scheme_option(parser)

    def start(self, args: argparse.Namespace, context: CommandContext) -> Job:
        parts = scheme_parts(args, context)

        def job(record: Record) -> Iterable[SdkModel]:
            return (parts.price(record.encounter())[1],)

        return job
