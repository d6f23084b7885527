"""Writing results: JSON Lines for programs, aligned tables for people."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TextIO, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


def write_json_line(stream: TextIO, data: BaseModel | dict[str, Any]) -> None:
    """One compact JSON line; models in their canonical form, amounts as exact strings."""
    if isinstance(data, BaseModel):
        stream.write(data.model_dump_json(exclude_none=True))
    else:
        stream.write(json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str))
    stream.write("\n")


def display_width(text: str) -> int:
    """Terminal columns of ``text``: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fit(text: str, width: int) -> str:
    """``text`` cut (with …) or padded to exactly ``width`` columns."""
    if display_width(text) > width:
        while text and display_width(text) > width - 1:
            text = text[:-1]
        text += "…"
    return text + " " * (width - display_width(text))


@dataclass(frozen=True)
class Column(Generic[T]):
    """A table column: header, width in terminal columns, and how to get the cell."""

    header: str
    width: int
    cell: Callable[[T], object]


class TableWriter(Generic[T]):
    """Streams rows as a fixed-width table: no buffering, so any input size works."""

    def __init__(self, stream: TextIO, columns: Sequence[Column[T]]) -> None:
        self._stream = stream
        self._columns = columns
        self._started = False

    def write(self, row: T) -> None:
        if not self._started:
            self._line([c.header for c in self._columns])
            self._line(["-" * c.width for c in self._columns])
            self._started = True
        self._line(["" if (v := c.cell(row)) is None else str(v) for c in self._columns])

    def _line(self, cells: Sequence[str]) -> None:
        text = "  ".join(fit(cell, c.width) for cell, c in zip(cells, self._columns, strict=True))
        self._stream.write(text.rstrip() + "\n")
