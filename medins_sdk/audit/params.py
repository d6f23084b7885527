"""Rule parameters: a rule's tunable numbers, with defaults, units and sources.

A rule declares its parameters; a knowledge pack overrides them in its manifest
(``"<rule id>:<parameter>"``, and ``"<rule id>:enabled"`` to switch a rule off). Values are
parsed once when the engine is built, so a bad override fails there, naming the pack, and
never in the middle of a batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

Scope = Literal["line", "encounter", "patient", "batch"]
"""What one finding is about: a charge line, an encounter, a patient's history, a batch."""

ParameterKind = Literal["int", "decimal"]


@dataclass(frozen=True, slots=True)
class Parameter:
    """A number a rule uses, its default and where the default comes from.

    ``source=None`` says no primary source is at hand: the default is a documented,
    configurable choice, and a region or hospital sets its own in its pack.
    """

    name: str
    default: str
    description: str
    unit: str = ""
    source: str | None = None
    kind: ParameterKind = "decimal"

    def parse(self, text: str) -> int | Decimal:
        """``text`` as this parameter's value; ``ValueError`` saying what was expected."""
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{self.name} = {text!r} is not a number") from None
        if not value.is_finite() or value < 0:
            raise ValueError(f"{self.name} = {text!r} is not a finite non-negative number")
        if self.kind == "int":
            if value != value.to_integral_value():
                raise ValueError(f"{self.name} = {text!r} is not a whole number")
            return int(value)
        return value


class Params:
    """A rule's parameter values, parsed: read with :meth:`integer` and :meth:`decimal`."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, int | Decimal]) -> None:
        self._values = dict(values)

    @classmethod
    def resolve(cls, declared: Sequence[Parameter], overrides: Mapping[str, str]) -> Params:
        """Defaults of ``declared`` with ``overrides`` applied; ``ValueError`` for an unknown
        name or a bad value."""
        by_name = {parameter.name: parameter for parameter in declared}
        unknown = sorted(set(overrides) - set(by_name))
        if unknown:
            known = ", ".join(sorted(by_name)) or "none"
            raise ValueError(f"unknown parameter {', '.join(unknown)} (known: {known})")
        return cls(
            {
                name: parameter.parse(overrides.get(name, parameter.default))
                for name, parameter in by_name.items()
            }
        )

    def integer(self, name: str) -> int:
        """The whole-number parameter ``name``."""
        value = self._values[name]
        assert isinstance(value, int)
        return value

    def decimal(self, name: str) -> Decimal:
        """The decimal parameter ``name``."""
        return Decimal(self._values[name])

    def as_text(self) -> dict[str, str]:
        """Every value as text, for listings and evidence."""
        return {name: str(value) for name, value in sorted(self._values.items())}
