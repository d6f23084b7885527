"""The ledger's schema, as numbered migrations that both SQLite and PostgreSQL run as written.

A ledger records the versions applied in ``ledger_schema``; opening a ledger applies the
missing ones in order, each in its own transaction, and refuses a ledger written by a newer
SDK. Amounts are integer cents (``BIGINT``), never floating point; times are text
``yyyy-MM-dd HH:mm:ss`` so that periods compare as strings in both databases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from medins_sdk.reconcile.ledger_sql import Backend


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: its version, what it does, and its statements."""

    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "messages, requests and settlements",
        (
            """CREATE TABLE ledger_messages (
                msg_key TEXT PRIMARY KEY,
                infno TEXT NOT NULL,
                direction TEXT NOT NULL,
                setl_id TEXT,
                body TEXT NOT NULL,
                raw TEXT
            )""",
            """CREATE TABLE ledger_requests (
                request_id TEXT PRIMARY KEY,
                infno TEXT NOT NULL,
                visit_id TEXT NOT NULL,
                original_setl_id TEXT,
                state TEXT NOT NULL,
                setl_id TEXT
            )""",
            """CREATE TABLE ledger_settlements (
                setl_id TEXT PRIMARY KEY,
                mdtrt_id TEXT,
                psn_no TEXT,
                insutype TEXT,
                setl_optins TEXT,
                clr_type TEXT,
                setl_time TEXT,
                medfee_sumamt BIGINT NOT NULL,
                fund_pay_sumamt BIGINT NOT NULL,
                acct_pay BIGINT NOT NULL,
                refd_setl_flag INTEGER NOT NULL,
                original_setl_id TEXT REFERENCES ledger_settlements (setl_id),
                refunded_by TEXT,
                state TEXT NOT NULL,
                hook TEXT,
                msg_key TEXT NOT NULL REFERENCES ledger_messages (msg_key)
            )""",
            "CREATE INDEX ledger_settlements_time ON ledger_settlements (setl_time)",
            "CREATE INDEX ledger_settlements_person ON ledger_settlements (psn_no)",
            # Partial indexes: only half-done rows are in them, so recording a settlement
            # that completes at once does not touch them.
            "CREATE INDEX ledger_settlements_answered ON ledger_settlements (setl_id) "
            "WHERE state = 'answered'",
            "CREATE INDEX ledger_requests_sent ON ledger_requests (request_id) "
            "WHERE state = 'sent'",
        ),
    ),
)
"""Every schema version, oldest first. Never edit a released migration: add the next one."""


class SchemaError(RuntimeError):
    """A ledger this SDK cannot use (written by a newer version)."""


def migrate(backend: Backend, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Apply the migrations the ledger lacks; returns the schema version it now has."""
    with backend.transaction() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS ledger_schema "
            "(version INTEGER PRIMARY KEY, description TEXT NOT NULL)"
        )
        cursor.execute("SELECT MAX(version) FROM ledger_schema")
        row = cursor.fetchone()
    current = int(row[0]) if row and row[0] is not None else 0
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        raise SchemaError(
            f"ledger schema version {current} is newer than this SDK knows ({latest}); "
            "upgrade medins-sdk"
        )
    for migration in migrations:
        if migration.version <= current:
            continue
        with backend.transaction() as cursor:
            for statement in migration.statements:
                cursor.execute(statement)
            cursor.execute(
                "INSERT INTO ledger_schema (version, description) VALUES (?, ?)",
                (migration.version, migration.description),
            )
        current = migration.version
    return current
