"""The error handler: full details for the operator, a short apology for the user."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError

from bot.services.deps import METRICS_KEY
from handlers.context import BotContext

log = logging.getLogger("quickwin.errors")


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure with its context and tell the user, in their language, to try again."""
    error = context.error
    metrics = context.application.bot_data.get(METRICS_KEY)
    if metrics is not None:
        metrics.update_errors.labels(type(error).__name__).inc()
    if not isinstance(update, Update) and isinstance(error, NetworkError):
        log.warning("Telegram unreachable while fetching updates: %s", error)  # one line: polling retries
        return
    if isinstance(update, Update) and isinstance(error, Forbidden):
        log.info("update %s: the user blocked the bot or left: %s", update.update_id, error)  # marked blocked
        return
    if isinstance(update, Update):
        user = update.effective_user
        log.error(
            "update %s from user %s failed: %r",
            update.update_id,
            user.id if user else None,
            error,
            exc_info=error,
        )
    else:
        log.error("error outside an update: %r", error, exc_info=error)
        return
    if isinstance(error, Forbidden) or user is None:
        return  # the user blocked the bot; nobody to tell
    i18n = context.deps.i18n
    t = i18n.get(i18n.resolve(None, user.language_code))
    text = t.gettext("Sorry, something went wrong on our side. Please try again in a moment.")
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, text)
    except (NetworkError, TelegramError) as exc:
        # Already answered, or Telegram unreachable: the log above is all we can do.
        log.warning("could not tell user %s about the error: %r", user.id, exc)
