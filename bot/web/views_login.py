"""Signing in with the link from /dasbor, and signing out."""

from __future__ import annotations

from aiohttp import web

from bot.auth import load_actor
from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import N_
from bot.web import sessions
from bot.web.keys import DEPS
from bot.web.pages import LOGIN_HINT, Ctx, Redirect, anonymous_translator, message_page, see_other, set_cookie, view
from bot.web.sessions import LoginOutcome

REFUSED = {
    LoginOutcome.UNKNOWN: (400, N_("This login link is not valid. Please check that you opened the whole link.")),
    LoginOutcome.USED: (410, N_("This login link has already been used. Each link works only once.")),
    LoginOutcome.EXPIRED: (410, N_("This login link has expired. A link is valid for 10 minutes.")),
}


async def login(request: web.Request) -> web.StreamResponse:
    """Open a login link: spend its token, start a session, go to the overview."""
    deps = request.app[DEPS]
    t = anonymous_translator(request)
    secret = request.query.get("token")
    if secret is None:
        if request.query.get("keluar") == "1":
            return no_referrer(message_page(request, t, 200, N_("You have signed out. Thank you."),
                                            title=N_("Signed out"), hint=LOGIN_HINT))
        return no_referrer(message_page(request, t, 200, N_("The dashboard is for officials of regional governments."),
                                        title=N_("Sign in"), hint=LOGIN_HINT))
    now = deps.clock()
    lang = request.query.get("lang")
    async with deps.db.unit_of_work() as db:
        outcome, official_id = await sessions.spend_login_token(db, secret.strip(), now=now)
        refused = REFUSED.get(outcome)
        if refused is None:
            assert official_id is not None
            actor = await load_actor(db, telegram_id=official_id, admin_ids=deps.settings.admin_ids)
            if not actor.is_official:
                refused = (403, N_("You are no longer registered as an official. Please contact the admin."))
            else:
                old = await sessions.find_session(db, request.cookies.get(sessions.COOKIE), now=now)
                if old is not None:
                    sessions.end_session(db, old, now=now)
                session_id, _row = await sessions.start_session(
                    db, official_id=official_id, now=now, hours=deps.settings.session_hours,
                    language=lang if lang in SUPPORTED_LANGUAGES else None,
                )
    if refused is not None:
        status, message = refused
        return no_referrer(message_page(request, t, status, message, title=N_("Sign in"), hint=LOGIN_HINT))
    response = see_other("/dasbor")
    set_cookie(response, request, sessions.COOKIE, session_id, max_age=deps.settings.session_hours * 3600, path="/")
    return no_referrer(response)


def no_referrer(response: web.StreamResponse) -> web.StreamResponse:
    """The login address carries the token: never pass it on in a Referer header."""
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@view
async def logout(ctx: Ctx) -> Redirect:
    """Sign out: the session ends at once, on the server as well as in the browser."""
    sessions.end_session(ctx.db, ctx.session, now=ctx.now)
    return Redirect(f"{sessions.LOGIN_PATH}?keluar=1&lang={ctx.t.lang}", sign_out=True)  # the goodbye in their language
