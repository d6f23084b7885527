"""Jiangsu maternity: pricing throughput, and the monthly report over 10,000 deliveries.

Deliveries come from ``medins_plugin_jiangsu_maternity.deliveries`` (the plugin tests'
generator: obstetric stays with delivery codes from the pack, 8 % low-frequency
complications, 10 % additional operations, maternity settlements). Prints, single process
unless stated:

* the channel decision alone (``Classifier.decide``): the rules' own cost;
* validating a ``PriceResult`` with the same fields and nothing else (calibration: what any
  pricer pays per result, whatever its rules);
* pricing (``MaternityPricer.price``): decision + validated ``PriceResult`` with formula,
  inputs and a Chinese explanation; and the same over N processes (wall clock);
* the report in memory: ``MaternityReport.add`` on every delivery (charge lines, categories
  of the top cases, the three audit rules) and ``rows()``;
* reading and validating that file alone (``medins_sdk.io.read_records``), then the report
  end to end: ``medins report maternity`` on the same JSONL file (canonical JSON without null
  fields, as a HIS exports it), reading and validating every record included.

Pricing runs on settlement-list deliveries (one charge line each, as ``bench_grouping.py``);
the report on deliveries of ``--lines`` charge lines, ``--distinct`` of them generated and
repeated under new ids up to ``--report-cases`` (generating 2 million validated charge lines
would take longer than the report). Needs the plugin importable (``pip install -e
plugins/jiangsu-maternity``). Usage: ``python benchmarks/bench_maternity.py [--cases N]
[--report-cases N] [--lines N] [--distinct N] [--repeat R] [--processes P]``.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from harness import best_time, scaling
from medins_plugin_jiangsu_maternity import __version__, plugin
from medins_plugin_jiangsu_maternity.channels import Classifier
from medins_plugin_jiangsu_maternity.deliveries import delivery
from medins_plugin_jiangsu_maternity.pricer import MaternityPricer, maternity_scheme
from medins_plugin_jiangsu_maternity.report import MaternityReport

from medins_sdk.cli import main as medins
from medins_sdk.io import Record, read_records
from medins_sdk.io.formats import RecordFormat
from medins_sdk.models import Encounter, PriceResult
from medins_sdk.plugins import PluginManager


def generate(count: int, seed: int, lines: int) -> list[Encounter]:
    rng = random.Random(seed)
    pack = plugin.pack()
    return [delivery(rng, pack, index=i, lines=lines).encounter for i in range(count)]


def _worker(args: tuple[int, int, int, threading.Barrier]) -> float:
    """Generate a share of the deliveries, wait for the others, then time pricing it."""
    count, seed, repeat, barrier = args
    encounters = generate(count, seed, lines=1)
    pricer, scheme = MaternityPricer(plugin.pack()), maternity_scheme(plugin.pack())
    barrier.wait()
    start = time.perf_counter()
    for _ in range(repeat):
        for encounter in encounters:
            pricer.price(encounter, None, scheme)
    return time.perf_counter() - start


def pricing(cases: int, repeat: int, processes: int) -> None:
    encounters = generate(cases, seed=1, lines=1)
    pack = plugin.pack()
    classifier, pricer, scheme = Classifier(pack), MaternityPricer(pack), maternity_scheme(pack)
    prices = [pricer.price(encounter, None, scheme) for encounter in encounters]
    fields = [price.model_dump() for price in prices]

    def decide() -> None:
        for encounter in encounters:
            classifier.decide(encounter)

    def validate() -> None:
        for data in fields:
            PriceResult(**data)

    def price() -> None:
        for encounter in encounters:
            pricer.price(encounter, None, scheme)

    runs = {
        "channel decision alone": decide,
        "PriceResult validation alone (calibration)": validate,
        "pricing: decision + PriceResult": price,
    }
    for label, run in runs.items():
        rate = cases / best_time(run, repeat)
        print(f"{label:45} {rate:>10,.0f} deliveries/s {1e6 / rate:>8.1f} µs")
    if processes > 1:
        rate = scaling(_worker, cases, processes, repeat)
        print(f"{f'pricing, {processes} processes (wall)':45} {rate:>10,.0f} deliveries/s")


def replicate(distinct: list[Encounter], count: int) -> list[Encounter]:
    """``count`` encounters: the distinct ones over and over, each under its own id."""
    return [
        distinct[i % len(distinct)].model_copy(update={"id": f"MAT{i:08d}"}) for i in range(count)
    ]


def report(count: int, lines: int, distinct_count: int, repeat: int) -> None:
    distinct = generate(distinct_count, seed=2, lines=lines)
    encounters = replicate(distinct, count)
    pack = plugin.pack()

    def in_memory() -> None:
        built = MaternityReport(pack)
        for encounter in encounters:
            built.add(encounter)
        built.rows()

    seconds = best_time(in_memory, repeat)
    print(f"{'report in memory (add + rows)':45} {seconds:>10.2f} s  {count / seconds:>8,.0f}/s")
    manager = PluginManager(autoload=False, strict=True)
    manager.register(plugin, "jiangsu-maternity", "medins-plugin-jiangsu-maternity", __version__)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "deliveries.jsonl"
        with source.open("w", encoding="utf-8") as out:
            for encounter in encounters:
                out.write(encounter.model_dump_json(exclude_none=True) + "\n")
        size = source.stat().st_size / 1e6
        formats = manager.registry.formats.values()
        seconds = best_time(lambda: _read(source, formats), 1)
        print(f"{'reading and validating alone':45} {seconds:>10.2f} s  {count / seconds:>8,.0f}/s")
        errors = io.StringIO()
        argv = ["report", "maternity", str(source), "-o", os.devnull]
        seconds = best_time(lambda: _run(argv, manager, errors), 1)
        print(
            f"{'report end to end (read + validate + report)':45} {seconds:>10.2f} s  "
            f"{count / seconds:>8,.0f}/s  ({size:,.0f} MB; {errors.getvalue().strip()})"
        )


def _read(source: Path, formats: Sequence[RecordFormat]) -> None:
    """Read every record of ``source`` as the command does, and nothing else."""
    for record in read_records([str(source)], formats):
        assert isinstance(record, Record), record


def _run(argv: list[str], manager: PluginManager, errors: io.StringIO) -> None:
    errors.seek(0)
    errors.truncate()
    code = medins(argv, plugins=manager, stdout=io.StringIO(), stderr=errors)
    assert code == 0, errors.getvalue()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000, help="deliveries priced")
    parser.add_argument("--report-cases", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=200, help="charge lines per report case")
    parser.add_argument("--distinct", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args(argv)
    print(f"python {platform.python_version()} on {platform.machine()}")
    print(f"pricing {args.cases:,} deliveries (settlement list, 1 charge line)")
    pricing(args.cases, args.repeat, args.processes)
    print(
        f"report over {args.report_cases:,} deliveries of {args.lines} charge lines "
        f"({args.distinct:,} distinct)"
    )
    report(args.report_cases, args.lines, args.distinct, args.repeat)


if __name__ == "__main__":
    main()
