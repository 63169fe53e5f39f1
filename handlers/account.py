"""The resident's own things: feedback list, language, help, cancel, data export and erasure."""

from __future__ import annotations

from telegram import ReplyKeyboardRemove

from bot.render import forwarding
from bot.render import keyboards as kb
from bot.render.callbacks import Callback
from bot.render.programs import label
from bot.render.text import shorten
from bot.services import catalog, deadlines, export_resident, feedback, residents
from handlers.common import Turn, esc, in_turn
from storage.feedback import FeedbackView

COMMENT_PREVIEW = 200


async def show_my_feedback(turn: Turn, page: int, *, edit: bool) -> None:
    _ = turn.t.gettext
    rows, shown, pages = await catalog.feedback_page(turn.session, resident_id=turn.resident.telegram_id, page=page)
    if not rows:
        text, markup = _("You have not sent any feedback yet. Start with /program."), None
    else:
        lines = [_("<b>Your feedback</b>")]
        if pages > 1:
            lines.append(_("Page {page} of {pages}").format(page=shown + 1, pages=pages))
        for row in rows:
            lines += ["", *_row_lines(turn, row)]
        text = "\n".join(lines)
        markup = kb.markup(kb.pager(turn.t, "mine", shown, pages)) if pages > 1 else None
    turn.edit(text, markup) if edit else turn.reply(text, markup)


def _row_lines(turn: Turn, row: FeedbackView) -> list[str]:
    _ = turn.t.gettext
    lines = [
        f"<b>{row.ticket}</b> · {esc(row.program_name)}",
        _("Rating: {stars} of 5 · Status: {status}").format(
            stars=row.rating, status=esc(label(turn.t, catalog.FEEDBACK_STATUSES, row.status))
        ),
        turn.t.datetime(row.created_at, row.timezone),
    ]
    if row.comment:
        preview = shorten(row.comment, COMMENT_PREVIEW)
        lines.append(f"<i>{esc(preview)}</i>")
    forwarded = forwarding.feedback_line(turn.t, body=row.forwarded_to, moved=row.moved, region_name=row.region_name,
                                         province=row.province, reference=row.forward_reference)
    if forwarded:
        lines.append(forwarded)
    elif row.due_at is not None and row.answered_at is None:
        day = turn.t.day(deadlines.local_due_day(row.due_at, row.timezone))
        lines.append(_("We aim to answer by {day} at the latest.").format(day=day) if turn.now < row.due_at
                     else _("The answer is late: it was due by {day}. We are sorry; the officials have been "
                            "reminded.").format(day=day))
    return lines


@in_turn
async def cmd_my_feedback(turn: Turn) -> None:
    """List the resident's own feedback with tickets and statuses, or the one ticket typed after the command."""
    _ = turn.t.gettext
    typed = " ".join(turn.context.args or [])
    if not typed:
        await show_my_feedback(turn, 0, edit=False)
        return
    number = feedback.parse_ticket(typed)
    row = None
    if number is not None:
        row = await catalog.own_feedback_by_ticket(turn.session, resident_id=turn.resident.telegram_id, ticket=number)
    if row is None:
        turn.reply(_("You have no feedback with the ticket number {ticket}. Type /masukan to see all of it.").format(
            ticket=esc(typed[:feedback.TICKET_TYPED_MAX])))
        return
    turn.reply("\n".join(_row_lines(turn, row)))


@in_turn
async def on_my_feedback(turn: Turn, cb: Callback) -> None:
    """Show a page of the resident's feedback."""
    await show_my_feedback(turn, cb.int(0), edit=True)


@in_turn
async def cmd_language(turn: Turn) -> None:
    """Offer the languages."""
    turn.reply(turn.t.gettext("Choose your language:"), kb.languages())


@in_turn
async def on_language(turn: Turn, cb: Callback) -> None:
    """Switch the resident's language."""
    residents.set_language(turn.session, turn.resident, cb.str(0))
    turn.set_language(cb.str(0))
    # NOTE: shown after the switch, in the language just chosen: say that this language is now in use.
    turn.edit(turn.t.gettext("Language changed to English. Type /bantuan for help."))


def help_text(turn: Turn, *, official: bool) -> str:
    _ = turn.t.gettext
    lines = [
        _("<b>Quick Win Bot</b> shows the quick-win programs of your regency or city and passes your ratings and comments to your local government."),
        "",
        _("/program — programs in your region; choose one to rate it from 1 to 5"),
        _("/masukan — your feedback, ticket numbers and their status"),
        _("/masukan NUMBER — one of your tickets, for example /masukan {example}").format(example=feedback.TICKET_EXAMPLE),
        _("/wilayah — change your regency or city"),
        _("/bahasa — Bahasa Indonesia or English"),
        _("/privasi — what we store and why"),
        _("/dataku — get all your data as a file"),
        _("/hapusdata — delete your data"),
        _("/survei — surveys you can still answer"),
        _("/batal — cancel the current step"),
        "",
        _("Keep your ticket number: officials and you can refer to your feedback with it."),
    ]
    if official:
        lines += [
            "",
            _("<b>For officials</b>"),
            _("/ringkasan — summary of ratings, comments and recurring topics, with a chart"),
            _("/masukanbaru — new comments: answer them, mark them in progress or done"),
            _("/masukanbaru NUMBER — one ticket of your region, for example when a resident reads it out on the phone"),
            _("/ringkasanmingguan on|off — the weekly summary every Monday at 08:00"),
            _("/dasbor — a sign-in link to the web dashboard (figures, exports, answers)"),
            _("/umumkan — an announcement to subscribed residents"),
            _("/siaran — how your announcements are being sent, and cancelling one"),
            _("/buatsurvei — a survey of up to 5 questions for residents, answered with buttons"),
            _("/kelolaprogram — your programs: status, description, adding and removing"),
            _("/undang CODE — (admins) an invitation link for a region's official"),
        ]
    return "\n".join(lines)


@in_turn
async def cmd_help(turn: Turn) -> None:
    """Explain everything the bot can do."""
    turn.reply(help_text(turn, official=(await turn.actor()).is_official))


@in_turn
async def cmd_cancel(turn: Turn) -> None:
    """Leave the current step."""
    _ = turn.t.gettext
    state = turn.resident.state
    residents.set_state(turn.session, turn.resident, None)
    if state == residents.COMMENTING:
        text = _("Cancelled. Your rating is saved without a comment.")
    elif state is not None:
        text = _("Cancelled.")
    else:
        text = _("There is nothing to cancel. Type /bantuan to see what you can do.")
    turn.reply(text, ReplyKeyboardRemove() if state == residents.CHOOSING_REGION else None)


@in_turn
async def cmd_my_data(turn: Turn) -> None:
    """Send the resident all their data as a JSON file, with a short summary under it."""
    data, counts = await export_resident.resident_data(turn.session, turn.resident)
    region = await residents.region_of(turn.session, turn.resident)
    caption = export_resident.summary(turn.t, counts, region.name if region else None)
    turn.document(export_resident.FILENAME, export_resident.to_json_bytes(data), caption)


@in_turn
async def cmd_erase(turn: Turn) -> None:
    """Ask for confirmation before deleting the resident's data."""
    _ = turn.t.gettext
    turn.reply(
        _(
            "Delete all your data? This cannot be undone.\n\n"
            "Your ratings stay only as anonymous numbers for the statistics, without your comments "
            "and without any link to you."
        ),
        kb.markup([kb.button(_("Yes, delete my data"), "erase", "yes"), kb.button(_("Cancel"), "erase", "no")]),
    )


@in_turn
async def on_erase(turn: Turn, cb: Callback) -> None:
    """Delete the resident's data, or keep it."""
    _ = turn.t.gettext
    if cb.str(0) == "no":
        turn.edit(_("All right, your data has not been deleted."))
        return
    text = _("Your data has been deleted. Thank you for using Quick Win Bot. Type /start to begin again.")
    turn.edit(text)  # before the row goes: edit() remembers the screen on it
    await residents.erase(turn.session, turn.resident, evidence_dir=turn.deps.settings.evidence_dir)
