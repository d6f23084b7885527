"""What every national rule shares: its declaration, and making findings in its name."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from medins_sdk.audit.params import Parameter, Params, Scope
from medins_sdk.audit.view import AuditCase
from medins_sdk.models import EvidenceValue, Finding, Severity, Stage

ALL_STAGES: frozenset[Stage] = frozenset(("pre", "during", "post"))
"""Charge and payment rules run at order entry, before settlement and in batch."""
RECORD_STAGES: frozenset[Stage] = frozenset(("during", "post"))
"""Settlement-list quality rules need the finished record: before settlement and in batch."""
BATCH_STAGES: frozenset[Stage] = frozenset(("post",))
"""Patterns across encounters exist only over settled data."""


class Rule:
    """A national rule: its declaration as class attributes, :meth:`check` in the subclass."""

    id: str = ""
    name: str = ""
    description: str = ""
    stages: frozenset[Stage] = ALL_STAGES
    severity: Severity = "block"
    scope: Scope = "line"
    source: str = ""
    parameters: Sequence[Parameter] = ()
    knowledge: Sequence[str] = ()

    def check(self, case: AuditCase, params: Params) -> Iterable[Finding]:
        """The rule's findings on one encounter."""
        raise NotImplementedError

    def found(
        self,
        case: AuditCase,
        lines: Iterable[int],
        amount: Decimal | None,
        message: str,
        evidence: dict[str, EvidenceValue],
    ) -> Finding:
        """A finding of this rule on ``case`` naming the lines at positions ``lines``."""
        return case.finding(self.id, self.severity, lines, amount, message, evidence)

    def __repr__(self) -> str:
        return f"<rule {self.id}>"
