"""What officials and coordinators are told about deadlines, and what a resident is told of a quiet confirmation."""

from __future__ import annotations

from datetime import date
from html import escape as esc

from telegram import InlineKeyboardMarkup

from bot.i18n import Translator
from bot.render import keyboards as kb
from bot.render.notices import quote
from bot.services.deadlines import Due


def _button(t: Translator, due: Due) -> InlineKeyboardMarkup:
    return kb.fixed([kb.button(t.gettext("💬 Answer {ticket}").format(ticket=due.ticket), "ans", due.feedback_id)])


def reminder(t: Translator, due: Due, day: date) -> tuple[str, InlineKeyboardMarkup]:
    """One working day before the due day, to the region's officials."""
    text = "\n".join([
        t.gettext("⏰ <b>Reminder:</b> ticket {ticket} ({program}, {region}) needs a first answer by {day}.").format(
            ticket=due.ticket, program=esc(due.program_name), region=esc(due.region_name), day=t.day(day)),
        f"<i>{quote(due.comment)}</i>",
    ])
    return text, _button(t, due)


def overdue(t: Translator, due: Due, day: date) -> tuple[str, InlineKeyboardMarkup]:
    """At the due time, to the region's officials."""
    text = "\n".join([
        t.gettext("⚠️ <b>Overdue:</b> ticket {ticket} ({program}, {region}) has had no answer, and its deadline, "
                  "{day}, has passed. Please answer it now, or forward it if it is not yours to handle.").format(
            ticket=due.ticket, program=esc(due.program_name), region=esc(due.region_name), day=t.day(day)),
        f"<i>{quote(due.comment)}</i>",
    ])
    return text, _button(t, due)


def to_coordinator(t: Translator, due: Due, day: date, officials: int) -> str:
    """At the due time, to the region's coordinators (or the admins where the region has none)."""
    told = (t.ngettext("Its {n} official has been told again.", "Its {n} officials have been told again.", officials)
            .format(n=t.integer(officials)) if officials else t.gettext("The region has no official yet."))
    return t.gettext(
        "⚠️ Ticket {ticket} in {region} ({program}) is overdue: no answer by {day}. {told} "
        "See every overdue ticket on the dashboard (/dasbor)."
    ).format(ticket=due.ticket, region=esc(due.region_name), program=esc(due.program_name), day=t.day(day), told=told)
