"""The N largest of a stream, kept in bounded memory and in an order that ignores input order.

Reports list "the cases whose payments differ most" or "the largest overspends" over a year
of cases: a heap keeps only the N largest, and ties are broken by the item's key (the smaller
case id ranks first; of a repeated id, the first seen), so shuffled input gives the same list.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Backwards:
    """A key ordered backwards, so that of equal values the heap evicts the larger key."""

    key: str

    def __lt__(self, other: _Backwards) -> bool:
        return self.key > other.key

    def __gt__(self, other: _Backwards) -> bool:
        return self.key < other.key


class Largest(Generic[T]):
    """The ``size`` items with the largest values, largest first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._heap: list[tuple[Decimal, _Backwards, int, T]] = []
        self._offered = 0

    def offer(self, value: Decimal, key: str, make: Callable[[], T]) -> None:
        """Consider an item of ``value`` and ``key``; ``make`` builds it only if it is kept."""
        self._offered += 1
        if not self.size:
            return
        rank = (value, _Backwards(key), -self._offered)
        if len(self._heap) < self.size:
            heapq.heappush(self._heap, (*rank, make()))
        elif rank > self._heap[0][:3]:
            heapq.heapreplace(self._heap, (*rank, make()))

    def items(self) -> list[T]:
        """The kept items, largest value first."""
        return [entry[3] for entry in sorted(self._heap, key=lambda e: e[:3], reverse=True)]
