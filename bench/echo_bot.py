"""Baseline for ``bench.journey``: a bare python-telegram-bot application, no database.

It is configured like the real bot where that matters for speed (same PTB, same
``base_url`` setup, HTML parse mode by default, 32 concurrent updates, a 64-connection
pool, long polling with the same allowed updates) and does the least work a bot can do:

* every text message (commands included) → one ``sendMessage`` echoing it, with one
  inline button;
* every button press → ``answerCallbackQuery``, then ``editMessageText`` of the pressed
  message (a new text each time, the same button kept).

Run: ``BOT_TOKEN=... TELEGRAM_API_URL=http://127.0.0.1:PORT python -m bench.echo_bot``
"""

from __future__ import annotations

import html
import logging
import os
import sys

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Tekan", callback_data="echo:press")]])


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    await context.bot.send_message(message.chat_id, html.escape(message.text), reply_markup=KEYBOARD)


async def on_press(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    # A text that differs from the current one, or Telegram would say "message is not modified".
    await query.edit_message_text(f"<b>{html.escape(query.data or '')}</b> #{query.id}", reply_markup=KEYBOARD)


def main() -> int:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "WARNING").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    token = os.environ.get("BOT_TOKEN", "").strip()
    api = os.environ.get("TELEGRAM_API_URL", "").strip().rstrip("/")
    if not token or not api.startswith("http"):
        print("BOT_TOKEN and TELEGRAM_API_URL must be set", file=sys.stderr)
        return 2
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(32)
        .connection_pool_size(64)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, on_text))
    application.add_handler(CallbackQueryHandler(on_press))
    application.run_polling(allowed_updates=["message", "callback_query", "my_chat_member"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
