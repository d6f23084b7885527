"""A conformance kit for scheme plugins: the invariants the core holds its own schemes to.

Subclass :class:`SchemeConformance` in a test module of the plugin and name the scheme::

    from medins_sdk.testing import SchemeConformance

    class TestBeijingDrg(SchemeConformance):
        scheme = "beijing-drg-2022"

pytest collects the subclass (its name starts with ``Test``) and runs every check below on
generated encounters: each is priced, with a balance exact to the cent and no float in its
JSON; grouping, if the scheme groups, is total; grouping and pricing are deterministic.
"""

from __future__ import annotations

import json
import unittest
from functools import cached_property
from typing import Any, ClassVar, NoReturn

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medins_sdk.models import Encounter, GroupResult, PriceResult
from medins_sdk.money import to_cents
from medins_sdk.plugins import PluginManager, get_plugin_manager
from medins_sdk.schemes import Grouper, PaymentScheme, Pricer
from medins_sdk.testing.strategies import encounters

__all__ = ["SchemeConformance", "loads_exact"]


def _refuse_float(literal: str) -> NoReturn:
    raise AssertionError(f"JSON output holds the float literal {literal}: amounts are strings")


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

    def _grouper(self) -> Grouper:
        grouper = self._parts[1]
        if grouper is None:
            raise unittest.SkipTest(f"scheme {self.scheme} does not group")
        return grouper

    def _group(self, encounter: Encounter) -> GroupResult:
        return self._grouper().group(encounter, self._parts[0])

    def _price(self, encounter: Encounter) -> PriceResult:
        scheme, grouper, pricer = self._parts
        grouping = grouper.group(encounter, scheme) if grouper is not None else None
        return pricer.price(encounter, grouping, scheme)

    @_SETTINGS
    @given(data=st.data())
    def test_every_encounter_is_priced_exactly(self, data: st.DataObject) -> None:
        """Ids match, cost is the encounter's, balance = payment − cost, cents only, no floats."""
        encounter = data.draw(self.encounter_strategy(), label="encounter")
        result = self._price(encounter)
        assert result.id == encounter.id
        assert result.scheme == self.scheme
        assert result.total_cost == encounter.total_cost
        assert result.balance == result.payment - result.total_cost
        for name in _MONEY_FIELDS:
            value = getattr(result, name)
            assert value is None or value == to_cents(value), f"{name} {value} is not in cents"
        loads_exact(result.model_dump_json())

    @_SETTINGS
    @given(data=st.data())
    def test_grouping_is_total(self, data: st.DataObject) -> None:
        """Every encounter gets a group (grouped, ambiguous) or an explicit reason (ungroupable)."""
        encounter = data.draw(self.encounter_strategy(), label="encounter")
        result = self._group(encounter)
        assert result.id == encounter.id
        assert result.scheme == self.scheme
        if result.status == "ungroupable":
            assert result.group is None
            assert result.reason
        else:
            assert result.group
        loads_exact(result.model_dump_json())

    @_SETTINGS
    @given(data=st.data())
    def test_grouping_is_deterministic(self, data: st.DataObject) -> None:
        """The same encounter, even re-read from its JSON, always gets the same grouping."""
        encounter = data.draw(self.encounter_strategy(), label="encounter")
        again = Encounter.model_validate_json(encounter.model_dump_json())
        first = self._group(encounter).model_dump_json()
        assert self._group(encounter).model_dump_json() == first
        assert self._group(again).model_dump_json() == first

    @_SETTINGS
    @given(data=st.data())
    def test_pricing_is_deterministic(self, data: st.DataObject) -> None:
        """The same encounter, even re-read from its JSON, always gets the same price."""
        encounter = data.draw(self.encounter_strategy(), label="encounter")
        again = Encounter.model_validate_json(encounter.model_dump_json())
        first = self._price(encounter).model_dump_json()
        assert self._price(encounter).model_dump_json() == first
        assert self._price(again).model_dump_json() == first
