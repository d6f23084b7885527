"""Settled historical cases for DIP: the catalogue builder's and the point values' input.

Two ways in, one shape out (:class:`HistoryCase`):

- **Encounters** through the core reader (canonical or national JSON, any registered
  format): what a hospital's HIS already exports. The year is the settlement list's
  settlement end date (结算结束日期), else its discharge time; the cost is the encounter's
  total cost.
- **A light CSV case summary** for a region's volumes (:data:`HISTORY_COLUMNS`): one row per
  case, header first, UTF-8 (a BOM is fine)::

      id,year,diagnosis,procedures,cost,secondary,age,institution
      C0001,2023,C18.700,45.7302|45.2300,52340.50,I10.x00,67,H44010100001

  Procedure codes are separated by ``|`` or ``+``, the principal procedure first; secondary
  diagnoses by ``|`` (a ``+`` belongs to dagger–asterisk codes such as ``A17.000+G01*``).
  ``secondary``, ``age`` and ``institution`` are optional
  (they feed the auxiliary catalogue and the hospital coefficients of a settlement).

Both refuse what the engine would — no principal diagnosis, codes outside the ICD-10 /
ICD-9-CM-3 医保版 2.0 editions — and a case without a positive cost, which no mean can use.
A refused case is a :class:`~medins_sdk.io.records.Rejected` naming the case, the line and
the field, and reading goes on.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Final, TextIO

from medins_sdk.csvtable import TableLayout, decimal_cell
from medins_sdk.grouping.dip import case_of
from medins_sdk.grouping.dip_match import DipCase, unknown_codes
from medins_sdk.io.formats import DocumentReader, RecordFormat
from medins_sdk.io.reader import read_records
from medins_sdk.io.records import Issue, Record, Rejected

CSV_FORMAT: Final = "dip-history-csv"
"""The format name rejected CSV rows carry."""

HISTORY_COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    "id": ("id", "case_id", "setl_id", "结算ID", "病例号", "病案号"),
    "year": ("year", "结算年度", "年度", "年份"),
    "diagnosis": ("diagnosis", "principal_diagnosis", "主要诊断编码", "主要诊断代码", "主要诊断"),
    "procedures": ("procedures", "手术操作编码", "手术及操作编码", "手术操作代码"),
    "cost": ("cost", "total_cost", "医疗费总额", "总费用"),
    "secondary": ("secondary", "secondary_diagnoses", "其他诊断编码", "其他诊断"),
    "age": ("age", "年龄"),
    "institution": ("institution", "fixmedins_code", "定点医药机构编号", "医疗机构编码"),
}
"""Columns of the history CSV and the headers accepted for each (English or Chinese)."""
REQUIRED: Final = ("id", "year", "diagnosis", "cost")
HEADER: Final = tuple(HISTORY_COLUMNS)
"""The header :func:`write_history_csv` writes."""


class HistoryError(ValueError):
    """A history file that cannot be read at all (no header, missing columns)."""


_LAYOUT: Final = TableLayout("DIP history", HISTORY_COLUMNS, REQUIRED, HistoryError, key="case id")

_YEAR: Final = re.compile(r"\d{4}")


@dataclass(frozen=True, slots=True)
class HistoryCase:
    """One settled case of a history: its year, DIP facts, cost and institution."""

    id: str
    year: int
    case: DipCase
    cost: Decimal
    institution: str | None = None


def _codes(text: str) -> tuple[str, ...]:
    """The ``|``-separated codes of a cell, each once, in order."""
    if not text:
        return ()
    codes = [code.strip() for code in text.split("|")]
    if len(codes) == 1:
        return (codes[0],) if codes[0] else ()
    return tuple(dict.fromkeys(code for code in codes if code))


def read_history_csv(path: Path | str) -> Iterator[HistoryCase | Rejected]:
    """Every row of a history CSV, in order: a case, or a rejection naming line and field.

    :class:`HistoryError` (before any row) when the file has no header or lacks a column.
    """
    name = str(path)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        yield from parse_history_csv(handle, name)


def parse_history_csv(stream: TextIO, name: str) -> Iterator[HistoryCase | Rejected]:
    """:func:`read_history_csv` of an open text stream named ``name``."""
    rows = csv.reader(stream)
    header = next(rows, None)
    if header is None:
        raise HistoryError(f"{name}: empty DIP history")
    if header:
        header[0] = header[0].removeprefix("\ufeff")
    at = _LAYOUT.positions(header, name)
    width = len(header)
    optional = {key: at.get(key) for key in ("procedures", "secondary", "age", "institution")}
    for line, row in enumerate(rows, start=2):
        if len(row) < width:
            if not any(cell.strip() for cell in row):
                continue
            row = row + [""] * (width - len(row))
        yield _row(row, at, optional, f"{name}:{line}")


def _cell(row: list[str], index: int | None) -> str:
    return "" if index is None else row[index].strip()


def _row(
    row: list[str], at: Mapping[str, int], optional: Mapping[str, int | None], source: str
) -> HistoryCase | Rejected:
    """One CSV row as a case, or every problem of the row."""
    case_id = row[at["id"]].strip()
    issues: list[Issue] = []
    year_text = row[at["year"]].strip()
    if not _YEAR.fullmatch(year_text):
        issues.append(Issue("year", f"year {year_text!r} is not a four-digit year"))
    cost_text = row[at["cost"]].strip()
    cost = decimal_cell(cost_text, 2)
    if cost is None or cost <= 0:
        issues.append(Issue("cost", f"cost {cost_text!r} is not a positive amount in yuan"))
    principal = row[at["diagnosis"]].strip()
    if not principal:
        issues.append(Issue("diagnosis", "no principal diagnosis (主要诊断)"))
    age_text = _cell(row, optional["age"])
    if age_text and not (age_text.isdigit() and int(age_text) <= 150):
        issues.append(Issue("age", f"age {age_text!r} is not a whole number of years"))
    case = DipCase(
        principal,
        _codes(_cell(row, optional["procedures"]).replace("+", "|")),
        _codes(_cell(row, optional["secondary"])),
        int(age_text) if age_text.isdigit() else None,
    )
    if principal:
        unknown = unknown_codes(case)
        if unknown is not None:
            issues.append(Issue("diagnosis/procedures/secondary", unknown))
    if not case_id:
        issues.insert(0, Issue("id", "no case id"))
    if issues or cost is None:
        return Rejected(case_id or None, source, CSV_FORMAT, tuple(issues))
    institution = _cell(row, optional["institution"]) or None
    return HistoryCase(case_id, int(year_text), case, cost, institution)


def history_of_records(records: Iterable[Record | Rejected]) -> Iterator[HistoryCase | Rejected]:
    """Encounters as history cases; other records, and encounters DIP cannot use, rejected."""
    for item in records:
        if isinstance(item, Rejected):
            yield item
            continue
        yield _encounter_case(item)


def _encounter_case(record: Record) -> HistoryCase | Rejected:
    def rejected(path: str, reason: str) -> Rejected:
        return Rejected(record.id, record.source, record.format, (Issue(path, reason),))

    try:
        encounter = record.encounter()
    except ValueError as error:
        return rejected("", str(error))
    case = case_of(encounter)
    if isinstance(case, str):
        return rejected("settlement_list.diagnoses", case)
    unknown = unknown_codes(case)
    if unknown is not None:
        return rejected("settlement_list", unknown)
    info = encounter.settlement_list.info
    settled = info.settlement_end or (info.discharge_time.date() if info.discharge_time else None)
    if settled is None:
        return rejected("settlement_list.info.settlement_end", "no settlement or discharge date")
    cost = encounter.total_cost
    if not cost:
        return rejected("", "the encounter carries no cost (or a cost of 0.00)")
    return HistoryCase(encounter.id, settled.year, case, cost, info.institution_code)


def read_history(
    sources: Sequence[str | Path],
    formats: Sequence[RecordFormat],
    *,
    readers: Sequence[DocumentReader] = (),
    input_format: str | None = None,
) -> Iterator[HistoryCase | Rejected]:
    """Every case of every source, in order: ``.csv`` files as history CSV, the others
    through the core reader (:func:`medins_sdk.io.reader.read_records`)."""
    for source in sources:
        if str(source).lower().endswith(".csv"):
            yield from read_history_csv(source)
        else:
            records = read_records([source], formats, readers=readers, input_format=input_format)
            yield from history_of_records(records)


def write_history_csv(cases: Iterable[HistoryCase], stream: TextIO) -> int:
    """Write ``cases`` as a history CSV (header :data:`HEADER`); returns the rows written."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(HEADER)
    count = 0
    for item in cases:
        case = item.case
        writer.writerow(
            (
                item.id,
                item.year,
                case.principal,
                "|".join(case.procedures),
                f"{item.cost:.2f}",
                "|".join(case.others),
                "" if case.age is None else case.age,
                item.institution or "",
            )
        )
        count += 1
    return count


def history_csv_text(cases: Iterable[HistoryCase]) -> str:
    """The history CSV of ``cases`` as a string (small histories, tests, docs)."""
    out = io.StringIO()
    write_history_csv(cases, out)
    return out.getvalue()
