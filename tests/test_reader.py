"""The streaming reader: every input shape, exact decimals, nothing lost."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from medins_sdk.io import (
    BUILTIN_FORMATS,
    InputError,
    Record,
    RecordParser,
    Rejected,
    read_records,
    read_stream,
)
from medins_sdk.models import Encounter

SAMPLES = Path(__file__).parents[1] / "samples"
FORMATS = {f.name: f for f in BUILTIN_FORMATS}


@pytest.fixture
def sample_lines() -> list[str]:
    return (SAMPLES / "encounters.jsonl").read_text(encoding="utf-8").splitlines()


def kinds(outcomes: list[Record | Rejected]) -> list[str]:
    return [type(o).__name__ for o in outcomes]


def read_bytes(data: bytes, *, lines: bool | None = None) -> list[Record | Rejected]:
    return list(read_stream(io.BytesIO(data), "<test>", RecordParser(BUILTIN_FORMATS), lines=lines))


def test_every_sample_shape_is_detected(sample_lines: list[str]) -> None:
    outcomes = list(read_records([SAMPLES / "encounters.jsonl"], BUILTIN_FORMATS))
    assert all(isinstance(o, Record) for o in outcomes)
    formats = [o.format for o in outcomes if isinstance(o, Record)]
    assert formats == ["canonical"] * 5 + ["national-4101"] * 2 + ["national-2301", "national-2304"]
    assert len(outcomes) == len(sample_lines)


def test_stdin_sniffs_jsonl_array_and_pretty_documents(sample_lines: list[str]) -> None:
    jsonl = "\n".join(sample_lines).encode()
    assert kinds(read_bytes(jsonl)) == ["Record"] * len(sample_lines)
    array = ("[\n" + ",\n".join(sample_lines[:3]) + "\n]").encode()
    assert kinds(read_bytes(array)) == ["Record"] * 3
    pretty = json.dumps(json.loads(sample_lines[0]), indent=2, ensure_ascii=False).encode()
    assert kinds(read_bytes(pretty + b"\n" + pretty)) == ["Record", "Record"]


def test_value_stream_resumes_after_broken_values(sample_lines: list[str]) -> None:
    pretty = json.dumps(json.loads(sample_lines[0]), indent=2, ensure_ascii=False).encode()
    not_utf8 = pretty.replace("示例医院".encode(), b"\xff\xfe")
    data = pretty + b"\n{broken\n" + pretty + b"\n" + not_utf8 + b"\n" + pretty
    outcomes = read_bytes(data)
    assert kinds(outcomes) == ["Record", "Rejected", "Record", "Rejected", "Record"]
    assert [o.source for o in outcomes] == [f"<test>[{i}]" for i in range(5)]
    array = b"[" + pretty + b"," + not_utf8 + b"," + pretty + b"]"
    assert kinds(read_bytes(array, lines=False)) == ["Record", "Rejected", "Record"]


def test_truncated_array_reports_the_rest_as_rejected(sample_lines: list[str]) -> None:
    data = ("[" + sample_lines[0] + "," + sample_lines[1][:-10]).encode()
    outcomes = read_bytes(data, lines=False)
    assert kinds(outcomes) == ["Record", "Rejected"]


def test_jsonl_lines_fail_alone(sample_lines: list[str]) -> None:
    data = "\n".join([sample_lines[0], "not json", "", "[1, 2]", sample_lines[1]]).encode()
    data += b"\n\xff\xfe{}\n"
    outcomes = read_bytes(data, lines=True)
    assert kinds(outcomes) == ["Record", "Rejected", "Rejected", "Record", "Rejected"]
    assert [o.source for o in outcomes] == [
        "<test>:1",
        "<test>:2",
        "<test>:4",
        "<test>:5",
        "<test>:6",
    ]
    reasons = [o.issues[0].reason for o in outcomes if isinstance(o, Rejected)]
    assert reasons[0].startswith("not valid JSON")
    assert reasons[1] == "a record must be a JSON object, not list"
    assert reasons[2].startswith("not valid UTF-8")


def test_national_float_amounts_load_exactly(sample_lines: list[str]) -> None:
    record = json.loads(sample_lines[5])
    # JSON numbers with a fraction: through a float, 99999999999999.99 would become …98.
    record["iteminfo"][0]["amt"] = "AMOUNT"
    record["payinfo"][0]["fund_payamt"] = "PAID"
    raw = json.dumps(record, ensure_ascii=False)
    raw = raw.replace('"AMOUNT"', "99999999999999.99").replace('"PAID"', "0.1")
    [outcome] = read_bytes(raw.encode(), lines=True)
    assert isinstance(outcome, Record)
    encounter = outcome.model
    assert isinstance(encounter, Encounter)
    assert encounter.settlement_list.charge_items[0].amount == Decimal("99999999999999.99")
    assert encounter.settlement_list.payments[0].amount == Decimal("0.1")


def test_envelope_and_forced_format(sample_lines: list[str], tmp_path: Path) -> None:
    national = sample_lines[5]
    enveloped = json.dumps({"infno": "2301", "input": json.loads(national)}, ensure_ascii=False)
    [outcome] = read_bytes(enveloped.encode(), lines=True)
    assert isinstance(outcome, Rejected)  # a 4101 body under a 2301 envelope
    assert outcome.format == "national-2301"
    assert outcome.issues[0].path == "input.feedetail"
    path = tmp_path / "one.jsonl"
    path.write_text(sample_lines[0] + "\n", encoding="utf-8")
    [forced] = read_records([path], BUILTIN_FORMATS, input_format="national-4101")
    assert isinstance(forced, Rejected)
    assert forced.format == "national-4101"


def test_unreadable_inputs_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        list(read_records([tmp_path / "missing.jsonl"], BUILTIN_FORMATS))
    with pytest.raises(InputError, match="unknown input format 'nope'"):
        list(read_records([tmp_path / "x.jsonl"], BUILTIN_FORMATS, input_format="nope"))


def test_unknown_shape_is_rejected_with_its_keys() -> None:
    [outcome] = read_bytes(b'{"foo": 1, "bar": 2}\n', lines=True)
    assert isinstance(outcome, Rejected)
    assert outcome.issues[0].reason == "unrecognised record shape (keys: bar, foo)"


def test_national_paths_use_national_names(sample_lines: list[str]) -> None:
    record = json.loads(sample_lines[5])
    record["diseinfo"][0]["diag_code"] = "74.1x01"
    [outcome] = read_bytes(json.dumps(record, ensure_ascii=False).encode(), lines=True)
    assert isinstance(outcome, Rejected)
    assert [i.path for i in outcome.issues] == ["diseinfo[0].diag_code"]
    assert outcome.id == record["setlinfo"]["setl_id"]


def test_unknown_national_fields_are_ignored_but_canonical_extras_are_not(
    sample_lines: list[str],
) -> None:
    national = json.loads(sample_lines[5])
    national["setlinfo"]["prov_ext_field"] = "一些省份的扩展字段"
    national["diseinfo"][0]["vali_flag"] = "1"
    national["new_node"] = [{"x": 1}]
    [outcome] = read_bytes(json.dumps(national, ensure_ascii=False).encode(), lines=True)
    assert isinstance(outcome, Record)
    assert outcome.format == "national-4101"
    canonical = json.loads(sample_lines[0])
    canonical["settlement_list"]["info"]["prov_ext_field"] = "x"
    [rejected] = read_bytes(json.dumps(canonical, ensure_ascii=False).encode(), lines=True)
    assert isinstance(rejected, Rejected)
    assert [i.path for i in rejected.issues] == ["settlement_list.info.prov_ext_field"]
    assert rejected.issues[0].reason == "Extra inputs are not permitted"
