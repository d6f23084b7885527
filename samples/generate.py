"""Regenerate the bundled samples (deterministic): ``python samples/generate.py``.

* ``encounters.jsonl`` — valid records in every supported shape: canonical encounters,
  4101 settlement lists (bare and in the interface envelope), a 2301 charge upload and a
  2304 settlement answer.
* ``mixed-defects.jsonl`` — valid records with planted defects between them; ``medins
  validate`` must report exactly the defects listed in ``PLANTED`` (tests check this).
* ``inpatient.jsonl`` — 40 canonical inpatient encounters only, for the verbs that group and
  price (``medins group / price / report drg``). Synthetic: codes, costs and stays are drawn
  independently, so costs do not follow any scheme's weights (many DRG outliers).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from medins_sdk import synthetic
from medins_sdk.io.formats import BUILTIN_FORMATS
from medins_sdk.models import ChargeBatch, Encounter

HERE = Path(__file__).parent
FORMATS = {f.name: f for f in BUILTIN_FORMATS}
Defect = Callable[[dict[str, Any]], None]


def _line(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _canonical(encounter: Encounter) -> dict[str, Any]:
    return encounter.model_dump(mode="json", exclude_none=True)


def _no_principal(record: dict[str, Any]) -> None:
    record["settlement_list"]["diagnoses"][0]["principal"] = "0"


def _two_principals(record: dict[str, Any]) -> None:
    record["settlement_list"]["diagnoses"][1]["principal"] = "1"


def _discharge_before_admission(record: dict[str, Any]) -> None:
    record["settlement_list"]["info"]["discharge_time"] = "2023-01-01 08:00:00"


def _unbalanced(record: dict[str, Any]) -> None:
    info = record["settlement"]["info"]
    info["cash_pay"] = str(Decimal(info["cash_pay"]) + 1)


def _line_off_by_a_cent(record: dict[str, Any]) -> None:
    line = record["charges"][0]
    line["amount"] = str(Decimal(line["amount"]) + Decimal("0.01"))


PLANTED: list[tuple[str, Defect, str]] = [
    ("settlement_list.diagnoses", _no_principal, "no principal"),
    ("settlement_list.diagnoses[1].principal", _two_principals, "more than one principal"),
    ("settlement_list.info.discharge_time", _discharge_before_admission, "before admission"),
    ("settlement.info.total", _unbalanced, "medfee_sumamt"),
    ("settlement.info.total", _line_off_by_a_cent, "Σ charge lines"),
]
"""(expected error path, defect, words the reason contains), in file order."""


def encounters(count: int, seed: int, first_index: int) -> list[Encounter]:
    rng = random.Random(seed)
    return [
        synthetic.encounter(rng, index=first_index + i, lines=rng.randint(8, 20))
        for i in range(count)
    ]


def valid_lines() -> list[str]:
    found = encounters(8, 2024, 1)
    national = FORMATS["national-4101"]
    lines = [_line(_canonical(e)) for e in found[:5]]
    lines.append(_line(national.dump(found[5])))
    lines.append(_line({"infno": "4101", "input": national.dump(found[6])}))
    last = found[7]
    lines.append(_line(FORMATS["national-2301"].dump(ChargeBatch(lines=last.charges))))
    assert last.settlement is not None
    lines.append(_line(FORMATS["national-2304"].dump(last.settlement)))
    return lines


def defect_lines() -> list[str]:
    clean = [_line(_canonical(e)) for e in encounters(4, 7, 100)]
    lines = [clean[0]]
    for number, (_, defect, _) in enumerate(PLANTED):
        record = _canonical(encounters(1, 100 + number, 200 + number)[0])
        defect(record)
        lines.append(_line(record))
        if number == 2:
            lines.append("{this line is not JSON")
            lines.append(clean[1])
    lines.extend(clean[2:])
    return lines


def inpatient_lines() -> list[str]:
    return [_line(_canonical(e)) for e in encounters(40, 2025, 1000)]


def main(out: Path = HERE) -> None:
    (out / "inpatient.jsonl").write_text("\n".join(inpatient_lines()) + "\n", encoding="utf-8")
    (out / "encounters.jsonl").write_text("\n".join(valid_lines()) + "\n", encoding="utf-8")
    (out / "mixed-defects.jsonl").write_text("\n".join(defect_lines()) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
