"""Announcements in the dashboard: compose, preview, send or schedule, follow and cancel, as /umumkan does in the chat.

Routes (every POST needs its CSRF token; the engine is bot.services.broadcast, the sender is the running bot's):

    /dasbor/pengumuman                       GET   the compose form and the announcements the official may see
    /dasbor/pengumuman/pratinjau             POST  check the text and show it as Telegram will (or the form again)
    /dasbor/pengumuman                       POST  the preview's confirm button: create it (once per preview key)
    /dasbor/pengumuman/{id}/kemajuan.json    GET   its progress, polled by progress.js (404 outside scope)
    /dasbor/pengumuman/{id}/batal            POST  cancel one still going
    /dasbor/pengumuman/coba                  POST  the preview's "try it" button: the text to the official's own
                                                   test resident in the simulator (/dasbor/coba), nobody else
    /dasbor/pengumuman/foto/{key}            GET   the optional photo of a preview (console_broadcast_photo.py)

The compose form is multipart: it may carry a photo (field foto), checked and kept by console_broadcast_photo.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.i18n import N_, Translator
from bot.render.broadcast import quiet_hours, unsubscribe_markup
from bot.services import auth
from bot.services import broadcast as service
from bot.services.broadcast import Audience, Progress
from bot.services.telegram_html import Problem, escape_ampersands
from bot.web import console_broadcast_photo as photo_web
from bot.web import inputs
from bot.web.audiences import audience as _audience
from bot.web.audiences import choices as _choices
from bot.web.audiences import default_token
from bot.web.context import Ctx, Later, Page, Redirect, Refusal
from bot.web.frame import add_flashes
from bot.web.keys import SIMULATOR
from bot.web.pages import view
from bot.web.telegram_text import telegram_html
from storage.models import Broadcast
from storage.simulated import simulated_resident
from storage.statuses import BroadcastState

ID = r"{id:[0-9]{1,12}}"
ID_MAX = 2**31 - 1
NOT_FOUND = N_("This announcement was not found, or it is not yours to see.")
KEY = re.compile(r"[A-Za-z0-9_-]{20,40}")
USED_KEYS = web.AppKey("broadcast_form_keys", dict)  # preview key -> the broadcast it created (this process)
KEYS_KEPT = 2000
PROBLEMS = {
    "ampersand": N_("Telegram cannot read the text at “{detail}”."),
    "tags": N_("Telegram does not accept these tags: {detail}. Use <b>, <i>, <u>, <s>, <a href=\"…\">, <code> "
               "or <blockquote>."),
    "unclosed": N_("These tags are not closed: {detail}."),
    "empty": N_("The announcement is empty."),
    "too_long": N_("The text is too long ({detail} characters). The limit is 4,096, or 1,024 with a photo."),
}
Checked = tuple[list[str], Audience | None, str, datetime]  # problems, audience, text as stored, when it goes
STATES = {
    BroadcastState.SCHEDULED: N_("scheduled"), BroadcastState.SENDING: N_("sending"),
    BroadcastState.DONE: N_("finished"), BroadcastState.CANCELLED: N_("cancelled"),
}

add_flashes({
    "bcsent": N_("Announcement #{ref} is being sent."),
    "bcscheduled": N_("Announcement #{ref} is scheduled."),
    "bcrepeat": N_("Announcement #{ref} was already created from this preview; it was not created twice."),
    "bccancelled": N_("Announcement #{ref} is cancelled. Residents who already got it keep it."),
    "bcnotcancelled": N_("Announcement #{ref} cannot be cancelled: it has finished or was cancelled already."),
})


def _field(ctx: Ctx, name: str) -> str:
    value = ctx.form.get(name) if ctx.form is not None else None
    return value.strip() if isinstance(value, str) else ""


def _key(ctx: Ctx) -> str:
    """The key of the page the form came from, or "" (one that is not a key is none)."""
    key = _field(ctx, "kunci")
    return key if KEY.fullmatch(key) else ""


def _draft(ctx: Ctx) -> dict[str, Any]:
    return {"teks": ctx.form.get("teks", "") if ctx.form is not None else "", "sasaran": _field(ctx, "sasaran"),
            "kapan": _field(ctx, "kapan") or "sekarang", "tanggal": _field(ctx, "tanggal"), "jam": _field(ctx, "jam"),
            "penting": _field(ctx, "penting") == "1"}


async def _checked(ctx: Ctx, draft: dict[str, Any], *, with_photo: bool) -> Checked:
    """The draft's problems in the official's words, its audience, its text as stored (a caption with a photo: at
    most 1,024 characters), when it goes."""
    t, errors = ctx.t, []
    text = escape_ampersands(str(draft["teks"]).strip())
    problem: Problem | None = service.validate(text, with_photo=with_photo)
    if problem is not None:
        errors.append(t.gettext(PROBLEMS[problem.kind]).format(detail=problem.detail))
    audience = await _audience(ctx, draft["sasaran"])
    if audience is None:
        errors.append(t.gettext("Please choose who the announcement is for, among the audiences offered."))
    send_at = ctx.now
    if draft["kapan"] == "nanti" and audience is not None:
        try:
            send_at = service.parse_local_time(f"{draft['tanggal']} {draft['jam']}", audience.zone)
        except (ValueError, KeyError):
            errors.append(t.gettext("Please give the date and time of the sending, such as 2026-12-01 and 09:00."))
        else:
            if send_at <= ctx.now:
                errors.append(t.gettext("The time of the sending has already passed. Please choose a later time."))
    return errors, audience, text, send_at


async def _list_data(ctx: Ctx) -> list[dict[str, Any]]:
    rows = []
    for b in await service.recent(ctx.db, ctx.actor):
        p = await service.progress(ctx.db, b.id, now=ctx.now)  # type: ignore[arg-type]
        if p is not None:
            rows.append({"b": b, "going": service.still_going(b), **numbers(ctx.t, p)})
    return rows


def numbers(t: Translator, p: Progress) -> dict[str, Any]:
    """A broadcast's progress as the page and its JSON show it (numbers written in the reader's language)."""
    b = p.broadcast
    minutes = max(1, round(p.eta.total_seconds() / 60)) if p.eta else None
    return {
        "id": b.id, "state": b.state, "state_label": t.gettext(STATES[BroadcastState(b.state)]),
        "going": service.still_going(b), "total": t.integer(p.total), "sent": t.integer(p.sent),
        "blocked": t.integer(p.blocked), "failed": t.integer(p.failed), "pending": t.integer(p.pending),
        "rate": t.gettext("{rate} per second").format(rate=t.decimal(p.rate)) if p.rate > 0 else "–",
        "eta": t.gettext("about {minutes} min").format(minutes=t.integer(minutes)) if minutes else "–",
    }


async def _form_page(ctx: Ctx, draft: dict[str, Any], errors: list[str] | None = None, status: int = 200) -> Page:
    if not draft["sasaran"]:
        draft["sasaran"] = await default_token(ctx)
    else:
        await ctx.resolve_scope()
    return Page("broadcasts.html", {
        "page": "broadcasts", "draft": draft, "errors": errors or [], "choices": await _choices(ctx),
        "rows": await _list_data(ctx), "quiet": quiet_hours(ctx.t, ctx.deps.settings.quiet_window),
    }, status=status)


@view
async def broadcasts(ctx: Ctx) -> Page:
    """The compose form and the announcements the official may see, with their progress."""
    ctx.audit("dashboard.broadcasts")
    return await _form_page(ctx, {"teks": "", "sasaran": "", "kapan": "sekarang", "tanggal": "", "jam": "",
                                  "penting": False, "foto": None})


@view
async def preview(ctx: Ctx) -> Page:
    """The text (and photo) as residents will see it, how many will get it and when; or the form again, with what is
    wrong. The photo, new or kept, moves to this page's key."""
    draft, old_key, key = _draft(ctx), _key(ctx), secrets.token_urlsafe(18)
    jpeg, photo_error = await photo_web.from_form(ctx, old_key)
    errors, audience, text, send_at = await _checked(ctx, draft, with_photo=jpeg is not None)
    errors += [photo_error] if photo_error else []
    photo_web.keep(ctx, old_key, key, jpeg)
    photo_web.shown(draft, key, jpeg)
    if errors or audience is None or _field(ctx, "langkah") == "ubah":
        return await _form_page(ctx, draft, errors, status=400 if errors else 200)
    await ctx.resolve_scope()
    draft["teks"] = text
    return Page("broadcast_preview.html", {
        "page": "broadcasts", "draft": draft, "audience": audience, "shown": telegram_html(text),
        "count": await service.audience_size(ctx.db, audience), "key": key,
        "later": send_at > ctx.now, "local_time": f"{draft['tanggal']} {draft['jam']} {audience.zone}",
        "quiet": None if draft["penting"] else quiet_hours(ctx.t, ctx.deps.settings.quiet_window),
        "program": audience.kind == "program",
    })


@view
async def create(ctx: Ctx) -> Page | Redirect:
    """The preview's confirm button: the broadcast is written (and audited by the engine), the running bot sends it.

    A key already used (a double submit) creates nothing more."""
    key = _field(ctx, "kunci")
    if KEY.fullmatch(key) is None:
        raise Refusal(400, photo_web.EXPIRED)
    used: dict[tuple[str, str], int] = ctx.request.app[USED_KEYS]
    if (ctx.session.session_hash, key) in used:
        return Redirect("/dasbor/pengumuman", flash=f"bcrepeat-{used[(ctx.session.session_hash, key)]}")
    draft, jpeg = _draft(ctx), photo_web.kept(ctx, key)
    errors, audience, text, send_at = await _checked(ctx, draft, with_photo=jpeg is not None)
    photo_web.shown(draft, key, jpeg)
    if errors or audience is None:
        return await _form_page(ctx, draft, errors, status=400)
    b = await service.create(ctx.db, ctx.actor.telegram_id, audience, text=text, photo=jpeg,
                             urgent=bool(draft["penting"]), send_at=send_at)
    photo_web.spend(ctx, key)
    used[(ctx.session.session_hash, key)] = int(b.id)  # type: ignore[arg-type]
    while len(used) > KEYS_KEPT:
        used.pop(next(iter(used)))
    return Redirect("/dasbor/pengumuman", flash=f"{'bcscheduled' if send_at > ctx.now else 'bcsent'}-{b.id}")


async def _visible(ctx: Ctx) -> Broadcast:
    """The broadcast of the address if the official may see it: an admin any; an official their own, in their regions."""
    broadcast_id = inputs.whole_number(ctx.request.match_info["id"], low=1, high=ID_MAX)
    p = await service.progress(ctx.db, broadcast_id, now=ctx.now) if broadcast_id else None
    if p is None:
        raise Refusal(404, NOT_FOUND)
    b = p.broadcast
    audience = await service.resolve_audience(ctx.db, ctx.actor, b.audience, b.audience_code)
    if not auth.may_see_broadcast(ctx.actor, b, audience_in_scope=audience is not None):
        raise Refusal(404, NOT_FOUND)
    return b


@view
async def progress_json(ctx: Ctx) -> Later:
    """One broadcast's numbers, for progress.js (every 2 s while the page is open)."""
    b = await _visible(ctx)
    p = await service.progress(ctx.db, b.id, now=ctx.now)  # type: ignore[arg-type]
    assert p is not None
    data = numbers(ctx.t, p)

    async def build() -> web.StreamResponse:
        return web.json_response(data)

    return Later(build)


@view
async def cancel(ctx: Ctx) -> Redirect:
    """Stop a broadcast still going: what was sent stays sent (the engine writes the audit line)."""
    b = await _visible(ctx)
    cancelled = await service.cancel(ctx.db, ctx.actor, b.id)  # type: ignore[arg-type]
    return Redirect("/dasbor/pengumuman", flash=f"{'bccancelled' if cancelled else 'bcnotcancelled'}-{b.id}")


@view
async def try_out(ctx: Ctx) -> Page | Later:
    """The announcement, exactly as a resident would get it (with its stop button), sent to the official's own test
    resident in the simulator only: checked as a real one is, stored nowhere, counted nowhere. With its photo, if
    the preview has one (the text is then its caption)."""
    draft, key = _draft(ctx), _key(ctx)
    jpeg = photo_web.kept(ctx, key)
    errors, audience, text, _send_at = await _checked(ctx, draft, with_photo=jpeg is not None)
    photo_web.shown(draft, key, jpeg)
    if errors or audience is None:
        return await _form_page(ctx, draft, errors, status=400)
    simulator = ctx.request.app.get(SIMULATOR)
    if simulator is None or simulator.application is None:
        raise Refusal(503, N_("The simulator is not running in this process. Please try again in a moment."))
    application = simulator.application
    user_id = simulated_resident(ctx.actor.telegram_id)
    simulator.standin.chat(user_id, first_name=ctx.t.gettext("Test resident"), language=ctx.t.lang)
    markup = unsubscribe_markup(ctx.t, service.sample(audience, text))
    ctx.audit("simulator_announcement", audience=f"{audience.kind}:{audience.code or ''}", photo=jpeg is not None)

    async def build() -> web.StreamResponse:  # after the commit, through the outbound path like every message
        if jpeg is not None:
            await application.bot.send_photo(user_id, jpeg, caption=text, reply_markup=markup)
        else:
            await application.bot.send_message(user_id, text, reply_markup=markup)
        return web.Response(status=303, headers={"Location": "/dasbor/coba#akhir"})

    return Later(build)


def setup(app: web.Application) -> None:
    """Register this page's routes."""
    app[USED_KEYS] = {}
    photo_web.setup(app, KEY.pattern)
    app.router.add_get("/dasbor/pengumuman", broadcasts)
    app.router.add_post("/dasbor/pengumuman", create)
    app.router.add_post("/dasbor/pengumuman/pratinjau", preview)
    app.router.add_post("/dasbor/pengumuman/coba", try_out)
    app.router.add_get(f"/dasbor/pengumuman/{ID}/kemajuan.json", progress_json)
    app.router.add_post(f"/dasbor/pengumuman/{ID}/batal", cancel)
