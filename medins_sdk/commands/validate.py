"""``medins validate``: check records and write them back in canonical form."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from decimal import Decimal

from medins_sdk.commands import CommandContext
from medins_sdk.commands.records import Job, RecordCommand, Row
from medins_sdk.io.output import Column
from medins_sdk.io.records import Record
from medins_sdk.models import Encounter, SdkModel


def _total(row: Row) -> Decimal | None:
    model = row[1]
    return model.total_cost if isinstance(model, Encounter) else None


def principal_code(row: Row) -> str | None:
    """Table cell: the principal diagnosis of an encounter row (validate, convert)."""
    model = row[1]
    if isinstance(model, Encounter):
        principal = model.settlement_list.principal_diagnosis
        return principal.code if principal else None
    return None


class ValidateCommand(RecordCommand):
    """Validate records of any supported format; output them as canonical JSON.

    National-shaped records come out in the SDK's canonical form, so ``validate`` is also
    the way to normalise a mixed feed before grouping or pricing it.
    """

    name = "validate"
    help = "validate records (canonical or national JSON) and write them in canonical form"
    columns = (
        Column[Row]("id", 22, lambda row: row[0].id),
        Column[Row]("kind", 10, lambda row: row[0].kind),
        Column[Row]("format", 14, lambda row: row[0].format),
        Column[Row]("principal", 12, principal_code),
        Column[Row]("total cost", 12, _total),
        Column[Row]("source", 30, lambda row: row[0].source),
    )

    def start(self, args: argparse.Namespace, context: CommandContext) -> Job:
        return _canonical


def _canonical(record: Record) -> Iterable[SdkModel]:
    """The record itself: written out, it is the canonical form."""
    return (record.model,)
