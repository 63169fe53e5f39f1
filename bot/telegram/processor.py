"""Updates of different chats run concurrently; updates of one chat run in order, fairly.

A chat's lock is taken *before* one of the concurrency slots, so one chat holds at most one slot however
many updates it sends: 200 taps from one resident cannot make a bystander wait. The slot is given back
once the update's database work has committed (bot/telegram/slots.py), so updates whose replies only
wait for Telegram's budget do not keep others — and their button presses — from being handled. A chat's queue is capped;
beyond it, updates are dropped (a flood: counted and logged, at most one line a minute).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.telegram import slots
from bot.telegram.metrics import BotMetrics

log = logging.getLogger(__name__)
MAX_QUEUED_PER_CHAT = 20  # updates of one chat waiting at once; a person tapping fast never gets near it
_UNBOUNDED = 1_000_000  # PTB's own semaphore would come before the chat's lock: ours comes after it
_LOG_EVERY = 60.0


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """A resident's taps and messages are handled one after another, in the order they came."""

    def __init__(self, max_concurrent_updates: int = 32, metrics: BotMetrics | None = None,
                 max_queued_per_chat: int = MAX_QUEUED_PER_CHAT) -> None:
        super().__init__(_UNBOUNDED)
        self.slots = max_concurrent_updates
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self.metrics = metrics
        self.max_queued = max_queued_per_chat
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self._dropped = 0
        self._logged_at = 0.0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        if self.metrics is not None:
            self.metrics.updates.labels(_kind(update)).inc()
        if key is None:
            await self._in_slot(coroutine)
            return
        if self._waiting.get(key, 0) >= self.max_queued:
            self._drop(key, coroutine)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await self._in_slot(coroutine)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # keep memory flat: forget idle chats
                del self._waiting[key]
                del self._locks[key]

    async def _in_slot(self, coroutine: Awaitable[Any]) -> None:
        """Run in a slot; the turn may give it back early (bot/telegram/slots.py)."""
        await self._slots.acquire()
        held = True

        def release() -> None:
            nonlocal held
            if held:
                held = False
                self._slots.release()

        token = slots.hold(release)
        try:
            await coroutine
        finally:
            release()
            slots.forget(token)

    def _drop(self, key: int, coroutine: Awaitable[Any]) -> None:
        close = getattr(coroutine, "close", None)
        if close is not None:
            close()  # never started: nothing to undo
        self._dropped += 1
        if self.metrics is not None:
            self.metrics.updates_dropped.inc()
        now = time.monotonic()
        if now - self._logged_at >= _LOG_EVERY:
            log.warning("chat %s has %d updates waiting: further ones dropped (%d in all so far)",
                        key, self.max_queued, self._dropped)
            self._logged_at = now

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _chat_key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None


def _kind(update: object) -> str:
    if isinstance(update, Update):
        for kind in ("message", "callback_query", "my_chat_member", "edited_message"):
            if getattr(update, kind, None) is not None:
                return kind
    return "other"
