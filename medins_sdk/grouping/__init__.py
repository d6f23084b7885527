"""Grouping engines over rule packs: CHS-DRG and DIP.

The grouping tables are data (DESIGN: "rule data, not rule code"). A DRG scheme's text is
compiled once into a checksummed pack that the engine reads (:mod:`medins_sdk.grouping.compiler`,
:mod:`medins_sdk.grouping.drg`); a DIP catalogue is a pack built from history or imported from a
published table (:mod:`medins_sdk.grouping.dip_builder`, :mod:`medins_sdk.grouping.dip_catalogue`)
that :mod:`medins_sdk.grouping.dip` reads.
Re-exports resolve lazily so that ``python -m medins_sdk.grouping.compiler`` does not import the
module twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from medins_sdk.grouping.compiler import CompiledPack, Problem, compile_rules, write_pack
    from medins_sdk.grouping.dip import DipCatalogue, DipGrouper
    from medins_sdk.grouping.drg import DrgGrouper, DrgPack

__all__ = [
    "CompiledPack",
    "DipCatalogue",
    "DipGrouper",
    "DrgGrouper",
    "DrgPack",
    "Problem",
    "compile_rules",
    "write_pack",
]

_MODULE_OF = {"DrgGrouper": "drg", "DrgPack": "drg", "DipGrouper": "dip", "DipCatalogue": "dip"}
"""Re-exports outside :mod:`medins_sdk.grouping.compiler`, by module."""


def __getattr__(name: str) -> object:
    if name in __all__:
        from importlib import import_module

        module = import_module(f"medins_sdk.grouping.{_MODULE_OF.get(name, 'compiler')}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
