"""A progress bar on stderr for the steps that take more than a second.

Quick steps print nothing until they finish; a step still running after ``delay`` seconds
draws a bar, redrawn at most ten times a second, so the bar costs nothing measurable. Not a
terminal (a log file, CI): the bar is left out and only the step's closing line is written.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Final, Self, TextIO

WIDTH: Final = 30
"""Characters of the bar itself."""


class Progress:
    """``with Progress("validate", total, stream) as bar: … bar.advance()`` for one step."""

    def __init__(self, label: str, total: int, stream: TextIO, *, delay: float = 1.0) -> None:
        self.label = label
        self.total = max(total, 1)
        self.stream = stream
        self.done = 0
        self.delay = delay
        self._interactive = stream.isatty()
        self._start = time.monotonic()
        self._drawn = 0.0

    def __enter__(self) -> Self:
        self._start = time.monotonic()
        return self

    def advance(self, count: int = 1) -> None:
        """``count`` more items done; redraw if it is time to."""
        self.done += count
        now = time.monotonic()
        if self._interactive and now - self._start >= self.delay and now - self._drawn >= 0.1:
            self._drawn = now
            filled = WIDTH * min(self.done, self.total) // self.total
            bar = "#" * filled + "." * (WIDTH - filled)
            self.stream.write(f"\r{self.label:<12} [{bar}] {self.done}/{self.total}")
            self.stream.flush()

    @property
    def seconds(self) -> float:
        """Seconds since the step started."""
        return time.monotonic() - self._start

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._drawn:
            self.stream.write("\r" + " " * (WIDTH + 40) + "\r")
        self.stream.flush()
