"""/start, the privacy notice and consent (UU PDP No. 27/2022); the notice's text is in bot/services/privacy.py."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.i18n import Translator
from bot.render import keyboards as kb
from bot.render.callbacks import Callback
from bot.services import officials, privacy, residents
from bot.services.privacy import Controller
from handlers.common import Turn, esc, in_turn
from handlers.officials import accept_invite
from handlers.programs import show_program_list
from handlers.region_prompt import ask_region


def controller(turn: Turn) -> Controller:
    settings = turn.deps.settings
    return Controller(settings.data_controller, settings.data_controller_contact, settings.retention_months)


def consent_buttons(t: Translator, *, more: bool = True) -> InlineKeyboardMarkup | None:
    return kb.markup(
        [kb.button(t.gettext("I agree"), "consent", "yes"), kb.button(t.gettext("Not now"), "consent", "no")],
        [kb.button(t.gettext("Read more"), "privacy")] if more else [],
    )


def consent_screen(turn: Turn, *, greeting: bool = True) -> tuple[str, InlineKeyboardMarkup | None]:
    """The short notice and its question; to a resident who agreed to an earlier notice, what changed."""
    text = privacy.first_screen(turn.t, greeting=greeting)
    if residents.consent_outdated(turn.resident):
        text = privacy.renewal_screen(turn.t)
    return text, consent_buttons(turn.t)


def ask_again(turn: Turn) -> bool:
    """A resident who agreed to an earlier notice is shown the new one (their next message); False if not needed."""
    if not residents.consent_outdated(turn.resident):
        return False
    turn.reply(*consent_screen(turn))
    return True


@in_turn
async def cmd_start(turn: Turn) -> None:
    """Greet the resident; ask for consent first, then for their region."""
    _ = turn.t.gettext
    resident = turn.resident
    code = officials.invite_code(turn.context.args[0] if turn.context.args else None)
    if code is not None:
        await accept_invite(turn, code)
        return
    if (resident.consent_at is None and resident.declined_at is None) or residents.consent_outdated(resident):
        turn.reply(*consent_screen(turn))
        return
    region = await residents.region_of(turn.session, resident)
    if region is None:
        ask_region(turn)
        return
    welcome = _("Welcome back! Your region: <b>{region}</b>.").format(region=esc(region.name))
    await show_program_list(turn, region, 0, edit=False, note=welcome)


@in_turn
async def on_consent(turn: Turn, cb: Callback) -> None:
    """Record the resident's answer to the privacy notice; the pressed message shows what comes next.

    That is the region prompt (no region yet), the program list (agreed, region known), or just the answer.
    """
    _ = turn.t.gettext
    if cb.str(0) == "yes":
        residents.give_consent(turn.session, turn.resident)
        if turn.resident.language is None:  # remembered, so answers from officials arrive in it
            residents.set_language(turn.session, turn.resident, turn.t.lang)
        note = _("Thank you, your consent has been recorded. /privasi shows the privacy notice again.")
    elif residents.has_consented(turn.resident):  # "Not now" on an old message, after agreeing on another
        turn.answer(_("You have already agreed. To delete your data, type /hapusdata."), alert=True)
        return
    else:
        residents.decline(turn.session, turn.resident)
        note = _(
            "All right. You can still read the programs, but you cannot rate or comment yet. "
            "You can agree at any time with /privasi."
        )
    region = await residents.region_of(turn.session, turn.resident)
    if region is None:
        ask_region(turn, note, edit=True)
    elif residents.has_consented(turn.resident):
        await show_program_list(turn, region, 0, edit=True, note=note)
    else:
        turn.edit(note)


@in_turn
async def cmd_privacy(turn: Turn) -> None:
    """/privasi: the full notice, with the consent buttons if not agreed to it."""
    turn.reply(*await full_screen(turn))


@in_turn
async def on_read_more(turn: Turn, _cb: Callback) -> None:
    """[Read more] under the short notice: the pressed message shows the full notice."""
    turn.answer()
    turn.edit(*await full_screen(turn))


async def full_screen(turn: Turn) -> tuple[str, InlineKeyboardMarkup | None]:
    _ = turn.t.gettext
    notice = privacy.full_notice(turn.t, controller(turn))
    if not residents.has_consented(turn.resident):
        return notice + "\n\n" + _("Do you agree to this?"), consent_buttons(turn.t, more=False)
    agreed = turn.resident.consent_at
    assert agreed is not None
    return notice + "\n\n" + _("You agreed on {date}.").format(date=turn.t.datetime(agreed, await turn.zone())), None
