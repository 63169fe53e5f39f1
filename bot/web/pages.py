"""How a dashboard request runs: session, actor, language, one unit of work, then the page or a refusal.

A view receives a `Ctx` and returns a `Page` (a template to render), a `Redirect`, or a `Later` (a
response built after the commit, such as a chart or an export). Rendering and sending happen after
the unit of work has committed, so no database lock is held while talking to the browser or Telegram.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlencode

import aiohttp_jinja2
import jinja2
from aiohttp import web
from babel.dates import format_date
from telegram.error import TelegramError

from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import N_, Translator
from bot.services.auth import load_actor
from bot.services.logins import LOGIN_MINUTES
from bot.telegram.deliver import deliver
from bot.web import inputs, sessions
from bot.web.context import Ctx, Later, Notice, Page, Redirect, Refusal, Result, bad_param
from bot.web.frame import FLASH, frame
from bot.web.keys import DEPS, PTB

log = logging.getLogger(__name__)
R = TypeVar("R", bound=web.StreamResponse)  # secure() hands back the response it was given, typed as given
JINJA = web.AppKey("dashboard_jinja", jinja2.Environment)
HEADERS = {
    "Cache-Control": "no-store",  # pages carry residents' comments: never kept by browsers or proxies
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        # Only the dashboard's own scripts (the announcements' live progress); never inline, never from elsewhere.
        "script-src 'self'; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}


def link(path: str, params: Mapping[str, Any] | None = None, **more: Any) -> str:
    """A dashboard address with its query string; empty values are left out."""
    merged = {**(params or {}), **more}
    query = urlencode([(k, str(v)) for k, v in merged.items() if v is not None and v != ""])
    return f"{path}?{query}" if query else path


def see_other(location: str) -> web.Response:
    return secure(web.Response(status=303, headers={"Location": location}))


def secure(response: R) -> R:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def set_cookie(
    response: web.StreamResponse, request: web.Request, name: str, value: str, *, max_age: int, path: str,
    samesite: str = "Lax",
) -> None:
    https = request.app[DEPS].settings.dashboard_url.startswith("https://")
    response.set_cookie(name, value, max_age=max_age, path=path, httponly=True, samesite=samesite, secure=https)


def render(request: web.Request, t: Translator, template: str, data: Mapping[str, Any], status: int = 200) -> web.Response:
    context = {
        "t": t, "_": t.gettext, "ngettext": t.ngettext, "lang": t.lang, "link": link,
        "day": lambda d: format_date(d, "d MMM y", locale=t.lang),
        # The login link's token is spent (or refused) by now: never repeat it in a link.
        "languages": [(code, str(request.rel_url.without_query_params("token").update_query(lang=code)))
                      for code in SUPPORTED_LANGUAGES],
        **data,
    }
    response = aiohttp_jinja2.render_template(template, request, context, app_key=JINJA, status=status)
    secure(response)
    return response


def message_page(
    request: web.Request, t: Translator, status: int, message: str, *, title: str | None = None,
    values: Mapping[str, Any] | None = None, signed_in: bool = False, hint: str | None = None,
) -> web.Response:
    """A page with one message: refusals, login problems, the signed-out page. The hint may name {minutes}, a login
    link's lifetime."""
    return render(request, t, "message.html", {
        "title": t.gettext(title) if title else None,
        "message": t.gettext(message).format(**(values or {})),
        "hint": t.gettext(hint).format(minutes=t.integer(LOGIN_MINUTES)) if hint else None,
        "signed_in": signed_in,
    }, status=status)


def anonymous_translator(request: web.Request, lang: str | None = None) -> Translator:
    """The language the address (or a form's `lang`) asks for, else the default."""
    i18n = request.app[DEPS].i18n
    lang = lang or request.query.get("lang", "")
    return i18n.get(lang if lang in SUPPORTED_LANGUAGES else i18n.default)


LOGIN_HINT = N_("Open the bot in Telegram and send /dasbor. You will receive a new link, valid for {minutes} minutes.")
BAD_CHARACTERS = N_("The parameter {name} contains characters that are not allowed.")


def view(fn: Callable[[Ctx], Awaitable[Result]]) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Run a dashboard view for a signed-in official; every refusal becomes a page that says why."""

    async def handler(request: web.Request) -> web.StreamResponse:
        deps = request.app[DEPS]
        form, unread = await inputs.read_form(request)  # read before the lock is taken
        now = deps.clock()
        t = anonymous_translator(request)
        signed_in = False
        try:
            if unread is not None:
                raise Refusal(413 if unread == inputs.TOO_LARGE else 400, unread)
            if (bad := inputs.unclean_parameter(request.query, form)) is not None:
                raise bad_param(BAD_CHARACTERS, name=bad)
            async with deps.db.unit_of_work() as db:
                row = await sessions.find_session(db, request.cookies.get(sessions.COOKIE), now=now)
                if row is None:
                    raise Refusal(401, N_("Please sign in to the dashboard first."))
                t = deps.i18n.recipient(row)
                actor = await load_actor(db, telegram_id=row.official_id, admin_ids=deps.settings.admin_ids)
                if not actor.is_official:
                    raise Refusal(403, N_("You are no longer registered as an official. Please contact the admin."))
                signed_in = True
                lang = request.query.get("lang")
                if lang is not None and request.method == "GET":
                    if lang not in SUPPORTED_LANGUAGES:
                        raise bad_param(N_("Unknown language: {value}"), value=lang[:10])
                    row.language = lang
                    db.add(row)
                    result: Result = Redirect(str(request.rel_url.without_query_params("lang")))
                else:
                    if form is not None and not sessions.csrf_ok(row, form.get("csrf")):
                        raise Refusal(403, N_("This form has expired or did not come from the dashboard. "
                                              "Please go back, reload the page and try again."))
                    ctx = Ctx(request, deps, db, row, actor, t, now, form)
                    result = await fn(ctx)
                    if isinstance(result, Page):
                        result.data.update(await frame(ctx, result.data.get("page")))
        except Refusal as refusal:
            hint = LOGIN_HINT if refusal.status == 401 else None
            page = message_page(request, t, refusal.status, refusal.message, values=refusal.values,
                                signed_in=signed_in, hint=hint)
            if refusal.status == 401 and sessions.COOKIE in request.cookies:
                page.del_cookie(sessions.COOKIE, path="/")  # ended or expired: forget it
            return page
        return await _respond(request, t, result)

    handler.__doc__ = fn.__doc__
    return handler


async def _respond(request: web.Request, t: Translator, result: Result) -> web.StreamResponse:
    if isinstance(result, Later):
        response = await result.build()
        return response if response.prepared else secure(response)  # a streamed one set its headers before
    if isinstance(result, Redirect):
        flash = result.flash
        if result.notice is not None and not await _send(request, result.notice):
            flash = result.notice.failed
        response = see_other(result.location)
        if flash:
            set_cookie(response, request, FLASH, flash, max_age=120, path="/dasbor")
        if result.sign_out:
            response.del_cookie(sessions.COOKIE, path="/")
        return response
    if result.finish is not None:
        await result.finish(result.data)
    response = render(request, t, result.template, result.data, status=result.status)
    if FLASH in request.cookies:
        response.del_cookie(FLASH, path="/dasbor")
    return response


async def _send(request: web.Request, notice: Notice) -> bool:
    """Tell the resident, as the chat does; False when it could not be delivered."""
    try:
        return await deliver(request.app[PTB].bot, notice.chat_id, notice.text, notice.markup)
    except TelegramError as exc:
        log.warning("could not deliver a dashboard notice to %s: %r", notice.chat_id, exc)
        return False
