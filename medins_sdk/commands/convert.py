"""``medins convert``: front pages (病案首页) → settlement lists (结算清单), with findings.

Reads front pages in any registered shape (4401 JSON, canonical front-page JSON, CDA XML
through the ``cda-xml`` adapter, a vendor export through its mapping) and writes, per front
page, the canonical encounter JSON every later verb reads (``medins group``, ``price`` …): its
settlement list in the insurance editions, with the front page it came from attached. Each
finding (a code without counterpart, a grey code, a cost category without its own settlement
category …) is a :class:`~medins_sdk.models.Finding` JSON line on stderr, or in the file
``--findings`` names. A front page whose list cannot be made valid is a rejected record.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from contextlib import ExitStack
from typing import TextIO

from medins_sdk.commands import CommandContext
from medins_sdk.commands.records import Job, RecordCommand, Row
from medins_sdk.commands.validate import principal_code
from medins_sdk.convert import FrontPageConverter
from medins_sdk.io.output import Column, write_json_line
from medins_sdk.io.records import Record
from medins_sdk.models import Encounter, FrontPage, SdkModel


class ConvertCommand(RecordCommand):
    """Convert front pages to settlement lists with the clinical → insurance crosswalks."""

    name = "convert"
    help = "convert front pages (4401 JSON, CDA XML …) to settlement lists; findings on stderr"
    columns = (
        Column[Row]("id", 22, lambda row: row[0].id),
        Column[Row]("principal", 14, principal_code),
        Column[Row]("total cost", 12, lambda row: getattr(row[1], "total_cost", None)),
        Column[Row]("source", 40, lambda row: row[0].source),
    )

    def __init__(self) -> None:
        self._files = ExitStack()

    def configure(self, parser: argparse.ArgumentParser) -> None:
        super().configure(parser)
        parser.add_argument(
            "--diagnosis-map",
            metavar="NAME",
            default="icd10-clinical-2.0-to-insurance-2.0",
            help="code map for diagnoses (see `medins plugins`)",
        )
        parser.add_argument(
            "--procedure-map",
            metavar="NAME",
            default="icd9cm3-clinical-3.0-to-insurance-2.0",
            help="code map for procedures",
        )
        parser.add_argument(
            "--findings", metavar="FILE", help="write findings here (JSONL; default stderr)"
        )

    def start(self, args: argparse.Namespace, context: CommandContext) -> Job:
        maps = context.plugins.registry.code_maps
        converter = FrontPageConverter(
            maps.get(args.diagnosis_map).load(), maps.get(args.procedure_map).load()
        )
        findings: TextIO = context.stderr
        if args.findings:
            # Closed in end(), after the last record.
            findings = self._files.enter_context(open(args.findings, "w", encoding="utf-8"))  # noqa: SIM115

        def job(record: Record) -> Iterable[SdkModel]:
            page = _front_page_of(record)
            converted = converter.convert(page)
            for finding in converted.findings:
                write_json_line(findings, finding)
            return (converted.encounter,)

        return job

    def end(self, job: Job, args: argparse.Namespace, out: TextIO) -> None:
        self._files.close()


def _front_page_of(record: Record) -> FrontPage:
    """The front page a record holds (a front page, or an encounter carrying one)."""
    model = record.model
    if isinstance(model, FrontPage):
        return model
    if isinstance(model, Encounter) and model.front_page is not None:
        return model.front_page
    raise ValueError(
        f"a {record.kind} record ({record.format}) holds no front page: `medins convert` "
        "reads front pages (4401 JSON, CDA XML …)"
    )
