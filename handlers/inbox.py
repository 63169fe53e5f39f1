"""The officials' inbox, answers that reach the resident, and the resident's side of the conversation."""

from __future__ import annotations

from telegram import InlineKeyboardButton

from bot.render import keyboards as kb
from bot.render import notices
from bot.render.callbacks import Callback
from bot.render.programs import label
from bot.services import auth, catalog, deadlines, quota, tickets
from bot.services.auth import Actor
from bot.services.feedback import TICKET_EXAMPLE, TICKET_TYPED_MAX, parse_ticket
from bot.services.tickets import AnswerOutcome
from handlers import closing, steps
from handlers.closing import refuse_ticket
from handlers.common import Turn, esc, in_turn
from handlers.evidence_officials import item_line, item_row, marks_of
from handlers.limits import refusal_text
from handlers.officials import not_an_official
from handlers.replies import passed_on
from storage.statuses import FeedbackStatus
from storage.tickets import InboxItem


async def show_inbox(turn: Turn, page: int, *, edit: bool) -> None:
    _ = turn.t.gettext
    actor = await turn.actor()
    items, shown, pages = await tickets.inbox(turn.session, actor, page=page)
    if not items:
        text, markup = _("No new comments are waiting for an answer."), None
    else:
        lines = [_("<b>New comments</b>, oldest first")]
        overdue, soon = await deadlines.queue(turn.session, region_codes=actor.visible(None), zone=await turn.zone(),
                                              now=turn.now)
        if overdue or soon:
            lines.append(_("<b>Overdue:</b> {overdue} · <b>due soon:</b> {soon}").format(
                overdue=turn.t.integer(overdue), soon=turn.t.integer(soon)))
        if pages > 1:
            lines.append(_("Page {page} of {pages}").format(page=shown + 1, pages=pages))
        rows: list[list[InlineKeyboardButton]] = []
        marks = await marks_of(turn, [item.feedback_id for item in items])
        for item in items:
            mark = marks.get(item.feedback_id)  # a photo or location the resident added (handlers/evidence.py)
            lines += ["", *_item_lines(turn, item), *item_line(turn, mark)]
            rows += _item_buttons(turn, item, actor) + item_row(turn, mark, item.ticket)
        text = "\n".join(lines)
        markup = kb.markup(*rows, kb.pager(turn.t, "inbox", shown, pages))
    turn.edit(text, markup) if edit else turn.reply(text, markup)


def _item_lines(turn: Turn, item: InboxItem) -> list[str]:
    _ = turn.t.gettext
    who = tickets.pseudonym(turn.deps.pseudonym_key, item.region_code, item.resident_id, item.resident_salt)
    lines = [
        f"<b>{item.ticket}</b> · {esc(item.program_name)} · ★{item.rating}",
        f"{esc(item.region_name)} · "
        + (_("Resident {name}").format(name=who) if who else _("Anonymous resident"))
        + f" · {turn.t.datetime(item.created_at, item.timezone)}",
    ]
    if item.comment:
        lines.append(f"<i>{notices.quote(item.comment)}</i>")
    if item.due_at is not None and item.answered_at is None:
        day = turn.t.day(deadlines.local_due_day(item.due_at, item.timezone))
        lines.append(_("<b>Overdue:</b> the first answer was due by {day}.").format(day=day) if turn.now >= item.due_at
                     else _("Answer by {day}.").format(day=day))
    if item.followup:
        lines.append(_("↪ Resident's reply: {text}").format(text=f"<i>{notices.quote(item.followup)}</i>"))
    if item.moderation == "spam":
        lines.append(_("Marked as spam: it does not count in the summary."))
    elif item.moderation == "abusive":
        lines.append(_("Marked as abusive: it does not count in the summary."))
    elif item.needs_review:
        lines.append(_("Needs review: it may contain abusive words."))
    return lines


def _item_buttons(turn: Turn, item: InboxItem, actor: Actor) -> list[list[InlineKeyboardButton]]:
    _ = turn.t.gettext
    if item.moderation is None:
        marks = [kb.button(_("Mark as spam"), "mod", item.feedback_id, "spam"),
                 kb.button(_("Mark as abusive"), "mod", item.feedback_id, "abusive")]
    else:
        marks = [kb.button(_("Remove the mark"), "mod", item.feedback_id, "none")]
    return [
        [kb.button(_("💬 Answer {ticket}").format(ticket=item.ticket), "ans", item.feedback_id)],
        [kb.button(_("In progress"), "st", item.feedback_id, FeedbackStatus.IN_PROGRESS),
         kb.button(_("Done"), "close", item.feedback_id)],
        [kb.button(_("↪ Not ours to handle"), "fwd", item.feedback_id)],
        marks,
        [kb.button(_("Mute the author for 24 hours"), "mute", item.feedback_id)] if auth.may_mute_authors(actor) else [],
    ]


@in_turn
async def cmd_inbox(turn: Turn) -> None:
    """/masukanbaru: new comments of the official's regions, or the one ticket typed after the command."""
    _ = turn.t.gettext
    actor = await turn.actor()
    if not actor.is_official:
        not_an_official(turn)
        return
    typed = " ".join(turn.context.args or [])
    if not typed:
        await show_inbox(turn, 0, edit=False)
        return
    number = parse_ticket(typed)
    item = await tickets.find(turn.session, actor, number) if number is not None else None
    if item is None:
        turn.reply(_("No ticket {ticket} was found in your region. A ticket number looks like {example}.").format(
            ticket=esc(typed[:TICKET_TYPED_MAX]), example=TICKET_EXAMPLE))
        return
    status = label(turn.t, catalog.FEEDBACK_STATUSES, item.status)
    mark = (await marks_of(turn, [item.feedback_id])).get(item.feedback_id)
    text = "\n".join([*_item_lines(turn, item), *item_line(turn, mark),
                      _("Status: {status}").format(status=esc(status))])
    turn.reply(text, kb.markup(*_item_buttons(turn, item, actor), *item_row(turn, mark, item.ticket)))


@in_turn
async def on_inbox(turn: Turn, cb: Callback) -> None:
    """Another page of the inbox."""
    if not (await turn.actor()).is_official:
        turn.answer(turn.t.gettext("This button is not for you."), alert=True)
        return
    await show_inbox(turn, cb.int(0), edit=True)


@in_turn
async def on_answer(turn: Turn, cb: Callback) -> None:
    """Start writing an answer to a ticket."""
    _ = turn.t.gettext
    ticket = await tickets.ticket_for_official(turn.session, await turn.actor(), cb.int(0))
    if ticket is None:
        refuse_ticket(turn)
        return
    tickets.start_answer(turn.session, turn.resident, ticket)
    turn.answer()
    turn.reply(
        _(
            "Write your answer to ticket <b>{ticket}</b> ({program}). It goes to the resident as a message from "
            "the {government}. Up to {max} characters; /batal cancels."
        ).format(
            ticket=ticket.feedback.ticket, program=esc(ticket.program.name),
            government=esc(notices.government(turn.t, ticket.region.name)), max=turn.t.integer(tickets.ANSWER_MAX),
        )
    )


async def on_answer_text(turn: Turn, text: str) -> None:
    """The official's answer: store it and deliver it to the resident, in the resident's language."""
    _ = turn.t.gettext
    outcome, ticket = await tickets.answer(turn.session, await turn.actor(), turn.resident, text, now=turn.now)
    if outcome is AnswerOutcome.GONE or ticket is None:
        turn.reply(_("This feedback was not found, or it is not in your region."))
        return
    number = ticket.feedback.ticket
    if outcome is AnswerOutcome.EMPTY:
        turn.reply(_("The answer is empty. Please write it, or type /batal."))
        return
    if outcome is AnswerOutcome.TOO_LONG:
        turn.reply(_("The answer is too long: {length} characters, and the limit is {max}. Please shorten it.").format(
            length=turn.t.integer(len(text.strip())), max=turn.t.integer(tickets.ANSWER_MAX)))
        return
    if ticket.resident is None:
        turn.reply(_("Answer to {ticket} saved. The resident has deleted their data, so it cannot be delivered.").format(ticket=number))
        return
    text_, markup = notices.answer_notice(turn.deps.i18n.recipient(ticket.resident), ticket, text)
    turn.notify(
        ticket.resident.telegram_id, text_, markup,
        undeliverable=_("The resident could not be reached on Telegram (they may have blocked the bot). The answer is saved."),
    )
    turn.reply(_("✅ Your answer to {ticket} has been sent to the resident. The ticket is now in progress.").format(ticket=number))


@in_turn
async def on_status(turn: Turn, cb: Callback) -> None:
    """Mark a ticket in progress or done, and tell the resident."""
    _ = turn.t.gettext
    status = cb.str(1)
    if status == FeedbackStatus.DONE:  # a button from before closing needed a note
        await closing.ask_note(turn, cb.int(0))
        return
    if status not in tickets.STATUSES:
        turn.answer(_("This button is no longer valid. Type /masukanbaru to start again."), alert=True)
        return
    ticket, changed = await tickets.set_status(turn.session, await turn.actor(), cb.int(0), status)
    if ticket is None:
        refuse_ticket(turn)
        return
    number = ticket.feedback.ticket
    if not changed:
        turn.answer(_("{ticket} already has this status.").format(ticket=number))
        return
    turn.answer(_("{ticket}: {status}").format(ticket=number, status=label(turn.t, catalog.FEEDBACK_STATUSES, status)))
    await show_inbox(turn, 0, edit=True)
    if ticket.resident is None:
        return
    text, markup = notices.status_notice(turn.deps.i18n.recipient(ticket.resident), ticket, status)
    turn.notify(ticket.resident.telegram_id, text, markup)


@in_turn
async def on_reply(turn: Turn, cb: Callback) -> None:
    """The resident wants to reply to an answer."""
    _ = turn.t.gettext
    if (refusal := quota.muted(turn.resident, turn.now)) is not None:
        turn.answer()
        turn.reply(refusal_text(turn.t, refusal, await turn.zone(), turn.now))
        return
    ticket = await tickets.start_reply(turn.session, turn.resident, cb.int(0))
    if ticket is None:
        turn.answer(_("This ticket was not found."), alert=True)
        return
    turn.answer()
    turn.reply(_("Write your reply on ticket {ticket}. It goes to the officials of {region}. /batal cancels.").format(
        ticket=ticket.feedback.ticket, region=esc(ticket.region.name)))


async def on_reply_text(turn: Turn, text: str) -> None:
    """The resident's reply: back to the officials' inbox on the same ticket."""
    _ = turn.t.gettext
    limits = quota.Limits.of(turn.deps.settings)
    if text.strip() and (refusal := await quota.comment_refusal(
        turn.session, turn.resident, region_code=turn.resident.region_code, limits=limits, now=turn.now,
    )) is not None:
        turn.reply(refusal_text(turn.t, refusal, await turn.zone(), turn.now) + " " + _("/batal cancels."))
        return
    outcome, ticket = await tickets.follow_up(turn.session, turn.resident, text, now=turn.now,
                                              default_days=turn.deps.settings.answer_days)
    if outcome is AnswerOutcome.GONE or ticket is None:
        turn.reply(_("This ticket was not found."))
    else:
        await passed_on(turn, ticket, outcome, text)


steps.register(tickets.ANSWERING, text=on_answer_text, hint=steps.WRITE_AS_TEXT)
steps.register(tickets.REPLYING, text=on_reply_text, hint=steps.WRITE_AS_TEXT)
