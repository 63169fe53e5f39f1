"""The broadcast sender's in-flight window: sends run side by side, their outcomes are written in batches.

A recipient enters the window when its send starts and leaves it only once its outcome is committed.
The window holds at most `size` recipients, so when the process dies (SIGKILL, power cut) at most `size`
recipients may have received the message without the outbox knowing: those are sent again after a
restart, and nobody is lost, because a recipient stays `pending` in the database until its outcome is
written. Outcomes are written when `batch` of them have gathered, when the oldest has waited `interval`
seconds, or when nothing is left in flight; if writing stalls, sending stops with it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from storage.broadcasts import Outcome

log = logging.getLogger(__name__)


class Window:
    def __init__(
        self,
        size: int,
        record: Callable[[list[Outcome]], Awaitable[None]],
        *,
        batch: int,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.size = max(1, size)
        self.batch = max(1, min(batch, self.size))
        self.interval = interval
        self._record = record
        self._clock = clock
        self._sending: set[asyncio.Task[Outcome | None]] = set()
        self._done: list[Outcome] = []
        self._oldest = 0.0  # when the first of `_done` finished
        self._failure: BaseException | None = None
        self._changed = asyncio.Event()
        self.recorded = 0  # outcomes committed so far

    @property
    def held(self) -> int:
        """Recipients claimed and not yet recorded: sending, or sent and waiting to be written."""
        return len(self._sending) + len(self._done)

    def start(self, send: Coroutine[Any, Any, Outcome | None]) -> None:
        """Send to one more recipient; call only after `room()` (the window has a free place)."""
        task = asyncio.ensure_future(send)
        self._sending.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Outcome | None]) -> None:
        self._sending.discard(task)
        self._changed.set()
        if task.cancelled():
            return
        failure = task.exception()
        if failure is not None:
            self._failure = self._failure or failure
            return
        outcome = task.result()
        if outcome is not None:  # None: nothing to write (the recipient is simply still pending)
            if not self._done:
                self._oldest = self._clock()
            self._done.append(outcome)

    def _due(self) -> bool:
        """A batch has gathered, the oldest outcome has waited long enough, or nothing else can free a place.

        (A full window alone is no reason: it is full of sends waiting for their turn when the outbound
        path paces them, and writing each outcome as it comes would cost a commit per message again.)
        """
        if not self._done:
            return False
        return (len(self._done) >= self.batch or not self._sending
                or self._clock() - self._oldest >= self.interval)

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    async def flush(self) -> None:
        """Commit the finished outcomes; they leave the window only when the commit succeeded."""
        if not self._done:
            return
        done = list(self._done)
        await self._record(done)
        del self._done[: len(done)]
        self.recorded += len(done)
        if self._done:
            self._oldest = self._clock()

    async def room(self) -> None:
        """Wait until one more recipient may enter, writing outcomes when they are due."""
        while True:
            self._raise_failure()
            if self._due():
                await self.flush()
                continue
            if self.held < self.size:
                return
            await self._changes(self.interval if not self._done else self._oldest + self.interval - self._clock())

    async def _changes(self, timeout: float) -> None:
        """Wait until a send finishes, or `timeout` seconds.

        (`asyncio.timeout`, not `wait_for`: on Python 3.11 `wait_for` swallows a cancellation that comes
        just as the awaited event is set, and a cancelled sender must stop.)
        """
        self._changed.clear()
        try:
            async with asyncio.timeout(max(0.0, timeout)):
                await self._changed.wait()
        except TimeoutError:
            pass

    async def close(self) -> None:
        """Wait for every send, then write every outcome: the window is empty afterwards."""
        while self._sending:
            if self._due():
                await self.flush()
                continue
            await self._changes(self.interval)
            self._raise_failure()
        self._raise_failure()
        await self.flush()

    async def abandon(self) -> None:
        """Stop at once (the sender is cancelled): sends in flight are dropped, finished ones still written.

        The dropped ones stay pending and are sent again later, perhaps a second time.
        """
        for task in self._sending:
            task.cancel()
        await asyncio.gather(*self._sending, return_exceptions=True)
        try:
            await self.flush()
        except Exception:  # the database may be what failed: those recipients are simply sent again
            log.warning("broadcast outcomes of %d recipients not written; they will be sent again", len(self._done),
                        exc_info=True)
