"""Officials in the chat: invite links, the digest switch."""

from __future__ import annotations

from bot.services import auth, officials
from bot.services.officials import InviteOutcome
from handlers.common import Turn, esc, in_turn

# The weekly summary's switch, in Indonesian and English whichever the command's name.
SWITCH = {"aktif": True, "nonaktif": False, "on": True, "off": False}


def not_an_official(turn: Turn) -> None:
    turn.reply(turn.t.gettext("This command is for officials of a regional government. Type /bantuan to see what you can do."))


@in_turn
async def cmd_invite(turn: Turn) -> None:
    """/undang KODE: an admin creates a single-use link that makes its opener an official of the region."""
    _ = turn.t.gettext
    actor = await turn.actor()
    if not auth.may_invite_officials(actor):
        turn.reply(_("Only admins can invite officials."))
        return
    args = turn.context.args or []
    if len(args) != 1:
        turn.reply(_("Write the region's Kemendagri code after the command, for example: /undang 32.73"))
        return
    created = await officials.create_invite(turn.session, actor, region_code=args[0].strip(), now=turn.now)
    if created is None:
        turn.reply(_("There is no region with the code {code}.").format(code=esc(args[0][:20])))
        return
    invite, region = created.invite, created.region
    link = f"https://t.me/{turn.context.bot.username}?start={officials.INVITE_PREFIX}{created.code}"
    turn.reply(
        _(
            "Invitation link for an official of <b>{region}</b>:\n{link}\n\n"
            "It works once, for one person, until {expires}. Send it only to the official concerned."
        ).format(region=esc(region.name), link=esc(link), expires=turn.t.datetime(invite.expires_at, region.timezone))
    )


async def accept_invite(turn: Turn, code: str) -> None:
    """Someone opened an invite link (from /start)."""
    _ = turn.t.gettext
    outcome, region = await officials.accept_invite(turn.session, code=code, telegram_id=turn.user.id, now=turn.now)
    if outcome is InviteOutcome.ACCEPTED:
        assert region is not None
        turn.reply(
            _(
                "Welcome! You are now registered as an official of <b>{region}</b>.\n\n"
                "/ringkasan — summary of residents' ratings and comments\n"
                "/masukanbaru — new comments waiting for your answer\n"
                "/ringkasanmingguan off — stop the weekly summary on Monday mornings\n"
                "/dasbor — the web dashboard\n"
                "/bantuan — everything else"
            ).format(region=esc(region.name))
        )
        return
    turn.reply(
        {
            InviteOutcome.USED: _("This invitation link has already been used. Please ask the admin for a new one."),
            InviteOutcome.EXPIRED: _("This invitation link has expired. Please ask the admin for a new one."),
            InviteOutcome.NO_REGION: _("The region of this invitation no longer exists. Please contact the admin."),
            InviteOutcome.UNKNOWN: _("This invitation link is not valid. Please check that you opened the whole link."),
        }[outcome]
    )


@in_turn
async def cmd_digest(turn: Turn) -> None:
    """/ringkasanmingguan aktif|nonaktif (or /digest, on|off, in any mix): the weekly summary on Monday mornings."""
    _ = turn.t.gettext
    actor = await turn.actor()
    args = [a.lower() for a in (turn.context.args or [])]
    if not actor.is_official:
        not_an_official(turn)
        return
    if len(args) != 1 or args[0] not in SWITCH:
        turn.reply(_("Write /ringkasanmingguan on or /ringkasanmingguan off."))
        return
    on = SWITCH[args[0]]
    if not await officials.set_digest(turn.session, actor, on=on):
        turn.reply(_("The weekly summary is for officials registered for a region."))
        return
    turn.reply(
        _("The weekly summary is on: it arrives every Monday at 08:00 your region's time.")
        if on
        else _("The weekly summary is off. Turn it on again with /ringkasanmingguan on.")
    )
