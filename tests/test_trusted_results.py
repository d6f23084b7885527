"""``SdkModel.from_trusted``: engines' unvalidated results equal what validation would build."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from pydantic import PrivateAttr

from medins_sdk.models import GroupResult, PriceResult, SdkModel, TraceStep
from medins_sdk.testing import assert_revalidates, group_results, price_results


def _given_fields(model: SdkModel) -> dict[str, object]:
    return {name: getattr(model, name) for name in model.model_fields_set}


@settings(max_examples=50, deadline=None)
@given(group_results())
def test_a_trusted_group_result_equals_the_validated_one(result: GroupResult) -> None:
    trusted = GroupResult.from_trusted(**_given_fields(result))
    assert trusted == result
    assert trusted.model_fields_set == result.model_fields_set
    assert trusted.model_dump_json() == result.model_dump_json()
    assert_revalidates(trusted)


@settings(max_examples=50, deadline=None)
@given(price_results())
def test_a_trusted_price_result_equals_the_validated_one(result: PriceResult) -> None:
    trusted = PriceResult.from_trusted(**_given_fields(result))
    assert trusted == result
    assert trusted.model_dump_json() == result.model_dump_json()
    assert_revalidates(trusted)


def test_defaults_are_fresh_for_every_instance() -> None:
    first = GroupResult.from_trusted(id="1", scheme="s", status="grouped", group="AB11")
    second = GroupResult.from_trusted(id="2", scheme="s", status="grouped", group="AB11")
    first.trace.append(TraceStep(step="drg", outcome="chosen"))
    first.extras["kind"] = "x"
    assert (second.trace, second.extras) == ([], {})
    assert first.model_fields_set == {"id", "scheme", "status", "group"}


def test_a_broken_invariant_is_caught_by_revalidation() -> None:
    """What ``from_trusted`` does not check, the tests' re-validation does."""
    wrong = GroupResult.from_trusted(id="1", scheme="s", status="ungroupable", group="AB11")
    with pytest.raises(ValueError, match="ungroupable result has a reason and no group"):
        assert_revalidates(wrong)


class _WithPrivateState(SdkModel):
    code: str
    _cache: dict[str, str] = PrivateAttr(default_factory=dict)


def test_models_with_private_state_are_refused() -> None:
    with pytest.raises(TypeError, match="private state"):
        _WithPrivateState.from_trusted(code="x")


def test_a_missing_required_field_is_refused() -> None:
    with pytest.raises(TypeError, match="needs scheme, status"):
        GroupResult.from_trusted(id="1")
