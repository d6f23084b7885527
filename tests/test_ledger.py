"""The settlement ledger, on SQLite and on PostgreSQL: the same tests, the same behaviour.

PostgreSQL runs when ``MEDINS_TEST_POSTGRES_DSN`` names a server (``scripts/test.sh`` starts
one); otherwise those cases skip with the reason shown in the summary (``-ra``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from random import Random

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
)

from medins_sdk import synthetic
from medins_sdk.codes.tables import Flag
from medins_sdk.models import Settlement, SettlementInfo
from medins_sdk.reconcile.ledger import Ledger, LedgerError, LedgerEvent, PendingRequest
from medins_sdk.reconcile.ledger_postgres import PostgresBackend
from medins_sdk.reconcile.ledger_sqlite import SqliteBackend
from medins_sdk.reconcile.migrations import MIGRATIONS, SchemaError, migrate
from medins_sdk.reconcile.totals import sums_by_key

DSN = os.environ.get("MEDINS_TEST_POSTGRES_DSN")
DAY = date(2022, 11, 15)
_TABLES = "ledger_settlements, ledger_requests, ledger_messages, ledger_schema"

Opener = Callable[..., Ledger]


def _fresh_postgres() -> None:
    backend = PostgresBackend(DSN or "")
    with backend.transaction() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_TABLES} CASCADE")
    backend.close()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgres",
            marks=pytest.mark.skipif(
                DSN is None,
                reason="PostgreSQL ledger tests: no server (MEDINS_TEST_POSTGRES_DSN unset)",
            ),
        ),
    ]
)
def open_ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens a ledger on a fresh database of the backend under test (several opens of one
    test share it, as processes share a ledger)."""
    if request.param == "postgres":
        _fresh_postgres()
    location = DSN if request.param == "postgres" else str(tmp_path / "ledger.db")
    opened: list[Ledger] = []

    def opener(**options: object) -> Ledger:
        ledger = Ledger.open(location or "", **options)  # type: ignore[arg-type]
        opened.append(ledger)
        return ledger

    yield opener
    for ledger in opened:
        ledger.close()


def answer(
    setl_id: str,
    total: str = "100.00",
    *,
    person: str = "P1",
    when: datetime | None = None,
    refund: bool = False,
    original: str | None = None,
) -> Settlement:
    """A 2304 answer (or 2305 refund, amounts negated) with fund 60 %, account 10 %."""
    amount = Decimal(total)
    fund, account = (amount * Decimal("0.6")).quantize(Decimal("0.01")), amount / 10
    sign = -1 if refund else 1
    return Settlement(
        info=SettlementInfo(
            setl_id=setl_id,
            visit_id=f"M-{setl_id}",
            person_no=person,
            insurance_type="310",
            settlement_time=when or datetime(2022, 11, 15, 9, 0),
            total=sign * amount,
            fund_total=sign * fund,
            account_pay=sign * account.quantize(Decimal("0.01")),
            cash_pay=sign * (amount - fund - account.quantize(Decimal("0.01"))),
            clearing_type="11",
            clearing_agency="360199",
            refund=Flag.YES if refund else Flag.NO,
            original_setl_id=original,
        )
    )


@dataclass
class HospitalTables:
    """The HIS's own tables, as a hook writes them: idempotent by setl_id, with crash points."""

    name: str = "his"
    rows: dict[str, Decimal] = field(default_factory=dict)
    crash_before: bool = False
    crash_after: bool = False

    def apply(self, event: LedgerEvent) -> None:
        if self.crash_before:
            raise Crash("before the hospital's tables")
        self.rows[event.line.setl_id] = event.line.total
        if self.crash_after:
            raise Crash("after the hospital's tables, before the ledger's mark")


class Crash(RuntimeError):
    """A simulated crash at one point of the write order."""


# -- recording ---------------------------------------------------------------------------


def test_schema_is_versioned(open_ledger: Opener) -> None:
    ledger = open_ledger()
    assert ledger.schema_version == MIGRATIONS[-1].version
    assert open_ledger().schema_version == ledger.schema_version  # reopening migrates nothing


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    backend = SqliteBackend(tmp_path / "l.db")
    migrate(backend)
    with backend.transaction() as cursor:
        cursor.execute("INSERT INTO ledger_schema VALUES (99, 'from the future')")
    with pytest.raises(SchemaError, match="99 is newer"):
        migrate(backend)
    backend.close()


def test_recording_again_is_a_no_op(open_ledger: Opener) -> None:
    ledger = open_ledger()
    first = ledger.record_settlement(answer("S1"), raw={"infcode": 0, "output": {}})
    again = ledger.record_settlement(answer("S1"), raw={"infcode": 0, "output": {}})
    key = ledger.record_message("4101", {"setlinfo": {"setl_id": "S1"}})
    assert ledger.record_message("4101", {"setlinfo": {"setl_id": "S1"}}) == key
    assert ledger.record_message("2301", "{}", msgid="H1202211150900000001") == (
        "H1202211150900000001"
    )
    assert first == again
    assert list(ledger.lines()) == ["S1"]
    assert [m[:2] for m in ledger.messages()] == [
        ("2304:S1", "2304"),
        ("H1202211150900000001", "2301"),
        (key, "4101"),
    ]


def test_begin_records_the_request_body_with_it(open_ledger: Opener) -> None:
    ledger = open_ledger()
    ledger.begin("Q1", "M-S1", body='{"infno":"2304"}')
    ledger.begin("Q1", "M-S1", body='{"infno":"2304"}')  # again: a no-op
    ledger.begin("Q2", "M-S2")
    assert list(ledger.messages()) == [("Q1", "2304", "request")]
    assert [r.request_id for r in ledger.pending_requests()] == ["Q1", "Q2"]


def test_other_figures_under_a_known_id_are_refused(open_ledger: Opener) -> None:
    ledger = open_ledger()
    ledger.record_settlement(answer("S1", "100.00"))
    with pytest.raises(LedgerError, match="S1 is already recorded with other figures"):
        ledger.record_settlement(answer("S1", "100.01"))
    assert ledger.lines()["S1"].total == Decimal("100.00")


def test_amounts_are_exact_cents(open_ledger: Opener) -> None:
    ledger = open_ledger()
    ledger.record_settlement(answer("S1", "99999999999.99"))
    line = ledger.lines()["S1"]
    assert (line.total, line.fund_total) == (Decimal("99999999999.99"), Decimal("59999999999.99"))


def test_periods_select_by_settlement_date(open_ledger: Opener) -> None:
    ledger = open_ledger()
    for day in (14, 15, 16):
        ledger.record_settlement(answer(f"S{day}", when=datetime(2022, 11, day, 23, 59, 59)))
    assert list(ledger.lines(DAY, DAY)) == ["S15"]
    assert list(ledger.lines(DAY)) == ["S15", "S16"]
    assert list(ledger.lines(None, DAY)) == ["S14", "S15"]
    assert ledger.totals(DAY, DAY) == sums_by_key(ledger.lines(DAY, DAY).values())


def test_totals_in_the_database_equal_totals_from_detail(open_ledger: Opener) -> None:
    ledger = open_ledger()
    for line in synthetic.statement_lines(Random(6), 300, DAY):
        ledger.record_line(line)
    assert ledger.totals() == sums_by_key(ledger.lines().values())


# -- refunds -----------------------------------------------------------------------------


def test_a_refund_cancels_its_original(open_ledger: Opener) -> None:
    ledger = open_ledger()
    ledger.record_settlement(answer("S1"))
    refund = ledger.record_refund(answer("R1", refund=True), "S1")
    assert refund.is_refund
    assert ledger.record_refund(answer("R1", refund=True), "S1") == refund  # no-op
    total = sum(line.total for line in ledger.lines().values())
    assert total == Decimal("0.00")
    with pytest.raises(LedgerError, match="already refunded by R1"):
        ledger.record_refund(answer("R2", refund=True), "S1")


@pytest.mark.parametrize(
    ("refund", "original", "message"),
    [
        (answer("R1", "50.00", refund=True), "S1", "do not cancel"),
        (answer("R1", refund=True), "NOPE", "not in the ledger"),
    ],
)
def test_refunds_must_cancel_a_known_settlement(
    open_ledger: Opener, refund: Settlement, original: str, message: str
) -> None:
    ledger = open_ledger()
    ledger.record_settlement(answer("S1"))
    with pytest.raises(LedgerError, match=message):
        ledger.record_refund(refund, original)
    assert list(ledger.lines()) == ["S1"]


def test_refunds_go_last_first(open_ledger: Opener) -> None:
    ledger = open_ledger()
    ledger.record_settlement(answer("S1", when=datetime(2022, 11, 15, 9)))
    ledger.record_settlement(answer("S2", when=datetime(2022, 11, 15, 10)))
    ledger.record_settlement(answer("S3", person="P2", when=datetime(2022, 11, 15, 11)))
    with pytest.raises(LedgerError, match="last first, and settlement S2"):
        ledger.record_refund(answer("R1", refund=True), "S1")
    ledger.record_refund(answer("R2", refund=True, when=datetime(2022, 11, 15, 12)), "S2")
    ledger.record_refund(answer("R1", refund=True, when=datetime(2022, 11, 15, 12)), "S1")
    assert sorted(ledger.lines()) == ["R1", "R2", "S1", "S2", "S3"]


# -- write order and recovery ------------------------------------------------------------


@pytest.mark.parametrize("crash", ["crash_before", "crash_after"])
def test_recover_completes_an_answered_settlement(open_ledger: Opener, crash: str) -> None:
    tables = HospitalTables()
    setattr(tables, crash, True)
    ledger = open_ledger(hook=tables)
    with pytest.raises(Crash):
        ledger.record_settlement(answer("S1"))
    assert ledger.states() == {"S1": "answered"}  # the bureau's answer is persisted first
    tables.crash_before = tables.crash_after = False
    report = open_ledger(hook=tables).recover()
    assert report.completed == ["S1"]
    assert report.clean
    assert ledger.states() == {"S1": "complete"}
    assert tables.rows == {"S1": Decimal("100.00")}


def test_recover_waits_for_the_hook_it_lacks(open_ledger: Opener) -> None:
    ledger = open_ledger(hook=HospitalTables(crash_before=True))
    with pytest.raises(Crash):
        ledger.record_settlement(answer("S1"))
    report = open_ledger().recover()
    assert (report.waiting, report.clean) == (["S1"], False)


def test_recover_completes_or_undoes_requests_without_answer(open_ledger: Opener) -> None:
    ledger = open_ledger()
    ledger.begin("Q1", "M-S1")
    ledger.begin("Q2", "M-S2")
    assert open_ledger().recover().in_doubt == ["Q1", "Q2"]

    def bureau(request: PendingRequest) -> Settlement | None:
        return answer("S1") if request.request_id == "Q1" else None

    tables = HospitalTables()
    report = open_ledger(hook=tables).recover(resolve=bureau)
    assert (report.undone, report.clean) == (["Q2"], True)
    assert list(ledger.lines()) == ["S1"]
    assert tables.rows == {"S1": Decimal("100.00")}
    assert ledger.pending_requests() == []


# -- the state machine -------------------------------------------------------------------


def run_machine(opener: Opener) -> None:
    """settle / refund / crash / recover against a model: nothing lost, nothing twice."""

    class LedgerMachine(RuleBasedStateMachine):
        settled = Bundle("settled")

        def __init__(self) -> None:
            super().__init__()
            self.tables = HospitalTables()
            self.ledger = opener(self.tables)
            self.model: dict[str, Decimal] = {}
            self.pending: dict[str, tuple[str, datetime] | None] = {}
            self.refunded: set[str] = set()
            self.counter = 0
            self.clock = datetime(2022, 11, 15, 8)

        def _next(self) -> tuple[str, datetime]:
            self.counter += 1
            self.clock += timedelta(minutes=1)
            return f"S{self.counter:04d}", self.clock

        @rule(
            target=settled,
            cents=st.integers(1, 10**9),
            crash=st.sampled_from([None, "crash_before", "crash_after"]),
        )
        def settle(self, cents: int, crash: str | None) -> object:
            setl_id, when = self._next()
            total = f"{Decimal(cents).scaleb(-2):.2f}"
            if crash is not None:
                setattr(self.tables, crash, True)
            try:
                self.ledger.record_settlement(answer(setl_id, total, person=setl_id, when=when))
            except Crash:
                pass
            finally:
                self.tables.crash_before = self.tables.crash_after = False
            self.model[setl_id] = Decimal(total)
            return setl_id

        @rule(setl_id=settled)
        def record_again(self, setl_id: str) -> None:
            line = self.ledger.lines()[setl_id]
            self.ledger.record_line(line)  # a re-import of a known settlement: no-op

        @rule(setl_id=consumes(settled))
        def refund(self, setl_id: str) -> None:
            if self.ledger.states()[setl_id] != "complete":
                self.ledger.recover()
            original = self.model[setl_id]
            refund_id, when = self._next()
            refund = answer(refund_id, f"{original:.2f}", person=setl_id, when=when, refund=True)
            self.ledger.record_refund(refund, setl_id)
            self.model[refund_id] = -original
            self.refunded.add(setl_id)

        @rule(settled_at_the_bureau=st.booleans())
        def crash_before_the_answer(self, settled_at_the_bureau: bool) -> None:
            setl_id, when = self._next()
            self.ledger.begin(f"Q{setl_id}", f"M-{setl_id}")
            self.pending[f"Q{setl_id}"] = (setl_id, when) if settled_at_the_bureau else None

        @rule()
        def recover(self) -> None:
            def bureau(request: PendingRequest) -> Settlement | None:
                found = self.pending.get(request.request_id)
                if found is None:
                    return None
                setl_id, when = found
                self.model[setl_id] = Decimal("10.00")
                return answer(setl_id, "10.00", person=setl_id, when=when)

            report = self.ledger.recover(resolve=bureau)
            assert report.clean
            self.pending = {}
            assert set(self.ledger.states().values()) <= {"complete"}

        @invariant()
        def balance_is_the_sum_of_entries(self) -> None:
            lines = self.ledger.lines()
            assert {k: v.total for k, v in lines.items()} == self.model  # nothing lost or extra
            balance = sum(self.model.values(), Decimal("0.00"))
            totals = self.ledger.totals()
            assert sum((t.medfee_sumamt for t in totals.values()), Decimal("0.00")) == balance
            assert sum(t.setl_cnt for t in totals.values()) == len(self.model)

        @invariant()
        def hospital_tables_follow_the_ledger(self) -> None:
            complete = {k for k, state in self.ledger.states().items() if state == "complete"}
            assert complete <= set(self.tables.rows) <= set(self.model)

        def teardown(self) -> None:
            self.ledger.close()

    LedgerMachine.TestCase.settings = settings(
        max_examples=15,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    LedgerMachine.TestCase().runTest()


def test_state_machine(open_ledger: Opener, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    backend = request.node.callspec.params["open_ledger"]
    counter = iter(range(10**6))

    def opener(hook: HospitalTables) -> Ledger:
        if backend == "postgres":
            _fresh_postgres()
            return Ledger.open(DSN or "", hook=hook)
        return Ledger.open(tmp_path / f"machine-{next(counter)}.db", hook=hook)

    run_machine(opener)
