"""Updates of different chats run concurrently; updates of one chat run in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.telegram.metrics import BotMetrics


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """A resident's taps and messages are handled one after another, in the order they came."""

    def __init__(self, max_concurrent_updates: int = 32, metrics: BotMetrics | None = None) -> None:
        super().__init__(max_concurrent_updates)
        self.metrics = metrics
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        if self.metrics is not None:
            self.metrics.updates.labels(_kind(update)).inc()
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # keep memory flat: forget idle chats
                del self._waiting[key]
                del self._locks[key]

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
