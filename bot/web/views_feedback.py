"""The feedback list with its filters; answering and moving tickets on, with the same effect as in the chat."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from bot.i18n import N_
from bot.render import notices
from bot.render.programs import label
from bot.services import catalog, closing, deadlines, moderation, tickets
from bot.services.auth import program_for
from bot.services.closing import CloseOutcome
from bot.services.tickets import AnswerOutcome, Ticket
from bot.web import inputs, params
from bot.web.context import Ctx, Notice, Page, Redirect, Refusal
from bot.web.pages import link, view
from storage import dashboard as queries
from storage import summary_deadlines as deadline_store
from storage.statuses import FeedbackStatus

PER_PAGE = 20
ID_MAX = 2**31 - 1
NOT_FOUND = N_("This feedback was not found, or it is not in your region.")
# Matched whole: with ^…$ a trailing newline would pass, and a newline in a Location header is a 500.
DASHBOARD_PATH = re.compile(r"/dasbor(/[A-Za-z0-9/._-]*)?(\?[\x21-\x7e]*)?")
# Statuses an official may set, as in the chat; a ticket becomes new again only by the resident's reply.
SETTABLE = (FeedbackStatus.IN_PROGRESS, FeedbackStatus.DONE)
# The deadline filter (?tenggat=): overdue now, or due by the end of the next working day.
DEADLINE_LABELS = {"terlambat": N_("Overdue"), "segera": N_("Due soon")}
# The marks an official may set (the form's value -> its button); "none" removes the mark.
MARKS = {"spam": N_("Mark as spam"), "abusive": N_("Mark as abusive"), "none": N_("Remove the mark")}


async def checked_filter(ctx: Ctx) -> tuple[queries.FeedbackFilter, dict[str, Any]]:
    """The filter of the address, its program re-checked against the official's regions."""
    scope = await ctx.resolve_scope()
    flt, form = params.feedback_filter(ctx.query, scope)
    # The deadline filter's instants: overdue at the page's time, due soon by the end of the next working day.
    soon = await deadlines.due_soon_until(ctx.db, now=ctx.now, zone=scope.zone)
    flt = replace(flt, now=ctx.now, soon_until=soon)
    if flt.program_id is not None and await program_for(ctx.db, ctx.actor, flt.program_id) is None:
        raise Refusal(404, N_("This program was not found, or it is not in your region."))
    return flt, form


@view
async def feedback(ctx: Ctx) -> Page:
    """Feedback of the scope, newest first, filtered by program, rating, status, dates and text."""
    flt, form = await checked_filter(ctx)
    page = params.page(ctx.query)
    rows, total = await queries.feedback_page(ctx.db, flt, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
    conversations = await queries.conversations(ctx.db, [r.id for r in rows])
    choices = await queries.program_choices(ctx.db, region_codes=flt.region_codes)
    overdue, due_soon = await deadline_store.queue_counts(ctx.db, region_codes=flt.region_codes, now=ctx.now,
                                                          soon_until=flt.soon_until or ctx.now, program_id=flt.program_id)
    active = {k: v for k, v in form.items() if v != "" and k != "wilayah"}
    ctx.audit("dashboard.feedback", form["wilayah"], page=page, **active)
    pages = max(1, -(-total // PER_PAGE))
    t = ctx.t
    return Page("feedback.html", {
        "page": "feedback",
        "rows": rows,
        "total": total,
        "page_number": page,
        "pages": pages,
        "previous_page": link("/dasbor/masukan", form, hal=page - 1) if page > 1 else None,
        "next_page": link("/dasbor/masukan", form, hal=page + 1) if page < pages else None,
        "form": form,
        "filtered": bool(active),
        "clear": link("/dasbor/masukan", wilayah=form["wilayah"]),
        "programs": choices,
        "many_regions": flt.region_codes is None or len(flt.region_codes) > 1,
        "statuses": [(s, label(t, catalog.FEEDBACK_STATUSES, s)) for s in tickets.STATUSES],
        "settable": [(s, label(t, catalog.FEEDBACK_STATUSES, s)) for s in SETTABLE],
        "status_label": lambda s: label(t, catalog.FEEDBACK_STATUSES, s),
        "conversations": conversations,
        "who": lambda r: tickets.pseudonym(ctx.deps.pseudonym_key, r.region_code, r.resident_id, r.resident_salt),
        "csv": link("/dasbor/ekspor.csv", form),
        "xlsx": link("/dasbor/ekspor.xlsx", form),
        "answer_max": tickets.ANSWER_MAX, "note_max": closing.NOTE_MAX,
        "now": ctx.now, "local_due_day": deadlines.local_due_day,
        "marks": [(value, t.gettext(name)) for value, name in MARKS.items()],
        "deadlines": [(params.DEADLINE_OVERDUE, t.gettext(DEADLINE_LABELS[params.DEADLINE_OVERDUE]), overdue),
                      (params.DEADLINE_SOON, t.gettext(DEADLINE_LABELS[params.DEADLINE_SOON]), due_soon)],
        "deadline_link": lambda value: link("/dasbor/masukan", form, tenggat=value),
    })


def _feedback_id(ctx: Ctx) -> int:
    feedback_id = inputs.whole_number(ctx.request.match_info["id"], low=1, high=ID_MAX)
    if feedback_id is None:
        raise Refusal(404, NOT_FOUND)
    return feedback_id


def _field(ctx: Ctx, name: str) -> str:
    """A text field of the posted form ("" when missing, or when a file was sent in its place)."""
    value = ctx.form.get(name) if ctx.form is not None else None
    return value if isinstance(value, str) else ""


def _back(ctx: Ctx, feedback_id: int) -> str:
    """Where to go after the form: the list it came from (only a dashboard address), at this ticket."""
    back = _field(ctx, "kembali")
    if DASHBOARD_PATH.fullmatch(back) is None or "//" in back or "/." in back or "#" in back or "\\" in back:
        back = "/dasbor/masukan"
    return f"{back}#tiket-{feedback_id}"


@view
async def answer(ctx: Ctx) -> Redirect:
    """Answer a ticket: stored, logged, and sent to the resident in their language."""
    feedback_id = _feedback_id(ctx)
    text = _field(ctx, "teks")
    outcome, ticket = await tickets.answer_ticket(ctx.db, ctx.actor, feedback_id, text, now=ctx.deps.clock())
    if outcome is AnswerOutcome.GONE or ticket is None:
        raise Refusal(404, NOT_FOUND)
    if outcome is AnswerOutcome.EMPTY:
        raise Refusal(400, N_("The answer is empty. Please go back and write it."))
    if outcome is AnswerOutcome.TOO_LONG:
        raise Refusal(400, N_("The answer is too long: {length} characters, and the limit is {max}. "
                              "Please go back and shorten it."),
                      length=ctx.t.integer(len(text.strip())), max=ctx.t.integer(tickets.ANSWER_MAX))
    back = _back(ctx, feedback_id)
    if ticket.resident is None:
        return Redirect(back, flash=f"erased-{ticket.feedback.ticket}")
    message, markup = notices.answer_notice(ctx.deps.i18n.recipient(ticket.resident), ticket, text)
    return _telling(back, ticket, message, markup, sent="answered", lost="undelivered")


def _telling(back: str, ticket: Ticket, message: str, markup: Any, *, sent: str, lost: str) -> Redirect:
    """Back to the page with a flash, and the notice the resident gets (or the flash saying it was lost)."""
    number = ticket.feedback.ticket
    assert ticket.resident is not None  # the callers flash "erased" or "quiet" instead
    return Redirect(back, flash=f"{sent}-{number}",
                    notice=Notice(ticket.resident.telegram_id, message, markup, failed=f"{lost}-{number}"))


@view
async def status(ctx: Ctx) -> Redirect:
    """Mark a ticket in progress, or done with a note of what was done; the resident is told, as from the chat."""
    feedback_id = _feedback_id(ctx)
    new = _field(ctx, "status")
    if new not in SETTABLE:
        raise Refusal(400, N_("The status must be one of: {allowed}."), allowed=", ".join(SETTABLE))
    note = None
    if new == FeedbackStatus.DONE:
        note = _field(ctx, "catatan")
        ticket, changed = await _close(ctx, feedback_id, note)
    else:
        ticket, changed = await tickets.set_status(ctx.db, ctx.actor, feedback_id, new)
    if ticket is None:
        raise Refusal(404, NOT_FOUND)
    back = _back(ctx, feedback_id)
    if not changed:
        return Redirect(back, flash=f"unchanged-{ticket.feedback.ticket}")
    if ticket.resident is None:
        return Redirect(back, flash=f"statusquiet-{ticket.feedback.ticket}")
    message, markup = notices.status_notice(ctx.deps.i18n.recipient(ticket.resident), ticket, new, note)
    return _telling(back, ticket, message, markup, sent="status", lost="statuslost")


async def _close(ctx: Ctx, feedback_id: int, note: str) -> tuple[Ticket | None, bool]:
    """Done needs a note of what was done: refused without one, or with one too long."""
    outcome, ticket = await closing.close(ctx.db, ctx.actor, feedback_id, note, now=ctx.deps.clock())
    if outcome is CloseOutcome.EMPTY:
        raise Refusal(400, N_("Please write briefly what was done: the resident reads it with the notice. "
                              "Go back and fill in the note."))
    if outcome is CloseOutcome.TOO_LONG:
        raise Refusal(400, N_("The note is too long: {length} characters, and the limit is {max}. "
                              "Please go back and shorten it."),
                      length=ctx.t.integer(len(note.strip())), max=ctx.t.integer(closing.NOTE_MAX))
    return ticket, outcome is CloseOutcome.CLOSED


@view
async def mark(ctx: Ctx) -> Redirect:
    """Mark a comment spam or abusive (it leaves the figures and the inbox), or remove the mark; no notice goes out."""
    feedback_id = _feedback_id(ctx)
    value = _field(ctx, "tanda")
    if value not in MARKS:
        raise Refusal(400, N_("The mark must be one of: {allowed}."), allowed=", ".join(MARKS))
    kind = None if value == "none" else value
    row, changed = await moderation.mark(ctx.db, ctx.actor, feedback_id, kind)
    if row is None:
        raise Refusal(404, NOT_FOUND)
    flash = ("marked" if kind else "unmarked") if changed else "markunchanged"
    return Redirect(_back(ctx, feedback_id), flash=f"{flash}-{row.ticket}")
