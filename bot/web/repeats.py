"""Repeated warnings, aggregated: the first is logged at once, then at most one summary line a minute.

600 refused webhook calls used to write 600 WARNING lines; now they write the first one and then
"599 more … in the last 60 s, from 203.0.113.9 (599)". The operator still sees who and how many.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

WINDOW = 60.0  # seconds between two lines about the same kind of warning
SOURCES = 20  # distinct sources remembered per window; the rest are counted together


@dataclass
class _Window:
    until: float
    suppressed: Counter[str] = field(default_factory=Counter)
    others: int = 0
    timer: asyncio.TimerHandle | None = None

    @property
    def count(self) -> int:
        return sum(self.suppressed.values()) + self.others


class RepeatedWarnings:
    """Warnings of a few kinds ("webhook calls without the right secret token"), each from a source (an address)."""

    def __init__(self, logger: logging.Logger, *, window: float = WINDOW, clock: Callable[[], float] = time.monotonic):
        self.logger, self.window, self.clock = logger, window, clock
        self._windows: dict[str, _Window] = {}

    def warn(self, what: str, source: str | None) -> None:
        """One occurrence: logged now if none was logged in the last window, otherwise counted for the summary."""
        source = source or "unknown"
        now = self.clock()
        current = self._windows.get(what)
        if current is not None and now >= current.until:
            self._flush(what)
            current = self._windows.get(what)
        if current is None:
            self.logger.warning("%s from %s", what, source)
            self._windows[what] = self._open(what, now)
            return
        if source in current.suppressed or len(current.suppressed) < SOURCES:
            current.suppressed[source] += 1
        else:
            current.others += 1

    def _open(self, what: str, now: float) -> _Window:
        opened = _Window(until=now + self.window)
        try:
            opened.timer = asyncio.get_running_loop().call_later(self.window, self._flush, what)
        except RuntimeError:  # no loop (a unit test): the next warning flushes
            opened.timer = None
        return opened

    def _flush(self, what: str) -> None:
        """End the kind's window: write its summary, and keep counting for another window if there was one."""
        current = self._windows.pop(what, None)
        if current is None:
            return
        if current.timer is not None:
            current.timer.cancel()
        if current.count:
            sources = ", ".join(f"{src} ({n})" for src, n in current.suppressed.most_common(5))
            if len(current.suppressed) > 5 or current.others:
                sources += f", … ({len(current.suppressed)}{'+' if current.others else ''} sources in all)"
            self.logger.warning("%d more %s in the last %d s, from %s", current.count, what, round(self.window), sources)
            self._windows[what] = self._open(what, self.clock())

    def close(self) -> None:
        """Write what is still counted (at shutdown), and stop the timers."""
        for what in list(self._windows):
            self._flush(what)
            leftover = self._windows.pop(what, None)
            if leftover is not None and leftover.timer is not None:
                leftover.timer.cancel()
