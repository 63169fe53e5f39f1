"""The bot's global budget of messages per second: this process's own (shared through Redis: `shared_budget`).

Several `quickwin serve` processes speak for one bot, and Telegram counts their messages together.
Without `REDIS_URL` each process keeps `TELEGRAM_RATE / PROCESSES` for itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from bot.telegram.buckets import Bucket, Rule


class Budget(Protocol):
    async def take(self) -> float:
        """Take one message's worth and return 0, or return the seconds to wait (nothing taken)."""

    async def pause(self, seconds: float) -> None:
        """Nothing goes for `seconds` (a 429 for the whole bot)."""

    async def close(self) -> None: ...


class LocalBudget:
    def __init__(self, rule: Rule, clock: Callable[[], float] = time.monotonic) -> None:
        self._bucket = Bucket(rule)
        self._clock = clock

    async def take(self) -> float:
        now = self._clock()
        wait = self._bucket.wait(now)
        if wait <= 0:
            self._bucket.take(now)
        return wait

    async def pause(self, seconds: float) -> None:
        self._bucket.pause(self._clock(), seconds)

    async def close(self) -> None:
        return None
