"""Everything else: free text by flow state, locations, stickers and other media, unknown commands and buttons."""

from __future__ import annotations

from telegram import Update

from bot import residents
from bot.context import BotContext
from handlers.common import Turn
from handlers.rating import on_comment_text
from handlers.region import search_text


async def on_text(update: Update, context: BotContext) -> None:
    """Route free text by where the resident is in a flow."""
    async with Turn(update, context) as turn:
        if turn.duplicate:
            return
        text = update.effective_message.text or ""  # type: ignore[union-attr]
        state = turn.resident.state
        if state == residents.COMMENTING:
            await on_comment_text(turn, text)
        elif state == residents.CHOOSING_REGION or turn.resident.region_code is None:
            await search_text(turn, text)
        else:
            turn.reply(
                turn.t.gettext(
                    "I did not understand that message. To see and rate your region's programs, "
                    "type /program. For help, type /bantuan."
                )
            )


async def on_other_message(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice notes and the like: a hint that fits the current step."""
    async with Turn(update, context) as turn:
        if turn.duplicate:
            return
        _ = turn.t.gettext
        state = turn.resident.state
        if state == residents.COMMENTING:
            text = _("Please write your comment as text, or press Skip.")
        elif state == residents.CHOOSING_REGION or turn.resident.region_code is None:
            text = _("Please type the name of your regency or city, or send your location.")
        else:
            text = _("Sorry, I can only read text messages and buttons. Type /bantuan for help.")
        turn.reply(text)


async def on_unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not have."""
    async with Turn(update, context) as turn:
        if turn.duplicate:
            return
        turn.reply(turn.t.gettext("I don't know that command. See the list of commands with /bantuan."))


async def on_stale_button(update: Update, context: BotContext) -> None:
    """A button the bot cannot read: from an old version, forged, or a page counter."""
    async with Turn(update, context) as turn:
        if turn.duplicate:
            return
        turn.answer(turn.t.gettext("This button is no longer valid. Type /program to start again."))
