"""Each fault kind, and what the client makes of it: never a one-sided account."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from medins_adapter_national_platform import (
    BureauError,
    Institution,
    PlatformClient,
    SettlementInDoubt,
    SettlementNotCommitted,
    SettlementRequest,
    SettlementReversed,
    TransportError,
)
from medins_adapter_national_platform.simulator import BureauSimulator, FaultPlan, FaultSpecError
from medins_adapter_national_platform.simulator.faults import FaultInjector

from medins_sdk.models import ChargeBatch, Encounter
from medins_sdk.reconcile.ledger import Ledger

Visit = Callable[..., tuple[Encounter, ChargeBatch, SettlementRequest]]


def inject(simulator: BureauSimulator, spec: str) -> None:
    """Replace the running simulator's faults."""
    simulator.faults = FaultInjector(FaultPlan.parse(spec))


def balanced(ledger: Ledger, simulator: BureauSimulator) -> bool:
    return ledger.lines() == simulator.books.lines() and not simulator.books.double_settlements()


def test_spec_parses() -> None:
    plan = FaultPlan.parse("seed=7; latency:1-5=0.5@2304+2305; drop-after=0.03@2304; error=1")
    assert plan.seed == 7
    assert [rule.kind for rule in plan.rules] == ["latency", "drop-after", "error"]
    assert plan.rules[0].latency_ms == (1.0, 5.0)
    assert plan.rules[0].infnos == {"2304", "2305"}
    assert plan.rules[2].applies_to("3201")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("explode=0.1", "unknown fault"),
        ("error=2", "between 0 and 1"),
        ("error", "expected KIND"),
        ("latency=0.1", "milliseconds"),
        ("latency:5-1=0.1", "LOW ≤ HIGH"),
        ("error:3=0.1", "no argument"),
        ("seed=x", "integer"),
    ],
)
def test_spec_errors_name_the_entry(spec: str, message: str) -> None:
    with pytest.raises(FaultSpecError, match=message):
        FaultPlan.parse(spec)


def test_decisions_are_reproducible() -> None:
    plan = FaultPlan.parse("seed=3;drop-after=0.3;latency:1-9=0.5")
    first = [plan.decide("2304", f"mdtrt_id=V{n}", 0) for n in range(200)]
    again = [plan.decide("2304", f"mdtrt_id=V{n}", 0) for n in range(200)]
    other = [FaultPlan(4, plan.rules).decide("2304", f"mdtrt_id=V{n}", 0) for n in range(200)]
    assert first == again != other
    assert 30 < sum(d.action == "drop-after" for d in first) < 90


def test_drop_after_commit_is_recovered(
    client: PlatformClient, simulator: BureauSimulator, ledger: Ledger, visits: Visit
) -> None:
    _, batch, request = visits()
    client.upload_charges(batch)
    inject(simulator, "drop-after=1@2304")
    settlement = client.settle(request)
    assert client.stats.recovered == 1
    assert ledger.lines().keys() == {settlement.info.setl_id}
    assert balanced(ledger, simulator)
    assert ledger.pending_requests() == []


def test_drop_after_commit_reversed_on_request(
    simulator: BureauSimulator, ledger: Ledger, institution: Institution, visits: Visit
) -> None:
    with PlatformClient(simulator.url, institution, ledger=ledger, lost_answer="reverse") as client:
        _, batch, request = visits()
        client.upload_charges(batch)
        inject(simulator, "drop-after=1@2304")
        with pytest.raises(SettlementReversed) as reversed_:
            client.settle(request)
    refund = reversed_.value.refund.info
    assert refund.is_refund
    assert len(ledger.lines()) == 2
    assert balanced(ledger, simulator)


def test_drop_before_is_fenced_then_settled_again(
    client: PlatformClient, simulator: BureauSimulator, ledger: Ledger, visits: Visit
) -> None:
    _, batch, request = visits()
    client.upload_charges(batch)
    inject(simulator, "drop-before=1@2304")
    with pytest.raises(SettlementNotCommitted):
        client.settle(request)
    assert client.stats.fenced == 1
    assert ledger.lines() == {} == simulator.books.lines()
    inject(simulator, "")
    client.settle(request)
    assert balanced(ledger, simulator)
    assert len(ledger.lines()) == 1


def test_late_arrival_after_a_timeout_is_refused(
    simulator: BureauSimulator, ledger: Ledger, institution: Institution, visits: Visit
) -> None:
    with PlatformClient(simulator.url, institution, ledger=ledger, timeout=0.2) as client:
        _, batch, request = visits()
        client.upload_charges(batch)
        inject(simulator, "latency:600=1@2304")
        with pytest.raises(SettlementNotCommitted):
            client.settle(request)  # read timeout; the message is still on its way
    time.sleep(0.8)  # it arrives, after its 冲正: refused
    assert simulator.books.lines() == {} == ledger.lines()


def test_error_answer_settles_nothing(
    client: PlatformClient, simulator: BureauSimulator, ledger: Ledger, visits: Visit
) -> None:
    _, batch, request = visits()
    client.upload_charges(batch)
    inject(simulator, "error=1@2304")
    with pytest.raises(BureauError, match="simulated"):
        client.settle(request)
    assert ledger.pending_requests() == []
    assert simulator.books.lines() == {}


def test_duplicate_delivery_acts_once(
    client: PlatformClient, simulator: BureauSimulator, ledger: Ledger, visits: Visit
) -> None:
    _, batch, request = visits()
    inject(simulator, "duplicate=1")
    client.upload_charges(batch)
    settlement = client.settle(request)
    client.cancel(settlement)
    assert len(simulator.books.lines()) == 2
    assert balanced(ledger, simulator)


def test_lost_cancellation_is_recovered(
    client: PlatformClient, simulator: BureauSimulator, ledger: Ledger, visits: Visit
) -> None:
    _, batch, request = visits()
    client.upload_charges(batch)
    settlement = client.settle(request)
    inject(simulator, "drop-after=1@2305")
    refund = client.cancel(settlement)
    assert refund.info.total == -settlement.info.total
    assert balanced(ledger, simulator)


def test_in_doubt_until_recovery(
    client: PlatformClient, simulator: BureauSimulator, ledger: Ledger, visits: Visit
) -> None:
    _, batch, request = visits()
    client.upload_charges(batch)
    inject(simulator, "drop-after=1@2304;error=1@5203")
    with pytest.raises(SettlementInDoubt):
        client.settle(request)
    assert len(ledger.pending_requests()) == 1
    assert ledger.lines() == {}
    inject(simulator, "")
    report = ledger.recover(resolve=client.resolve)
    assert report.clean
    assert ledger.pending_requests() == []
    assert balanced(ledger, simulator)
    assert len(ledger.lines()) == 1


def test_uploads_are_not_resent_queries_are(
    client: PlatformClient, simulator: BureauSimulator, visits: Visit
) -> None:
    _, batch, _ = visits()
    client.sign_in()
    inject(simulator, "drop-before=1")
    with pytest.raises(TransportError):
        client.upload_charges(batch)
    assert client.stats.retries == 0
    with pytest.raises(TransportError):
        client.query_settlement("V1", setl_id="S1")
    assert client.stats.retries == client.retries
