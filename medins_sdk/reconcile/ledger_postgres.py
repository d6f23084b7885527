"""The ledger in PostgreSQL, by DSN: the same schema and SQL as SQLite, through psycopg 3.

Needs the ``postgres`` extra (``pip install medins-sdk[postgres]``). Every transaction commits
with the server's ``synchronous_commit`` (on by default: durable once ``record`` returns).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from medins_sdk.reconcile.ledger_sql import Cursor

_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@|(password=)\S+")


def is_dsn(location: str) -> bool:
    """Whether ``location`` names a PostgreSQL server rather than a file."""
    return location.startswith(("postgresql://", "postgres://")) or "dbname=" in location


def _hidden(dsn: str) -> str:
    return _PASSWORD.sub(
        lambda m: (m.group(1) or m.group(2)) + "***" + ("@" if m.group(1) else ""), dsn
    )


class _PgCursor:
    """A psycopg cursor taking the ledger's ``?`` placeholders."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._cursor.execute(sql.replace("?", "%s"), tuple(params))

    def fetchone(self) -> Sequence[Any] | None:
        row: Sequence[Any] | None = self._cursor.fetchone()
        return row

    def fetchall(self) -> list[Sequence[Any]]:
        return list(self._cursor.fetchall())


class PostgresBackend:
    """A ledger in a PostgreSQL database."""

    def __init__(self, dsn: str) -> None:
        try:
            import psycopg
        except ImportError as error:
            raise RuntimeError(
                "a PostgreSQL ledger needs psycopg: pip install 'medins-sdk[postgres]'"
            ) from error
        self.location = _hidden(dsn)
        self._connection = psycopg.connect(dsn, autocommit=True)

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """One server transaction; committed at the end of the block."""
        with self._connection.transaction(), self._connection.cursor() as cursor:
            yield _PgCursor(cursor)

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()
