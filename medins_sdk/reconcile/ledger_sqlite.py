"""The embedded ledger: one SQLite file in WAL mode, one transaction per settlement.

Durability is the ``synchronous`` setting's: with ``FULL`` (the default) SQLite syncs the
write-ahead log at every commit, so a settlement whose ``record`` returned survives a crash of
the process *and* of the machine (power loss), as far as the disk honours fsync. ``NORMAL``
syncs only at checkpoints: a committed settlement survives a crash of the process but the
last ones may be lost on power loss — faster, and what a ledger must not use unless the
bureau's answers are also kept elsewhere.

Pages are 1 KiB (set when the file is created): a settlement's commit appends the pages it
touched (two rows, their indexes) to the log and waits for their fsync, and smaller pages
make that a quarter of the bytes — with ``FULL``, ~1,550 → ~2,200 settlements/s on the
machine of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from medins_sdk.reconcile.ledger_sql import Cursor

Synchronous = Literal["FULL", "NORMAL", "EXTRA"]


class SqliteBackend:
    """A ledger in a SQLite file (created when absent)."""

    def __init__(self, path: str | Path, synchronous: Synchronous = "FULL") -> None:
        if synchronous not in ("FULL", "NORMAL", "EXTRA"):
            raise ValueError(f"synchronous must be FULL, NORMAL or EXTRA, not {synchronous!r}")
        self.location = str(path)
        # Autocommit mode: transactions are opened explicitly, so each is exactly one block.
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=True)
        self._connection.execute("PRAGMA page_size=1024")  # new files only: see above
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute(f"PRAGMA synchronous={synchronous}")
        self._connection.execute("PRAGMA foreign_keys=ON")
        self._connection.execute("PRAGMA busy_timeout=10000")

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``: writers queue instead of failing mid-way."""
        cursor = self._connection.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        try:
            yield cursor
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        cursor.execute("COMMIT")

    def close(self) -> None:
        """Close the file (checkpointing the WAL)."""
        self._connection.close()


def is_sqlite_file(path: Path) -> bool:
    """Whether ``path`` is an existing SQLite database (by its header)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False
