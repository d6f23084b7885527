"""HL7 V3 data-type values (TS times, BL booleans) ↔ the SDK models' values.

CDA writes times as ``yyyyMMddHHmmss`` (TS) and booleans as ``true``/``false`` (BL); the
models hold ``datetime``/``date`` and the interface's ``1``/``0`` flags. Amounts (MO, PQ)
stay decimal strings end to end: the models' money types read them exactly, no float ever
holds one. Conversions here raise ``ValueError`` with a reason that never quotes the value.
"""

from __future__ import annotations

import re
from datetime import date, datetime

_TS = re.compile(r"(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(?:(\d{2})(?:\.\d+)?)?)?([+-]\d{4})?")
LOCAL_OFFSET = "+0800"
"""The only time-zone offset accepted: the interface's times are Beijing local times."""


def parse_ts(text: str) -> datetime:
    """A TS value (``yyyyMMdd[HHmm[ss[.f]]][±zzzz]``) as a naive local date-time."""
    match = _TS.fullmatch(text.strip())
    if match is None:
        raise ValueError("not an HL7 TS time (yyyyMMdd[HHmm[ss]])")
    year, month, day, hour, minute, second, offset = match.groups()
    if offset is not None and offset != LOCAL_OFFSET:
        raise ValueError(f"time zone other than {LOCAL_OFFSET} (Beijing time)")
    try:
        return datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
        )
    except ValueError:
        raise ValueError("not a calendar date and time") from None


def parse_ts_date(text: str) -> date:
    """A TS value as a date (a birth date written with a time keeps its day)."""
    return parse_ts(text).date()


def format_ts(value: datetime | date) -> str:
    """``yyyyMMddHHmmss`` for a date-time, ``yyyyMMdd`` for a date."""
    if isinstance(value, datetime):
        return value.strftime("%Y%m%d%H%M%S")
    return value.strftime("%Y%m%d")


def parse_bl(text: str) -> str:
    """A BL value as the interface's flag: ``true`` → ``1``, ``false`` → ``0``."""
    flag = {"true": "1", "false": "0", "1": "1", "0": "0"}.get(text.strip().lower())
    if flag is None:
        raise ValueError("not an HL7 BL boolean (true/false)")
    return flag


def format_bl(flag: str) -> str | None:
    """The BL spelling of a ``1``/``0`` flag, or None for any other code (written as text)."""
    return {"1": "true", "0": "false"}.get(flag)
