"""Property tests of the reader: nothing is lost, nothing invented, amounts stay exact.

Whatever a file holds (valid records of every shape, defective ones, bytes that are not
UTF-8, cut-off JSON, blank lines), reading it yields exactly one Record or Rejected per
record, in order: records read = accepted + rejected.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from random import Random

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from medins_sdk import synthetic
from medins_sdk.io import BUILTIN_FORMATS, Record, Rejected, read_records
from medins_sdk.models import ChargeBatch, Encounter, SdkModel, Settlement
from medins_sdk.testing import (
    charge_batches,
    defective,
    encounters,
    semantic_defects,
    settlement_lists,
)

FORMATS = {f.name: f for f in BUILTIN_FORMATS}

Line = tuple[str | None, bytes]
"""A line of a test file and the id its record must be accepted under (None: rejected)."""


def national(name: str, model: SdkModel) -> bytes:
    return json.dumps(FORMATS[name].dump(model), ensure_ascii=False).encode()


def answer_of(encounter: Encounter) -> Settlement:
    assert encounter.settlement is not None
    return encounter.settlement


VALID_SHAPES: dict[str, Callable[[Encounter], Line]] = {
    "canonical": lambda e: (e.id, e.model_dump_json(exclude_none=True).encode()),
    "national-4101": lambda e: (e.settlement_list.info.setl_id, national("national-4101", e)),
    "national-2301": lambda e: (
        e.settlement_list.info.visit_id,
        national("national-2301", ChargeBatch(lines=e.charges)),
    ),
    "national-2304": lambda e: (
        e.settlement_list.info.setl_id,
        national("national-2304", answer_of(e)),
    ),
}
"""Each valid record shape, made from a settled encounter, with the id it is accepted under."""

_SOURCES = encounters(lines=st.integers(1, 8), with_settlement=True)

valid_lines = st.builds(
    lambda shape, encounter: VALID_SHAPES[shape](encounter),
    st.sampled_from(list(VALID_SHAPES)),
    _SOURCES,
)
defective_objects = st.one_of(
    defective(_SOURCES, "canonical"),
    defective(charge_batches(), "national"),
    defective(settlement_lists(), "national"),
    semantic_defects("canonical"),
    semantic_defects("national"),
).map(lambda defect: defect[0])
defective_lines: st.SearchStrategy[Line] = defective_objects.map(
    lambda obj: (None, json.dumps(obj, ensure_ascii=False).encode())
)
not_utf8 = st.tuples(
    st.binary(max_size=30), st.sampled_from([b"\xff", b"\xc3(", b"\xe2\x82", b"\xed\xa0\x80"])
).map(b"".join)
garbage_lines: st.SearchStrategy[Line] = (
    st.one_of(st.binary(min_size=1, max_size=60), not_utf8)
    .map(lambda raw: raw.replace(b"\n", b""))
    .filter(lambda raw: raw.strip() != b"")
    .map(lambda raw: (None, raw))
)
truncated_lines: st.SearchStrategy[Line] = st.builds(
    lambda line, cut: (None, line[1][: max(1, int(len(line[1]) * cut))]),
    valid_lines,
    st.floats(0, 0.999),
)
blank_lines = st.sampled_from([b"", b"   ", b"\t", b"\r"])


def read_file(path: Path, data: bytes) -> list[Record | Rejected]:
    path.write_bytes(data)
    return list(read_records([path], BUILTIN_FORMATS))


def accepted_ids(outcomes: list[Record | Rejected]) -> list[str | None]:
    """Per outcome, in order: the id of an accepted record, None for a rejected one."""
    return [o.id if isinstance(o, Record) else None for o in outcomes]


@given(
    lines=st.lists(
        st.one_of(valid_lines, defective_lines, garbage_lines, truncated_lines, blank_lines),
        max_size=12,
    )
)
def test_jsonl_yields_one_outcome_per_non_blank_line(
    lines: list[Line | bytes], tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("mixed") / "records.jsonl"
    outcomes = read_file(path, b"\n".join(x if isinstance(x, bytes) else x[1] for x in lines))
    records = [x for x in lines if not isinstance(x, bytes)]
    assert accepted_ids(outcomes) == [expected for expected, _ in records]
    numbers = [n for n, x in enumerate(lines, start=1) if not isinstance(x, bytes)]
    assert [o.source for o in outcomes] == [f"{path}:{n}" for n in numbers]


@given(items=st.lists(st.one_of(valid_lines, defective_lines), max_size=8))
def test_json_array_yields_one_outcome_per_item(
    items: list[Line], tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("array") / "records.json"
    outcomes = read_file(path, b"[\n" + b",\n".join(raw for _, raw in items) + b"\n]")
    assert accepted_ids(outcomes) == [expected for expected, _ in items]


AMOUNTS = st.decimals(min_value=0, max_value=Decimal("49999999999999.99"), places=2)


def two_item_encounter(first: Decimal, second: Decimal) -> Encounter:
    """An encounter whose amounts are two charge-table rows and a settlement of their sum."""
    ids = {"setl_id": "S1", "visit_id": "M1"}
    items = [{"category": "01", "amount": first}, {"category": "09", "amount": second}]
    answer = {"total": first + second, "fund_total": first, "account_pay": second, "cash_pay": 0}
    return Encounter.model_validate(
        {
            "id": "S1",
            "settlement_list": {"info": {**ids, "gender": "1"}, "charge_items": items},
            "settlement": {"info": {**ids, **answer}},
        }
    )


@pytest.mark.parametrize("name", ["canonical", "national-4101"])
@given(first=AMOUNTS, second=AMOUNTS)
@example(first=Decimal("99999999999999.99"), second=Decimal(0))  # through a float: …98
def test_json_numbers_with_fractions_load_exactly(
    name: str, first: Decimal, second: Decimal, tmp_path_factory: pytest.TempPathFactory
) -> None:
    fmt = FORMATS[name]
    written = fmt.dump(two_item_encounter(first, second))
    bare = re.sub(r'"(\d+\.\d+)"', r"\1", json.dumps(written))  # every amount a JSON number
    [outcome] = read_file(tmp_path_factory.mktemp("exact") / "one.jsonl", bare.encode())
    assert isinstance(outcome, Record)
    assert outcome.model == fmt.parse(written)


def test_zero_point_one_plus_zero_point_two_is_zero_point_three(tmp_path: Path) -> None:
    info = {"setl_id": "S1", "mdtrt_id": "M1", "medfee_sumamt": "TOTAL", "psn_cash_pay": 0}
    text = json.dumps({"setlinfo": {**info, "fund_pay_sumamt": "FUND", "acct_pay": "ACCOUNT"}})
    for token, number in (("TOTAL", "0.3"), ("FUND", "0.1"), ("ACCOUNT", "0.2")):
        text = text.replace(f'"{token}"', number)
    [outcome] = read_file(tmp_path / "one.jsonl", text.encode())
    assert isinstance(outcome, Record)
    assert isinstance(outcome.model, Settlement)
    assert outcome.model.info.total == Decimal("0.3")


# -- the planted defects of a mixed file --------------------------------------------------------


def test_planted_defects_are_found_at_their_exact_paths(tmp_path: Path) -> None:
    valid = synthetic.encounter(Random(1), index=1, lines=6)
    lists = [
        FORMATS["national-4101"].dump(synthetic.encounter(Random(seed), index=seed, diagnoses=3))
        for seed in (2, 3)
    ]
    for diagnosis in lists[0]["diseinfo"]:
        diagnosis["maindiag_flag"] = "0"
    lists[1]["diseinfo"][2]["maindiag_flag"] = "1"
    late = synthetic.encounter(Random(4), index=4).model_dump(mode="json", exclude_none=True)
    late["settlement_list"]["info"]["discharge_time"] = "2023-12-31 23:59:00"
    answer = FORMATS["national-2304"].dump(answer_of(synthetic.encounter(Random(5), index=5)))
    answer["setlinfo"]["psn_cash_pay"] = f"{Decimal(answer['setlinfo']['psn_cash_pay']) + 1:.2f}"
    lines = [
        valid.model_dump_json().encode(),
        json.dumps(lists[0]).encode(),
        json.dumps(lists[1]).encode(),
        json.dumps(late).encode(),
        json.dumps(answer).encode(),
        b"{not json",
        b"",
    ]
    outcomes = read_file(tmp_path / "mixed.jsonl", b"\n".join(lines))
    found = [
        (o.id, o.issues[0].path if isinstance(o, Rejected) else None, len(getattr(o, "issues", ())))
        for o in outcomes
    ]
    assert found == [
        ("SETL0000000001", None, 0),
        ("SETL0000000002", "diseinfo", 1),
        ("SETL0000000003", "diseinfo[2].maindiag_flag", 1),
        ("SETL0000000004", "settlement_list.info.discharge_time", 1),
        ("SETL0000000005", "setlinfo.medfee_sumamt", 1),
        (None, "", 1),
    ]
    broken = outcomes[-1]
    assert isinstance(broken, Rejected)
    assert broken.issues[0].reason.startswith("not valid JSON")
    assert [o.source for o in outcomes] == [f"{tmp_path / 'mixed.jsonl'}:{n}" for n in range(1, 7)]
