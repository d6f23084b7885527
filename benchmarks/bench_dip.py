"""DIP throughput: grouping + pricing under ``guangzhou-dip``, and building a catalogue.

Prints, single process:

* grouping, and grouping + pricing, of realistic encounters from :mod:`medins_sdk.synthetic`
  (10 diagnoses and 5 procedures each, the cases ``bench_grouping.py`` uses for DRG: few of
  them match a core group, so most go through the full search and to 综合病种);
* the same for cases drawn from the synthetic regional history the sample catalogue was
  built from (``synthetic.dip_history``: most match a core group exactly);
* building a catalogue from N synthetic history rows (default 1,000,000): the CSV is written
  first (not timed), then read, counted, built and written as a pack, as
  ``medins dip build-catalogue`` does. Peak memory is the process's maximum resident size.

Needs the Guangzhou plugin installed (``scripts/quickstart.sh`` or ``scripts/test.sh``).
Usage: ``python benchmarks/bench_dip.py [--cases N] [--repeat R] [--history-rows N]``.
"""

from __future__ import annotations

import argparse
import platform
import random
import resource
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from harness import best_rate, realistic, scheme_parts

from medins_sdk import synthetic
from medins_sdk.grouping.dip_builder import CatalogueBuilder
from medins_sdk.grouping.dip_history import HistoryCase, read_history_csv, write_history_csv
from medins_sdk.models import Encounter
from medins_sdk.packs import PackManifest

SCHEME = "guangzhou-dip"


def regional(count: int, seed: int) -> list[Encounter]:
    """Encounters with the codes, age and cost of synthetic regional history cases."""
    cases = synthetic.dip_history(random.Random(seed), count, (2024,))
    return [_encounter(index, item) for index, item in enumerate(cases)]


def _encounter(index: int, item: HistoryCase) -> Encounter:
    first, *rest = item.case.procedures or (None,)
    others = tuple(code for code in item.case.others if "+" not in code)
    return synthetic.coded_encounter(
        item.case.principal, others, first, rest, age=item.case.age or 40, cost=item.cost,
        index=index,
    )  # fmt: skip


def throughput(label: str, encounters: Sequence[Encounter], repeat: int) -> None:
    scheme, grouper, pricer = scheme_parts(SCHEME)

    def group() -> None:
        for encounter in encounters:
            grouper.group(encounter, scheme)

    def group_and_price() -> None:
        for encounter in encounters:
            pricer.price(encounter, grouper.group(encounter, scheme), scheme)

    group()  # warm the catalogue, the code tables and the interned trace steps
    for what, run in (("grouping", group), ("grouping + pricing", group_and_price)):
        rate = best_rate(run, len(encounters), repeat)
        print(f"{label + ', ' + what:58} {rate:>10,.0f} cases/s {1e6 / rate:>7.1f} µs")


def build(rows: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        history = Path(folder) / "history.csv"
        with open(history, "w", encoding="utf-8", newline="") as stream:
            write_history_csv(synthetic.dip_history(random.Random(440100), rows), stream)
        size = history.stat().st_size / 1e6
        manifest = PackManifest(
            scheme="bench-dip",
            version="2024",
            title="benchmark",
            effective_from=date(2024, 1, 1),
            source="synthetic",
            licence="CC0-1.0",
        )
        start = time.perf_counter()
        builder = CatalogueBuilder()
        rejected = 0
        for item in read_history_csv(history):
            if isinstance(item, HistoryCase):
                builder.add(item)
            else:
                rejected += 1
        read = time.perf_counter()
        catalogue, report = builder.write(Path(folder) / "pack", manifest)
        done = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"catalogue from {rows:,} history rows ({size:.0f} MB CSV, {rejected} rejected): "
        f"{done - start:.1f} s (reading and counting {read - start:.1f} s, building and "
        f"writing {done - read:.2f} s); {report.core_groups} core groups, "
        f"{report.comprehensive_groups} 综合病种, {len(catalogue.groups)} in all; "
        f"peak RSS {peak:.0f} MB"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--history-rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    print(f"python {platform.python_version()} on {platform.machine()}, {args.cases} cases")
    throughput("synthetic encounters", realistic(args.cases, seed=1), args.repeat)
    throughput("regional history cases", regional(args.cases, seed=2), args.repeat)
    if args.history_rows:
        build(args.history_rows)


if __name__ == "__main__":
    main()
