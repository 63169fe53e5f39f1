"""The public page's switches in the dashboard (/dasbor/publik): an admin hides or shows the national list of /publik,
or one region's page there. Admins only (an official gets a 403); every POST needs its CSRF token; every change
goes to the audit log (bot/services/public_page.py).

Routes:

    /dasbor/publik         GET    the switches: the national list, the hidden regions, a form to hide one
    /dasbor/publik         POST   halaman=nasional|<region code>, aksi=sembunyikan|tampilkan
"""

from __future__ import annotations

import re

from aiohttp import web

from bot.i18n import N_
from bot.services import auth, public_page
from bot.web.context import Ctx, Page, Redirect, Refusal, bad_param
from bot.web.frame import add_flashes
from bot.web.pages import view
from storage import public_figures as figures_store
from storage.public_page import NATIONAL

SCOPE = re.compile(rf"{NATIONAL}|[0-9]{{2}}\.[0-9]{{2}}")
ACTIONS = {"sembunyikan": True, "tampilkan": False}
ADMINS_ONLY = N_("Only an admin may change what the public page shows.")

add_flashes({
    "pubhidden": N_("The page is hidden from the public. Browsers may still show a copy for up to 5 minutes."),
    "pubshown": N_("The page is public again."),
    "pubsame": N_("Nothing changed: the page was already so."),
})


def field(ctx: Ctx, name: str) -> str:
    value = ctx.form.get(name) if ctx.form is not None else None
    return value.strip() if isinstance(value, str) else ""


async def _admin(ctx: Ctx) -> None:
    if not auth.may_switch_public_page(ctx.actor):
        raise Refusal(403, ADMINS_ONLY)


@view
async def switches(ctx: Ctx) -> Page:
    """What /publik shows now, with a button for each switch."""
    await _admin(ctx)
    hidden = await public_page.hidden_scopes(ctx.db)
    regions = await figures_store.regions_with_programs(ctx.db)
    return Page("public_admin.html", {
        "page": "public",
        "national_hidden": NATIONAL in hidden,
        "hidden_regions": [(code, name) for code, name in regions if code in hidden],
        "shown_regions": [(code, name) for code, name in regions if code not in hidden],
        "national": NATIONAL,
    })


@view
async def change(ctx: Ctx) -> Redirect:
    """Hide or show the national list or a region's page."""
    await _admin(ctx)
    scope, action = field(ctx, "halaman"), field(ctx, "aksi")
    if not SCOPE.fullmatch(scope) or action not in ACTIONS:
        raise bad_param(N_("The form is not complete. Please go back, reload the page and try again."))
    changed = await public_page.set_hidden(ctx.db, ctx.actor, scope, hidden=ACTIONS[action], now=ctx.now)
    if changed is None:
        raise Refusal(404, N_("There is no such region."))
    kind = "pubsame" if not changed else "pubhidden" if ACTIONS[action] else "pubshown"
    return Redirect("/dasbor/publik", flash=kind)


def setup(app: web.Application) -> None:
    app.router.add_get("/dasbor/publik", switches)
    app.router.add_post("/dasbor/publik", change)
