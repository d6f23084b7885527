"""DRG grouping and grouping + pricing throughput under ``beijing-drg-2022``.

Realistic encounters from :mod:`medins_sdk.synthetic`: 10 diagnoses and 5 procedures each,
already validated in memory (reading is measured by ``bench_validate.py``). Prints, single
process unless stated:

* a bare dict-lookup grouper (principal diagnosis and principal procedure → a DRG code, no
  rules, no result model): the calibration point the issue quotes (~250,000/s on its
  reference machine), so figures here can be scaled to that machine;
* the SDK's grouper (``GroupResult`` with the full trace and the group's weight);
* grouping + pricing (``GroupResult`` + ``PriceResult`` with formula and explanation);
* grouping over N worker processes, each on its own share of the cases, to show scaling.

Needs the Beijing plugin installed (``scripts/quickstart.sh`` or ``scripts/test.sh`` do it).
Usage: ``python benchmarks/bench_grouping.py [--cases N] [--repeat R] [--processes P]``.
"""

from __future__ import annotations

import argparse
import platform
import threading
import time
from collections.abc import Callable, Sequence

from harness import best_rate, realistic, scaling, scheme_parts

from medins_sdk.models import Encounter
from medins_sdk.schemes import PaymentScheme

SCHEME = "beijing-drg-2022"


def dict_lookup_baseline(
    encounters: Sequence[Encounter], scheme: PaymentScheme
) -> Callable[[], None]:
    """A grouper that only looks up (principal diagnosis, principal procedure) in a dict."""
    _, grouper, _ = scheme_parts(SCHEME)
    table: dict[tuple[str, str | None], str | None] = {}
    for encounter in encounters:
        table[_key(encounter)] = grouper.group(encounter, scheme).group

    def run() -> None:
        for encounter in encounters:
            table.get(_key(encounter))

    return run


def _key(encounter: Encounter) -> tuple[str, str | None]:
    listing = encounter.settlement_list
    principal = listing.diagnoses[0].code
    return principal, listing.operations[0].code if listing.operations else None


def _worker(args: tuple[int, int, int, threading.Barrier]) -> float:
    """Generate a share of the cases, wait for the others, then time grouping it."""
    count, seed, repeat, barrier = args
    encounters = realistic(count, seed)
    scheme, grouper, _ = scheme_parts(SCHEME)
    barrier.wait()
    start = time.perf_counter()
    for _ in range(repeat):
        for encounter in encounters:
            grouper.group(encounter, scheme)
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args(argv)
    print(f"python {platform.python_version()} on {platform.machine()}, {args.cases} cases")
    encounters = realistic(args.cases, seed=1)
    scheme, grouper, pricer = scheme_parts(SCHEME)

    def group() -> None:
        for encounter in encounters:
            grouper.group(encounter, scheme)

    def group_and_price() -> None:
        for encounter in encounters:
            pricer.price(encounter, grouper.group(encounter, scheme), scheme)

    group()  # warm the pack, the editions and the interned trace steps once
    results = {
        "bare dict-lookup grouper (calibration)": dict_lookup_baseline(encounters, scheme),
        "SDK grouping (GroupResult + trace)": group,
        "SDK grouping + pricing": group_and_price,
    }
    for label, run in results.items():
        print(f"{label:45} {best_rate(run, len(encounters), args.repeat):>10,.0f} cases/s")
    if args.processes > 1:
        rate = scaling(_worker, args.cases, args.processes, args.repeat)
        label = f"SDK grouping, {args.processes} processes (wall)"
        print(f"{label:45} {rate:>10,.0f} cases/s")


if __name__ == "__main__":
    main()
