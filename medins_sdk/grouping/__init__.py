"""DRG grouping: rule packs compiled from a scheme's published rule text.

The grouping tables are data (DESIGN: "rule data, not rule code"), so a scheme's text is compiled
once into a checksummed pack that the engine reads; see :mod:`medins_sdk.grouping.compiler`
and, for the engine, :mod:`medins_sdk.grouping.drg`.
Re-exports resolve lazily so that ``python -m medins_sdk.grouping.compiler`` does not import the
module twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from medins_sdk.grouping.compiler import CompiledPack, Problem, compile_rules, write_pack
    from medins_sdk.grouping.drg import DrgGrouper, DrgPack

__all__ = ["CompiledPack", "DrgGrouper", "DrgPack", "Problem", "compile_rules", "write_pack"]

_MODULE_OF = {"DrgGrouper": "drg", "DrgPack": "drg"}
"""Re-exports outside :mod:`medins_sdk.grouping.compiler`, by module."""


def __getattr__(name: str) -> object:
    if name in __all__:
        from importlib import import_module

        module = import_module(f"medins_sdk.grouping.{_MODULE_OF.get(name, 'compiler')}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
