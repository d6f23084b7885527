"""Property tests of the models: round trips of every wire, exact money, sums, located errors.

Every model comes from :mod:`medins_sdk.testing` (the synthetic generator under Hypothesis),
so these are the invariants plugin authors can rely on for any realistic record.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from random import Random
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import ValidationError

from medins_sdk import models, synthetic
from medins_sdk.io import BUILTIN_FORMATS, RecordParser, Rejected
from medins_sdk.io.output import write_json_line
from medins_sdk.io.records import issues_of
from medins_sdk.models import (
    ChargeItemSummary,
    Encounter,
    SdkModel,
    Settlement,
    SettlementInfo,
)
from medins_sdk.models.base import Naming, field_key
from medins_sdk.money import CENT
from medins_sdk.testing import (
    charge_batches,
    charge_lines,
    defective,
    encounters,
    findings,
    front_pages,
    group_results,
    loads_exact,
    price_results,
    semantic_defects,
    settlement_lists,
    settlements,
)

FORMATS = {f.name: f for f in BUILTIN_FORMATS}

MODELS: dict[str, st.SearchStrategy[SdkModel]] = {
    "Encounter": encounters(lines=st.integers(1, 20)),
    "SettlementList": settlement_lists(),
    "ChargeBatch": charge_batches(),
    "ChargeLine": charge_lines(),
    "Settlement": settlements(),
    "FrontPage": front_pages(),
    "GroupResult": group_results(),
    "PriceResult": price_results(),
    "Finding": findings(),
}
"""A strategy for every top-level model (their parts are generated inside them)."""

WIRE: dict[str, st.SearchStrategy[SdkModel]] = {
    "canonical": MODELS["Encounter"],
    "canonical-charges": MODELS["ChargeBatch"],
    "canonical-settlement": MODELS["Settlement"],
    "canonical-front-page": MODELS["FrontPage"],
    "national-4101": MODELS["SettlementList"],
    "national-2301": MODELS["ChargeBatch"],
    "national-2304": MODELS["Settlement"],
    "national-4401": MODELS["FrontPage"],
}
"""For each built-in record format, the model its JSON is a dump of."""

NATIONAL = [name for name in WIRE if name.startswith("national-")]


def record_of(name: str, wire: SdkModel) -> SdkModel:
    """The record a format reads from ``wire`` (a 4101 settlement list reads as an encounter)."""
    wrap = FORMATS[name].wrap
    return wrap(wire) if wrap else wire


def validate(model: type[SdkModel], obj: dict[str, Any], naming: Naming) -> SdkModel:
    """Validate decoded JSON in one naming only: English names, or national names."""
    if naming == "canonical":
        return model.model_validate(obj, by_alias=False, by_name=True)
    return model.model_validate(obj, by_alias=True, by_name=False, context={"naming": naming})


# -- round trips and exact serialisation ------------------------------------------------------


@pytest.mark.parametrize("name", MODELS)
@given(data=st.data())
def test_canonical_json_round_trip(name: str, data: st.DataObject) -> None:
    model = data.draw(MODELS[name])
    text = model.model_dump_json()
    again = type(model).model_validate_json(text, by_alias=False, by_name=True)
    assert again == model
    assert again.model_dump_json() == text


@pytest.mark.parametrize("name", NATIONAL)
@given(data=st.data())
def test_national_json_round_trip(name: str, data: st.DataObject) -> None:
    fmt = FORMATS[name]
    record = record_of(name, data.draw(WIRE[name]))
    national = json.dumps(fmt.dump(record), ensure_ascii=False)
    parsed = fmt.parse(json.loads(national, parse_float=Decimal))
    assert json.dumps(fmt.dump(parsed), ensure_ascii=False) == national
    # National JSON leaves out SDK extensions (item_name …): after one trip, nothing changes.
    assert fmt.parse(fmt.dump(parsed)) == parsed


@pytest.mark.parametrize("name", [*MODELS, *NATIONAL])
@given(data=st.data())
def test_no_amount_is_ever_written_as_a_float(name: str, data: st.DataObject) -> None:
    if name in FORMATS:
        texts = [json.dumps(FORMATS[name].dump(record_of(name, data.draw(WIRE[name]))))]
    else:
        model = data.draw(MODELS[name])
        line = io.StringIO()
        write_json_line(line, model)
        texts = [model.model_dump_json(), model.model_dump_json(by_alias=True), line.getvalue()]
    for text in texts:
        loads_exact(text)


def test_loads_exact_refuses_float_literals() -> None:
    assert loads_exact('{"amount": "0.30", "count": 3}') == {"amount": "0.30", "count": 3}
    for text in ('{"amount": 0.3}', '{"amount": 3e2}', '{"amount": NaN}'):
        with pytest.raises(AssertionError, match="float literal"):
            loads_exact(text)


@given(seed=st.integers(0, 2**64 - 1))
def test_same_seed_same_encounter_byte_for_byte(seed: int) -> None:
    first = synthetic.encounter(Random(seed), with_front_page=True).model_dump_json()
    assert synthetic.encounter(Random(seed), with_front_page=True).model_dump_json() == first


# -- sums -------------------------------------------------------------------------------------


@given(encounters())
def test_every_total_agrees(encounter: Encounter) -> None:
    lines_total = sum((line.amount for line in encounter.charges), Decimal(0))
    items_total = sum((item.amount for item in encounter.settlement_list.charge_items), Decimal(0))
    assert encounter.total_cost == lines_total == items_total
    if encounter.settlement is not None:
        assert encounter.settlement.info.total == lines_total
    if encounter.front_page is not None:
        assert encounter.front_page.base.total_cost == lines_total


def cent_more(amount: str) -> str:
    """A JSON amount one cent higher."""
    return f"{Decimal(amount) + CENT:.2f}"


def error_paths(error: ValidationError) -> list[str]:
    return [issue.path for issue in issues_of(error)]


@given(encounters(lines=st.integers(1, 20)), st.data())
def test_a_line_a_cent_off_breaks_the_totals(encounter: Encounter, data: st.DataObject) -> None:
    obj = encounter.model_dump(mode="json")
    line = data.draw(st.sampled_from(obj["charges"]))
    line["amount"] = cent_more(line["amount"])
    with pytest.raises(ValidationError) as raised:
        validate(Encounter, obj, "canonical")
    # The charge lines come first among the cost sources: the totals are held against them.
    expected = ["settlement_list.charge_items"]
    if encounter.settlement is not None:
        expected.insert(0, "settlement.info.total")
    assert error_paths(raised.value) == expected
    for error in raised.value.errors():
        assert error["type"] == "total_mismatch"
        assert "Σ charge lines" in error["msg"]


PARTS = ["fund_total", "account_pay", "cash_pay"]
"""The parts whose sum must be a settlement's total (``hospital_part`` where a region uses it)."""


@pytest.mark.parametrize("naming", ["canonical", "national"])
@given(settlement=settlements(), data=st.data())
def test_settlement_parts_add_up_to_its_total(
    naming: Naming, settlement: Settlement, data: st.DataObject
) -> None:
    info = settlement.info
    assert info.total == info.fund_total + info.account_pay + info.cash_pay
    obj = settlement.model_dump(mode="json", by_alias=naming == "national")
    info_key = field_key(Settlement, "info", naming)
    part = field_key(SettlementInfo, data.draw(st.sampled_from(PARTS)), naming)
    obj[info_key][part] = cent_more(obj[info_key][part])
    with pytest.raises(ValidationError) as raised:
        validate(Settlement, obj, naming)
    assert error_paths(raised.value) == [f"{info_key}.{field_key(SettlementInfo, 'total', naming)}"]
    assert raised.value.errors()[0]["type"] == "unbalanced_settlement"


# -- money ------------------------------------------------------------------------------------


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False))
@example(0.1)
def test_floats_are_refused_in_python_mode(value: float) -> None:
    with pytest.raises(ValidationError, match="never a float"):
        ChargeItemSummary.model_validate({"category": "01", "amount": value})
    parts = {"setl_id": "S", "visit_id": "M", "fund_total": 0, "account_pay": 0}
    with pytest.raises(ValidationError, match="never a float") as raised:
        SettlementInfo.model_validate({**parts, "total": value, "cash_pay": value})
    assert error_paths(raised.value) == ["total", "cash_pay"]


# -- located errors -----------------------------------------------------------------------------


CASES = [(name, "canonical") for name in MODELS] + [
    ("SettlementList", "national"),
    ("ChargeBatch", "national"),
    ("Settlement", "national"),
    ("FrontPage", "national"),
]


@pytest.mark.parametrize(("name", "naming"), CASES)
@given(data=st.data())
def test_an_invalid_field_is_named_by_validation(
    name: str, naming: Naming, data: st.DataObject
) -> None:
    obj, path = data.draw(defective(MODELS[name], naming))
    with pytest.raises(ValidationError) as raised:
        validate(getattr(models, name), obj, naming)
    assert error_paths(raised.value) == [path]


@pytest.mark.parametrize("name", WIRE)
@given(data=st.data())
def test_an_invalid_field_is_named_by_the_reader(name: str, data: st.DataObject) -> None:
    obj, path = data.draw(defective(WIRE[name], FORMATS[name].naming))
    parser = RecordParser(BUILTIN_FORMATS)
    outcome = parser.from_object(obj, "test")
    assert isinstance(outcome, Rejected)
    if obj:
        assert outcome.format == name
        assert [issue.path for issue in outcome.issues] == [path]
    else:  # the only field removed: nothing is left to recognise the record by
        assert outcome.issues[0].reason.startswith("unrecognised record shape")
    from_line = parser.from_line(json.dumps(obj, ensure_ascii=False).encode(), "test")
    assert from_line == outcome


@pytest.mark.parametrize("naming", ["canonical", "national"])
@given(data=st.data())
def test_a_record_level_fault_is_named_by_the_reader(naming: Naming, data: st.DataObject) -> None:
    obj, path = data.draw(semantic_defects(naming))
    outcome = RecordParser(BUILTIN_FORMATS).from_object(obj, "test")
    assert isinstance(outcome, Rejected)
    assert [issue.path for issue in outcome.issues] == [path]
