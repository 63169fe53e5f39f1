"""Sending the weekly digests that are due: the Telegram side of bot/services/digest.py."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from telegram.error import Forbidden, TelegramError
from telegram.ext import Application

from bot.render.summary import deliver_summary
from bot.services import digest, summaries
from bot.services.deps import DEPS_KEY, Deps
from bot.telegram.priority import Priority, rl
from storage import residents as resident_store

log = logging.getLogger(__name__)
TICK = 60.0  # seconds between checks


async def send_due_digests(application: Application[Any, Any, Any, Any, Any, Any], now: datetime) -> int:
    """Send every digest due at `now` (each region and week once, whatever restarts); returns messages sent."""
    deps: Deps = application.bot_data[DEPS_KEY]
    async with deps.db.unit_of_work() as session:
        due = await digest.due(session, now)
    sent = 0
    for region, monday in due:
        outgoing = []
        async with deps.db.unit_of_work() as session:
            # Claimed before sending: a crash mid-way loses this week's digest rather than doubling it.
            if not await digest.claim(session, region_code=region.code, monday=monday, now=now):
                continue
            scope = summaries.Scope(f"r{region.code}", "region", region.name, [region.code], region.timezone)
            summary = await summaries.summarize(session, None, scope, days=7, now=now, until=digest.due_time(monday, region.timezone))
            for official_id in await digest.recipients(session, region_code=region.code):
                resident = await resident_store.get_resident(session, telegram_id=official_id)
                t = deps.i18n.recipient(resident)
                outgoing.append((official_id, t))
        # Topics and charts after the commit, off the event loop (the topics once per region: cached).
        for chat_id, t in outgoing:
            header = t.gettext("📊 <b>Weekly summary</b> — every Monday at 08:00. Turn it off with /ringkasanmingguan off.")
            try:
                await deliver_summary(application.bot, chat_id, t, deps.textwork, summary, header=header + "\n\n",
                                      rate_limit_args=rl(Priority.DIGEST))
                sent += 1
            except Forbidden as exc:
                log.warning("digest for %s not delivered to %s: %s", region.code, chat_id, exc)
            except TelegramError:
                log.exception("digest for %s to %s failed", region.code, chat_id)
    return sent


async def digest_loop(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Check once a minute; runs for the life of `quickwin run`."""
    deps: Deps = application.bot_data[DEPS_KEY]
    while True:
        try:
            await send_due_digests(application, deps.clock())
        except Exception:  # a bad tick must not end the loop
            log.exception("weekly digest check failed")
        await asyncio.sleep(TICK)
