"""Read + validate throughput: encounters of 10 diagnoses, 5 operations, 200 charge lines.

Prints, on the same generated JSONL file (single process, one core):
* ``json.loads`` alone — the floor any Python JSON reader pays;
* plain pydantic — a minimal model of the same document (standard ``Decimal`` fields, no
  aliases, no code shapes, no invariants), ``model_validate_json`` per line;
* the SDK's validating reader — ``medins_sdk.io.read_records`` over the file (fast path for
  canonical lines), with every model check and invariant;
* the SDK on the same records shaped as national 4101 + 2301 JSON (the exact slow path).

Usage: ``python benchmarks/bench_validate.py [--records N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel

from medins_sdk import synthetic
from medins_sdk.io import BUILTIN_FORMATS, Record, read_records


class PlainLine(BaseModel):
    line_no: str
    visit_id: str
    time: datetime
    catalogue_code: str
    hospital_code: str
    item_name: str
    amount: Decimal
    quantity: Decimal
    price: Decimal
    category: str
    dept_code: str
    doctor_code: str


class PlainDiagnosis(BaseModel):
    type: str
    code: str
    name: str
    principal: str
    admission_condition: str


class PlainOperation(BaseModel):
    type: str
    code: str
    name: str
    date: datetime
    anaesthesia_way: str
    surgeon_name: str
    surgeon_code: str
    anaesthetist_code: str
    start: datetime
    end: datetime


class PlainItem(BaseModel):
    category: str
    amount: Decimal
    class_a: Decimal
    class_b: Decimal


class PlainList(BaseModel):
    info: dict[str, object]
    payments: list[dict[str, object]]
    outpatient_diagnoses: list[object]
    diagnoses: list[PlainDiagnosis]
    charge_items: list[PlainItem]
    operations: list[PlainOperation]
    icu_stays: list[object]
    transfusions: list[object]


class PlainEncounter(BaseModel):
    id: str
    settlement_list: PlainList
    charges: list[PlainLine]
    settlement: dict[str, object]
    medical_group: str


def _timed(label: str, count: int, run: Callable[[], int], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        done = run()
        best = min(best, time.perf_counter() - start)
        assert done == count, f"{label}: {done} of {count}"
    rate = count / best
    print(f"{label:<44} {rate:>9,.0f} records/s")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(42)
    encounters = [
        synthetic.encounter(rng, index=i, lines=200, diagnoses=10, operations=5)
        for i in range(args.records)
    ]
    formats = {f.name: f for f in BUILTIN_FORMATS}
    canonical = [e.model_dump_json(exclude_none=True).encode() for e in encounters]
    national = []
    for e in encounters:
        national.append(json.dumps(formats["national-4101"].dump(e), ensure_ascii=False).encode())
    size = sum(map(len, canonical)) / len(canonical)
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"{args.records} encounters, mean {size / 1024:.1f} KB of canonical JSON each")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "encounters.jsonl")
        path.write_bytes(b"\n".join(canonical) + b"\n")
        national_path = Path(tmp, "national.jsonl")
        national_path.write_bytes(b"\n".join(national) + b"\n")
        lines = path.read_bytes().splitlines()

        def count_ok(source: Path) -> int:
            return sum(isinstance(r, Record) for r in read_records([source], BUILTIN_FORMATS))

        n = args.records
        _timed("json.loads", n, lambda: len([json.loads(line) for line in lines]), args.repeat)
        _timed(
            "plain pydantic (model_validate_json)",
            n,
            lambda: len([PlainEncounter.model_validate_json(line) for line in lines]),
            args.repeat,
        )
        _timed("medins-sdk read_records (canonical JSONL)", n, lambda: count_ok(path), args.repeat)
        _timed(
            "medins-sdk read_records (national 4101 JSONL)",
            n,
            lambda: count_ok(national_path),
            args.repeat,
        )


if __name__ == "__main__":
    main()
