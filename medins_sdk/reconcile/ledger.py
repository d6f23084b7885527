"""The settlement ledger: every settlement, refund, upload and bureau answer, durably, once.

Write order (seed 002: 先存医保数据, 再存军保数据, 最后存到 HIS 表里), so that no crash leaves a
settlement the ledger does not know:

1. :meth:`Ledger.begin` — before calling the bureau, the request is recorded (``sent``);
2. :meth:`Ledger.record_settlement` / :meth:`Ledger.record_refund` — the bureau's answer and
   its settlement line are persisted in **one transaction** before anything else;
3. the :class:`LedgerHook` writes the hospital's own tables (HIS, secondary insurance), then
   the settlement is marked ``complete``.

A crash after 1 leaves a request ``sent``: :meth:`Ledger.recover` asks a resolver (a 5203
query to the bureau) and records the answer (complete) or abandons the request (undo). A crash
after 2, inside 3 or before the mark leaves the settlement ``answered``: recover runs the hook
again (hooks are idempotent by ``setl_id``) and marks it complete. Re-recording the same
settlement, refund or message is a no-op; recording a different one under a known id is an
error. Amounts are stored as integer cents.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Protocol, Self

from medins_sdk.codes.tables import Flag
from medins_sdk.models import Settlement
from medins_sdk.reconcile.ledger_sql import Backend, Cursor
from medins_sdk.reconcile.lines import RowKey, StatementLine, line_of
from medins_sdk.reconcile.migrations import migrate
from medins_sdk.reconcile.totals import Amounts

EventKind = Literal["settled", "refunded"]


class LedgerError(ValueError):
    """A write the ledger refuses: a conflicting record, a refund out of order …"""


@dataclass(frozen=True, slots=True)
class LedgerEvent:
    """What the hospital hook is told: a settlement or refund, after its answer is persisted."""

    kind: EventKind
    line: StatementLine
    answer: Settlement | None
    """The bureau's answer (None for lines imported from a statement file)."""


class LedgerHook(Protocol):
    """Writes the hospital's own tables (HIS, secondary insurance) for a persisted settlement.

    Must be idempotent by ``event.line.setl_id``: :meth:`Ledger.recover` calls it again for a
    settlement whose earlier call may or may not have finished.
    """

    @property
    def name(self) -> str:
        """Recorded with each settlement, so ``medins ledger recover --hook NAME`` finds it."""
        ...

    def apply(self, event: LedgerEvent) -> None:
        """Write the hospital's records of ``event``; raise to leave it for recovery."""
        ...


@dataclass(frozen=True, slots=True)
class PendingRequest:
    """A request sent to the bureau whose answer was never persisted."""

    request_id: str
    infno: str
    visit_id: str
    original_setl_id: str | None


Resolver = Callable[[PendingRequest], Settlement | None]
"""Asks the bureau what became of a request (a 5203 query): its answer, or None if none."""


@dataclass
class RecoveryReport:
    """What :meth:`Ledger.recover` did, by ``setl_id`` or request id, each list sorted."""

    completed: list[str] = field(default_factory=list)
    """Settlements whose hospital records were written (or re-written) and marked complete."""
    undone: list[str] = field(default_factory=list)
    """Requests the bureau has no settlement for: abandoned."""
    waiting: list[str] = field(default_factory=list)
    """Settlements whose hook is not available here (``--hook NAME``)."""
    in_doubt: list[str] = field(default_factory=list)
    """Requests without an answer and no resolver to ask the bureau."""

    @property
    def clean(self) -> bool:
        """Nothing left to do."""
        return not (self.waiting or self.in_doubt)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready data, as ``medins ledger recover`` prints it."""
        return {
            "completed": sorted(self.completed),
            "undone": sorted(self.undone),
            "waiting": sorted(self.waiting),
            "in_doubt": sorted(self.in_doubt),
            "clean": self.clean,
        }


def _cents(amount: Decimal) -> int:
    return int(amount.scaleb(2))


def _yuan(cents: Any) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)


def _time_text(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat(sep=" ")


_COLUMNS = (
    "setl_id, mdtrt_id, psn_no, insutype, setl_optins, clr_type, setl_time, medfee_sumamt, "
    "fund_pay_sumamt, acct_pay, refd_setl_flag, original_setl_id"
)


def _row_of(line: StatementLine) -> tuple[Any, ...]:
    return (
        line.setl_id,
        line.visit_id,
        line.person_no,
        line.insurance_type,
        line.settlement_agency,
        line.clearing_type,
        _time_text(line.settlement_time),
        _cents(line.total),
        _cents(line.fund_total),
        _cents(line.account_pay),
        1 if line.is_refund else 0,
        line.original_setl_id,
    )


def _line_of_row(row: Sequence[Any]) -> StatementLine:
    return StatementLine(
        setl_id=row[0],
        visit_id=row[1],
        person_no=row[2],
        insurance_type=row[3],
        settlement_agency=row[4],
        clearing_type=row[5],
        settlement_time=None if row[6] is None else datetime.fromisoformat(row[6]),
        total=_yuan(row[7]),
        fund_total=_yuan(row[8]),
        account_pay=_yuan(row[9]),
        refund=Flag.YES if row[10] else Flag.NO,
        original_setl_id=row[11],
    )


def _period(start: date | None, end: date | None) -> tuple[str, list[str]]:
    """A WHERE clause selecting ``[start, end]`` by settlement date; lines without a time
    belong to every period, as in :meth:`StatementLine.within`."""
    clauses, params = [], []
    if start is not None:
        clauses.append("setl_time >= ?")
        params.append(start.isoformat())
    if end is not None:
        clauses.append("setl_time < ?")
        params.append((end + timedelta(days=1)).isoformat())
    if not clauses:
        return "", []
    return f" WHERE (setl_time IS NULL OR ({' AND '.join(clauses)}))", params


class Ledger:
    """A settlement ledger over a database backend (see :meth:`open`).

    One instance holds one connection and is used from one thread; several processes may
    share a ledger (SQLite serialises writers, PostgreSQL isolates transactions).
    """

    def __init__(self, backend: Backend, hook: LedgerHook | None = None) -> None:
        self._backend = backend
        self._hook = hook
        self.schema_version = migrate(backend)

    @classmethod
    def open(
        cls,
        location: str | Path,
        *,
        hook: LedgerHook | None = None,
        synchronous: Literal["FULL", "NORMAL", "EXTRA"] = "FULL",
    ) -> Ledger:
        """A ledger in a SQLite file (created if absent) or a PostgreSQL database by DSN
        (``postgresql://…``); the schema is brought up to date."""
        from medins_sdk.reconcile.ledger_postgres import PostgresBackend, is_dsn
        from medins_sdk.reconcile.ledger_sqlite import SqliteBackend

        text = str(location)
        backend: Backend = (
            PostgresBackend(text) if is_dsn(text) else SqliteBackend(location, synchronous)
        )
        return cls(backend, hook)

    @property
    def location(self) -> str:
        """The ledger's file or DSN (password hidden)."""
        return self._backend.location

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self._backend.close()

    # -- writing -------------------------------------------------------------------------

    def begin(
        self,
        request_id: str,
        visit_id: str,
        *,
        infno: str = "2304",
        original_setl_id: str | None = None,
        body: str | None = None,
    ) -> None:
        """Record a request about to be sent (step 1); a known ``request_id`` is a no-op.

        ``body``, the message as it will leave, is recorded with it (as
        :meth:`record_message` would, keyed by ``request_id``) in the same transaction: one
        commit — one fsync under ``synchronous=FULL`` — fewer per settlement."""
        with self._backend.transaction() as cursor:
            cursor.execute(
                "INSERT INTO ledger_requests (request_id, infno, visit_id, original_setl_id, "
                "state) VALUES (?, ?, ?, ?, 'sent') ON CONFLICT (request_id) DO NOTHING",
                (request_id, infno, visit_id, original_setl_id),
            )
            if body is not None:
                _insert_message(cursor, request_id, infno, "request", body)

    def abandon(self, request_id: str) -> None:
        """Mark a ``sent`` request as refused by the bureau (an answer with ``infcode`` ≠ 0:
        nothing was settled), so that recovery does not ask about it."""
        with self._backend.transaction() as cursor:
            cursor.execute(
                "UPDATE ledger_requests SET state = 'abandoned' "
                "WHERE request_id = ? AND state = 'sent'",
                (request_id,),
            )

    def record_settlement(
        self,
        answer: Settlement,
        *,
        request_id: str | None = None,
        raw: str | Mapping[str, Any] | None = None,
    ) -> StatementLine:
        """Persist a 2304 answer (and ``raw``, the bureau's message as received), then run the
        hook. Returns the settlement's line."""
        line = line_of(answer.info)
        body = answer.model_dump_json(exclude_none=True)
        self._record(line, "2304", body, raw, request_id, self._hook, answer)
        return line

    def record_refund(
        self,
        answer: Settlement,
        original_setl_id: str,
        *,
        request_id: str | None = None,
        raw: str | Mapping[str, Any] | None = None,
    ) -> StatementLine:
        """Persist a 2305 answer cancelling ``original_setl_id`` (its amounts negated), then
        run the hook. Refunds go last first: a person's later settlement must be refunded
        before an earlier one."""
        line = line_of(answer.info, original_setl_id)
        body = answer.model_dump_json(exclude_none=True)
        self._record(line, "2305", body, raw, request_id, self._hook, answer)
        return line

    def record_line(self, line: StatementLine) -> StatementLine:
        """Persist a settlement line imported from a statement file (``medins ledger import``);
        no hook runs: the hospital's tables already hold what the file came from."""
        body = line.model_dump_json(exclude_none=True)
        self._record(line, "import", body, None, None, None, None)
        return line

    def record_message(
        self,
        infno: str,
        body: str | Mapping[str, Any],
        *,
        msgid: str | None = None,
        direction: Literal["upload", "request", "answer"] = "upload",
    ) -> str:
        """Persist an upload (2301 charges, 4101 settlement list …) or any raw message
        (``direction``: a client records each ``request`` it sends and each ``answer``).

        Keyed by ``msgid`` when given, else by the body's SHA-256: recording it again is a
        no-op. Returns the key.
        """
        text = body if isinstance(body, str) else _json(body)
        key = msgid or "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
        with self._backend.transaction() as cursor:
            _insert_message(cursor, key, infno, direction, text)
        return key

    def _record(
        self,
        line: StatementLine,
        infno: str,
        body: str,
        raw: str | Mapping[str, Any] | None,
        request_id: str | None,
        hook: LedgerHook | None,
        answer: Settlement | None,
    ) -> None:
        """Step 2 in one transaction, then step 3 when the settlement still awaits its hook."""
        with self._backend.transaction() as cursor:
            # A settlement is inserted straight away (a known one conflicts and is compared
            # below): one statement fewer on the path every settlement takes. A refund is
            # looked up first, since recording it again must not trip the refund checks.
            known_refund = line.original_setl_id is not None
            existing = self._fetch(cursor, line.setl_id) if known_refund else None
            inserted = None if existing else self._insert(cursor, line, infno, body, raw, hook)
            if inserted is None:  # known, or recorded meanwhile by another process
                known, state = existing or self._fetch(cursor, line.setl_id) or (None, "")
                if known != line:
                    raise LedgerError(
                        f"settlement {line.setl_id} is already recorded with other figures; "
                        "a correction is a refund and a new settlement"
                    )
            else:
                state = inserted
            if request_id is not None:
                cursor.execute(
                    "UPDATE ledger_requests SET state = 'answered', setl_id = ? "
                    "WHERE request_id = ?",
                    (line.setl_id, request_id),
                )
        if state == "answered" and hook is not None:
            kind: EventKind = "refunded" if line.original_setl_id else "settled"
            self._complete(hook, LedgerEvent(kind, line, answer))

    def _insert(
        self,
        cursor: Cursor,
        line: StatementLine,
        infno: str,
        body: str,
        raw: str | Mapping[str, Any] | None,
        hook: LedgerHook | None,
    ) -> str | None:
        """The answer, then its settlement (and a refund's mark on its original); the state,
        or None when another writer recorded the settlement first (PostgreSQL)."""
        if line.original_setl_id is not None:
            self._check_refund(cursor, line)
        key = f"{infno}:{line.setl_id}"
        cursor.execute(
            "INSERT INTO ledger_messages (msg_key, infno, direction, setl_id, body, raw)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (msg_key) DO NOTHING",
            (
                key,
                infno,
                "import" if infno == "import" else "answer",
                line.setl_id,
                body,
                raw if raw is None or isinstance(raw, str) else _json(raw),
            ),
        )
        state = "answered" if hook is not None else "complete"
        cursor.execute(
            f"INSERT INTO ledger_settlements ({_COLUMNS}, refunded_by, state, hook, msg_key) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?) "
            "ON CONFLICT (setl_id) DO NOTHING",
            (*_row_of(line), state, hook.name if hook else None, key),
        )
        if cursor.rowcount == 0:
            return None
        if line.original_setl_id is not None:
            cursor.execute(
                "UPDATE ledger_settlements SET refunded_by = ? WHERE setl_id = ?",
                (line.setl_id, line.original_setl_id),
            )
        return state

    def _complete(self, hook: LedgerHook, event: LedgerEvent) -> None:
        hook.apply(event)
        with self._backend.transaction() as cursor:
            cursor.execute(
                "UPDATE ledger_settlements SET state = 'complete' "
                "WHERE setl_id = ? AND state = 'answered'",
                (event.line.setl_id,),
            )

    @staticmethod
    def _fetch(cursor: Cursor, setl_id: str) -> tuple[StatementLine, str] | None:
        cursor.execute(
            f"SELECT {_COLUMNS}, state FROM ledger_settlements WHERE setl_id = ?", (setl_id,)
        )
        row = cursor.fetchone()
        return None if row is None else (_line_of_row(row), str(row[12]))

    def _check_refund(self, cursor: Cursor, refund: StatementLine) -> None:
        """The refund cancels a known, unrefunded settlement exactly, and goes last first."""
        original_id = refund.original_setl_id
        what = f"refund {refund.setl_id} of {original_id}"
        cursor.execute(
            f"SELECT {_COLUMNS}, refunded_by FROM ledger_settlements WHERE setl_id = ?",
            (original_id,),
        )
        row = cursor.fetchone()
        if row is None:
            raise LedgerError(f"{what}: the original settlement is not in the ledger")
        original = _line_of_row(row)
        if original.is_refund:
            raise LedgerError(f"{what}: the original is itself a refund")
        if row[12] is not None:
            raise LedgerError(f"{what}: already refunded by {row[12]}")
        if refund.amounts != tuple(-amount for amount in original.amounts):
            raise LedgerError(
                f"{what}: amounts {[str(a) for a in refund.amounts]} do not cancel the "
                f"original's {[str(a) for a in original.amounts]}"
            )
        later = self._later_unrefunded(cursor, original)
        if later is not None:
            raise LedgerError(
                f"{what}: refunds go last first, and settlement {later} of the same person, "
                "settled later, is not refunded"
            )

    @staticmethod
    def _later_unrefunded(cursor: Cursor, original: StatementLine) -> str | None:
        if original.settlement_time is None:
            return None
        column, value = (
            ("psn_no", original.person_no)
            if original.person_no is not None
            else ("mdtrt_id", original.visit_id)
        )
        if value is None:
            return None
        when = _time_text(original.settlement_time)
        cursor.execute(
            "SELECT setl_id FROM ledger_settlements WHERE refd_setl_flag = 0 "
            f"AND refunded_by IS NULL AND {column} = ? AND setl_id <> ? "
            "AND (setl_time > ? OR (setl_time = ? AND setl_id > ?)) "
            "ORDER BY setl_time DESC, setl_id DESC LIMIT 1",
            (value, original.setl_id, when, when, original.setl_id),
        )
        row = cursor.fetchone()
        return None if row is None else str(row[0])

    # -- recovery ------------------------------------------------------------------------

    def recover(
        self, hook: LedgerHook | None = None, resolve: Resolver | None = None
    ) -> RecoveryReport:
        """Complete or undo whatever a crash left half-done (see the module's write order).

        ``hook`` defaults to the ledger's own; a settlement recorded with another hook waits
        for it. ``resolve`` asks the bureau about requests that never got an answer.
        """
        hook = hook or self._hook
        report = RecoveryReport()
        for request in self.pending_requests():
            if resolve is None:
                report.in_doubt.append(request.request_id)
                continue
            answer = resolve(request)
            if answer is None:
                with self._backend.transaction() as cursor:
                    cursor.execute(
                        "UPDATE ledger_requests SET state = 'abandoned' WHERE request_id = ?",
                        (request.request_id,),
                    )
                report.undone.append(request.request_id)
                continue
            line = line_of(answer.info, request.original_setl_id)
            infno = "2305" if line.original_setl_id else "2304"
            body = answer.model_dump_json(exclude_none=True)
            self._record(line, infno, body, None, request.request_id, hook, answer)
        for line, hook_name, answer in self._answered():
            if hook is None or hook.name != hook_name:
                report.waiting.append(line.setl_id)
                continue
            kind: EventKind = "refunded" if line.original_setl_id else "settled"
            self._complete(hook, LedgerEvent(kind, line, answer))
            report.completed.append(line.setl_id)
        return report

    def pending_requests(self) -> list[PendingRequest]:
        """Requests sent whose answer was never persisted, by id."""
        with self._backend.transaction() as cursor:
            cursor.execute(
                "SELECT request_id, infno, visit_id, original_setl_id FROM ledger_requests "
                "WHERE state = 'sent' ORDER BY request_id"
            )
            rows = cursor.fetchall()
        return [PendingRequest(*(row[0], row[1], row[2], row[3])) for row in rows]

    def _answered(self) -> list[tuple[StatementLine, str | None, Settlement | None]]:
        """Settlements persisted whose hospital records are not confirmed, oldest first."""
        with self._backend.transaction() as cursor:
            cursor.execute(
                f"SELECT {', '.join('s.' + c.strip() for c in _COLUMNS.split(','))}, s.hook, "
                "m.infno, m.body FROM ledger_settlements s JOIN ledger_messages m "
                "ON m.msg_key = s.msg_key WHERE s.state = 'answered' "
                "ORDER BY s.setl_time, s.setl_id"
            )
            rows = cursor.fetchall()
        found = []
        for row in rows:
            answer = (
                Settlement.model_validate_json(row[14]) if row[13] in ("2304", "2305") else None
            )
            found.append((_line_of_row(row), row[12], answer))
        return found

    # -- reading -------------------------------------------------------------------------

    def lines(self, start: date | None = None, end: date | None = None) -> dict[str, StatementLine]:
        """Every recorded settlement and refund of ``[start, end]``, by ``setl_id``, in
        settlement order (those half-done included: the bureau has them)."""
        where, params = _period(start, end)
        with self._backend.transaction() as cursor:
            cursor.execute(
                f"SELECT {_COLUMNS} FROM ledger_settlements{where} ORDER BY setl_time, setl_id",
                params,
            )
            rows = cursor.fetchall()
        return {row[0]: _line_of_row(row) for row in rows}

    def totals(self, start: date | None = None, end: date | None = None) -> dict[RowKey, Amounts]:
        """Sums per (insutype, setl_optins, clr_type) of ``[start, end]``, computed by the
        database (the same figures :func:`~medins_sdk.reconcile.totals.sums_by_key` gives
        on :meth:`lines`)."""
        where, params = _period(start, end)
        with self._backend.transaction() as cursor:
            cursor.execute(
                "SELECT COALESCE(insutype, ''), COALESCE(setl_optins, ''), "
                "COALESCE(clr_type, ''), SUM(medfee_sumamt), SUM(fund_pay_sumamt), "
                f"SUM(acct_pay), COUNT(*) FROM ledger_settlements{where} GROUP BY 1, 2, 3",
                params,
            )
            rows = cursor.fetchall()
        return {
            RowKey(row[0], row[1], row[2]): Amounts(
                medfee_sumamt=_yuan(row[3]),
                fund_pay_sumamt=_yuan(row[4]),
                acct_pay=_yuan(row[5]),
                setl_cnt=int(row[6]),
            )
            for row in rows
        }

    def states(self) -> dict[str, str]:
        """Each settlement's state (``answered`` or ``complete``), by ``setl_id``."""
        with self._backend.transaction() as cursor:
            cursor.execute("SELECT setl_id, state FROM ledger_settlements ORDER BY setl_id")
            return {str(row[0]): str(row[1]) for row in cursor.fetchall()}

    def messages(self) -> Iterator[tuple[str, str, str]]:
        """Every message recorded: ``(key, infno, direction)``, by key."""
        with self._backend.transaction() as cursor:
            cursor.execute("SELECT msg_key, infno, direction FROM ledger_messages ORDER BY msg_key")
            rows = cursor.fetchall()
        return ((str(r[0]), str(r[1]), str(r[2])) for r in rows)


def _insert_message(cursor: Cursor, key: str, infno: str, direction: str, text: str) -> None:
    """A raw message under ``key`` (recording it again is a no-op)."""
    cursor.execute(
        "INSERT INTO ledger_messages (msg_key, infno, direction, body) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (msg_key) DO NOTHING",
        (key, infno, direction, text),
    )


def _json(data: Mapping[str, Any]) -> str:
    """Deterministic JSON of a raw message (Decimals as exact strings)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
