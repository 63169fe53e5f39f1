"""A lane of the outbound path: messages wait here, by priority, for their chat's turn and the bot's budget.

One dispatcher task per lane hands out turns: at each step, the waiting message of the best priority
(oldest first within a priority) whose chat may receive one now, when the lane's budget allows it.
Messages that their chat's limit holds back do not block the others, and a broadcast share caps
announcements below the budget, so a reply never waits behind ten thousand of them.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.telegram.buckets import Bucket, ChatTable
from bot.telegram.budget import Budget
from bot.telegram.priority import Priority

log = logging.getLogger(__name__)
PRUNE_EVERY = 5.0  # seconds between sweeps of idle chats


@dataclass(order=True)
class _Waiter:
    priority: int
    seq: int
    chat: int | str | None = field(compare=False)
    future: asyncio.Future[None] = field(compare=False)


class Lane:
    def __init__(
        self,
        name: str,
        budget: Budget,
        chats: ChatTable,
        *,
        share: Bucket | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.budget = budget
        self.chats = chats
        self.share = share  # the broadcasts' cap inside this lane's budget
        self._clock = clock
        self._waiting: list[_Waiter] = []
        self._seq = itertools.count()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._pruned = 0.0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"outbound-{self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        for w in self._waiting:
            if not w.future.done():
                w.future.cancel()
        self._waiting.clear()

    def depth(self, priority: Priority) -> int:
        return sum(1 for w in self._waiting if w.priority == priority)

    async def turn(self, priority: Priority, chat: int | str | None) -> None:
        """Return when this message may go; the chat's and the lane's budgets are already spent for it."""
        self.start()
        waiter = _Waiter(int(priority), next(self._seq), chat, asyncio.get_running_loop().create_future())
        bisect.insort(self._waiting, waiter)
        self._wake.set()
        try:
            await waiter.future
        except asyncio.CancelledError:
            if waiter in self._waiting and not waiter.future.done():
                self._waiting.remove(waiter)
            elif waiter.future.done() and not waiter.future.cancelled():
                pass  # granted just as the caller gave up: the turn is simply unused
            raise

    def _pick(self, now: float) -> tuple[_Waiter | None, float]:
        """The first waiter (in priority order) that may go now, or when the soonest one may."""
        soonest = float("inf")
        for w in self._waiting:
            ready = self.chats.ready_at(w.chat)
            if w.priority == Priority.BROADCAST and self.share is not None:
                ready = max(ready, now + self.share.wait(now))
            if ready <= now:
                return w, now
            soonest = min(soonest, ready)
        return None, soonest

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake for a new arrival (it may be able to go sooner)."""
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=max(seconds, 0.0))

    async def _run(self) -> None:
        while True:
            try:
                await self._step()
            except asyncio.CancelledError:
                raise
            except Exception:  # the dispatcher must outlive any one bad step
                log.exception("outbound lane %s: a dispatch step failed; going on", self.name)
                await asyncio.sleep(0.1)

    async def _step(self) -> None:
        """Hand out one turn, or wait until one can be handed out."""
        self._waiting = [w for w in self._waiting if not w.future.done()]
        now = self._clock()
        if now - self._pruned > PRUNE_EVERY:
            self.chats.prune(now)
            self._pruned = now
        if not self._waiting:
            self._wake.clear()
            await self._wake.wait()
            return
        waiter, when = self._pick(now)
        if waiter is None:
            await self._sleep(min(when - now, PRUNE_EVERY))
            return
        wait = await self.budget.take()
        if wait > 0:
            await asyncio.sleep(wait)  # nothing in this lane can go sooner
            return
        if waiter.future.done():  # the caller gave up meanwhile: its chat keeps its budget
            return
        now = self._clock()
        self.chats.take(waiter.chat, now)
        if waiter.priority == Priority.BROADCAST and self.share is not None:
            self.share.take(now)
        self._waiting.remove(waiter)
        if not waiter.future.done():
            waiter.future.set_result(None)
