"""DRG grouping: rule packs compiled from a scheme's published rule text.

The grouping tables are data (DESIGN: "rule data, not rule code"), so a scheme's text is compiled
once into a checksummed pack that the engine reads; see :mod:`medins_sdk.grouping.compiler`.
Re-exports resolve lazily so that ``python -m medins_sdk.grouping.compiler`` does not import the
module twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from medins_sdk.grouping.compiler import CompiledPack, Problem, compile_rules, write_pack

__all__ = ["CompiledPack", "Problem", "compile_rules", "write_pack"]


def __getattr__(name: str) -> object:
    if name in __all__:
        from medins_sdk.grouping import compiler

        return getattr(compiler, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
