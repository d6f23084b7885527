"""The test kit plugin authors reuse: Hypothesis strategies and a scheme conformance kit.

Needs Hypothesis, the SDK's ``testing`` extra (``pip install medins-sdk[testing]``).
:mod:`medins_sdk.testing.strategies` generates every model, valid by default, plus targeted
defects with the path their error must name; :class:`SchemeConformance` runs the core's
invariants (exact pricing, total and deterministic grouping) on a plugin's scheme.
"""

from medins_sdk.testing.conformance import (
    SchemeConformance,
    assert_revalidates,
    loads_exact,
    priced_and_checked,
)
from medins_sdk.testing.strategies import (
    SEMANTIC_DEFECTS,
    UNKNOWN_KEY,
    Defect,
    SemanticDefect,
    charge_batches,
    charge_lines,
    defective,
    encounters,
    findings,
    front_pages,
    group_results,
    price_results,
    semantic_defects,
    settlement_lists,
    settlements,
)

__all__ = [
    "SEMANTIC_DEFECTS",
    "UNKNOWN_KEY",
    "Defect",
    "SchemeConformance",
    "SemanticDefect",
    "assert_revalidates",
    "charge_batches",
    "charge_lines",
    "defective",
    "encounters",
    "findings",
    "front_pages",
    "group_results",
    "loads_exact",
    "price_results",
    "priced_and_checked",
    "semantic_defects",
    "settlement_lists",
    "settlements",
]
