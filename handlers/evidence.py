"""A photo and/or a location a resident adds to a comment, and the officials' way to see the photo.

The offer comes with the ticket number (handlers/rating.py). A photo is simply sent; a location needs Telegram's
reply keyboard (only its buttons can ask the phone for the current location; 📎 → Location also works), then two
buttons ask whether the exact point may be kept (otherwise the kecamatan is). Every step answers with at most one
message or edit besides the button's answer.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    PhotoSize,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import TelegramError

from bot.i18n import N_
from bot.render import keyboards as kb
from bot.render.callbacks import Callback
from bot.services import catalog, evidence
from bot.services.evidence import BadPhoto, PhotoProblem
from handlers import fallback, region, replies, steps
from handlers.common import Turn, esc, in_turn
from storage.models import Feedback

log = logging.getLogger(__name__)
HINT = N_("Please send a photo (not as a file or a sticker) or a location, or press Skip.")
SEND_LOCATION = N_("📍 Send my location")
CANCEL_LOCATION = N_("Cancel")
STAYS = N_("Your comment stays saved.")
PROBLEMS = {
    PhotoProblem.TOO_BIG: N_("Sorry, this photo is too large for us to keep. Please send a smaller one."),
    PhotoProblem.TOO_SMALL: N_("Sorry, this photo is too small to be seen clearly. Please send another one."),
    PhotoProblem.NOT_IMAGE: N_("Sorry, we could not open this as a photo. Please send another photo."),
}


# --- the offer, in the thank-you with the ticket number -------------------------------------------------------


def offer_line(turn: Turn) -> str:
    return turn.t.gettext("Add a photo or a location? Skip if you do not need to.")


def offer(turn: Turn, row: Feedback) -> InlineKeyboardMarkup | None:
    """The buttons under the thank-you; from now on a photo or a location goes to this ticket."""
    _ = turn.t.gettext
    assert row.id is not None
    evidence.offer(turn.session, turn.resident, row.id, now=turn.now)
    return kb.markup(
        [kb.button(_("📷 Add a photo"), "ev", row.id, "photo"), kb.button(_("📍 Add a location"), "ev", row.id, "loc")],
        [kb.button(_("Skip"), "ev", row.id, "skip")],
    )


def _stale(turn: Turn) -> None:
    turn.answer(turn.t.gettext("This button is no longer valid. See your feedback with /masukan."), alert=True)


async def _waiting_ticket(turn: Turn, feedback_id: int) -> Feedback | None:
    """The resident's own commented ticket, when it is the one waiting for a photo or location."""
    if evidence.waiting_for(turn.resident, turn.now) != feedback_id:
        return None
    return await evidence.own_ticket(turn.session, turn.resident, feedback_id)


@in_turn
async def on_step(turn: Turn, cb: Callback) -> None:
    """The offer's buttons: how to send a photo, the location keyboard, or nothing more."""
    _ = turn.t.gettext
    what = cb.str(1)
    if what == "skip":  # also a double tap, or a Skip from an older message: the end is the end
        evidence.finish(turn.session, turn.resident)
        turn.answer(_("Thank you. Your feedback is complete."))
        pressed = turn.query.message if turn.query else None
        if isinstance(pressed, Message) and pressed.reply_markup:  # a double tap finds them gone already
            turn.drop_buttons(pressed.message_id)
        return
    if await _waiting_ticket(turn, cb.int(0)) is None:
        _stale(turn)
        return
    if what == "photo":
        turn.answer(_("Please send one photo here. We remove its hidden data, such as where and when it was taken. "
                      "Only officials of your region can see it."), alert=True)
        return
    if not evidence.mark_location_asked(turn.session, turn.resident):
        turn.answer(_("Press “📍 Send my location” below, where the keyboard usually is."), alert=True)
        return
    turn.answer()
    turn.reply(
        _("Press <b>📍 Send my location</b> below to share where you are now, or send another place with "
          "📎 → Location. We keep only its kecamatan, unless you agree to keep the exact point."),
        ReplyKeyboardMarkup([[KeyboardButton(_(SEND_LOCATION), request_location=True)], [KeyboardButton(_(CANCEL_LOCATION))]],
                            resize_keyboard=True, one_time_keyboard=True),
    )


# --- a photo --------------------------------------------------------------------------------------------------


def _best(sizes: tuple[PhotoSize, ...]) -> PhotoSize | None:
    """The largest size Telegram offers that is within what we fetch; None when every one is too large."""
    fits = [s for s in sizes if (s.file_size or 0) <= evidence.DOWNLOAD_MAX and s.width * s.height <= evidence.PIXELS_MAX]
    return max(fits, key=lambda s: s.width * s.height, default=None)


async def on_photo(turn: Turn) -> None:
    """A photo while a comment waits for one: fetched (getFile), re-encoded without metadata, kept."""
    _ = turn.t.gettext
    feedback_id = evidence.waiting_for(turn.resident, turn.now)
    message = turn.update.effective_message
    if message is None:
        return
    if feedback_id is None:  # the offer has ended (a day passed): the photo is not kept, and the resident is told
        evidence.finish(turn.session, turn.resident)
        turn.reply(_("The time to add a photo to this feedback has ended, so the photo was not kept. "
                     "You can reply on your ticket with text, or rate a program again with /program."))
        return
    if message.reply_to_message is not None and (ticket := await replies.replied_ticket(turn)) is not None \
            and ticket.feedback.id != feedback_id:  # a photo as a reply about another ticket: as without the offer
        replies.media_hint(turn, ticket)
        return
    size = _best(message.photo)
    if size is None:
        turn.reply(_(PROBLEMS[PhotoProblem.TOO_BIG]) + " " + _(STAYS))
        return
    try:  # before any write of this turn: no database lock is held while Telegram sends the file
        file = await turn.context.bot.get_file(size.file_id)
        data = bytes(await file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("a resident's photo could not be fetched: %s", exc)
        turn.reply(_("Sorry, we could not fetch this photo from Telegram. Please send it again in a moment.") + " " + _(STAYS))
        return
    try:
        photo = await asyncio.to_thread(evidence.reencode, data)
    except BadPhoto as bad:
        turn.reply(_(PROBLEMS[bad.problem]) + " " + _(STAYS))
        return
    row = await evidence.own_ticket(turn.session, turn.resident, feedback_id)
    if row is None:
        evidence.finish(turn.session, turn.resident)
        turn.reply(_("This feedback is no longer there, so the photo was not kept."))
        return
    folder = turn.deps.settings.evidence_dir
    replaced, old_file = await evidence.put_photo(turn.session, feedback_id, photo, folder=folder)
    if old_file:
        turn.later(lambda: asyncio.to_thread(evidence.remove_files, folder, [old_file]))  # once the new one is committed
    region_ = await catalog.region(turn.session, code=row.region_code)  # the ticket's, if it was moved since
    lines = [_("Thank you, the photo is attached to ticket <b>{ticket}</b>. We removed its hidden data, and only "
               "officials of {region} can see it.").format(ticket=row.ticket, region=esc(region_.name if region_ else ""))]
    if replaced:
        lines.append(_("It replaces the photo you sent before."))
    marks = await evidence.marks(turn.session, [feedback_id])
    buttons = [kb.button(_("Done"), "ev", feedback_id, "skip")]
    if not marks[feedback_id].district_code:
        buttons.insert(0, kb.button(_("📍 Add a location"), "ev", feedback_id, "loc"))
    turn.reply("\n".join(lines), kb.markup(buttons))


# --- a location -----------------------------------------------------------------------------------------------


@in_turn
async def on_location(turn: Turn) -> None:
    """A shared location: for the waiting comment (kept as its kecamatan, the exact point only if agreed),
    else to choose the region (handlers/region.py)."""
    feedback_id = evidence.waiting_for(turn.resident, turn.now)
    if feedback_id is None:
        await region.on_location.__wrapped__(turn)  # type: ignore[attr-defined]
        return
    _ = turn.t.gettext
    location = turn.update.effective_message.location  # type: ignore[union-attr]
    assert location is not None
    row = await evidence.own_ticket(turn.session, turn.resident, feedback_id)
    if row is None:
        evidence.finish(turn.session, turn.resident)
        turn.reply(_("This feedback is no longer there, so the location was not kept."), ReplyKeyboardRemove())
        return
    lat, lon = round(location.latitude, 5), round(location.longitude, 5)
    # Off the event loop: the first lookup reads the boundaries and the kecamatan centres.
    place = await asyncio.to_thread(lambda: evidence.locate(lat, lon, turn.deps.regions.boundaries.region_at(lat, lon)))
    replaced = await evidence.put_location(turn.session, feedback_id, place)
    evidence.location_received(turn.session, turn.resident)
    text = _("Location received: <b>Kecamatan {kecamatan}</b>. To protect your privacy we keep only the kecamatan "
             "(its centre). May we keep the exact point, so that officials find the place more easily?"
             ).format(kecamatan=esc(place.name))
    if replaced:
        text += "\n" + _("It replaces the location you sent before.")
    turn.reply(text, kb.markup(
        [kb.button(_("Yes, keep the exact point"), "evx", feedback_id, f"{lat:.5f}", f"{lon:.5f}")],
        [kb.button(_("The kecamatan is enough"), "evk", feedback_id)],
    ))


@in_turn
async def on_exact(turn: Turn, cb: Callback) -> None:
    """The resident agrees to keep the exact point they shared."""
    _ = turn.t.gettext
    row = await _waiting_ticket(turn, cb.int(0))
    lat, lon = float(cb.str(1)), float(cb.str(2))
    mark = (await evidence.marks(turn.session, [cb.int(0)])).get(cb.int(0)) if row else None
    place = await asyncio.to_thread(lambda: evidence.locate(lat, lon, turn.deps.regions.boundaries.region_at(lat, lon)))
    if row is None or mark is None or mark.district_code != place.code:  # forged, or an earlier location's button
        _stale(turn)
        return
    if mark.exact and (mark.lat, mark.lon) == (lat, lon):
        turn.answer(_("Your choice is already saved."))
        return
    await evidence.put_location(turn.session, cb.int(0), place, exact=(lat, lon))
    evidence.decide_location(turn.session, turn.resident)
    turn.answer(_("Saved."))
    turn.reply(_("All right, we keep the exact point for ticket <b>{ticket}</b>. Only officials of your region can "
                 "see it.").format(ticket=row.ticket), ReplyKeyboardRemove())


@in_turn
async def on_kecamatan(turn: Turn, cb: Callback) -> None:
    """The resident keeps the location at kecamatan precision (as it is already stored)."""
    _ = turn.t.gettext
    row = await _waiting_ticket(turn, cb.int(0))
    mark = (await evidence.marks(turn.session, [cb.int(0)])).get(cb.int(0)) if row else None
    place = evidence.place(mark.district_code) if mark and mark.district_code else None
    if row is None or place is None:
        _stale(turn)
        return
    if not mark.exact and not evidence.decide_location(turn.session, turn.resident):  # type: ignore[union-attr]
        turn.answer(_("Your choice is already saved."))
        return
    await evidence.put_location(turn.session, cb.int(0), place)
    turn.answer(_("Saved."))
    turn.reply(_("All right, for ticket <b>{ticket}</b> we keep only the kecamatan: {kecamatan}.").format(
        ticket=row.ticket, kecamatan=esc(place.name)), ReplyKeyboardRemove())


async def on_text(turn: Turn, text: str) -> None:
    """Text while a photo or location could follow: "Cancel" under the location keyboard closes it; anything
    else means the resident moved on, and is read as if no comment were waiting."""
    labels = {turn.deps.i18n.get(lang).gettext(CANCEL_LOCATION) for lang in ("id", "en")}
    if text.strip() in labels and (turn.resident.draft or {}).get("asked"):
        evidence.location_received(turn.session, turn.resident)
        turn.reply(turn.t.gettext("All right, no location. You can still send a photo, or type /program to go on."),
                   ReplyKeyboardRemove())
        return
    evidence.finish(turn.session, turn.resident)
    await fallback.on_text.__wrapped__(turn)  # type: ignore[attr-defined]


steps.register(evidence.EVIDENCE, text=on_text, hint=HINT, photo=on_photo)
