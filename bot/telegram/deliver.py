"""Sending a message to someone who did not just write to us (a resident, an official): they may be gone."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.error import Forbidden
from telegram.ext import ExtBot

from bot.telegram.priority import Priority, rl

log = logging.getLogger(__name__)


async def deliver(bot: ExtBot[Any], chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None) -> bool:
    """Send; False when the person cannot be reached (blocked the bot, deleted the account)."""
    try:
        await bot.send_message(chat_id, text, reply_markup=markup, rate_limit_args=rl(Priority.NOTICE))
    except Forbidden as exc:
        log.warning("could not reach chat %s: %s", chat_id, exc)
        return False
    return True
