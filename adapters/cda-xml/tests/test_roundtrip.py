"""Write → read gives the front page back, every field of it, and writing is deterministic."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from medins_adapter_cda_xml import read_front_page, write_front_page

from medins_sdk.codes.tables import DischargeWay, Flag
from medins_sdk.models import (
    FrontPage,
    FrontPageBase,
    FrontPageDiagnosis,
    FrontPageIcuStay,
    FrontPageOperation,
)
from medins_sdk.testing.strategies import front_pages

TEXT = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=12)
CODE = st.from_regex(r"[A-Z0-9]{1,12}", fullmatch=True)
MONEY = st.decimals(min_value=0, max_value=99_999, places=2)
DURATION = st.builds(
    lambda d, h, m: f"{d}/{h}/{m}", st.integers(0, 99), st.integers(0, 23), st.integers(0, 59)
)
SPECIAL: dict[str, st.SearchStrategy[Any]] = {
    "visit_serial": CODE,
    "visit_id": CODE,
    "person_no": CODE,
    "admission_count": st.integers(1, 20),
    "length_of_stay": st.integers(0, 365),
    "age": st.decimals(min_value=0, max_value=120, places=2),
    "newborn_birth_weight": st.decimals(min_value=200, max_value=9999, places=0),
    "newborn_admission_weight": st.decimals(min_value=200, max_value=9999, places=0),
    "death": st.sampled_from(Flag),
    "discharge_way": st.sampled_from(DischargeWay),
    "readmission_plan": st.sampled_from(("0", "1", "2")),
    "coma_before_admission": DURATION,
    "coma_after_admission": DURATION,
    "admission_dept": st.from_regex(r"A[0-9]{2}\.[0-9]{2}", fullmatch=True),
    "discharge_dept": st.from_regex(r"A[0-9]{2}\.[0-9]{2}", fullmatch=True),
}


def _fill(draw: st.DrawFn, model: Any, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Every empty field of ``model`` given a valid value: money, counts, codes or text."""
    data: dict[str, Any] = model.model_dump()
    for name, info in type(model).model_fields.items():
        if data[name] is not None or name in skip:
            continue
        if name in SPECIAL:
            data[name] = draw(SPECIAL[name])
        elif "Money" in str(info.metadata) or name.endswith(("_fee", "_cost", "_pay")):
            data[name] = draw(MONEY)
        elif info.annotation in (int, "int | None") or "int" in str(info.annotation):
            data[name] = draw(st.integers(0, 99))
        else:
            data[name] = draw(TEXT)
    return data


@st.composite
def complete_front_pages(draw: st.DrawFn) -> FrontPage:
    """Generated front pages with every optional field of every part filled."""
    page = draw(front_pages())
    base = _fill(draw, page.base)
    start = page.base.admission_time
    diagnoses = [_fill(draw, d) for d in page.diagnoses]
    operations = []
    for operation in page.operations:
        filled = _fill(draw, operation, frozenset({"anaesthesia_start", "anaesthesia_end"}))
        filled["anaesthesia_start"] = start + timedelta(minutes=draw(st.integers(0, 600)))
        filled["anaesthesia_end"] = filled["anaesthesia_start"] + timedelta(minutes=90)
        operations.append(filled)
    stay = FrontPageIcuStay(entered=start, left=start + timedelta(hours=draw(st.integers(1, 48))))
    icu = [_fill(draw, stay)] if draw(st.booleans()) else []
    return FrontPage.model_validate(
        {"base": base, "diagnoses": diagnoses, "operations": operations, "icu_stays": icu}
    )


def _absent_if_empty(page: FrontPage) -> FrontPage:
    """The page as CDA carries it: an empty text is no value (templates write ``code=""``)."""

    def clean(data: Any) -> Any:
        if isinstance(data, dict):
            return {k: clean(v) for k, v in data.items() if v != ""}
        if isinstance(data, list):
            return [clean(v) for v in data]
        return data

    return FrontPage.model_validate(clean(page.model_dump()))


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(complete_front_pages())
def test_every_field_survives_write_then_read(page: FrontPage) -> None:
    assert read_front_page(write_front_page(page)) == _absent_if_empty(page)


@settings(max_examples=40, deadline=None)
@given(front_pages())
def test_generated_front_pages_round_trip(page: FrontPage) -> None:
    assert read_front_page(write_front_page(page)) == _absent_if_empty(page)


@settings(max_examples=20, deadline=None)
@given(front_pages())
def test_writing_is_deterministic(page: FrontPage) -> None:
    written = write_front_page(page)
    assert write_front_page(page) == written
    assert write_front_page(read_front_page(written)) == written


@settings(max_examples=5, deadline=None)
@given(complete_front_pages())
def test_the_complete_strategy_fills_every_field(page: FrontPage) -> None:
    """The round trip above covers every field, so a new model field without a place in
    the document fails it."""
    parts: list[tuple[Any, type[Any]]] = [(page.base, FrontPageBase)]
    parts += [(d, FrontPageDiagnosis) for d in page.diagnoses]
    parts += [(o, FrontPageOperation) for o in page.operations]
    parts += [(i, FrontPageIcuStay) for i in page.icu_stays]
    for part, model in parts:
        assert [n for n in model.model_fields if getattr(part, n) is None] == []


@settings(max_examples=5, deadline=None)
@given(front_pages())
def test_amounts_are_written_to_the_cent(page: FrontPage) -> None:
    base = page.base.model_copy(update={"nursing_fee": Decimal("12.3")})
    written = write_front_page(page.model_copy(update={"base": base})).decode()
    assert 'value="12.30" currency="元"' in written
