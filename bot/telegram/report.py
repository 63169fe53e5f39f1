"""The outbound path's own account: a line in the log each busy minute, and a snapshot for the CLI."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Sized
from typing import Any, Protocol

from bot.telegram.priority import Priority

log = logging.getLogger("quickwin.outbound")
LOG_EVERY = 60.0  # seconds
PUBLISH_EVERY = 10.0


class Watched(Protocol):
    """What the report reads of the outbound path (bot.telegram.outbound.Outbound)."""

    @property
    def chats(self) -> Sized: ...

    @property
    def reachable(self) -> bool: ...

    def depth(self, priority: Priority) -> int: ...

    def now(self) -> float: ...


class Report:
    def __init__(self, outbound: Watched, publish: Callable[[dict[str, Any]], Awaitable[None]] | None) -> None:
        self.outbound = outbound
        self.publish = publish
        self.process = f"{socket.gethostname()}:{os.getpid()}"
        self.sent = self.answers = self.other = self.retries = self.rate_limited = 0
        self.max_wait = 0.0
        self._since = 0.0
        self._sent_then = self._answers_then = 0
        self._task: asyncio.Task[None] | None = None

    def count(self, kind: str) -> None:
        if kind == "message":
            self.sent += 1
        elif kind == "answer":
            self.answers += 1
        else:
            self.other += 1

    def waited(self, seconds: float) -> None:
        self.max_wait = max(self.max_wait, seconds)

    def snapshot(self) -> dict[str, Any]:
        o = self.outbound
        return {
            "process": self.process,
            "reachable": o.reachable,
            "queued": {p.name.lower(): o.depth(p) for p in Priority},
            "sent": self.sent, "answers": self.answers, "retries": self.retries, "rate_limited": self.rate_limited,
            "rate": round(self._rate(), 2), "max_wait": round(self.max_wait, 2), "tracked_chats": len(o.chats),
        }

    def _rate(self) -> float:
        """Messages per second since the last log line."""
        elapsed = self.outbound.now() - self._since
        return (self.sent - self._sent_then) / max(elapsed, 1.0)

    def start(self) -> None:
        if self._task is None:
            self._since, self._sent_then, self._answers_then = self.outbound.now(), self.sent, self.answers
            self._task = asyncio.get_running_loop().create_task(self._run(), name="outbound-report")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        last: tuple[int, int, int] = (-1, -1, -1)
        while True:
            await asyncio.sleep(PUBLISH_EVERY)
            snap = self.snapshot()
            queued = sum(snap["queued"].values())
            moved = (self.sent, self.answers, queued)
            if self.publish is not None and moved != last:
                try:
                    await self.publish(snap)
                except Exception as exc:  # noqa: BLE001 - the snapshot is a courtesy
                    log.warning("could not publish the outbound snapshot: %r", exc)
            last = moved
            if self.outbound.now() - self._since < LOG_EVERY:
                continue
            sent, answers = self.sent - self._sent_then, self.answers - self._answers_then
            if sent or answers or queued:
                log.info(
                    "last minute: %d messages (%.1f/s), %d callback answers; queued %s; longest wait %.1f s; "
                    "%d retries and %d × 429 since start",
                    sent, snap["rate"], answers, " ".join(f"{k}={v}" for k, v in snap["queued"].items()),
                    self.max_wait, self.retries, self.rate_limited,
                )
            self._since, self._sent_then, self._answers_then = self.outbound.now(), self.sent, self.answers
            self.max_wait = 0.0
