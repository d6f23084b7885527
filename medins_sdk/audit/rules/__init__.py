"""The national rule set: settlement-list quality, charging, restricted payment, batch patterns.

Registered by the core through ``medins_register_audit_rules``, like any plugin's rules;
each rule's module docstring and ``source`` say where it comes from (``docs/audit.md`` lists
them all).
"""

from __future__ import annotations

from medins_sdk.audit.rules.base import Rule
from medins_sdk.audit.rules.batch import batch_rules
from medins_sdk.audit.rules.charging import charging_rules
from medins_sdk.audit.rules.quality import quality_rules
from medins_sdk.audit.rules.restricted import restricted_rules


def national_rules() -> list[Rule]:
    """Every national rule, in a fixed order (the order findings are never sorted by)."""
    return [*quality_rules(), *charging_rules(), *restricted_rules(), *batch_rules()]


__all__ = ["Rule", "national_rules"]
