"""Marking a ticket done: the official writes what was done, the resident reads it and says if it is resolved."""

from __future__ import annotations

from bot.render import notices
from bot.render.callbacks import Callback
from bot.services import closing
from bot.services.closing import CloseOutcome
from handlers import steps
from handlers.common import Turn, esc, in_turn


def refuse_ticket(turn: Turn) -> None:
    turn.answer(turn.t.gettext("This feedback was not found, or it is not in your region."), alert=True)


async def ask_note(turn: Turn, feedback_id: int) -> None:
    """The official chose Done: ask for the note of what was done (the ticket stays open until it comes)."""
    _ = turn.t.gettext
    ticket = await closing.start_close(turn.session, await turn.actor(), turn.resident, feedback_id)
    if ticket is None:
        refuse_ticket(turn)
        return
    if ticket.feedback.status == "selesai":
        turn.answer(_("{ticket} is already done.").format(ticket=ticket.feedback.ticket))
        return
    turn.answer()
    turn.reply(_(
        "Please write briefly what was done about ticket <b>{ticket}</b> ({program}). The resident reads this note "
        "with the notice that it is done. Up to {max} characters; /batal cancels."
    ).format(ticket=ticket.feedback.ticket, program=esc(ticket.program.name), max=turn.t.integer(closing.NOTE_MAX)))


@in_turn
async def on_close(turn: Turn, cb: Callback) -> None:
    await ask_note(turn, cb.int(0))


async def on_note_text(turn: Turn, text: str) -> None:
    """The closing note: the ticket is done, and the resident is told what was done and asked if satisfied."""
    _ = turn.t.gettext
    outcome, ticket = await closing.close_from_chat(turn.session, await turn.actor(), turn.resident, text, now=turn.now)
    if outcome is CloseOutcome.GONE or ticket is None:
        turn.reply(_("This feedback was not found, or it is not in your region."))
        return
    number = ticket.feedback.ticket
    if outcome is CloseOutcome.EMPTY:
        turn.reply(_("The note is empty. Please write what was done, or type /batal."))
        return
    if outcome is CloseOutcome.TOO_LONG:
        turn.reply(_("The note is too long: {length} characters, and the limit is {max}. Please shorten it.").format(
            length=turn.t.integer(len(text.strip())), max=turn.t.integer(closing.NOTE_MAX)))
        return
    if outcome is CloseOutcome.ALREADY:
        turn.reply(_("{ticket} is already done.").format(ticket=number))
        return
    if ticket.resident is None:
        turn.reply(_("{ticket} is marked done. The resident has deleted their data, so they cannot be told.").format(
            ticket=number))
        return
    message, markup = notices.status_notice(turn.deps.i18n.recipient(ticket.resident), ticket, "selesai", text)
    turn.notify(
        ticket.resident.telegram_id, message, markup,
        undeliverable=_("The resident could not be reached on Telegram (they may have blocked the bot). "
                        "The ticket is marked done."),
    )
    turn.reply(_("✅ {ticket} is marked done. The resident has been sent your note and asked whether they are "
                 "satisfied.").format(ticket=number))


@in_turn
async def on_satisfaction(turn: Turn, cb: Callback) -> None:
    """The resident says whether a closed ticket satisfied them; "not yet" reopens it."""
    _ = turn.t.gettext
    satisfied = cb.str(1) == "yes"
    ticket = await closing.satisfaction(turn.session, turn.resident, cb.int(0), satisfied)
    if ticket is None:
        turn.answer(_("Your answer has already been recorded."))
        return
    number = ticket.feedback.ticket
    turn.edit(
        _("Thank you for letting us know. We are glad your feedback (ticket {ticket}) has been resolved.")
        .format(ticket=number)
        if satisfied
        else _("We are sorry it has not been resolved yet. Ticket {ticket} is open again and goes back to the officials.").format(ticket=number)
    )


steps.register(closing.CLOSING, text=on_note_text, hint=steps.WRITE_AS_TEXT)
