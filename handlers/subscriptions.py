"""Announcements for one's region (asked once, /langganan), following programs, and blocked users."""

from __future__ import annotations

from telegram import ChatMemberUpdated, Message, Update

from bot.render import keyboards as kb
from bot.render.broadcast import quiet_hours
from bot.render.callbacks import Callback
from bot.services import residents
from handlers.common import Turn, esc, in_turn
from handlers.context import BotContext
from handlers.programs import show_program_list
from handlers.region_prompt import ask_region
from storage.models import Region


def ask_once(turn: Turn, region: Region, note: str) -> bool:
    """Right after the region is set, once: would they like announcements? (Opt-in, plainly stated.)

    Shown below `note` in the pressed message; False (nothing shown) if asked before or without consent.
    """
    if turn.resident.subscription_asked or turn.resident.consent_at is None:
        return False
    residents.mark_subscription_asked(turn.session, turn.resident)
    _ = turn.t.gettext
    hours = quiet_hours(turn.t, turn.deps.settings.quiet_window)
    question = (
        _("Would you like to receive official announcements for {region}, such as new services or disruptions? "
          "They are not sent between {start} and {end} local time, unless there is an emergency. "
          "You can stop at any time.").format(region=esc(region.name), **hours)
        if hours else
        _("Would you like to receive official announcements for {region}, such as new services or disruptions? "
          "You can stop at any time.").format(region=esc(region.name))
    )
    yes_no = kb.markup([kb.button(_("🔔 Yes, please"), "subq", "yes"), kb.button(_("No, thank you"), "subq", "no")])
    turn.edit(note + "\n\n" + question, yes_no)
    return True


@in_turn
async def on_question(turn: Turn, cb: Callback) -> None:
    """The answer to that question: saved, and the same message becomes the region's program list."""
    _ = turn.t.gettext
    on = _answer_saved(turn, cb)
    if on is None:
        return
    region = await residents.region_of(turn.session, turn.resident)
    if region is None:  # erased or never chosen: an old button
        ask_region(turn, edit=True)
        return
    note = (
        _("You will receive announcements for {region}. /langganan changes this.") if on
        else _("You will not receive announcements. /langganan turns them on if you change your mind.")
    ).format(region=esc(region.name))
    await show_program_list(turn, region, 0, edit=True, note=note)


def status_text(turn: Turn, followed: list[str]) -> str:
    _ = turn.t.gettext
    lines = [
        _("🔔 You receive announcements for your region.") if turn.resident.subscribed
        else _("🔕 You do not receive announcements for your region."),
    ]
    if followed:
        lines += ["", _("Programs you follow:")] + [f"• {esc(name)}" for name in followed]
    return "\n".join(lines)


async def show(turn: Turn, *, edit: bool) -> None:
    _ = turn.t.gettext
    follows = await residents.followed(turn.session, turn.resident)
    rows = [[kb.button(_("Stop announcements") if turn.resident.subscribed else _("Receive announcements"),
                       "sub", "no" if turn.resident.subscribed else "yes")]]
    rows += [[kb.button(_("Stop following {program}").format(program=name), "unsubp", pid)] for pid, name in follows]
    text = status_text(turn, [name for _pid, name in follows])
    markup = kb.markup(*rows)
    turn.edit(text, markup) if edit else turn.reply(text, markup)


@in_turn
async def cmd_subscriptions(turn: Turn) -> None:
    """/langganan: what the resident receives, and switches to change it."""
    if turn.resident.consent_at is None:
        turn.reply(turn.t.gettext("Please agree to the privacy notice first (/privasi)."))
        return
    await show(turn, edit=False)


@in_turn
async def on_subscribe(turn: Turn, cb: Callback) -> None:
    """Yes/no to announcements for the region."""
    if _answer_saved(turn, cb) is not None:
        await show(turn, edit=True)


def _answer_saved(turn: Turn, cb: Callback) -> bool | None:
    """Record a yes/no to announcements (and that it was asked); None when the resident has not consented."""
    _ = turn.t.gettext
    if turn.resident.consent_at is None:
        turn.answer(_("Please agree to the privacy notice first (/privasi)."), alert=True)
        return None
    on = cb.str(0) == "yes"
    residents.set_subscribed(turn.session, turn.resident, on)
    turn.answer(_("Saved."))
    return on


@in_turn
async def on_unsubscribe(turn: Turn, _cb: Callback) -> None:
    """The button under every announcement."""
    residents.unsubscribe(turn.session, turn.resident)
    turn.answer(turn.t.gettext("You will not receive announcements any more. /langganan turns them back on."), alert=True)
    if turn.query and turn.query.message:
        turn.drop_buttons(turn.query.message.message_id)


@in_turn
async def on_follow(turn: Turn, cb: Callback) -> None:
    """Follow a program: its status changes and announcements."""
    _ = turn.t.gettext
    if turn.resident.consent_at is None:
        turn.answer(_("Please agree to the privacy notice first (/privasi)."), alert=True)
        return
    if not await residents.follow(turn.session, turn.resident, cb.int(0)):
        turn.answer(_("This program is no longer listed."), alert=True)
        return
    turn.answer(_("You now follow this program. /langganan shows what you follow."), alert=True)


@in_turn
async def on_unfollow(turn: Turn, cb: Callback) -> None:
    """Stop following a program (from an announcement or from /langganan)."""
    await residents.unfollow(turn.session, turn.resident, cb.int(0))
    turn.answer(turn.t.gettext("You no longer follow this program."))
    message = turn.query.message if turn.query else None
    if isinstance(message, Message) and message.text and message.text.startswith(("🔔", "🔕")):
        await show(turn, edit=True)  # the /langganan screen: redraw it
    elif message is not None:
        turn.drop_buttons(message.message_id)


async def on_member_change(update: Update, context: BotContext) -> None:
    """Telegram tells us the user blocked (or unblocked) the bot: stop (or resume) sending to them."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    blocked = change.new_chat_member.status in ("kicked", "left")
    async with context.deps.db.unit_of_work() as session:
        await residents.set_blocked(session, change.chat.id, blocked=blocked)
