"""The outbound path: python-telegram-bot's rate limiter, so every Bot API call of the bot passes here.

- Messages (sends and edits) wait for their turn in a lane (see `lane.py`): at most about one a
  second per private chat (short bursts allowed), 20 a minute per group, and the bot's budget,
  served by priority. Callback answers never wait behind messages.
- A 429 pauses what it concerns, then the same call is made again: the chat when that chat had just
  received messages from us, otherwise the whole bot. The caller never sees it.
- 5xx answers and requests that never reached Telegram are repeated with exponential backoff and
  jitter for up to `retry_for` seconds; a request that may have been carried out (a read timeout, a
  connection lost mid-way) is repeated only where a duplicate is harmless: edits, callback answers,
  deletions, reads and settings, and sends marked `duplicate_ok` (broadcasts). 400, 401, 403 and 404
  are never repeated; a 403 on a message marks the chat's resident as blocked.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import logging
import random
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter

from bot.telegram.buckets import Bucket, ChatTable, Rule
from bot.telegram.budget import Budget, LocalBudget
from bot.telegram.failures import Failure, classify, describe, is_unreachable, retry_seconds
from bot.telegram.lane import Lane
from bot.telegram.metrics import BotMetrics
from bot.telegram.priority import Priority, current
from bot.telegram.report import Report

log = logging.getLogger(__name__)

ANSWER_METHODS = frozenset({"answerCallbackQuery", "answerInlineQuery"})
_MESSAGE_PREFIXES = ("send", "copyMessage", "forwardMessage", "editMessage", "stopPoll", "stopMessageLiveLocation")
_NOT_MESSAGES = frozenset({"sendChatAction"})
BACKOFF_CAP = 15.0  # seconds between two tries at most


def is_message(endpoint: str) -> bool:
    return endpoint.startswith(_MESSAGE_PREFIXES) and endpoint not in _NOT_MESSAGES


def creates_message(endpoint: str) -> bool:
    """Repeating it after Telegram carried it out would show the resident the same message twice."""
    return endpoint.startswith(("send", "copyMessage", "forwardMessage")) and endpoint not in _NOT_MESSAGES


def backoff(attempt: int) -> float:
    return random.uniform(0.5, 1.0) * min(BACKOFF_CAP, 0.5 * 2.0 ** attempt)


PAID_BURST_SECONDS = 0.02


@dataclass(frozen=True)
class Limits:
    rate: float = 28.0  # messages per second for the whole bot (TELEGRAM_RATE)
    processes: int = 1  # processes sharing the bot without Redis: each takes rate / processes
    chat_rate: float = 1.0
    chat_burst: int = 2
    group_per_minute: float = 16.0
    group_burst: int = 3
    broadcast_rate: float = 25.0
    paid: bool = False  # paid broadcasts: their own lane at broadcast_rate (up to 1000/s)
    retry_for: float = 600.0  # seconds a call is tried again after transient failures
    answer_within: float = 12.0  # Telegram forgets a press after about 15 s
    redis_url: str | None = None
    redis_key: str = "quickwin:outbound"


class Outbound(BaseRateLimiter[dict[str, Any]]):
    def __init__(
        self,
        limits: Limits,
        *,
        api_url: str,
        metrics: BotMetrics | None = None,
        on_blocked: Callable[[int], Awaitable[None]] | None = None,
        publish: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self.api_url = api_url
        self.metrics = metrics or BotMetrics()
        self.on_blocked = on_blocked
        self._clock = clock
        self.chats = ChatTable(Rule(limits.chat_rate, limits.chat_burst),
                               Rule(limits.group_per_minute / 60.0, limits.group_burst))
        share = limits.rate / max(1, limits.processes)  # this process's own, and the fallback when Redis fails
        free = self._budget(":free", Rule(limits.rate, 1), Rule(share, 1))
        # One process (the sender's leader) sends broadcasts; with Redis it may use the whole shared budget.
        cap = limits.rate if limits.redis_url else share
        broadcasts = None if limits.paid else Bucket(Rule(min(limits.broadcast_rate, cap), 1))
        self.free = Lane("free", free, self.chats, share=broadcasts, clock=clock)
        self.paid: Lane | None = None
        if limits.paid:
            # A burst of 20 ms of sending: with a burst of one, any moment the loop is late is lost for good and the
            # lane stops near 85 % of the rate (bench/README.md); 20 ms of it keeps every second under the rate + 2 %.
            paid_rule = Rule(limits.broadcast_rate, max(1, int(limits.broadcast_rate * PAID_BURST_SECONDS)))
            self.paid = Lane("paid", self._budget(":paid", paid_rule, paid_rule), self.chats, clock=clock)
        self._paused: dict[str, float] = {"answer": 0.0, "other": 0.0}
        self._limited_chats: collections.deque[tuple[float, int | str]] = collections.deque(maxlen=16)
        self._down_since: float | None = None
        self._recovered: asyncio.Event | None = None
        self.report = Report(self, publish)
        for p in Priority:
            self.metrics.queued.labels(p.name.lower()).set_function(functools.partial(self.depth, p))
        self.metrics.tracked_chats.set_function(lambda: len(self.chats))

    def _budget(self, suffix: str, shared: Rule, own: Rule) -> Budget:
        local = LocalBudget(own, self._clock)
        if not self.limits.redis_url:
            return local
        from bot.telegram import shared_budget  # here, not at the top: redis costs every start 50 ms and 6 MiB

        redis = shared_budget.RedisBudget(self.limits.redis_url, self.limits.redis_key + suffix, shared)
        return shared_budget.SharedBudget(redis, local)

    def depth(self, priority: Priority) -> int:
        return self.free.depth(priority) + (self.paid.depth(priority) if self.paid else 0)

    def now(self) -> float:
        return self._clock()

    @property
    def reachable(self) -> bool:
        return self._down_since is None

    async def initialize(self) -> None:
        self.report.start()

    async def shutdown(self) -> None:
        await self.report.stop()
        for lane in (self.free, self.paid):
            if lane is not None:
                await lane.stop()
                await lane.budget.close()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        opts = rate_limit_args or {}
        priority = Priority(opts.get("priority", current.get()))
        repeatable = bool(opts.get("duplicate_ok")) or not creates_message(endpoint)
        chat = data.get("chat_id") if isinstance(data.get("chat_id"), int | str) else None
        kind = "message" if is_message(endpoint) else "answer" if endpoint in ANSWER_METHODS else "other"
        lane = self.paid if self.paid is not None and data.get("allow_paid_broadcast") is True else self.free
        deadline = self._clock() + (self.limits.answer_within if kind == "answer" else self.limits.retry_for)
        attempt, repeated_unknown = 0, False
        while True:
            if kind == "message":
                await self._turn(lane, priority, chat)
            else:
                await self._wait_pause(kind)
            try:
                result = await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = retry_seconds(exc)
                scope = await self._limited(kind, lane, chat, seconds)
                self.metrics.requests.labels(endpoint, "retry_after").inc()
                self.report.rate_limited += 1
                if self._clock() + seconds > deadline:
                    raise
                log.info("Telegram asks to wait %.0f s (%s, %s to %s); waiting", seconds, scope, endpoint, chat)
                self.metrics.retries.labels("retry_after").inc()
                continue
            except TelegramError as exc:
                failure = classify(exc)
                if failure is Failure.PERMANENT:
                    if repeated_unknown and isinstance(exc, BadRequest) and "not modified" in str(exc):
                        return True  # the earlier try had been carried out after all
                    self.metrics.requests.labels(endpoint, "error").inc()
                    if isinstance(exc, Forbidden) and kind == "message" and isinstance(chat, int):
                        await self._blocked(chat, exc)
                    raise
                self.metrics.requests.labels(endpoint, "transient").inc()
                if is_unreachable(exc):
                    self._went_down(exc)
                attempt += 1
                delay = backoff(attempt)
                if (failure is Failure.MAYBE_SENT and not repeatable) or self._clock() + delay > deadline:
                    log.warning("%s to %s failed and is not repeated: %s", endpoint, chat, describe(exc))
                    raise
                repeated_unknown |= failure is Failure.MAYBE_SENT
                self.metrics.retries.labels(failure.value).inc()
                self.report.retries += 1
                await self._backoff(delay)
                continue
            self._came_back()
            self.metrics.requests.labels(endpoint, "ok").inc()
            self.report.count(kind)
            return result

    async def _turn(self, lane: Lane, priority: Priority, chat: int | str | None) -> None:
        queued = self._clock()
        await lane.turn(priority, chat)
        waited = self._clock() - queued
        self.metrics.wait.labels(priority.name.lower()).observe(waited)
        self.report.waited(waited)

    async def _wait_pause(self, kind: str) -> None:
        delay = self._paused[kind] - self._clock()
        if delay > 0:
            await asyncio.sleep(delay)

    async def _limited(self, kind: str, lane: Lane, chat: int | str | None, seconds: float) -> str:
        """Pause what a 429 concerns; return its name."""
        now = self._clock()
        if kind != "message":
            self._paused[kind] = max(self._paused[kind], now + seconds)
            self.metrics.rate_limited.labels("answers" if kind == "answer" else "bot").inc()
            return "answers" if kind == "answer" else "bot"
        if chat is not None:
            self._limited_chats.append((now, chat))
            others = {c for t, c in self._limited_chats if now - t < 1.0}
            if self.chats.busy(chat, now) and len(others) < 3:
                self.chats.pause(chat, now, seconds)
                self.metrics.rate_limited.labels("chat").inc()
                return "chat"
        await lane.budget.pause(seconds)  # an idle chat limited, or several at once: the bot's own limit
        self.metrics.rate_limited.labels("bot").inc()
        return "bot"

    async def _blocked(self, chat: int, exc: TelegramError) -> None:
        if self.on_blocked is None or chat <= 0:
            return
        try:
            await self.on_blocked(chat)
        except Exception:
            log.exception("could not mark chat %s as blocked after %s", chat, exc)

    # --- reachability: one line when Telegram goes away, one when it is back -----------------------

    def _went_down(self, exc: TelegramError) -> None:
        if self._down_since is None:
            self._down_since = self._clock()
            self.metrics.reachable.set(0)
            log.warning("Telegram Bot API at %s unreachable: %s; retrying until it answers", self.api_url,
                        describe(exc))

    def _came_back(self) -> None:
        if self._down_since is not None:
            log.info("Telegram Bot API at %s reachable again after %.0f s", self.api_url,
                     self._clock() - self._down_since)
            self._down_since = None
            self.metrics.reachable.set(1)
            if self._recovered is not None:
                self._recovered.set()  # everyone backing off tries again now
                self._recovered = None

    async def _backoff(self, delay: float) -> None:
        if self._down_since is None:
            await asyncio.sleep(delay)
            return
        if self._recovered is None:
            self._recovered = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._recovered.wait(), timeout=delay)

    def polling_failed(self, exc: TelegramError) -> None:
        """PTB's error callback for getUpdates (which bypasses rate limiters): one line, no traceback."""
        if is_unreachable(exc):
            self._went_down(exc)
        else:
            log.warning("getUpdates failed: %s", describe(exc))
