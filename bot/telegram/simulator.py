"""The simulator: a PTB Application of this bot talking to the in-process stand-in, driven by the dashboard.

Each update the page makes (a message, a button press, a shared location) goes through the Application's
`process_update`, with the same handlers, database and outbound path as an update from Telegram; the page is shown
once the bot has answered. One update at a time per resident, as Telegram's order within a chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.telegram.standin import JSON, StandIn

log = logging.getLogger(__name__)
SETTLE = 0.3  # seconds without a new Bot API call: the bot has answered
LONGEST = 8.0  # the page is shown by then in any case (the outbound path may pace a burst of messages)


@dataclass
class Simulator:
    standin: StandIn
    application: Application[Any, Any, Any, Any, Any, Any] | None = None  # set when the web app has started it
    owned: bool = False  # started by the web app for the simulator alone (stopped with it)
    _locks: defaultdict[int, asyncio.Lock] = field(default_factory=lambda: defaultdict(asyncio.Lock))

    async def run(self, user_id: int, update: JSON) -> None:
        """Hand the update to the bot and wait until it has answered."""
        application = self.application
        if application is None:
            raise RuntimeError("the simulator's application has not started")
        async with self._locks[user_id]:
            changed = self.standin.changed
            changed.clear()
            try:
                await application.process_update(Update.de_json(update, application.bot))
            except Exception:
                log.exception("simulator update failed")
            loop = asyncio.get_running_loop()
            deadline = loop.time() + LONGEST
            while loop.time() < deadline:
                changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), SETTLE)
                    continue
                break
