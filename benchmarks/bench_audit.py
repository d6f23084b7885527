"""Audit throughput with every national rule on, single process (one core).

* ``pre`` (事前): one order of 5 lines checked against an encounter of 300 lines
  (``AuditEngine.check_order``), each call timed alone: p50 and p99.
* ``during`` (事中): encounters of 200 charge lines, 10 % of them with a planted defect
  (``AuditEngine.check``), best of ``--repeat`` runs: encounters/s.
* ``post`` (事后) columnar: ``columnar.audit_frames`` over in-memory Polars frames of the same
  kind of batch (frames built before the clock starts, as if read from Parquet), best of
  ``--repeat`` runs: charge lines/s; and the plain ``check_batch`` on the same batch.

Calibration, timed in the same run so figures from a loaded machine can be compared: the
issue's reference checks — 3 rules (duplicate (code, time), amount ≠ quantity × price, charge
after discharge) in plain Python over the same 200-line encounters as plain tuples (17,000–
33,000 encounters/s per core on this machine class), and the same 3 rules in Polars over the
same batch frame (about 9.5 M lines/s per core). Set ``POLARS_MAX_THREADS=1`` for one core.

Encounters are generated before any timing (``synthetic.audit_encounter``). Usage:
``python benchmarks/bench_audit.py [--encounters N] [--batch N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time
from datetime import datetime, timedelta
from decimal import Decimal

from harness import best_time

from medins_sdk import synthetic
from medins_sdk.audit.engine import AuditEngine
from medins_sdk.audit.knowledge import load_knowledge, national_pack
from medins_sdk.audit.rules import national_rules
from medins_sdk.models import ChargeLine, Encounter


def generated(count: int, lines: int, seed: int) -> list[Encounter]:
    """``count`` encounters of ``lines`` lines; every tenth carries a planted defect."""
    rng = random.Random(seed)
    defects = synthetic.AUDIT_DEFECTS
    return [
        synthetic.audit_encounter(
            rng,
            index=i,
            lines=lines,
            defect=defects[i // 10 % len(defects)] if i % 10 == 0 else None,
        )
        for i in range(count)
    ]


def order_of(encounter: Encounter, rng: random.Random) -> list[ChargeLine]:
    """Five new lines: four items like the ward's, and a bed for today."""
    picked = rng.sample(encounter.charges, 4)
    last = max(line.time for line in encounter.charges)
    bed = next(line for line in encounter.charges if line.catalogue_code == "EX-BED-01")
    return [
        line.model_copy(update={"line_no": f"O{n}", "time": last + timedelta(minutes=n)})
        for n, line in enumerate([*picked, bed], start=1)
    ]


Row = tuple[str, datetime, Decimal, Decimal, Decimal]


def reference_rows(encounters: list[Encounter]) -> list[tuple[list[Row], datetime]]:
    """The calibration's input: each encounter's lines as plain tuples, and its cutoff."""
    return [
        (
            [(ln.catalogue_code, ln.time, ln.quantity, ln.price, ln.amount) for ln in e.charges],
            datetime.combine(e.settlement_list.info.discharge_time.date(), datetime.max.time())
            if e.settlement_list.info.discharge_time
            else datetime.max,
        )
        for e in encounters
    ]


def reference_check(rows: list[Row], cutoff: datetime) -> int:
    """The issue's 3-rule plain-Python reference over one encounter: how many lines fire."""
    fired = 0
    seen: set[tuple[str, datetime]] = set()
    for code, when, quantity, price, amount in rows:
        key = (code, when)
        fired += (key in seen) + (quantity * price != amount) + (when > cutoff)
        seen.add(key)
    return fired


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--encounters", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    engine = AuditEngine(national_rules(), load_knowledge([national_pack()]))
    print(f"{platform.python_version()} on {platform.processor() or platform.machine()}")
    print(f"{len(engine.active)} rules on")

    rng = random.Random(1)
    stays = generated(20, 300, seed=1)
    orders = [(stay, order_of(stay, rng)) for stay in stays for _ in range(100)]
    for stay, order in orders[:50]:
        engine.check_order(stay, order)  # warm-up: code tables, caches
    timings = []
    for stay, order in orders:
        start = time.perf_counter()
        engine.check_order(stay, order)
        timings.append(time.perf_counter() - start)
    cuts = statistics.quantiles(timings, n=100)
    print(
        f"pre: {len(orders)} orders of 5 lines on 300-line encounters: "
        f"p50 {cuts[49] * 1e3:.3f} ms, p99 {cuts[98] * 1e3:.3f} ms"
    )

    during = generated(args.encounters, 200, seed=2)

    def check_all() -> None:
        for encounter in during:
            engine.check(encounter, "during")

    rows = reference_rows(during)

    def reference() -> None:
        for lines, cutoff in rows:
            reference_check(lines, cutoff)

    reference_seconds = best_time(reference, args.repeat)
    seconds = best_time(check_all, args.repeat)
    print(
        f"calibration, 3 rules in plain Python over tuples: "
        f"{len(during) / reference_seconds:,.0f} encounters/s (issue: 17,000–33,000)"
    )
    print(
        f"during: {len(during) / seconds:,.0f} encounters/s of 200 lines "
        f"({seconds / len(during) * 1e6:.0f} µs each; {reference_seconds / seconds:.2f} × the "
        f"calibration, {17_000 * reference_seconds / seconds:,.0f}/s when it runs at 17,000/s)"
    )

    import polars as pl

    from medins_sdk.audit import columnar

    batch = generated(args.batch, 200, seed=3)
    lines = sum(len(e.charges) for e in batch)
    frames = columnar.frames(batch, engine.knowledge)

    def screen() -> None:
        columnar.audit_frames(frames, engine)

    def plain() -> None:
        for _ in engine.check_batch(batch):
            pass

    table = frames.lines.lazy()
    cutoffs = frames.cases.lazy().select("id", "cutoff")

    def reference_columnar() -> None:
        pl.concat(
            [
                table.filter(pl.struct("id", "code", "time").is_duplicated()).select("id"),
                table.filter(
                    (pl.col("amount") * 10**8 - pl.col("qty") * pl.col("price")).abs() > 10**8
                ).select("id"),
                table.join(cutoffs, on="id").filter(pl.col("time") > pl.col("cutoff")).select("id"),
            ]
        ).unique().collect()

    reference_seconds = best_time(reference_columnar, args.repeat)
    seconds = best_time(screen, args.repeat)
    threads = os.environ.get("POLARS_MAX_THREADS", f"default ({pl.thread_pool_size()})")
    print(
        f"calibration, 3 rules in Polars: {lines / reference_seconds:,.0f} lines/s "
        f"(issue: about 9.5 M; Polars threads {threads})"
    )
    print(
        f"post columnar: {lines / seconds:,.0f} charge lines/s ({lines:,} lines, "
        f"{len(batch):,} encounters, {seconds:.2f} s; {reference_seconds / seconds:.2f} × the "
        f"calibration, {9.5e6 * reference_seconds / seconds:,.0f}/s when it runs at 9.5 M/s)"
    )
    seconds = best_time(plain, 1)
    print(f"post plain: {lines / seconds:,.0f} charge lines/s")


if __name__ == "__main__":
    main()
