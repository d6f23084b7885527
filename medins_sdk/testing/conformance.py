"""A conformance kit for scheme plugins: the invariants the core holds its own schemes to.

Subclass :class:`SchemeConformance` in a test module of the plugin and name the scheme::

    from medins_sdk.testing import SchemeConformance

    class TestBeijingDrg(SchemeConformance):
        scheme = "beijing-drg-2022"

pytest collects the subclass (its name starts with ``Test``) and runs every check below on
generated encounters: each is priced, with a balance exact to the cent and no float in its
JSON; grouping, if the scheme groups, is total; grouping and pricing are deterministic. The
checks themselves (:meth:`SchemeConformance.check_price` …) also run on a single encounter,
such as a regional case a plugin's own example tests cite.
"""

from __future__ import annotations

import json
import unittest
from collections.abc import Callable
from functools import cached_property
from typing import Any, ClassVar, NoReturn

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medins_sdk.models import Encounter, GroupResult, PriceResult, SdkModel
from medins_sdk.money import to_cents
from medins_sdk.plugins import PluginManager, get_plugin_manager
from medins_sdk.schemes import Grouper, PaymentScheme, Pricer, SchemeParts
from medins_sdk.testing.strategies import encounters

__all__ = ["SchemeConformance", "assert_revalidates", "loads_exact", "priced_and_checked"]


def _refuse_float(literal: str) -> NoReturn:
    raise AssertionError(f"JSON output holds the float literal {literal}: amounts are strings")


def assert_revalidates(result: SdkModel) -> None:
    """Assert that ``result``'s JSON holds no float and validates back to an equal result
    that writes the same JSON.

    Results built with :meth:`~medins_sdk.models.SdkModel.from_trusted` skip validation;
    this is the check that they would have passed it (types, cents, model invariants).
    """
    text = result.model_dump_json()
    loads_exact(text)
    again = type(result).model_validate_json(text)
    assert again == result, f"{type(result).__name__} changes when re-validated: {again!r}"
    assert again.model_dump_json() == text, "fields are not in the model's declaration order"


def priced_and_checked(
    parts: SchemeParts, encounter: Encounter
) -> tuple[GroupResult | None, PriceResult]:
    """``parts.price(encounter)``, both results asserted to re-validate
    (:func:`assert_revalidates`): what a plugin's worked examples run through."""
    grouping, price = parts.price(encounter)
    if grouping is not None:
        assert_revalidates(grouping)
    assert_revalidates(price)
    return grouping, price


def loads_exact(text: str | bytes) -> Any:
    """Decode JSON the SDK wrote, failing on any number with a fraction, exponent or NaN.

    Amounts are written as decimal strings; a float literal in output means a value went
    through a float somewhere and may have lost a cent.
    """
    return json.loads(text, parse_float=_refuse_float, parse_constant=_refuse_float)


_MONEY_FIELDS = ("total_cost", "payment", "balance", "payment_standard")

# Subclasses share the base's test functions, so Hypothesis sees one test run from several
# classes; each run only reads the registry, so that is safe.
_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.differing_executors]
)


class SchemeConformance:
    """Base of a scheme's conformance tests; subclass it with ``scheme = "name"``.

    Override :meth:`plugin_manager` to test a plugin registered by hand rather than
    installed, and :meth:`encounter_strategy` to aim the checks at the cases the scheme is
    about (maternity cases for a maternity scheme, say).
    """

    scheme: ClassVar[str]
    """The name the scheme is registered under."""

    def plugin_manager(self) -> PluginManager:
        """Where the scheme is looked up: by default the installed plugins."""
        return get_plugin_manager()

    def encounter_strategy(self) -> st.SearchStrategy[Encounter]:
        """The encounters every check runs on: by default every kind the generator makes."""
        return encounters()

    @cached_property
    def _parts(self) -> tuple[PaymentScheme, Grouper | None, Pricer]:
        registry = self.plugin_manager().registry
        scheme = registry.scheme(self.scheme)
        return scheme, registry.grouper_for(scheme), registry.pricer_for(scheme)

    def _group(self, encounter: Encounter) -> GroupResult | None:
        scheme, grouper, _ = self._parts
        return grouper.group(encounter, scheme) if grouper is not None else None

    def _grouping(self, encounter: Encounter) -> GroupResult:
        """The grouping of ``encounter``; skips the calling check when the scheme does not group."""
        result = self._group(encounter)
        if result is None:
            raise unittest.SkipTest(f"scheme {self.scheme} does not group")
        return result

    def _price(self, encounter: Encounter) -> PriceResult:
        scheme, _, pricer = self._parts
        return pricer.price(encounter, self._group(encounter), scheme)

    def check_price(self, encounter: Encounter) -> PriceResult:
        """Price ``encounter`` and assert what every price owes its reader.

        The ids match, the cost is the encounter's, ``balance = payment − total_cost``, every
        amount is in cents, the JSON holds no float and re-validates to the same result (engines
        build results with :meth:`~medins_sdk.models.SdkModel.from_trusted`). Usable on a
        plugin's own samples too.
        """
        result = self._price(encounter)
        assert result.id == encounter.id
        assert result.scheme == self.scheme
        assert result.total_cost == encounter.total_cost
        assert result.balance == result.payment - result.total_cost
        for name in _MONEY_FIELDS:
            value = getattr(result, name)
            assert value is None or value == to_cents(value), f"{name} {value} is not in cents"
        assert_revalidates(result)
        return result

    def check_grouping(self, encounter: Encounter) -> GroupResult:
        """Group ``encounter`` and assert the result is total: a group, or a reason for none.

        Raises :class:`unittest.SkipTest` when the scheme does not group.
        """
        result = self._grouping(encounter)
        assert result.id == encounter.id
        assert result.scheme == self.scheme
        if result.status == "ungroupable":
            assert result.group is None
            assert result.reason
        else:
            assert result.group
        assert_revalidates(result)
        return result

    @staticmethod
    def _assert_repeatable(step: Callable[[Encounter], SdkModel], encounter: Encounter) -> None:
        """Same JSON, byte for byte, asked twice and asked of a copy re-read from JSON."""
        first = step(encounter).model_dump_json()
        assert step(encounter).model_dump_json() == first
        again = Encounter.model_validate_json(encounter.model_dump_json())
        assert step(again).model_dump_json() == first

    def check_grouping_deterministic(self, encounter: Encounter) -> None:
        """Assert that grouping ``encounter`` always gives the same result (skip: no grouper)."""
        self._assert_repeatable(self._grouping, encounter)

    def check_pricing_deterministic(self, encounter: Encounter) -> None:
        """Assert that pricing ``encounter`` always gives the same result."""
        self._assert_repeatable(self._price, encounter)

    def _encounter(self, data: st.DataObject) -> Encounter:
        return data.draw(self.encounter_strategy(), label="encounter")

    @_SETTINGS
    @given(data=st.data())
    def test_every_encounter_is_priced_exactly(self, data: st.DataObject) -> None:
        """Every generated encounter gets a price that passes :meth:`check_price`."""
        self.check_price(self._encounter(data))

    @_SETTINGS
    @given(data=st.data())
    def test_grouping_is_total(self, data: st.DataObject) -> None:
        """Every generated encounter gets a group or an explicit reason (:meth:`check_grouping`)."""
        self.check_grouping(self._encounter(data))

    @_SETTINGS
    @given(data=st.data())
    def test_grouping_is_deterministic(self, data: st.DataObject) -> None:
        """Same case, same grouping JSON (:meth:`check_grouping_deterministic`)."""
        self.check_grouping_deterministic(self._encounter(data))

    @_SETTINGS
    @given(data=st.data())
    def test_pricing_is_deterministic(self, data: st.DataObject) -> None:
        """Same case, same price JSON (:meth:`check_pricing_deterministic`)."""
        self.check_pricing_deterministic(self._encounter(data))
