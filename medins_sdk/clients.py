"""Client contract: transports to a bureau or a vendor system that adapters contribute.

A client factory is looked up by name (``national-platform`` …) and builds a configured
client; what the client offers is the adapter's own API, documented with the adapter.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


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
