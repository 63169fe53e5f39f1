"""Signing in with the link from /dasbor, and signing out.

Opening the link (GET) only shows a page with a "Masuk" button; the button's POST spends the link and starts
the session. A link preview or prefetch therefore spends nothing, and a link someone else sends cannot end
the session you have: the POST must come from the page this browser was shown (a cookie ties the two).
"""

from __future__ import annotations

from aiohttp import web

from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import N_, Translator
from bot.services import logins
from bot.services.auth import load_actor
from bot.services.logins import LoginOutcome
from bot.web import sessions
from bot.web.context import Ctx, Redirect
from bot.web.keys import DEPS
from bot.web.pages import (
    LOGIN_HINT,
    anonymous_translator,
    message_page,
    render,
    see_other,
    set_cookie,
    view,
)

REFUSED = {
    LoginOutcome.UNKNOWN: (400, N_("This login link is not valid. Please check that you opened the whole link.")),
    LoginOutcome.USED: (410, N_("This login link has already been used. Each link works only once.")),
    LoginOutcome.EXPIRED: (410, N_("This login link has expired. A link is valid for {minutes} minutes, "
                                   "and only the newest link you asked for works.")),
}
NOT_AN_OFFICIAL = (403, N_("You are no longer registered as an official. Please contact the admin."))
FORM_REFUSED = (400, N_("The sign-in could not be completed. Please open the link from the chat again and press "
                        "the button. Your browser must allow cookies."))
LOGIN_COOKIE_AGE = int(logins.LOGIN_TTL.total_seconds())


def _refusal(request: web.Request, t: Translator, refused: tuple[int, str]) -> web.StreamResponse:
    status, message = refused
    return no_referrer(message_page(request, t, status, message, title=N_("Sign in"), hint=LOGIN_HINT,
                                    values={"minutes": t.integer(logins.LOGIN_MINUTES)}))


async def login(request: web.Request) -> web.StreamResponse:
    """Open a login link: a page with the button that signs in (nothing is spent yet), or how to get a link."""
    deps = request.app[DEPS]
    t = anonymous_translator(request)
    secret = request.query.get("token")
    if secret is None:
        if request.query.get("keluar") == "1":
            return no_referrer(message_page(request, t, 200, N_("You have signed out. Thank you."),
                                            title=N_("Signed out"), hint=LOGIN_HINT))
        return no_referrer(message_page(request, t, 200, N_("The dashboard is for officials of regional governments."),
                                        title=N_("Sign in"), hint=LOGIN_HINT))
    secret = secret.strip(" ")  # spaces a copy and paste may add; anything else is matched as it is
    async with deps.db.unit_of_work() as db:
        outcome = await logins.check_login_token(db, secret, now=deps.clock())
    if outcome is not LoginOutcome.ACCEPTED:
        return _refusal(request, t, REFUSED[outcome])
    given = request.cookies.get(sessions.LOGIN_COOKIE, "")
    form_secret = given if logins.well_formed(given) else logins.new_secret()  # a second tab keeps working
    page = render(request, t, "login.html", {
        "title": t.gettext(N_("Sign in")),
        "message": t.gettext(N_("Press the button to sign in to the officials' dashboard.")),
        "token": secret,
        "login_csrf": form_secret,
        "form_lang": t.lang if request.query.get("lang") in SUPPORTED_LANGUAGES else "",  # chosen, or the default
        # This page's language links keep the (unspent) token, so switching language does not lose the link.
        "languages": [(code, str(request.rel_url.update_query(lang=code))) for code in SUPPORTED_LANGUAGES],
    })
    set_cookie(page, request, sessions.LOGIN_COOKIE, form_secret, max_age=LOGIN_COOKIE_AGE,
               path=logins.LOGIN_PATH, samesite="Strict")
    return no_referrer(page)


async def sign_in(request: web.Request) -> web.StreamResponse:
    """The landing page's button: spend the link, then end this browser's other session and start a new one."""
    deps = request.app[DEPS]
    try:
        form = await request.post()
    except (ValueError, UnicodeDecodeError):
        form = None
    fields = {name: form.get(name) if form is not None else None for name in ("token", "csrf", "lang")}
    lang = fields["lang"] if fields["lang"] in SUPPORTED_LANGUAGES else None
    t = anonymous_translator(request, lang)
    if not sessions.same_secret(request.cookies.get(sessions.LOGIN_COOKIE, ""), fields["csrf"]):
        return _refusal(request, t, FORM_REFUSED)  # not from the page this browser was shown
    secret = fields["token"].strip(" ") if isinstance(fields["token"], str) else ""
    now = deps.clock()
    refused: tuple[int, str] | None = None
    async with deps.db.unit_of_work() as db:
        outcome, official_id = await logins.spend_login_token(db, secret, now=now)
        refused = REFUSED.get(outcome)
        if refused is None:
            assert official_id is not None
            actor = await load_actor(db, telegram_id=official_id, admin_ids=deps.settings.admin_ids)
            if not actor.is_official:
                refused = NOT_AN_OFFICIAL
            else:
                old = await sessions.find_session(db, request.cookies.get(sessions.COOKIE), now=now)
                if old is not None:
                    sessions.end_session(db, old, now=now)
                session_id, _row = await sessions.start_session(
                    db, official_id=official_id, now=now, hours=deps.settings.session_hours, language=lang,
                )
    if refused is not None:
        return _refusal(request, t, refused)
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
    return Redirect(f"{logins.LOGIN_PATH}?keluar=1&lang={ctx.t.lang}", sign_out=True)  # the goodbye in their language
