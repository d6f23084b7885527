"""Names and report groups of clearing categories, looked up the way regions define them.

A category registered for a clearing agency (``region`` = ``setl_optins``) wins over the
national one of the same code, so a region can rename or regroup ``11``/``21`` for its own
agency while every other agency keeps the national names.
"""

from __future__ import annotations

from collections.abc import Iterable

from medins_sdk.reconcile.contracts import ClearingCategory
from medins_sdk.reconcile.lines import RowKey


class Categories:
    """The registered clearing categories, by (agency or region, code)."""

    def __init__(self, categories: Iterable[ClearingCategory]) -> None:
        self._by_key = {category.key: category for category in categories}

    def find(self, key: RowKey) -> ClearingCategory | None:
        """The category of a row: the agency's own, else the national one, else None."""
        return self._by_key.get(f"{key.setl_optins}:{key.clr_type}") or self._by_key.get(
            f"*:{key.clr_type}"
        )

    def name(self, key: RowKey) -> str | None:
        """The row's category name (门诊, 异地住院 …), or None when none is registered."""
        found = self.find(key)
        return found.name if found else None

    def group(self, key: RowKey) -> str:
        """The monthly report's category of the row: the category's group, else its name,
        else the code itself."""
        found = self.find(key)
        if found is None:
            return key.clr_type or "?"
        return found.group or found.name
