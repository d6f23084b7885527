"""Named code maps (crosswalks) that plugins contribute: edition → edition.

The core registers the national clinical → insurance crosswalks; a province with its own
code edition registers its map the same way. Maps load lazily: registering one costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from medins_sdk.codes.icd import Crosswalk


@dataclass(frozen=True, slots=True)
class CodeMap:
    """A crosswalk under a unique name, loaded on first use."""

    name: str
    """Unique name, e.g. ``icd10-clinical-2.0-to-insurance-2.0``."""
    description: str
    load: Callable[[], Crosswalk] = field(repr=False)
    """Returns the crosswalk; called when the map is first used (cache it if costly)."""

    def map(self, code: str) -> tuple[str, ...]:
        """Counterparts of ``code`` (empty when it has none)."""
        return self.load().map(code)
