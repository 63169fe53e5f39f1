"""Everything else: free text by flow state, locations, stickers and other media, unknown commands and buttons."""

from __future__ import annotations

from bot import residents, tickets
from handlers import broadcast, catalogue, replies, start
from handlers.common import Turn, in_turn
from handlers.inbox import on_answer_text, on_reply_text
from handlers.rating import on_comment_text
from handlers.region import search_text


@in_turn
async def on_text(turn: Turn) -> None:
    """Route free text by where the resident is in a flow."""
    text = turn.update.effective_message.text or ""  # type: ignore[union-attr]
    state = turn.resident.state
    if (ticket := await replies.replied_ticket(turn)) is not None:  # a reply about a ticket, in any flow
        await replies.on_reply_to_ticket(turn, ticket, text)
    elif state == residents.COMMENTING:
        await on_comment_text(turn, text)
    elif state == tickets.ANSWERING:
        await on_answer_text(turn, text)
    elif state == tickets.REPLYING:
        await on_reply_text(turn, text)
    elif state in broadcast.STATES:
        await broadcast.on_text(turn, text)
    elif state in catalogue.STATES:
        await catalogue.on_text(turn, text)
    elif state == residents.CHOOSING_REGION or turn.resident.region_code is None:
        await search_text(turn, text)
    elif state is None and start.ask_again(turn):  # the notice changed since they agreed
        return
    elif state is None and await replies.offer(turn, text):
        return
    else:
        turn.reply(
            turn.t.gettext(
                "Sorry, we did not understand that message. To see and rate the programs of your regency or city, "
                "type /program. For help, type /bantuan."
            )
        )


@in_turn
async def on_other_message(turn: Turn) -> None:
    """Stickers, photos, voice notes and the like: a hint that fits the current step."""
    _ = turn.t.gettext
    state = turn.resident.state
    if state == broadcast.PHOTO and turn.update.effective_message and turn.update.effective_message.photo:
        await broadcast.on_photo(turn)
        return
    if (ticket := await replies.replied_ticket(turn)) is not None:
        replies.media_hint(turn, ticket)
        return
    if state == residents.COMMENTING:
        text = _("Please write your comment as text, or press Skip.")
    elif state in (tickets.ANSWERING, tickets.REPLYING, *broadcast.STATES, *catalogue.STATES):
        text = _("Please write it as text, or type /batal.")
    elif state == residents.CHOOSING_REGION or turn.resident.region_code is None:
        text = _("Please type the name of your regency or city, or send your location.")
    else:
        text = _("Sorry, we can only read text messages and buttons. Type /bantuan for help.")
    turn.reply(text)


@in_turn
async def on_unknown_command(turn: Turn) -> None:
    """A command the bot does not have."""
    turn.reply(turn.t.gettext("Sorry, there is no such command. See the list of commands with /bantuan."))


@in_turn
async def on_stale_button(turn: Turn) -> None:
    """A button the bot cannot read: from an old version, forged, or a page counter."""
    turn.answer(turn.t.gettext("This button is no longer valid. Type /program to start again."))
