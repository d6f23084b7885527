"""Client contract: transports to a bureau or a vendor system that adapters contribute.

A client factory is looked up by name (``national-platform`` …) and builds a configured
client; what the client offers is the adapter's own API, documented with the adapter. A
factory that can also run against a simulator of the other side offers
:class:`SettlementSimulator`, which ``medins demo`` uses to settle its month.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from medins_sdk.models import Encounter


@runtime_checkable
class ClientFactory(Protocol):
    """Builds clients of one kind from keyword options (endpoint, credentials, timeouts …)."""

    @property
    def name(self) -> str:
        """Unique name the registry selects it by."""
        ...

    @property
    def description(self) -> str:
        """One line for listings (`medins plugins`)."""
        ...

    def create(self, **options: Any) -> Any:
        """A new client configured by ``options``."""
        ...


@dataclass(frozen=True, slots=True)
class SettledMonth:
    """What settling encounters against a simulated bureau did, and how the books ended."""

    settlements: int
    """Settlements standing in the hospital's ledger at the end."""
    refunds: int
    """Refunds (退费) among them."""
    faults: Mapping[str, int]
    """Faults the simulator injected, by kind."""
    recovered: int
    """Settlements in doubt after a fault that the client found committed and recorded."""
    reversed: int
    """Settlements in doubt that the client reversed (冲正)."""
    one_sided: int
    """Settlements only one side holds at the end (单边账): 0 when all went well."""
    double_settlements: int
    """Visits the bureau settled twice: 0 when all went well."""
    balanced: bool
    """Whether every totals row (对总账) and the detail (对明细账) agree."""
    reconciliation: list[dict[str, Any]] = field(default_factory=list)
    """The totals rows as ``medins reconcile`` writes them (``hospital`` / ``bureau``)."""

    @property
    def faults_text(self) -> str:
        """``drop-after-commit 12, latency 3`` or ``none``."""
        return ", ".join(f"{kind} {count}" for kind, count in sorted(self.faults.items())) or "none"


@runtime_checkable
class SettlementSimulator(Protocol):
    """Settles encounters against a simulated bureau and reconciles: the demo's settle step.

    A client factory that can run its wire against a simulator of the other side (the
    national platform adapter's loopback bureau) implements this too; ``medins demo`` uses the
    first registered one.
    """

    def settle_month(
        self, encounters: Iterable[Encounter], *, day: date, out: Path, faults: str, seed: int
    ) -> SettledMonth:
        """Settle every encounter on ``day`` (with the faults injected), recover, reconcile;
        the ledger goes under ``out``."""
        ...
