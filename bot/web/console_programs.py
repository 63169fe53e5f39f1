"""Keeping the catalogue current from the dashboard, as /kelolaprogram does in the chat: add a program, rewrite its
description, change its status (and tell residents), close it. Importing a CSV is bot/web/console_import.py.

Routes (an official: their regions; an admin: every region; every POST needs its CSRF token; a program or a
region the official may not manage is a 404 or a 403):

    /dasbor/program/baru             GET   the form to add a program (?wilayah=r32.73 chooses the region)
    /dasbor/program/baru             POST  add it, then its page; or the form again, saying what to correct
    /dasbor/program/{id}/ubah        POST  rewrite the description (teks)
    /dasbor/program/{id}/status      POST  change the status; kabari=tidak|pengikut|warga tells residents
    /dasbor/program/{id}/tutup       POST  close it (yakin=1 confirms): it leaves the residents' lists
"""

from __future__ import annotations

import re

from aiohttp import web

from bot.i18n import N_
from bot.render.programs import label, status_announcement
from bot.services import catalog, catalogue_admin
from bot.services.auth import may_manage_catalogue
from bot.web import console_import
from bot.web.context import Ctx, Page, Redirect, Refusal
from bot.web.frame import add_flashes
from bot.web.pages import view
from bot.web.views_programs import NOT_FOUND, program_page, visible_program
from storage.models import Program, Region

ID = r"{id:[0-9]{1,12}}"
REGION = re.compile(r"[0-9]{2}\.[0-9]{2}")
AUDIENCES = {"pengikut": "program", "warga": "region"}  # kabari= -> the engine's audience kind ("tidak": nobody)
NOT_YOURS = N_("You may not manage the programs of this region.")

add_flashes({
    "pgadded": N_("The program has been added. Residents can now see it and rate it in the chat."),
    "pgedited": N_("The new description has been saved. Residents see it in the chat."),
    "pgstatus": N_("The status has been changed. Residents were not notified."),
    "pgstatussent": N_("The status has been changed. The announcement is going to {count} residents: "
                       "follow it on the Announcements page."),
    "pgstatusnobody": N_("The status has been changed. No resident follows this program or is subscribed yet, so "
                         "nobody was notified."),
    "pgsame": N_("The program already has this status. Nothing was changed and residents were not notified."),
    "pgclosed": N_("The program has been closed: residents no longer see it in their list. Its ratings are kept."),
})


def field(ctx: Ctx, name: str) -> str:
    """A text field of the posted form, stripped ("" when missing or a file)."""
    value = ctx.form.get(name) if ctx.form is not None else None
    return value.strip() if isinstance(value, str) else ""


def description_error(text: str) -> str | None:
    if not text:
        return N_("Please write a short description for residents: what the program does, in plain words.")
    if len(text) > catalogue_admin.DESCRIPTION_MAX:
        return N_("The description is too long. Please shorten it to at most {max} characters.")
    return None


def _errors(ctx: Ctx, draft: dict[str, str], region_codes: set[str]) -> dict[str, str]:
    """Each field's problem, in the reader's words (an empty dict: the program may be added)."""
    t, errors = ctx.t, {}
    if draft["wilayah"] not in region_codes:
        errors["wilayah"] = N_("Please choose the region of the program.")
    if not draft["nama"]:
        errors["nama"] = N_("Please write the program's name, as your region calls it.")
    elif len(draft["nama"]) > catalogue_admin.NAME_MAX:
        errors["nama"] = N_("The name is too long. Please shorten it to at most {max} characters.")
    if (problem := description_error(draft["teks"])) is not None:
        errors["teks"] = problem
    if draft["dimensi"] not in catalog.DIMENSIONS:
        errors["dimensi"] = N_("Please choose the smart-city dimension the program belongs to.")
    if draft["status"] not in catalog.PROGRAM_STATUSES:
        errors["status"] = N_("Please choose the program's status.")
    limits = {"nama": catalogue_admin.NAME_MAX, "teks": catalogue_admin.DESCRIPTION_MAX}
    return {name: t.gettext(message).format(max=t.integer(limits.get(name, 0))) for name, message in errors.items()}


async def _form(ctx: Ctx, draft: dict[str, str], errors: dict[str, str] | None = None, status: int = 200) -> Page:
    t = ctx.t
    regions = await ctx.regions()
    if not regions:
        raise Refusal(403, N_("You are not registered for any region yet. Please contact the admin."))
    return Page("program_new.html", {
        "page": "programs", "draft": draft, "errors": errors or {},
        "regions": [(r.code, r.name) for r in regions],
        "dimensions": [(key, label(t, catalog.DIMENSIONS, key)) for key in catalog.DIMENSIONS],
        "statuses": [(key, label(t, catalog.PROGRAM_STATUSES, key)) for key in catalog.PROGRAM_STATUSES],
        "name_max": catalogue_admin.NAME_MAX, "description_max": catalogue_admin.DESCRIPTION_MAX,
    }, status=status)


@view
async def new_program(ctx: Ctx) -> Page:
    """The form to add a program to one of the official's regions."""
    scope = await ctx.resolve_scope()
    region = scope.token[1:] if scope.kind == "region" else ""
    if not region and (regions := await ctx.regions()):
        region = regions[0].code
    ctx.audit("dashboard.program_new")
    return await _form(ctx, {"wilayah": region, "nama": "", "teks": "", "dimensi": "", "status": "berjalan"})


@view
async def add(ctx: Ctx) -> Page | Redirect:
    """Add the program (the service checks the scope and the name again), then show its page."""
    draft = {name: field(ctx, name) for name in ("wilayah", "nama", "teks", "dimensi", "status")}
    if REGION.fullmatch(draft["wilayah"]) and not may_manage_catalogue(ctx.actor, draft["wilayah"]):
        raise Refusal(403, NOT_YOURS)
    await ctx.resolve_scope()
    errors = _errors(ctx, draft, {r.code for r in await ctx.regions()})
    program = None
    if not errors:
        program = await catalogue_admin.add(ctx.db, ctx.actor, region_code=draft["wilayah"], name=draft["nama"],
                                            description=draft["teks"], dimension=draft["dimensi"],
                                            status=draft["status"])
        if program is None:  # scope, region, dimension and status are checked above: the name is taken
            errors["nama"] = ctx.t.gettext("A program with this name already exists in this region (closed programs "
                                           "keep their names). Please choose another name.")
    if program is None:
        return await _form(ctx, draft, errors, status=400)
    return Redirect(f"/dasbor/program/{program.id}", flash=f"pgadded-{program.id}")


async def _managed(ctx: Ctx) -> tuple[Program, Region]:
    """The listed program of the address if the official may manage it (else 404), and its region."""
    program, region = await visible_program(ctx)
    if program.removed_at is not None or not may_manage_catalogue(ctx.actor, program.region_code):
        raise Refusal(404, NOT_FOUND)
    return program, region


@view
async def edit(ctx: Ctx) -> Page | Redirect:
    """Rewrite the program's description."""
    program, region = await _managed(ctx)
    text = field(ctx, "teks")
    if (problem := description_error(text)) is not None:
        message = ctx.t.gettext(problem).format(max=ctx.t.integer(catalogue_admin.DESCRIPTION_MAX))
        return await program_page(ctx, program, region, status=400, errors={"teks": message}, draft={"deskripsi": text})
    if await catalogue_admin.set_description(ctx.db, ctx.actor, program.id, text) is None:  # type: ignore[arg-type]
        raise Refusal(404, NOT_FOUND)
    return Redirect(f"/dasbor/program/{program.id}", flash=f"pgedited-{program.id}")


@view
async def change_status(ctx: Ctx) -> Page | Redirect:
    """Set the status; then, if asked, tell the program's followers or the region's subscribed residents."""
    program, region = await _managed(ctx)
    status, tell = field(ctx, "status"), field(ctx, "kabari") or "tidak"
    errors = {}
    if status not in catalog.PROGRAM_STATUSES:
        errors["status"] = ctx.t.gettext("Please choose the program's status.")
    if tell != "tidak" and tell not in AUDIENCES:
        errors["kabari"] = ctx.t.gettext("Please choose whom to tell, among the choices offered.")
    if errors:
        return await program_page(ctx, program, region, status=400, errors=errors, draft={"status": status, "kabari": tell})
    before = program.status
    changed = await catalogue_admin.set_status(ctx.db, ctx.actor, program.id, status)  # type: ignore[arg-type]
    if changed is None:
        raise Refusal(404, NOT_FOUND)
    back = f"/dasbor/program/{program.id}"
    if before == status:
        return Redirect(back, flash=f"pgsame-{program.id}")
    if tell == "tidak":
        return Redirect(back, flash=f"pgstatus-{program.id}")
    words = ctx.deps.i18n.get(ctx.deps.settings.default_language)  # as the chat: residents' stop button is theirs
    text = status_announcement(words, program.name, region.name, status)
    count = await catalogue_admin.notify_status(ctx.db, ctx.actor, changed, audience_kind=AUDIENCES[tell], text=text,
                                                now=ctx.now)
    return Redirect(back, flash=f"pgstatussent-{count}" if count else f"pgstatusnobody-{program.id}")


@view
async def close(ctx: Ctx) -> Page | Redirect:
    """Close the program once the box is ticked: residents no longer see it; its ratings are kept."""
    program, region = await _managed(ctx)
    if field(ctx, "yakin") != "1":
        message = ctx.t.gettext("Please tick the box to confirm that the program should be closed.")
        return await program_page(ctx, program, region, status=400, errors={"yakin": message})
    if await catalogue_admin.close(ctx.db, ctx.actor, program.id) is None:  # type: ignore[arg-type]
        raise Refusal(404, NOT_FOUND)
    return Redirect(f"/dasbor/program?wilayah=r{program.region_code}", flash=f"pgclosed-{program.id}")


def setup(app: web.Application) -> None:
    """Register this page's routes (the import's too); /dasbor/program/{id} takes digits only, so none clash."""
    app.router.add_get("/dasbor/program/baru", new_program)
    app.router.add_post("/dasbor/program/baru", add)
    app.router.add_post(f"/dasbor/program/{ID}/ubah", edit)
    app.router.add_post(f"/dasbor/program/{ID}/status", change_status)
    app.router.add_post(f"/dasbor/program/{ID}/tutup", close)
    console_import.setup(app)
