"""Everything else: free text by flow step, locations, stickers and other media, unknown commands and buttons."""

from __future__ import annotations

from handlers import replies, start, steps
from handlers.common import Turn, in_turn
from handlers.region import REGION_HINT, search_text


@in_turn
async def on_text(turn: Turn) -> None:
    """Route free text: a reply about a ticket, else the step the user is in (handlers/steps.py), else a hint."""
    text = turn.update.effective_message.text or ""  # type: ignore[union-attr]
    state = turn.resident.state
    if (ticket := await replies.replied_ticket(turn)) is not None:  # a reply about a ticket, in any flow
        await replies.on_reply_to_ticket(turn, ticket, text)
    elif (step := steps.of(state)) is not None:
        await step.text(turn, text)
    elif turn.resident.region_code is None:  # no region yet: whatever they type names one
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
    """Stickers, photos, voice notes and the like: the step's photo handler, or a hint that fits the step."""
    step = steps.of(turn.resident.state)
    message = turn.update.effective_message
    if step is not None and step.photo is not None and message is not None and message.photo:
        await step.photo(turn)
        return
    if (ticket := await replies.replied_ticket(turn)) is not None:
        replies.media_hint(turn, ticket)
        return
    if step is not None:
        turn.reply(turn.t.gettext(step.hint))
    elif turn.resident.region_code is None:
        turn.reply(turn.t.gettext(REGION_HINT))
    elif message is not None and message.photo:  # a photo for a comment comes after the comment, with its button
        turn.reply(turn.t.gettext(
            "To add a photo to your feedback, first rate a program and write your comment (/program), then press "
            "“📷 Add a photo” under the thanks with your ticket number."))
    else:
        turn.reply(turn.t.gettext("Sorry, we can only read text messages and buttons. Type /bantuan for help."))


@in_turn
async def on_unknown_command(turn: Turn) -> None:
    """A command the bot does not have."""
    turn.reply(turn.t.gettext("Sorry, there is no such command. See the list of commands with /bantuan."))


@in_turn
async def on_stale_button(turn: Turn) -> None:
    """A button the bot cannot read: from an old version, forged, or a page counter."""
    turn.answer(turn.t.gettext("This button is no longer valid. Type /program to start again."))
