"""Replies that find their ticket: a Telegram reply to a message about a ticket is a follow-up on it.

Every message the bot sends about a ticket (the confirmation, an official's answer, a status notice, the
thanks for a follow-up) shows the ticket number, and Telegram hands the replied-to message back with the
reply, so the number in its text names the ticket: no table of message ids is needed. Only the resident's
own ticket counts; a number of anyone else's is ignored and the message goes where it would have gone.
Text sent without a reply, while exactly one of the resident's tickets was answered in the last days and no
flow waits for text, is offered as a follow-up once; the text waits in the resident's draft, not in memory.
"""

from __future__ import annotations

import re
import secrets

from telegram import Message

from bot.i18n import Translator
from bot.render import keyboards as kb
from bot.render import notices
from bot.render.callbacks import Callback
from bot.services import moderation, quota, residents, tickets
from bot.services.feedback import TICKET, parse_ticket
from bot.services.tickets import AnswerOutcome, Ticket
from handlers.common import Turn, esc, in_turn
from handlers.limits import refusal_text

_NUMBER = re.compile(r"\b([0-9]{4})[- ]?(" + TICKET.pattern[len("[0-9]{4}"):] + r")\b")
OFFER = "offer"  # the draft's key for text offered as a follow-up: {"feedback_id", "text", "nonce"}


def ticket_numbers(text: str) -> list[str]:
    """The ticket numbers shown in a message's text, in their stored form, first first."""
    found = (parse_ticket(f"{m.group(1)}-{m.group(2)}") for m in _NUMBER.finditer(text.upper()))
    return list(dict.fromkeys(n for n in found if n is not None))


async def replied_ticket(turn: Turn) -> Ticket | None:
    """The resident's own ticket named in the message they replied to, if they replied to one of the bot's."""
    message = turn.update.effective_message
    replied = message.reply_to_message if isinstance(message, Message) else None
    if replied is None or (replied.from_user is not None and not replied.from_user.is_bot):
        return None
    for number in ticket_numbers(replied.text or replied.caption or ""):
        if (ticket := await tickets.own_ticket_by_number(turn.session, turn.resident, number)) is not None:
            return ticket
    return None


async def _refused(turn: Turn) -> bool:
    limits = quota.Limits.of(turn.deps.settings)
    refusal = await quota.comment_refusal(
        turn.session, turn.resident, region_code=turn.resident.region_code, limits=limits, now=turn.now,
    )
    if refusal is not None:
        turn.reply(refusal_text(turn.t, refusal, await turn.zone(), turn.now))
    return refusal is not None


def follow_up_notice(t: Translator, ticket: Ticket, text: str) -> str:
    """What an official who answered the ticket is told of the resident's follow-up, in the official's language."""
    return "\n".join([
        t.gettext("↪ <b>The resident replied</b> on ticket {ticket} · {program}").format(
            ticket=ticket.feedback.ticket, program=esc(ticket.program.name)),
        f"<i>{notices.quote(text.strip())}</i>",
        "",
        t.gettext("It is back among the new comments in /masukanbaru."),
    ])


async def passed_on(turn: Turn, ticket: Ticket, outcome: AnswerOutcome, text: str, *, edit: bool = False) -> None:
    """After a follow-up was stored (or refused): screen it, tell the officials who answered, thank the resident.

    `edit`: the thanks replaces the pressed message (the question that offered the text).
    """
    _ = turn.t.gettext
    say = turn.edit if edit else turn.reply
    if outcome is AnswerOutcome.EMPTY:
        say(_("The reply is empty. Please write it, or type /batal."))
        return
    if outcome is AnswerOutcome.TOO_LONG:
        say(_("Your reply is too long: {length} characters, and the limit is {max}. Please shorten it.").format(
            length=turn.t.integer(len(text.strip())), max=turn.t.integer(tickets.ANSWER_MAX)))
        return
    moderation.screen(turn.session, ticket.feedback, text)
    feedback_id, number = ticket.feedback.id, ticket.feedback.ticket
    assert feedback_id is not None
    for official in await tickets.answerers(turn.session, ticket, turn.deps.settings.admin_ids):
        ot = turn.deps.i18n.recipient(official)
        button = kb.button(ot.gettext("💬 Answer {ticket}").format(ticket=number), "ans", feedback_id)
        turn.notify(official.telegram_id, follow_up_notice(ot, ticket, text), kb.markup([button]))
    say(_("Thank you. Your reply on {ticket} has been passed on to the officials.").format(
        ticket=ticket.feedback.ticket))


async def on_reply_to_ticket(turn: Turn, ticket: Ticket, text: str) -> None:
    """Text sent as a Telegram reply to a message about the resident's ticket: a follow-up on it.

    Whatever flow the resident is in stays as it was (a comment being written still waits for its text).
    """
    if text.strip() and await _refused(turn):
        return
    outcome = await tickets.follow_up_on(turn.session, ticket, text, now=turn.now,
                                         default_days=turn.deps.settings.answer_days)
    await passed_on(turn, ticket, outcome, text)


def media_hint(turn: Turn, ticket: Ticket) -> None:
    """A photo or voice note sent as a reply about a ticket: only text reaches the officials."""
    turn.reply(turn.t.gettext(
        "Sorry, we can only pass on text. Please write your reply on ticket {ticket} as a text message."
    ).format(ticket=ticket.feedback.ticket))


async def offer(turn: Turn, text: str) -> bool:
    """Ask once whether stray text is a follow-up on the one ticket answered lately; False if there is none."""
    if not text.strip():
        return False
    ticket = await tickets.recently_answered(turn.session, turn.resident, turn.now)
    if ticket is None or (turn.resident.draft or {}).get("declined") == ticket.feedback.id:
        return False  # none, or the resident already said this text was not about it
    nonce = secrets.token_hex(8)
    residents.set_state(turn.session, turn.resident, None, {
        OFFER: {"feedback_id": ticket.feedback.id, "text": text, "nonce": nonce},
    })
    _ = turn.t.gettext
    turn.reply(
        _("Send this as a reply on ticket {ticket}?").format(ticket=ticket.feedback.ticket),
        kb.markup([kb.button(_("Yes, send"), "fup", ticket.feedback.id, nonce, "yes"),  # type: ignore[arg-type]
                   kb.button(_("No"), "fup", ticket.feedback.id, nonce, "no")]),  # type: ignore[arg-type]
    )
    return True


@in_turn
async def on_offer(turn: Turn, cb: Callback) -> None:
    """[Yes, send] / [No] under the question: the kept text goes to the ticket, or stays unsent."""
    _ = turn.t.gettext
    kept = (turn.resident.draft or {}).get(OFFER) or {}
    feedback_id, nonce = cb.int(0), cb.str(1)
    if kept.get("feedback_id") != feedback_id or kept.get("nonce") != nonce:
        turn.answer(_("This question has already been answered."))  # a double tap, or an old question
        return
    ticket = await tickets.own_ticket(turn.session, turn.resident, feedback_id)
    if ticket is None:
        residents.set_state(turn.session, turn.resident, None)
        turn.answer(_("This ticket was not found."), alert=True)
        return
    number = ticket.feedback.ticket
    if cb.str(2) == "no":
        residents.set_state(turn.session, turn.resident, None, {"declined": feedback_id})
        turn.answer()
        turn.edit(_("All right, it was not sent on ticket {ticket}. To see and rate your region's programs, "
                    "type /program. For help, type /bantuan.").format(ticket=number))
        return
    text = str(kept.get("text") or "")
    if await _refused(turn):
        turn.answer()
        return
    residents.set_state(turn.session, turn.resident, None)
    turn.answer()
    outcome = await tickets.follow_up_on(turn.session, ticket, text, now=turn.now,
                                         default_days=turn.deps.settings.answer_days)
    await passed_on(turn, ticket, outcome, text, edit=True)
