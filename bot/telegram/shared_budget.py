"""The budget shared by every process of the bot through Redis (loaded only when `REDIS_URL` is set).

With `REDIS_URL` the processes draw from one GCRA bucket kept in Redis (one atomic script per message,
with Redis's own clock, so the processes' clocks need not agree); while Redis does not answer, each
falls back to its own share.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.telegram.buckets import Rule
from bot.telegram.budget import Budget

log = logging.getLogger(__name__)


# KEYS[1]: the bucket's TAT. ARGV: interval, tolerance, pause seconds (0: take one).
# Returns the seconds to wait as a string ("0": taken), since Redis would truncate a Lua float.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local pause = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
if pause > 0 then
  local paused = now + pause + tolerance
  if paused > tat then tat = paused end
  redis.call('SET', KEYS[1], string.format('%.6f', tat), 'PX', math.ceil((tat - now) * 1000) + 1000)
  return '0'
end
local ready = tat - tolerance
if now < ready then return string.format('%.6f', math.max(ready - now, 0.000001)) end
tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.6f', tat), 'PX', math.ceil((tat - now) * 1000) + 1000)
return '0'
"""


class RedisBudget:
    """One bucket for every process of the bot, in Redis."""

    def __init__(self, url: str, key: str, rule: Rule) -> None:
        # Short timeouts: a Redis that hangs must not hold every message (the fallback takes over).
        self._redis: Redis = Redis.from_url(url, decode_responses=True, socket_timeout=0.5,
                                            socket_connect_timeout=0.5)
        self._script = self._redis.register_script(_GCRA)
        self._key = key
        self._rule = rule

    async def _call(self, pause: float) -> float:
        result = await self._script(keys=[self._key], args=[self._rule.interval, self._rule.tolerance, pause])
        return float(result)

    async def take(self) -> float:
        return await self._call(0.0)

    async def pause(self, seconds: float) -> None:
        await self._call(max(seconds, 1e-3))

    async def close(self) -> None:
        await self._redis.aclose()


class SharedBudget:
    """Redis while it answers; this process's equal share meanwhile (logged once per outage)."""

    RETRY = 10.0  # seconds before Redis is tried again after a failure

    def __init__(self, shared: Budget, fallback: Budget, clock: Callable[[], float] = time.monotonic) -> None:
        self._shared = shared
        self._fallback = fallback
        self._clock = clock
        self._down_until = 0.0

    async def _use(self, call: Callable[[Budget], Awaitable[float | None]]) -> float | None:
        if self._clock() >= self._down_until:
            try:
                result = await call(self._shared)
            except (RedisError, OSError) as exc:
                if not self._down_until:
                    log.warning("Redis unreachable (%s): each process keeps its own share of the budget", exc)
                self._down_until = self._clock() + self.RETRY
                return await call(self._fallback)
            if self._down_until:
                log.info("Redis answers again: the budget is shared between the processes")
                self._down_until = 0.0
            return result
        return await call(self._fallback)

    async def take(self) -> float:
        result = await self._use(lambda b: b.take())
        return float(result or 0.0)

    async def pause(self, seconds: float) -> None:
        await self._use(lambda b: b.pause(seconds))
        await self._fallback.pause(seconds)

    async def close(self) -> None:
        await self._shared.close()
        await self._fallback.close()
