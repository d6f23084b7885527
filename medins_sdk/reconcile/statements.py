"""Reading one side of a reconciliation: statement files in JSON, CSV or the 3202 layout.

Every reader yields a :class:`~medins_sdk.io.records.Record` (whose model is a
:class:`~medins_sdk.reconcile.lines.StatementLine`) or a
:class:`~medins_sdk.io.records.Rejected` with the record id, field path and reason, so that
records read = accepted + rejected. :func:`collect` then keeps one line per ``setl_id`` (a
repeated id is rejected, naming where it was first seen) within the period asked for.

The 3202 result file's layout is an assumption: the reference names its fields (``setl_id,
mdtrt_id, psn_no, medfee_sumamt, fund_pay_sumamt, acct_pay, refd_setl_flag``) but not the
file's exact form. :class:`Result3202Reader` reads them tab-separated, in that order, without a
header, and ignores further columns (the bureau's ``stmt_rslt`` …). A region whose file
differs registers its own reader through ``medins_register_statement_readers``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

from medins_sdk.csvtable import TableLayout
from medins_sdk.io.reader import InputError, RecordParser, read_records
from medins_sdk.io.records import Issue, Record, Rejected
from medins_sdk.reconcile.lines import STATEMENT_FORMATS, StatementLine

_NATIONAL_FORMAT = STATEMENT_FORMATS[1]


def _headers() -> dict[str, tuple[str, ...]]:
    """National field name → the headers a CSV may use for it (national, English, Chinese)."""
    headers: dict[str, tuple[str, ...]] = {}
    for name, info in StatementLine.model_fields.items():
        national = info.alias or name
        spellings = (national, name, info.description or name)
        headers[national] = tuple(dict.fromkeys(spellings))
    headers["setl_optins"] += ("clr_optins", "清算经办机构")
    return headers


class CsvColumnsError(ValueError):
    """A statement CSV whose header lacks a required column: the whole file is unusable."""


CSV_LAYOUT: Final = TableLayout(
    "statement CSV",
    _headers(),
    required=("setl_id", "medfee_sumamt", "fund_pay_sumamt", "acct_pay"),
    error=CsvColumnsError,
    key="settlement id",
)
"""Columns of a statement CSV: the national names, the SDK's English names or the Chinese
names as exports print them (结算ID, 医疗费总额 …), in any order."""

RESULT_3202_COLUMNS: Final = (
    "setl_id",
    "mdtrt_id",
    "psn_no",
    "medfee_sumamt",
    "fund_pay_sumamt",
    "acct_pay",
    "refd_setl_flag",
)
"""The assumed column order of a 3202 detail (and result) file, tab-separated."""


def _parser() -> RecordParser:
    return RecordParser(STATEMENT_FORMATS, _NATIONAL_FORMAT)


def _open_text(path: Path) -> Any:
    try:
        return open(path, encoding="utf-8-sig", newline="")
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror}") from error


def _row_records(
    rows: Iterable[tuple[int, dict[str, str]]], name: str
) -> Iterator[Record | Rejected]:
    """Records of decoded rows (line number, national field → text); empty cells are absent."""
    parser = _parser()
    for line, cells in rows:
        obj = {key: value for key, value in cells.items() if value}
        yield parser.from_object(obj, f"{name}:{line}")


@dataclass(frozen=True)
class JsonStatementReader:
    """JSON Lines (or JSON) of statement lines: flat ``setlinfo`` fields, the SDK's English
    names, or whole 2304/2305 answers (envelope or bare)."""

    name: str = "jsonl"
    description: str = "JSON Lines of settlements (setlinfo fields, or 2304/2305 answers)"

    def read(self, path: Path) -> Iterator[Record | Rejected]:
        """Every record of the file, in order."""
        return read_records([path], STATEMENT_FORMATS)


@dataclass(frozen=True)
class CsvStatementReader:
    """A CSV with a header row naming the columns (see :data:`CSV_LAYOUT`)."""

    name: str = "csv"
    description: str = "CSV of settlements with a header row (national, English or 中文 names)"

    def read(self, path: Path) -> Iterator[Record | Rejected]:
        """Every data row of the file, in order; blank lines are skipped."""
        with _open_text(path) as handle:
            rows = csv.reader(handle)
            header = next(rows, None)
            if header is None:
                return
            positions = CSV_LAYOUT.positions(header, str(path))
            decoded = (
                (number, {key: _cell(row, index) for key, index in positions.items()})
                for number, row in enumerate(rows, start=2)
                if any(cell.strip() for cell in row)
            )
            yield from _row_records(decoded, str(path))


@dataclass(frozen=True)
class Result3202Reader:
    """A 3202 detail or result file: tab-separated, no header, :data:`RESULT_3202_COLUMNS`."""

    name: str = "3202"
    description: str = "3202 detail/result file: tab-separated setl_id … refd_setl_flag"

    def read(self, path: Path) -> Iterator[Record | Rejected]:
        """Every non-blank line of the file, in order."""
        with _open_text(path) as handle:
            decoded = (
                (number, dict(zip(RESULT_3202_COLUMNS, (c.strip() for c in row), strict=False)))
                for number, row in enumerate(csv.reader(handle, delimiter="\t"), start=1)
                if any(cell.strip() for cell in row)
            )
            yield from _row_records(decoded, str(path))


def _cell(row: list[str], index: int) -> str:
    return row[index].strip() if index < len(row) else ""


BUILTIN_READERS: Final = (JsonStatementReader(), CsvStatementReader(), Result3202Reader())
"""The core's statement readers, registered by the core's own plugin."""

_BY_SUFFIX: Final = {".csv": "csv", ".txt": "3202", ".tsv": "3202"}


def reader_name_for(path: Path) -> str:
    """The built-in reader a file's suffix selects: csv, 3202 (.txt/.tsv) or jsonl."""
    return _BY_SUFFIX.get(path.suffix.lower(), "jsonl")


@dataclass
class Side:
    """One side of a reconciliation: its lines by ``setl_id`` and what was rejected."""

    name: str
    lines: dict[str, StatementLine] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)
    read: int = 0
    """Records read: ``read = accepted + rejected`` (accepted include lines outside the period)."""
    outside: int = 0
    """Accepted lines outside the period asked for, left out of the comparison."""

    def summary(self) -> str:
        """``hospital: N read, M in period, K outside, R rejected``."""
        return (
            f"{self.name}: {self.read} read, {len(self.lines)} in period, "
            f"{self.outside} outside, {len(self.rejected)} rejected"
        )


def collect(
    name: str,
    items: Iterable[Record | Rejected | StatementLine],
    start: date | None = None,
    end: date | None = None,
) -> Side:
    """The side ``name`` from records (or lines) read, keeping lines of ``[start, end]``.

    A ``setl_id`` seen twice is rejected the second time: a settlement counts once.
    """
    side = Side(name)
    first_seen: dict[str, str] = {}
    for item in items:
        side.read += 1
        if isinstance(item, Rejected):
            side.rejected.append(item)
            continue
        source = item.source if isinstance(item, Record) else f"{name}[{side.read - 1}]"
        line = item.model if isinstance(item, Record) else item
        if not isinstance(line, StatementLine):
            side.rejected.append(
                Rejected(None, source, None, (Issue("", "not a settlement line"),))
            )
            continue
        if line.setl_id in first_seen:
            reason = f"setl_id listed twice (first at {first_seen[line.setl_id]})"
            side.rejected.append(Rejected(line.setl_id, source, None, (Issue("setl_id", reason),)))
            continue
        first_seen[line.setl_id] = source
        if line.within(start, end):
            side.lines[line.setl_id] = line
        else:
            side.outside += 1
    return side
