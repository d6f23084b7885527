"""The simulator in a child process: the bureau's work on the other core.

In one process the client and the simulator's thread take turns on the interpreter lock, so
a day of settlements costs the sum of both sides' work; a child process serves the bureau in
parallel (the demo settles a month this way). The parent learns the endpoint when the child
is listening and, at the end, the bureau's books and the faults it injected.
"""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass
from datetime import date
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Self

from medins_adapter_national_platform.simulator.books import Books
from medins_adapter_national_platform.simulator.faults import FaultPlan
from medins_adapter_national_platform.simulator.server import BureauSimulator
from medins_sdk.reconcile.lines import StatementLine


@dataclass(frozen=True)
class ClosedBooks:
    """What the bureau held when it stopped."""

    lines: dict[str, StatementLine]
    double_settlements: list[str]
    faults: dict[str, int]


def _serve(connection: Connection, day: date, faults: str | FaultPlan) -> None:
    books = Books(day=day)
    with BureauSimulator(books, faults=faults) as simulator:
        connection.send(simulator.url)
        connection.recv()  # the parent's stop
    connection.send(
        ClosedBooks(books.lines(), books.double_settlements(), dict(simulator.faults.injected))
    )


class SimulatorProcess:
    """``with SimulatorProcess(day, faults) as bureau: … bureau.url …; bureau.close()``."""

    def __init__(self, day: date, faults: str | FaultPlan = "") -> None:
        self._parent, child = multiprocessing.Pipe()
        self._process = multiprocessing.Process(
            target=_serve, args=(child, day, faults), name="bureau-simulator", daemon=True
        )
        self.url = ""
        self.closed: ClosedBooks | None = None

    def __enter__(self) -> Self:
        self._process.start()
        self.url = self._parent.recv()
        return self

    def close(self) -> ClosedBooks:
        """Stop the bureau and return its books (once; later calls return the same)."""
        if self.closed is None:
            self._parent.send("stop")
            self.closed = self._parent.recv()
            self._process.join()
        return self.closed

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.closed is None and self._process.is_alive():
            self._process.terminate()
            self._process.join()
