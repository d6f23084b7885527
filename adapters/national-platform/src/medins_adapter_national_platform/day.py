"""A hospital's day against a bureau: charges, pre-settlement, settlement, settlement lists,
a few refunds, then recovery and reconciliation — and the proof that it ended balanced.

:func:`run_day` drives any bureau through a :class:`PlatformClient`; :func:`simulated_day`
runs it against an in-process :class:`BureauSimulator` on loopback (``medins platform
day``, and the demo). The visits come from :mod:`medins_sdk.synthetic`, so a seed gives the
same day. The end of the day is what the reference (§6) asks of it: totals per (insutype,
setl_optins, clr_type) by 3201, the detail by 3202, **no one-sided account** (a settlement
only one side holds) and **no double settlement** (a visit with two standing settlements at
the bureau).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from random import Random
from typing import Any, TypeVar

from medins_adapter_national_platform.client import PlatformClient, SettlementReversed
from medins_adapter_national_platform.envelope import Institution
from medins_adapter_national_platform.errors import (
    BureauError,
    PlatformError,
    SettlementInDoubt,
    SettlementNotCommitted,
    TransportError,
)
from medins_adapter_national_platform.msgid import MsgIdGenerator
from medins_adapter_national_platform.simulator import Books, BureauSimulator, FaultPlan
from medins_adapter_national_platform.simulator.process import ClosedBooks, SimulatorProcess
from medins_adapter_national_platform.transactions import SettlementRequest
from medins_sdk import synthetic
from medins_sdk.models import ChargeBatch, Encounter, Settlement
from medins_sdk.reconcile.compare import reconcile
from medins_sdk.reconcile.ledger import Ledger
from medins_sdk.reconcile.lines import StatementLine
from medins_sdk.reconcile.totals import TotalsRow, sums_by_key

T = TypeVar("T")

DEMO_INSTITUTION = Institution(
    fixmedins_code="H11010500001",
    fixmedins_name="示例医院",
    mdtrtarea_admvs="110105",
    opter="0001",
    opter_name="收费员",
)
"""The synthetic hospital of the demo (the institution code of ``medins_sdk.synthetic``)."""

ATTEMPTS = 5
"""How often the day tries a step that failed cleanly (refused, fenced) before giving up."""

CLOSE_ROUNDS = 20
"""How many recovery rounds the close of day runs while the bureau keeps failing to answer."""


@dataclass
class DaySummary:
    """What happened, and whether the day ended balanced."""

    day: date
    visits: int = 0
    settled: int = 0
    refunds: int = 0
    total: Decimal = Decimal("0.00")
    """Net medical fees of the day's settlements and refunds (医疗费总额)."""
    failed_visits: int = 0
    """Visits without a settlement at the close (every attempt refused): not an imbalance."""
    faults: dict[str, int] = field(default_factory=dict)
    recovered: int = 0
    reversed: int = 0
    fenced: int = 0
    in_doubt: int = 0
    resolved_at_close: int = 0
    totals_rows: int = 0
    totals_balanced: bool = False
    detail_differences: int = 0
    one_sided: int = 0
    double_settlements: int = 0
    rows: list[TotalsRow] = field(default_factory=list)
    """The totals reconciliation (对总账) of the day, the grand total last."""

    @property
    def balanced(self) -> bool:
        """平: totals and detail agree, no one-sided account, no double settlement."""
        return (
            self.totals_balanced
            and self.detail_differences == 0
            and self.one_sided == 0
            and self.double_settlements == 0
        )

    def to_json(self) -> dict[str, Any]:
        """JSON-ready data (amounts as strings)."""
        data = asdict(self)
        data["rows"] = [row.model_dump(mode="json") for row in self.rows]
        data["day"] = self.day.isoformat()
        data["total"] = f"{self.total:.2f}"
        data["balanced"] = self.balanced
        return data

    def text(self) -> str:
        """The summary a person reads at the end of the day."""
        faults = ", ".join(f"{kind} {count}" for kind, count in sorted(self.faults.items()))
        rows = [
            ("day", self.day.isoformat()),
            ("visits", str(self.visits)),
            ("settlements", f"{self.settled} (refunds {self.refunds}, net ¥{self.total:.2f})"),
            ("visits not settled", str(self.failed_visits)),
            ("faults injected", faults or "none"),
            ("lost answers recovered", f"{self.recovered} (reversed {self.reversed})"),
            ("lost messages fenced (冲正)", str(self.fenced)),
            ("in doubt, resolved at close", f"{self.in_doubt}, {self.resolved_at_close}"),
            (
                "3201 totals",
                f"{'平' if self.totals_balanced else '不平'} ({self.totals_rows} rows)",
            ),
            ("3202 detail differences", str(self.detail_differences)),
            ("one-sided accounts", str(self.one_sided)),
            ("double settlements", str(self.double_settlements)),
            ("reconciliation", "balanced 平" if self.balanced else "NOT balanced 不平"),
        ]
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {value}" for name, value in rows) + "\n"


def _retrying(step: Callable[[], T]) -> T:
    """``step`` again after a clean failure (a refusal, a lost upload the bureau dedupes)."""
    for attempt in range(ATTEMPTS):
        try:
            return step()
        except (BureauError, TransportError):
            if attempt + 1 == ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


class _Day:
    """One day's run: the client, the ledger and what is still to do."""

    def __init__(self, client: PlatformClient, ledger: Ledger, summary: DaySummary) -> None:
        self.client = client
        self.ledger = ledger
        self.summary = summary
        self.requests: dict[str, SettlementRequest] = {}

    def settle(self, request: SettlementRequest) -> Settlement | None:
        """Settle until the bureau holds exactly one settlement, or leave it in doubt."""
        for _ in range(ATTEMPTS):
            try:
                return self.client.settle(request)
            except (SettlementNotCommitted, SettlementReversed, BureauError):
                continue  # nothing stands at the bureau: settling again is safe
            except SettlementInDoubt:
                return None  # the close of day resolves it
        return None

    def visit(self, encounter: Encounter, rng: Random) -> None:
        info = encounter.settlement_list.info
        batch = ChargeBatch(lines=encounter.charges)
        _retrying(lambda: self.client.upload_charges(batch))
        request = SettlementRequest(
            person_no=info.person_no or f"P{info.visit_id}",
            total=batch.total,
            visit_id=info.visit_id,
            insurance_type=info.insurance_category or "310",
        )
        self.requests[info.visit_id] = request
        _retrying(lambda: self.client.pre_settle(request))
        settlement = self.settle(request)
        if settlement is None:
            return
        listing = encounter.settlement_list.model_copy(
            update={"info": info.model_copy(update={"setl_id": settlement.info.setl_id})}
        )
        _retrying(lambda: self.client.upload_settlement_list(listing))
        if rng.random() < 0.03:  # the patient comes back: cancel (退费)
            # A cancellation that failed cleanly leaves the settlement standing; one in
            # doubt is for the close of day's recovery.
            with contextlib.suppress(PlatformError):
                self.client.cancel(settlement)

    def close(self) -> None:
        """Recover what is in doubt; settle again the visits the bureau did not hold."""
        for _ in range(CLOSE_ROUNDS):
            pending = self.ledger.pending_requests()
            if not pending:
                return
            try:
                report = self.ledger.recover(resolve=self.client.resolve)
            except PlatformError:
                continue
            self.summary.resolved_at_close += len(pending)
            visits = {p.request_id: p for p in pending}
            for request_id in report.undone:
                undone = visits[request_id]
                if undone.infno == "2304" and undone.visit_id in self.requests:
                    self.settle(self.requests[undone.visit_id])


def _double_settlements(bureau: dict[str, StatementLine]) -> int:
    """Visits with more standing settlements than refunds + 1, from the bureau's detail."""
    standing: dict[str, int] = {}
    for line in bureau.values():
        visit = line.visit_id or line.setl_id
        standing[visit] = standing.get(visit, 0) + (-1 if line.is_refund else 1)
    return sum(1 for count in standing.values() if count > 1)


def run_day(
    client: PlatformClient,
    ledger: Ledger,
    *,
    day: date,
    settlements: int = 200,
    seed: int = 0,
    encounters: Iterable[Encounter] | None = None,
) -> DaySummary:
    """Run a day of visits through ``client``, recover, reconcile: ``encounters`` (a HIS's
    discharges, the demo's month), else ``settlements`` synthetic visits.

    ``client`` must record into ``ledger``. The summary's ``faults`` are the caller's to
    fill (only a simulator knows what it injected).
    """
    summary = DaySummary(day)
    rng = Random(seed)
    visits = (
        encounters
        if encounters is not None
        else (
            synthetic.encounter(rng, index=index, lines=rng.randint(3, 12))
            for index in range(settlements)
        )
    )
    _settle_visits(client, ledger, summary, visits, rng)
    _account(client, ledger.lines(day, day), summary)
    return summary


def _settle_visits(
    client: PlatformClient,
    ledger: Ledger,
    summary: DaySummary,
    encounters: Iterable[Encounter],
    rng: Random,
) -> None:
    """Every visit, then the close of day's recovery; the client's counts added up."""
    run = _Day(client, ledger, summary)
    for encounter in encounters:
        summary.visits += 1
        run.visit(encounter, rng)
    run.close()
    stats = client.stats
    summary.recovered += stats.recovered
    summary.reversed += stats.reversed
    summary.fenced += stats.fenced
    summary.in_doubt += stats.in_doubt


def _account(
    client: PlatformClient, hospital: Mapping[str, StatementLine], summary: DaySummary
) -> None:
    """The end of the day: the hospital's lines against the bureau's, 3201 per row (the
    sums the ledger holds) and 3202 in detail."""
    day = summary.day
    summary.settled = sum(1 for line in hospital.values() if not line.is_refund)
    settled_visits = {line.visit_id for line in hospital.values() if not line.is_refund}
    summary.failed_visits = summary.visits - len(settled_visits)
    summary.refunds = len(hospital) - summary.settled
    summary.total = sum((line.total for line in hospital.values()), Decimal("0.00"))
    answers = [
        client.reconcile_totals(key, amounts, day, day)
        for key, amounts in sorted(sums_by_key(hospital.values()).items())
    ]
    summary.totals_rows = len(answers)
    summary.totals_balanced = all(answer.balanced for answer in answers)
    bureau = client.reconcile_detail(hospital.values(), day, day)
    reconciliation = reconcile(hospital, bureau)
    summary.rows = reconciliation.rows
    differences = reconciliation.differences
    summary.detail_differences = len(differences)
    summary.one_sided = sum(1 for d in differences if d.kind in ("bureau_only", "hospital_only"))
    summary.double_settlements = _double_settlements(bureau)


def simulated_day(
    *,
    settlements: int = 200,
    seed: int = 0,
    faults: str | FaultPlan = "",
    day: date = date(2026, 11, 23),
    ledger: str | Path | None = None,
    timeout: float = 2.0,
    encounters: Iterable[Encounter] | None = None,
    separate_process: bool = False,
) -> DaySummary:
    """:func:`run_day` against a simulator started on a free loopback port for the run.

    ``ledger`` is a SQLite path (default: a temporary file, removed after). The summary
    also counts the simulator's injected faults and checks its books directly.
    ``separate_process`` serves the bureau from a child process, on the other core (a
    month of settlements), instead of a thread of this one.
    """
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        location = ledger or Path(folder) / "ledger.sqlite"
        if separate_process:
            child = stack.enter_context(SimulatorProcess(day, faults))
            url, close = child.url, child.close
        else:
            books = Books(day=day)
            thread = stack.enter_context(BureauSimulator(books, faults=faults))
            url = thread.url

            def close() -> ClosedBooks:
                return ClosedBooks(
                    books.lines(), books.double_settlements(), dict(thread.faults.injected)
                )

        with (
            Ledger.open(location, synchronous="NORMAL") as book,
            PlatformClient(
                url, DEMO_INSTITUTION, ledger=book, timeout=(timeout, timeout), backoff=0.01
            ) as client,
        ):
            summary = run_day(
                client, book, day=day, settlements=settlements, seed=seed, encounters=encounters
            )
            closed = close()
            summary.faults = closed.faults
            ours = book.lines()
            summary.one_sided = max(summary.one_sided, len(set(ours) ^ set(closed.lines)))
            summary.double_settlements = max(
                summary.double_settlements, len(closed.double_settlements)
            )
    return summary


_SHARES: list[list[Encounter]] = []
"""Each terminal's visits, set before the terminals' processes fork (inherited, not pickled)."""


def _terminal(
    index: int, url: str, day: date, seed: int, folder: str, timeout: float
) -> tuple[DaySummary, dict[str, StatementLine]]:
    """One cashier terminal: its own ledger and client, the shared msgid state."""
    summary = DaySummary(day)
    msgids = MsgIdGenerator(DEMO_INSTITUTION.fixmedins_code, Path(folder) / "msgid.state")
    with (
        Ledger.open(Path(folder) / f"ledger-{index + 1}.sqlite", synchronous="NORMAL") as book,
        PlatformClient(
            url,
            DEMO_INSTITUTION,
            ledger=book,
            msgids=msgids,
            timeout=(timeout, timeout),
            backoff=0.01,
        ) as client,
    ):
        _settle_visits(client, book, summary, _SHARES[index], Random(f"{seed}:{index}"))
        return summary, book.lines(day, day)


def terminals_day(
    encounters: Iterable[Encounter],
    *,
    folder: Path,
    day: date,
    faults: str | FaultPlan = "",
    seed: int = 0,
    terminals: int = 2,
    timeout: float = 2.0,
) -> DaySummary:
    """:func:`simulated_day` as a hospital with several cashier terminals runs it: the visits
    shared among ``terminals`` processes, each with its own client and ledger
    (``folder/ledger-N.sqlite``), against a bureau in a process of its own, so the day uses
    every core. At the close, the terminals' ledgers together are reconciled with the bureau.
    """
    global _SHARES
    _SHARES = [[] for _ in range(terminals)]
    for number, encounter in enumerate(encounters):
        _SHARES[number % terminals].append(encounter)
    summary = DaySummary(day)
    hospital: dict[str, StatementLine] = {}
    try:
        with SimulatorProcess(day, faults) as bureau:
            jobs = [(i, bureau.url, day, seed, str(folder), timeout) for i in range(terminals)]
            with multiprocessing.get_context("fork").Pool(terminals) as pool:
                for part, lines in pool.starmap(_terminal, jobs):
                    summary.visits += part.visits
                    summary.recovered += part.recovered
                    summary.reversed += part.reversed
                    summary.fenced += part.fenced
                    summary.in_doubt += part.in_doubt
                    summary.resolved_at_close += part.resolved_at_close
                    hospital.update(lines)
            msgids = MsgIdGenerator(DEMO_INSTITUTION.fixmedins_code, folder / "msgid.state")
            with PlatformClient(
                bureau.url, DEMO_INSTITUTION, msgids=msgids, timeout=(timeout, timeout)
            ) as client:
                _account(client, hospital, summary)
            closed = bureau.close()
    finally:
        _SHARES = []
    summary.faults = closed.faults
    summary.one_sided = max(summary.one_sided, len(set(hospital) ^ set(closed.lines)))
    summary.double_settlements = max(summary.double_settlements, len(closed.double_settlements))
    return summary
