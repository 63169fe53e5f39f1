"""Rating a program 1–5, then an optional comment, then a ticket number."""

from __future__ import annotations

from bot.i18n import N_
from bot.render import keyboards as kb
from bot.render.callbacks import Callback
from bot.services import catalog, deadlines, feedback, moderation, quota, residents
from bot.services.feedback import COMMENT_MAX, CommentOutcome, RateOutcome
from handlers import evidence, steps
from handlers.common import Turn, esc, in_turn
from handlers.limits import refusal_text
from handlers.start import consent_screen
from storage.models import Feedback


def _ask_consent(turn: Turn) -> None:
    _ = turn.t.gettext
    turn.answer(_("To rate, please agree to the privacy notice first."))
    turn.reply(*consent_screen(turn, greeting=False))


def _other_region(turn: Turn) -> None:
    _ = turn.t.gettext
    turn.answer(_("You can rate the programs of your own regency or city. To change it: /wilayah"), alert=True)


async def _rating_refused(turn: Turn, program_id: int) -> bool:
    """A mute, or this program's tickets for today: say so and until when."""
    refusal = await quota.rating_refusal(
        turn.session, turn.resident, program_id=program_id, limits=quota.Limits.of(turn.deps.settings), now=turn.now
    )
    if refusal is None:
        return False
    turn.answer()
    turn.reply(refusal_text(turn.t, refusal, await turn.zone(), turn.now))
    return True


async def _comment_refused(turn: Turn, feedback_id: int) -> bool:
    """A mute, or a comment quota: the comment is not stored, the rating given just before stands."""
    refusal = await quota.comment_refusal(
        turn.session, turn.resident, region_code=turn.resident.region_code,
        limits=quota.Limits.of(turn.deps.settings), now=turn.now,
    )
    if refusal is None:
        return False
    _ = turn.t.gettext
    turn.answer()
    turn.reply(
        refusal_text(turn.t, refusal, await turn.zone(), turn.now) + "\n\n" + _("Your rating is saved."),
        kb.markup([kb.button(_("Skip"), "skip", feedback_id)]),
    )
    return True


@in_turn
async def on_ask(turn: Turn, cb: Callback) -> None:
    """Show the five rating buttons for a program."""
    _ = turn.t.gettext
    if not residents.has_consented(turn.resident):
        _ask_consent(turn)
        return
    found = await feedback.program_to_rate(turn.session, program_id=cb.int(0))
    if found is None:
        turn.answer(_("This program is no longer listed."), alert=True)
        return
    if found.region_code != turn.resident.region_code:
        _other_region(turn)
        return
    if await _rating_refused(turn, found.id):  # type: ignore[arg-type]
        return
    nonce = feedback.new_nonce(turn.deps.button_key, resident_id=turn.user.id, program_id=found.id)  # type: ignore[arg-type]
    stars = [kb.button(str(n), "rate", found.id, n, nonce) for n in range(1, 6)]  # type: ignore[arg-type]
    turn.edit(
        _("How would you rate <b>{program}</b>?\n1 = very poor, 5 = very good.").format(program=esc(found.name)),
        kb.markup(stars, [kb.button(_("‹ Back"), "prog", found.id, 0)]),  # type: ignore[arg-type]
    )


@in_turn
async def on_rate(turn: Turn, cb: Callback) -> None:
    """Store the rating (once per showing of the buttons) and invite a comment."""
    _ = turn.t.gettext
    if await _rating_refused(turn, cb.int(0)):
        return
    result = await feedback.rate(turn.session, turn.resident, program_id=cb.int(0), stars=cb.int(1), nonce=cb.str(2),
                                 key=turn.deps.button_key)
    if result.outcome is RateOutcome.FORGED:
        turn.answer(_("This button is no longer valid. Type /program to start again."), alert=True)
        return
    if result.outcome is RateOutcome.OTHER_REGION:
        _other_region(turn)
        return
    if result.outcome is RateOutcome.NO_CONSENT:
        _ask_consent(turn)
        return
    if result.outcome is RateOutcome.NO_PROGRAM:
        turn.answer(_("This program is no longer listed."), alert=True)
        turn.edit(_("This program is no longer listed. See the current list: /program"))
        return
    if result.outcome is RateOutcome.ALREADY:
        turn.answer(_("Your rating has already been recorded."))
        return
    assert result.feedback is not None and result.program is not None
    turn.answer(_("Thank you!"))
    if turn.query and turn.query.message:
        residents.remember_prompt(turn.session, turn.resident, turn.query.message.message_id)
    turn.edit(
        _("Thank you! You rated <b>{program}</b> {stars} of 5.").format(
            program=esc(result.program.name), stars=result.feedback.rating
        )
        + "\n\n"
        + _("Would you like to add a comment? Just write it here (up to {max} characters), or press Skip. "
          "Please do not write your NIK, phone number or address.").format(
            max=turn.t.integer(COMMENT_MAX)
        ),
        kb.markup([kb.button(_("Skip"), "skip", result.feedback.id)]),  # type: ignore[arg-type]
    )


async def ticket_text(turn: Turn, row: Feedback, with_comment: bool, *, offer: bool = False) -> str:
    """The thanks with the ticket number, for a comment the day by which the region aims to answer, and the offer
    of a photo or location (its buttons: handlers/evidence.offer)."""
    _ = turn.t.gettext
    head = _("Thank you! Your feedback has been received.") if with_comment else _("Thank you! Your rating has been saved.")
    lines = [head, _("Ticket number: <b>{ticket}</b>").format(ticket=row.ticket), ""]
    region = await catalog.region(turn.session, code=row.region_code) if with_comment else None
    due = deadlines.due_day(row, region.timezone) if region is not None else None  # in the zone it was counted in
    if due is not None:
        lines.append(_("We aim to answer by {day} at the latest.").format(day=turn.t.day(due)))
    lines.append(_("Officials of your region will read it. See all your feedback with /masukan."))
    if offer:
        lines += ["", evidence.offer_line(turn)]
    return "\n".join(lines)


async def on_comment_text(turn: Turn, text: str) -> None:
    """Attach a comment to the pending rating, or explain the limit and keep the text."""
    _ = turn.t.gettext
    prompt = (turn.resident.draft or {}).get("prompt")
    pending = feedback.pending_feedback_id(turn.resident)
    if pending is not None and text.strip() and await _comment_refused(turn, pending):
        return
    outcome, row = await feedback.add_comment(turn.session, turn.resident, text, now=turn.now,
                                              default_days=turn.deps.settings.answer_days)
    if outcome is CommentOutcome.SAVED:
        assert row is not None
        moderation.screen(turn.session, row, text)
        if isinstance(prompt, int):
            turn.drop_buttons(prompt)
        turn.reply(await ticket_text(turn, row, with_comment=True, offer=True), evidence.offer(turn, row))
    elif outcome is CommentOutcome.TOO_LONG:
        assert row is not None
        turn.reply(
            _(
                "Your comment is too long: {length} characters, and the limit is {max}. "
                "Please send a shorter version, or save the first {max} characters."
            ).format(length=turn.t.integer(len(text.strip())), max=turn.t.integer(COMMENT_MAX)),
            kb.markup(
                [kb.button(_("Save the first {max} characters").format(max=turn.t.integer(COMMENT_MAX)), "trim", row.id)],  # type: ignore[arg-type]
                [kb.button(_("Skip"), "skip", row.id)],  # type: ignore[arg-type]
            ),
        )
    elif outcome is CommentOutcome.EMPTY:
        turn.reply(_("The comment is empty. Please write your comment, or press Skip."))


@in_turn
async def on_skip(turn: Turn, cb: Callback) -> None:
    """Finish without a comment; the rating stands."""
    row = await feedback.finish_without_comment(turn.session, turn.resident, cb.int(0))
    if row is None:
        turn.answer(turn.t.gettext("This feedback has already been saved."))
        return
    turn.edit(await ticket_text(turn, row, with_comment=bool(row.comment)))


@in_turn
async def on_trim(turn: Turn, cb: Callback) -> None:
    """Save the first part of a comment that was too long."""
    prompt = (turn.resident.draft or {}).get("prompt")
    if feedback.pending_feedback_id(turn.resident) == cb.int(0) and await _comment_refused(turn, cb.int(0)):
        return
    row = await feedback.save_trimmed_comment(turn.session, turn.resident, cb.int(0), now=turn.now,
                                              default_days=turn.deps.settings.answer_days)
    if row is None:
        turn.answer(turn.t.gettext("This feedback has already been saved."))
        return
    moderation.screen(turn.session, row, row.comment or "")
    if isinstance(prompt, int):
        turn.drop_buttons(prompt)
    turn.edit(await ticket_text(turn, row, with_comment=True, offer=True), evidence.offer(turn, row))


steps.register(residents.COMMENTING, text=on_comment_text, hint=N_("Please write your comment as text, or press Skip."))
