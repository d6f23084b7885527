"""The interface's JSON, exactly: amounts are JSON numbers, read and written without a float.

Reading uses ``parse_float=Decimal`` (``12.30`` stays ``Decimal("12.30")``); writing renders
a ``Decimal`` as its exact digits. The standard encoder cannot write a number it did not
format itself, so a Decimal is first written as a marked string and the marks are then
removed: one regular-expression pass over the finished text, cheaper than a pure-Python
encoder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

_MARK = "\x1f"
_MARKED = re.compile(r'"\\u001f(-?[0-9]+(?:\.[0-9]+)?)\\u001f"')


class WireJsonError(ValueError):
    """A body that is not the interface's JSON (not UTF-8, not JSON, or not an object)."""


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not an amount")
        return f"{_MARK}{value:f}{_MARK}"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(data: Any) -> str:
    """Compact JSON of ``data``; Decimals as exact numbers, times as ``yyyy-MM-dd HH:mm:ss``."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_default)
    return _MARKED.sub(_unmark, text) if "\\u001f" in text else text


def _unmark(match: re.Match[str]) -> str:
    # A function, not the template r"\1": Python expands a template per match, slowly.
    return match[1]


def loads(raw: bytes | str) -> dict[str, Any]:
    """A JSON object, its fractional numbers as Decimals; :class:`WireJsonError` otherwise."""
    try:
        data = json.loads(raw, parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise WireJsonError(f"not JSON: {error}") from None
    if not isinstance(data, Mapping):
        raise WireJsonError(f"expected a JSON object, got {type(data).__name__}")
    return dict(data)
