"""/start, the privacy notice and consent (UU PDP No. 27/2022)."""

from __future__ import annotations

from bot import officials, residents
from bot.i18n import Translator
from handlers import keyboards as kb
from handlers.callbacks import Callback
from handlers.common import Turn, esc, in_turn
from handlers.officials import accept_invite
from handlers.programs import show_program_list
from handlers.region_prompt import ask_region


def privacy_notice(t: Translator) -> str:
    _ = t.gettext
    return "\n".join(
        [
            _("<b>Privacy notice</b>"),
            "",
            _(
                "<b>What we store:</b> your Telegram ID, the language and regency/city you choose, "
                "and the ratings and comments you send."
            ),
            _("<b>Why:</b> so that your local government learns how its quick-win programs work for residents."),
            _(
                "<b>Who sees it:</b> the officials of your regency/city see your ratings and comments, "
                "under a pseudonym — never your name or Telegram account."
            ),
            _(
                "<b>Your rights:</b> /dataku sends you all your data, /hapusdata deletes it. "
                "We process data under Law No. 27 of 2022 on Personal Data Protection."
            ),
        ]
    )


@in_turn
async def cmd_start(turn: Turn) -> None:
    """Greet the resident; ask for consent first, then for their region."""
    _ = turn.t.gettext
    resident = turn.resident
    code = officials.invite_code((turn.context.args or [None])[0])
    if code is not None:
        await accept_invite(turn, code)
        return
    if resident.consent_at is None and resident.declined_at is None:
        turn.reply(
            _(
                "Hello! 👋 Welcome to <b>Quick Win Bot</b>.\n\n"
                "Here you can see the quick-win programs of your regency or city under the "
                "100 Smart City Movement, rate them from 1 to 5 and send your comments to your local government."
            )
            + "\n\n"
            + privacy_notice(turn.t)
            + "\n\n"
            + _("Do you agree to this?"),
            kb.consent(turn.t),
        )
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
        note = _("✅ Thank you, your consent has been recorded. /privasi shows the privacy notice again.")
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
    """Show the privacy notice, and the consent buttons if not yet agreed."""
    _ = turn.t.gettext
    if turn.resident.consent_at is None:
        turn.reply(privacy_notice(turn.t) + "\n\n" + _("Do you agree to this?"), kb.consent(turn.t))
    else:
        region = await residents.region_of(turn.session, turn.resident)
        zone = region.timezone if region else "WIB"
        turn.reply(
            privacy_notice(turn.t)
            + "\n\n"
            + _("You agreed on {date}.").format(date=turn.t.datetime(turn.resident.consent_at, zone))
        )
