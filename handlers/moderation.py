"""Officials mark a comment in the inbox as spam or abusive; admins mute its author. The resident is not told."""

from __future__ import annotations

from bot.render.callbacks import Callback
from bot.services import auth, moderation
from handlers.common import Turn, in_turn
from handlers.inbox import refuse_ticket, show_inbox
from handlers.limits import when


@in_turn
async def on_mark(turn: Turn, cb: Callback) -> None:
    """Mark a comment as spam or abusive (it leaves the figures and the inbox), or remove the mark."""
    _ = turn.t.gettext
    kind = None if cb.str(1) == "none" else cb.str(1)
    row, changed = await moderation.mark(turn.session, await turn.actor(), cb.int(0), kind)
    if row is None:
        refuse_ticket(turn)
        return
    if not changed:
        turn.answer(_("{ticket} is already marked this way.").format(ticket=row.ticket))
        return
    if kind == "spam":
        note = _("{ticket} is marked as spam. It no longer counts in the summary.")
    elif kind == "abusive":
        note = _("{ticket} is marked as abusive. It no longer counts in the summary.")
    else:
        note = _("The mark on {ticket} is removed. It counts in the summary again.")
    turn.answer(note.format(ticket=row.ticket))
    await show_inbox(turn, 0, edit=True)


@in_turn
async def on_mute(turn: Turn, cb: Callback) -> None:
    """An admin mutes a comment's author for 24 hours: they can read, but not rate, comment or reply."""
    _ = turn.t.gettext
    actor = await turn.actor()
    if not auth.may_mute_authors(actor):
        turn.answer(_("This button is not for you."), alert=True)
        return
    row, until = await moderation.mute_author(turn.session, actor, cb.int(0), now=turn.now)
    if row is None:
        refuse_ticket(turn)
    elif until is None:
        turn.answer(_("The author of {ticket} has deleted their data.").format(ticket=row.ticket), alert=True)
    else:
        turn.answer(_("The author of {ticket} cannot rate or comment until {time}. They are not told.").format(
            ticket=row.ticket, time=when(turn.t, until, await turn.zone(), turn.now)), alert=True)
