"""Audit contracts: the rules and knowledge packs plugins contribute.

A rule checks an encounter at a stage (事前 pre, 事中 during, 事后 post) and returns findings;
knowledge (restricted drugs, price ceilings, exclusive items …) lives in versioned packs,
not in code. The engine that runs every enabled rule arrives with the audit issue; the
contract is fixed here so that plugins (maternity channel checks, regional rules) can
register rules now.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from medins_sdk.models import Encounter, Finding, Severity, Stage


@runtime_checkable
class AuditRule(Protocol):
    """One audit rule. Findings are set-based: a rule never depends on other rules' order."""

    @property
    def id(self) -> str:
        """Unique rule id, e.g. ``jiangsu-maternity.wrong-channel``."""
        ...

    @property
    def name(self) -> str:
        """Chinese name shown to users."""
        ...

    @property
    def stages(self) -> frozenset[Stage]:
        """Stages it runs in: pre (事前), during (事中), post (事后)."""
        ...

    @property
    def severity(self) -> Severity:
        """block, warn or info."""
        ...

    def check(self, encounter: Encounter, stage: Stage) -> Iterable[Finding]:
        """All findings of this rule on ``encounter`` at ``stage``."""
        ...


@dataclass(frozen=True, slots=True)
class KnowledgePack:
    """A versioned knowledge pack: a directory with a ``manifest.json`` and its data files."""

    name: str
    path: Path
    description: str = ""
