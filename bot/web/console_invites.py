"""Invitation links from the roster (/dasbor/petugas/undangan, POST, admins only): the link the chat's /undang gives,
`https://t.me/<bot>?start=inv_<code>`, shown once (only the code's hash is stored), with its expiry in the region's
local time. Whoever opens it in Telegram becomes an official of that region (bot.services.officials.accept_invite).
"""

from __future__ import annotations

from aiohttp import web

from bot.services import officials
from bot.web.console_roster import admin_only, region_codes, roster_page
from bot.web.context import Ctx, Page
from bot.web.keys import PTB
from bot.web.pages import view


def invite_link(bot_username: str, code: str) -> str:
    """The same link as /undang's in the chat."""
    return f"https://t.me/{bot_username}?start={officials.INVITE_PREFIX}{code}"


@view
async def create(ctx: Ctx) -> Page:
    """A single-use invitation for a region (the service writes the audit line), shown once."""
    admin_only(ctx)
    codes = region_codes(ctx)
    created = None
    if codes is not None and len(codes) == 1:
        created = await officials.create_invite(ctx.db, ctx.actor, region_code=codes[0], now=ctx.now)
    if created is None:
        return await roster_page(ctx, [ctx.t.gettext("Please choose the region of the invitation.")], status=400)
    username = ctx.request.app[PTB].bot.username
    return Page("invite.html", {
        "page": "officials", "region": created.region, "link": invite_link(username, created.code),
        "expires": ctx.t.datetime(created.invite.expires_at, created.region.timezone),
    })


def setup(app: web.Application) -> None:
    """Register this page's route (called by console_officials.setup)."""
    app.router.add_post("/dasbor/petugas/undangan", create)
