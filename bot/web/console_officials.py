"""The roster of officials in the dashboard (/dasbor/petugas), admins only: what `quickwin official` does, in forms.

Routes (every POST needs its CSRF token; anyone but an admin gets 403 on each; the rules are
bot.services.roster_admin's, the permissions bot.services.auth's):

    /dasbor/petugas                              GET   every official: regions, coordinator marks, role, digest,
                                                       who invited them and when they joined; the latest invitations
    /dasbor/petugas                              POST  add an official (telegram_id, wilayah… , koordinator=1)
    /dasbor/petugas/{id}/wilayah                 POST  add a region to an official (wilayah, koordinator=1)
    /dasbor/petugas/{id}/wilayah/hapus           POST  take a region from an official (wilayah)
    /dasbor/petugas/{id}/koordinator             POST  coordinator of a region on or off (wilayah, nilai=1|0)
    /dasbor/petugas/{id}/hapus                   POST  take the official off the roster (their sessions end)
    /dasbor/petugas/undangan                     POST  an invitation link for a region (console_invites.py)
"""

from __future__ import annotations

from aiohttp import web

from bot.i18n import N_
from bot.services import roster_admin
from bot.services.roster_admin import Change
from bot.web import console_invites
from bot.web.console_roster import ADMINS_ONLY, admin_only, field, region_codes, roster_page, telegram_id
from bot.web.context import Ctx, Page, Redirect, Refusal
from bot.web.frame import add_flashes
from bot.web.pages import view

ID = r"{id:[0-9]{1,16}}"
NOT_FOUND = N_("This official, or this region of theirs, was not found.")
PROTECTED = N_("Admins named in the settings (ADMIN_IDS), and you yourself, cannot be removed here.")

add_flashes({
    "ofadded": N_("{ref} has been added to the roster."),
    "ofregionadded": N_("The region has been added for {ref}."),
    "ofregionremoved": N_("The region has been removed from {ref}."),
    "ofremoved": N_("{ref} has been removed from the roster. Their dashboard sessions have ended."),
    "ofcoordon": N_("{ref} is now coordinator of the region and is told of its overdue feedback."),
    "ofcoordoff": N_("{ref} is no longer coordinator of the region."),
})


def _official_id(ctx: Ctx) -> int:
    number = telegram_id(ctx.request.match_info["id"])
    if number is None:
        raise Refusal(404, NOT_FOUND)
    return number


def _outcome(change: Change, done: Redirect) -> Redirect:
    if change is Change.DONE:
        return done
    if change is Change.PROTECTED:
        raise Refusal(403, PROTECTED)
    if change is Change.NOT_ALLOWED:
        raise Refusal(403, ADMINS_ONLY)
    raise Refusal(404, NOT_FOUND)


@view
async def roster(ctx: Ctx) -> Page:
    """Every official, the admins by configuration, the latest invitations, and the forms that change them."""
    admin_only(ctx)
    ctx.audit("dashboard.officials")
    return await roster_page(ctx)


@view
async def add(ctx: Ctx) -> Page | Redirect:
    """Add an official with one or more regions (an existing official gets the regions added)."""
    admin_only(ctx)
    _ = ctx.t.gettext
    typed = field(ctx, "telegram_id")
    draft = {"telegram_id": typed, "koordinator": field(ctx, "koordinator") == "1",
             "wilayah": ctx.form.getall("wilayah", []) if ctx.form is not None else []}
    errors = []
    number = telegram_id(typed)
    if number is None:
        errors.append(_("Please give the person's Telegram user id: digits only, such as 123456789."))
    codes = region_codes(ctx)
    if codes is None:
        errors.append(_("Please choose at least one region."))
    if errors or number is None or codes is None:
        return await roster_page(ctx, errors, status=400, draft=draft)
    change = await roster_admin.add(ctx.db, ctx.actor, telegram_id=number, region_codes=codes,
                                    coordinator=bool(draft["koordinator"]))
    if change is Change.UNKNOWN_REGION:
        return await roster_page(ctx, [_("One of the regions is not known. Please choose among those offered.")],
                                 status=400, draft=draft)
    return _outcome(change, Redirect("/dasbor/petugas", flash=f"ofadded-{number}"))


@view
async def add_region(ctx: Ctx) -> Page | Redirect:
    """Add a region to an official already on the roster."""
    admin_only(ctx)
    official_id = _official_id(ctx)
    codes = region_codes(ctx)
    if codes is None or len(codes) != 1:
        return await roster_page(ctx, [ctx.t.gettext("Please give one region code, such as 32.73.")], status=400)
    change = await roster_admin.add_region(ctx.db, ctx.actor, telegram_id=official_id, region_code=codes[0],
                                           coordinator=field(ctx, "koordinator") == "1")
    if change is Change.UNKNOWN_REGION:
        return await roster_page(ctx, [ctx.t.gettext("There is no region with the code {code}.").format(code=codes[0])],
                                 status=400)
    return _outcome(change, Redirect("/dasbor/petugas", flash=f"ofregionadded-{official_id}"))


@view
async def remove_region(ctx: Ctx) -> Redirect:
    """Take one region from an official."""
    admin_only(ctx)
    official_id = _official_id(ctx)
    codes = region_codes(ctx)
    if codes is None or len(codes) != 1:
        raise Refusal(404, NOT_FOUND)
    change = await roster_admin.remove_region(ctx.db, ctx.actor, telegram_id=official_id, region_code=codes[0])
    return _outcome(change, Redirect("/dasbor/petugas", flash=f"ofregionremoved-{official_id}"))


@view
async def coordinator(ctx: Ctx) -> Redirect:
    """Coordinator of one of the official's regions, on (nilai=1) or off (nilai=0)."""
    admin_only(ctx)
    official_id = _official_id(ctx)
    codes, value = region_codes(ctx), field(ctx, "nilai")
    if codes is None or len(codes) != 1 or value not in ("0", "1"):
        raise Refusal(404, NOT_FOUND)
    change = await roster_admin.set_coordinator(ctx.db, ctx.actor, telegram_id=official_id, region_code=codes[0],
                                                on=value == "1")
    kind = "ofcoordon" if value == "1" else "ofcoordoff"
    return _outcome(change, Redirect("/dasbor/petugas", flash=f"{kind}-{official_id}"))


@view
async def remove(ctx: Ctx) -> Redirect:
    """Take the official off the roster: regions, role and dashboard sessions."""
    admin_only(ctx)
    official_id = _official_id(ctx)
    change = await roster_admin.remove(ctx.db, ctx.actor, telegram_id=official_id,
                                       admin_ids=ctx.deps.settings.admin_ids)
    return _outcome(change, Redirect("/dasbor/petugas", flash=f"ofremoved-{official_id}"))


def setup(app: web.Application) -> None:
    """Register this page's routes."""
    app.router.add_get("/dasbor/petugas", roster)
    app.router.add_post("/dasbor/petugas", add)
    app.router.add_post(f"/dasbor/petugas/{ID}/wilayah", add_region)
    app.router.add_post(f"/dasbor/petugas/{ID}/wilayah/hapus", remove_region)
    app.router.add_post(f"/dasbor/petugas/{ID}/koordinator", coordinator)
    app.router.add_post(f"/dasbor/petugas/{ID}/hapus", remove)
    console_invites.setup(app)
