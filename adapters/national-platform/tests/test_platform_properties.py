"""Properties: any interleaving of injected faults ends with the ledger equal to the bureau's
books — no one-sided account, no double settlement, nothing left in doubt."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from medins_adapter_national_platform import Institution, PlatformClient
from medins_adapter_national_platform.day import run_day
from medins_adapter_national_platform.simulator import Books, BureauSimulator, FaultPlan
from medins_adapter_national_platform.simulator.faults import FaultInjector, FaultRule

from medins_sdk.reconcile.ledger import Ledger

DAY = date(2026, 11, 23)
SETTLING = frozenset({"2304", "2305"})
ASKING = frozenset({"5203", "2601"})

rates = st.sampled_from([0.0, 0.1, 0.3, 0.6])
plans = st.builds(
    lambda seed, drop_after, drop_before, duplicate, error, asking, latency: FaultPlan(
        seed,
        (
            FaultRule("latency", latency, frozenset(), (0.0, 2.0)),
            FaultRule("drop-after", drop_after, SETTLING),
            FaultRule("drop-before", drop_before, SETTLING),
            FaultRule("duplicate", duplicate, SETTLING | {"2301"}),
            FaultRule("error", error, SETTLING),
            FaultRule("error", asking, ASKING),
        ),
    ),
    st.integers(0, 2**16),
    rates,
    rates,
    rates,
    rates,
    st.sampled_from([0.0, 0.2, 0.5]),
    rates,
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=plans, seed=st.integers(0, 1000))
def test_any_faults_end_with_the_ledger_equal_to_the_books(
    plan: FaultPlan, seed: int, institution: Institution
) -> None:
    with (
        TemporaryDirectory() as folder,
        BureauSimulator(Books(day=DAY), faults=plan) as bureau,
        Ledger.open(Path(folder) / "l.sqlite", synchronous="NORMAL") as ledger,
        PlatformClient(bureau.url, institution, ledger=ledger, backoff=0.0) as client,
    ):
        summary = run_day(client, ledger, day=DAY, settlements=6, seed=seed)
        # Whatever happened, the ledger holds exactly the bureau's books …
        assert ledger.lines() == bureau.books.lines()
        assert bureau.books.double_settlements() == []
        assert summary.balanced, summary.text()
        # … and once the bureau answers again, nothing stays in doubt.
        bureau.faults = FaultInjector()
        assert ledger.recover(resolve=client.resolve).clean
        assert ledger.pending_requests() == []
        assert ledger.lines() == bureau.books.lines()
