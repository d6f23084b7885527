"""The WS/T 500.52 element table (``wst500_52.toml``) as typed data the reader and writer share.

Which section, element code and value type holds each front-page field is data, kept in one
TOML file next to this module, so a corrected code is a one-line change that both directions
pick up; see that file for which codes come from public templates and which are the SDK's.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any, Literal

ValueType = Literal["PQ", "MO", "CD", "ST", "BL", "TS"]
Source = Literal["template", "uncertain", "sdk"]


@dataclass(frozen=True, slots=True)
class Observation:
    """A base field held by one observation: section, element code, value type, displayName."""

    field: str
    section: str
    code: str
    name: str
    type: ValueType
    source: Source
    unit: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Table:
    """Every code of the element table, by the names the TOML file gives them."""

    document: dict[str, str]
    ids: dict[str, str]
    code_systems: dict[str, str]
    roles: dict[str, str]
    sections: dict[str, str]
    diagnosis: dict[str, Any]
    operation: dict[str, Any]
    coma: dict[str, str]
    icu: dict[str, Any]
    observations: tuple[Observation, ...]
    lookup: dict[tuple[str, str], tuple[Observation, ...]]
    """Observations by (section name, element code), aliases included: what reading uses."""

    @property
    def ns(self) -> str:
        """The CDA namespace in Clark notation, ``{urn:hl7-org:v3}``."""
        return "{" + self.document["namespace"] + "}"

    def section_of(self, observation: Observation) -> str:
        """The section code an observation is written in."""
        return self.sections[observation.section]


@cache
def table() -> Table:
    """The table, read once from the package data."""
    text = files(__package__).joinpath("wst500_52.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    observations = tuple(
        Observation(**{**row, "aliases": tuple(row.get("aliases", ()))})
        for row in data.pop("observations")
    )
    lookup: dict[tuple[str, str], tuple[Observation, ...]] = {}
    for row in observations:
        for code in (row.code, *row.aliases):
            lookup[row.section, code] = (*lookup.get((row.section, code), ()), row)
    return Table(**data, observations=observations, lookup=lookup)
