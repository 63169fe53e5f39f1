"""What officials see of a resident's evidence: the inbox's line and button, and the photo sent to them on request.

The resident's side (the offer, the photo, the location) is handlers/evidence.py.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InputFile

from bot.render import keyboards as kb
from bot.render.callbacks import Callback
from bot.services import auth, evidence
from bot.services.evidence import Mark
from handlers.common import Turn, esc, in_turn


async def marks_of(turn: Turn, feedback_ids: list[int]) -> dict[int, Mark]:
    return await evidence.marks(turn.session, feedback_ids)


def item_line(turn: Turn, mark: Mark | None) -> list[str]:
    """The inbox line: "📷 Photo attached · 📍 Kec. Kejaksan" (nothing without evidence)."""
    _ = turn.t.gettext
    parts = []
    if mark is not None and mark.photo:
        parts.append(_("📷 Photo attached"))
    if mark is not None and (name := evidence.kecamatan_name(mark.district_code)):
        parts.append((_("📍 Kec. {name}, exact point") if mark.exact else _("📍 Kec. {name}")).format(name=esc(name)))
    return [" · ".join(parts)] if parts else []


def item_row(turn: Turn, mark: Mark | None, ticket: str) -> list[list[InlineKeyboardButton]]:
    if mark is None or not mark.photo:
        return []
    return [[kb.button(turn.t.gettext("📷 See the photo of {ticket}").format(ticket=ticket), "evp", mark.feedback_id)]]


@in_turn
async def on_show_photo(turn: Turn, cb: Callback) -> None:
    """Send the photo of a ticket to an official of its region (through the outbound path, as every message)."""
    _ = turn.t.gettext
    actor = await turn.actor()
    row = await auth.feedback_for(turn.session, actor, cb.int(0)) if actor.is_official else None
    if row is None:
        turn.answer(_("This feedback was not found, or it is not in your region."), alert=True)
        return
    data = await evidence.photo_bytes(turn.session, cb.int(0), folder=turn.deps.settings.evidence_dir)
    if data is None:
        turn.answer(_("This photo is no longer there (the resident may have deleted their data)."), alert=True)
        return
    turn.answer()
    caption = _("Photo from the resident for ticket <b>{ticket}</b>. Please use it only to follow up this "
                "feedback and do not share it.").format(ticket=row.ticket)
    chat_id = turn.chat_id
    turn.later(lambda: turn.context.bot.send_photo(chat_id, InputFile(data, filename="foto.jpg"), caption=caption))
