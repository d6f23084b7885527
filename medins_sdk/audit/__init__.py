"""Audit: rules that find what fund supervision would deduct, before the bureau does.

A rule checks an encounter at a stage — 事前 ``pre`` (one order at entry: the pop-up), 事中
``during`` (the whole encounter before settlement) or 事后 ``post`` (settled encounters, in
batch) — and returns :class:`~medins_sdk.models.Finding` objects. Knowledge (restricted drugs,
sex- and age-restricted items, exclusive items, per-day limits, price ceilings) lives in
versioned knowledge packs, not in code; a region switches a rule off or changes its
parameters in its pack. :class:`~medins_sdk.audit.engine.AuditEngine` runs every enabled rule;
:mod:`medins_sdk.audit.rules` is the national rule set the core registers.

The contract plugins implement:

* every rule declares its id, Chinese name, description, stages, severity, scope, source,
  parameters and the knowledge tables it reads (:class:`AuditRule`);
* ``check(case, params)`` returns the rule's findings on one encounter, reading the shared
  per-encounter view :class:`~medins_sdk.audit.view.AuditCase` (read once, used by every rule);
* rules whose scope is a patient's history or a batch also implement ``check_batch``
  (:class:`BatchRule`), called once over the summaries of a ``post`` batch.

Findings are set-based: a rule never sees another rule's result, hook order or line order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from medins_sdk.audit.knowledge import Knowledge, KnowledgePack
from medins_sdk.audit.params import Parameter, Params, Scope
from medins_sdk.audit.view import AuditCase, CaseSummary
from medins_sdk.models import Finding, Severity, Stage

__all__ = [
    "AuditCase",
    "AuditRule",
    "BatchRule",
    "CaseSummary",
    "Knowledge",
    "KnowledgePack",
    "Parameter",
    "Params",
    "Scope",
]


@runtime_checkable
class AuditRule(Protocol):
    """One audit rule: what it is, where it comes from, and its check of one encounter."""

    @property
    def id(self) -> str:
        """Unique rule id, e.g. ``charge.duplicate`` or ``jiangsu-maternity.wrong-channel``."""
        ...

    @property
    def name(self) -> str:
        """Chinese name shown to users."""
        ...

    @property
    def description(self) -> str:
        """What the rule catches and why it matters, in a sentence or two."""
        ...

    @property
    def stages(self) -> frozenset[Stage]:
        """Stages it runs in: pre (事前), during (事中), post (事后)."""
        ...

    @property
    def severity(self) -> Severity:
        """block, warn or info."""
        ...

    @property
    def scope(self) -> Scope:
        """What one finding is about: a charge line, an encounter, a patient's history, a batch."""
        ...

    @property
    def source(self) -> str:
        """Where the rule comes from (regulation, seed, deployed practice)."""
        ...

    @property
    def parameters(self) -> Sequence[Parameter]:
        """Its tunable numbers with defaults and sources; a pack may override them."""
        ...

    @property
    def knowledge(self) -> Sequence[str]:
        """Names of the knowledge tables it reads (``items``, ``restricted_drugs`` …)."""
        ...

    def check(self, case: AuditCase, params: Params) -> Iterable[Finding]:
        """All findings of this rule on ``case`` (one encounter at one stage)."""
        ...


@runtime_checkable
class BatchRule(AuditRule, Protocol):
    """A rule over a patient's history or a whole batch (事后): sees every encounter's summary."""

    def check_batch(self, batch: Sequence[CaseSummary], params: Params) -> Iterable[Finding]:
        """All findings over ``batch``; each finding names one encounter of the batch."""
        ...
