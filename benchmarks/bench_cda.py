"""CDA XML adapter: parsing WS/T 500.52 front pages and converting them to settlement lists.

Documents are written by the adapter's writer from synthetic front pages (``--diagnoses``
diagnoses and ``--operations`` operations each, ~30 KB with the defaults, indented as
platforms export them), held in memory as bytes, so the figures leave out disk reads.
Prints documents per second, single process unless stated:

* the safe parse alone (limits, DOCTYPE check, lxml parser without entities, depth check);
* reading: parse + extracting every field + validating the ``FrontPage``;
* conversion alone (``FrontPageConverter.convert``: crosswalks, cost table, findings,
  validated ``SettlementList``);
* **parse + convert**, the issue's measure, and the same over N processes (wall clock).

Needs the adapter importable (``pip install -e adapters/cda-xml``). Usage:
``python benchmarks/bench_cda.py [--documents N] [--repeat R] [--processes P]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import threading
import time
from collections.abc import Sequence

from harness import best_rate, scaling
from lxml import etree
from medins_adapter_cda_xml import XmlLimits, read_front_page, write_front_page
from medins_adapter_cda_xml.safe import parse

from medins_sdk import synthetic
from medins_sdk.convert import FrontPageConverter
from medins_sdk.models import FrontPage


def documents(count: int, seed: int, diagnoses: int, operations: int) -> list[bytes]:
    """``count`` CDA documents of synthetic front pages."""
    rng = random.Random(seed)
    written = []
    for i in range(count):
        encounter = synthetic.encounter(
            rng, index=i, lines=1, diagnoses=diagnoses, operations=operations, with_front_page=True
        )
        assert encounter.front_page is not None
        written.append(write_front_page(encounter.front_page))
    return written


def _parse(docs: Sequence[bytes], limits: XmlLimits) -> None:
    for doc in docs:
        parse(doc, limits)


def _read(docs: Sequence[bytes], limits: XmlLimits) -> None:
    for doc in docs:
        read_front_page(doc, limits)


def _convert(pages: Sequence[FrontPage], converter: FrontPageConverter) -> None:
    for page in pages:
        converter.convert(page)


def _parse_and_convert(docs: Sequence[bytes], converter: FrontPageConverter) -> None:
    limits = XmlLimits()
    for doc in docs:
        converter.convert(read_front_page(doc, limits))


def _worker(args: tuple[int, int, int, threading.Barrier]) -> float:
    """Write a share of the documents, wait for the others, then time parse + convert."""
    count, seed, repeat, barrier = args
    docs = documents(count, seed, 8, 4)
    converter = FrontPageConverter()
    _parse_and_convert(docs[:10], converter)  # load the crosswalks before timing
    barrier.wait()
    start = time.perf_counter()
    for _ in range(repeat):
        _parse_and_convert(docs, converter)
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--diagnoses", type=int, default=8)
    parser.add_argument("--operations", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)

    docs = documents(args.documents, 1, args.diagnoses, args.operations)
    size = sum(map(len, docs)) / len(docs)
    limits = XmlLimits()
    converter = FrontPageConverter()
    pages = [read_front_page(doc, limits) for doc in docs]
    count, repeat = len(docs), args.repeat
    rows = [
        ("safe parse alone", best_rate(lambda: _parse(docs, limits), count, repeat)),
        (
            "read: parse + extract + FrontPage",
            best_rate(lambda: _read(docs, limits), count, repeat),
        ),
        ("convert alone", best_rate(lambda: _convert(pages, converter), count, repeat)),
        ("parse + convert", best_rate(lambda: _parse_and_convert(docs, converter), count, repeat)),
    ]
    print(
        f"{count} documents, mean {size / 1024:.1f} KiB, {args.diagnoses} diagnoses, "
        f"{args.operations} operations; Python {platform.python_version()}, "
        f"lxml {'.'.join(map(str, etree.LXML_VERSION[:3]))}, "
        f"libxml2 {'.'.join(map(str, etree.LIBXML_VERSION))}; best of {repeat}"
    )
    for label, rate in rows:
        print(f"{label:40} {rate:10,.0f} documents/s  {1e6 / rate:8.1f} µs each")
    if args.processes > 1:
        rate = scaling(_worker, count, args.processes, repeat)
        print(f"{f'parse + convert, {args.processes} processes':40} {rate:10,.0f} documents/s")


if __name__ == "__main__":
    main()
