"""/dasbor: a single-use link that signs an official in to the web dashboard."""

from __future__ import annotations

from bot.services import logins
from handlers.common import Turn, esc, in_turn
from handlers.officials import not_an_official


@in_turn
async def cmd_dashboard(turn: Turn) -> None:
    """/dasbor: send an official a login link for the dashboard, valid LOGIN_TTL, usable once; older ones stop working."""
    _ = turn.t.gettext
    actor = await turn.actor()
    if not actor.is_official:
        not_an_official(turn)
        return
    link = await logins.create_login_link(turn.session, actor, base_url=turn.deps.settings.dashboard_url, now=turn.now)
    turn.reply(
        _(
            "Your link to the officials' dashboard:\n{link}\n\n"
            "It works once and expires in {minutes} minutes. Do not share it: whoever has it can sign in as you. "
            "Send /dasbor again for a new link; the older link then stops working."
        ).format(link=esc(link.url), minutes=turn.t.integer(logins.LOGIN_MINUTES))
    )
