"""Message ids: ``fixmedins_code`` (12) + ``yyyyMMddHHmmss`` (14) + serial (4), 30 characters.

The bureau matches answers, reversals (冲正 by ``omsgid``) and support tickets by msgid, so an
id must never repeat — not after a restart, not when the clock steps back, not when more than
9,999 messages leave in one second. The last id issued is kept in a small state file, read and
written under a lock (a ``threading.Lock`` and, where the system has it, ``flock``), so
several processes of one institution may share it. Each id is strictly greater than the
previous one: when the clock stands still or goes back, the serial counts on from the last
id; when the serial passes 9999, the id's time moves one second ahead of the clock, until
the clock catches up. The file is synced to disk whenever the id's second changes (at most
once a second), so a machine crash cannot bring back a second already used.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: one process per state file
    fcntl = None  # type: ignore[assignment]

TIME_FORMAT = "%Y%m%d%H%M%S"
SERIAL_MAX = 9999


class MsgIdGenerator:
    """Issues unique, increasing msgids for one institution (see the module docstring).

    ``state`` is the file holding the last id (created when absent); without one the ids
    are unique within this process only. ``clock`` gives the local (Beijing) time.
    """

    def __init__(
        self,
        fixmedins_code: str,
        state: str | Path | None = None,
        *,
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        if len(fixmedins_code) != 12 or not fixmedins_code.isascii():
            raise ValueError(f"fixmedins_code must be 12 ASCII characters, got {fixmedins_code!r}")
        self.fixmedins_code = fixmedins_code
        self._clock = clock
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._last: tuple[str, int] = ("", 0)
        if state is not None:
            self._fd = os.open(state, os.O_RDWR | os.O_CREAT, 0o644)

    def close(self) -> None:
        """Close the state file."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __call__(self) -> str:
        """The next msgid."""
        with self._lock:
            if self._fd is None:
                stamp, serial = self._next(self._last)
                self._last = (stamp, serial)
            else:
                stamp, serial = self._next_in_file(self._fd)
        return f"{self.fixmedins_code}{stamp}{serial:04d}"

    def _next(self, last: tuple[str, int]) -> tuple[str, int]:
        now = self._clock().strftime(TIME_FORMAT)
        last_stamp, last_serial = last
        if now > last_stamp:
            return now, 1
        if last_serial < SERIAL_MAX:
            return last_stamp, last_serial + 1
        ahead = datetime.strptime(last_stamp, TIME_FORMAT) + timedelta(seconds=1)
        return ahead.strftime(TIME_FORMAT), 1

    def _next_in_file(self, fd: int) -> tuple[str, int]:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            text = os.pread(fd, 64, 0).decode("ascii").split()
            last = (text[0], int(text[1])) if len(text) == 2 else ("", 0)
            stamp, serial = self._next(last)
            record = f"{stamp} {serial:04d}\n".encode("ascii")
            os.pwrite(fd, record, 0)
            if stamp != last[0]:
                os.fsync(fd)
            return stamp, serial
        finally:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
