"""Messages that reach a resident about their ticket, whoever triggered them (the chat or the dashboard)."""

from __future__ import annotations

from html import escape as esc

from telegram import InlineKeyboardMarkup

from bot.i18n import Translator
from bot.render import keyboards as kb
from bot.render.text import shorten
from bot.services.tickets import Ticket
from storage.statuses import FeedbackStatus

QUOTE_MAX = 500


def quote(text: str | None) -> str:
    if not text:
        return ""
    return esc(shorten(text, QUOTE_MAX))


def government(t: Translator, region_name: str) -> str:
    return t.gettext("Government of {region}").format(region=region_name)


def answer_notice(rt: Translator, ticket: Ticket, answer: str) -> tuple[str, InlineKeyboardMarkup]:
    number, feedback_id = ticket.feedback.ticket, ticket.feedback.id
    assert feedback_id is not None  # a stored row
    text = "\n".join([
        rt.gettext("📩 <b>Answer from the {government}</b>").format(government=esc(government(rt, ticket.region.name))),
        rt.gettext("Ticket number: {ticket} · {program}").format(ticket=number, program=esc(ticket.program.name)),
        "",
        rt.gettext("Your comment:"),
        f"<i>{quote(ticket.feedback.comment)}</i>",
        "",
        rt.gettext("Answer:"),
        esc(answer.strip()),
    ])
    return text, kb.fixed([kb.button(rt.gettext("Reply"), "reply", feedback_id)])


def status_notice(
    rt: Translator, ticket: Ticket, status: str, note: str | None = None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """What the resident is told of a status change; for done, the official's note of what was done."""
    number = ticket.feedback.ticket
    gov = esc(government(rt, ticket.region.name))
    program = esc(ticket.program.name)
    if status == FeedbackStatus.DONE:
        lines = [rt.gettext("✅ The {government} has finished handling your feedback (ticket {ticket}, {program}).")
                 .format(government=gov, ticket=number, program=program)]
        if note:
            lines += ["", rt.gettext("What was done:"), esc(note.strip())]
        lines += ["", rt.gettext("Are you satisfied?")]
        return (
            "\n".join(lines),
            kb.markup([kb.button(rt.gettext("Yes, satisfied"), "sat", ticket.feedback.id, "yes"),  # type: ignore[arg-type]
                       kb.button(rt.gettext("Not yet"), "sat", ticket.feedback.id, "no")]),  # type: ignore[arg-type]
        )
    return (
        rt.gettext("ℹ️ The {government} is now working on your feedback (ticket {ticket}, {program}).")
        .format(government=gov, ticket=number, program=program),
        None,
    )


def confirmed_notice(rt: Translator, ticket: Ticket) -> str:
    """The resident did not answer "Are you satisfied?" for a week: the closure stands, and they may still reply."""
    return rt.gettext(
        "Ticket {ticket} ({program}) has been marked as resolved, since we received no answer from you within "
        "7 days. If it is not resolved yet, reply to this message and it goes back to the officials."
    ).format(ticket=ticket.feedback.ticket, program=esc(ticket.program.name))
