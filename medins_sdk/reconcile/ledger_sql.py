"""What the ledger needs of a database: transactions and a cursor with ``?`` parameters.

The ledger's SQL is written once, with ``?`` placeholders and statements both SQLite and
PostgreSQL accept (``INSERT … ON CONFLICT DO NOTHING``); each backend adapts the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol


class Cursor(Protocol):
    """A cursor inside one transaction."""

    @property
    def rowcount(self) -> int:
        """Rows the last statement changed."""
        ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement with ``?`` placeholders."""
        ...

    def fetchone(self) -> Sequence[Any] | None:
        """The next row of the last query, or None."""
        ...

    def fetchall(self) -> list[Sequence[Any]]:
        """The remaining rows of the last query."""
        ...


class Backend(Protocol):
    """A database connection the ledger owns."""

    @property
    def location(self) -> str:
        """Where the ledger is (a path, or a DSN without its password), for messages."""
        ...

    def transaction(self) -> AbstractContextManager[Cursor]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        ...

    def close(self) -> None:
        """Close the connection."""
        ...
