"""Surveys in the dashboard: the list, the form, its preview and the confirm, as /buatsurvei does in the chat.

Routes (every POST needs its CSRF token; the engine is bot.services.surveys, the sender the running bot's):

    /dasbor/survei              GET   the surveys the official may see, and the form
    /dasbor/survei/pratinjau    POST  check the draft and show its first question as Telegram will (or the form again)
    /dasbor/survei              POST  the preview's confirm button: create it (once per preview key)

The results and the answers' exports are in console_survey_results.py.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.i18n import N_, Translator
from bot.render.surveys import question_text
from bot.services import broadcast, survey_console, survey_results
from bot.services import surveys as service
from bot.services.broadcast import Audience
from bot.services.surveys import QuestionDraft
from bot.services.surveys import Refusal as Problem
from bot.services.telegram_html import escape_ampersands
from bot.web.audiences import audience as audience_of
from bot.web.audiences import choices, default_token
from bot.web.context import Ctx, Page, Redirect, Refusal
from bot.web.frame import add_flashes
from bot.web.pages import view
from bot.web.telegram_text import telegram_html
from storage.models import Survey, SurveyQuestion
from storage.statuses import QuestionKind
from storage.zones import DEFAULT_ZONE

SLOTS = range(1, service.QUESTIONS_MAX + 1)
KINDS = {"pilihan": QuestionKind.CHOICE, "skala": QuestionKind.SCALE, "teks": QuestionKind.TEXT}
KEY = re.compile(r"[A-Za-z0-9_-]{20,40}")
USED_KEYS = web.AppKey("survey_form_keys", dict)  # preview key -> the survey it created (this process)
KEYS_KEPT = 2000
EXPIRED = N_("This preview has expired. Please write the survey again.")
PROBLEMS = {
    "ampersand": N_("Telegram cannot read the text at “{detail}”."),
    "tags": N_("Telegram does not accept these tags: {detail}. Use <b>, <i>, <u>, <s>, <a href=\"…\">, <code> "
               "or <blockquote>."),
    "unclosed": N_("These tags are not closed: {detail}."),
    "empty": N_("It is empty."),
    "too_long": N_("It is too long ({detail} characters)."),
    "past": N_("The end has already passed. Please choose a later date and time."),
}
OPTION_COUNT = N_("A choice question needs 2 to 6 options, one per line.")
OPTION_LONG = N_("An option is too long ({detail} characters); at most 40 fit on a button.")
NO_QUESTION = N_("Please write at least one question.")
NO_AUDIENCE = N_("Please choose who the survey is for, among the audiences offered.")
BAD_END = N_("Please give the end date and time, such as 2026-12-01 and 17:00.")
FIELDS = {"title": "judul", "intro": "pengantar", "closes_at": "tanggal", "questions": "t1"}

add_flashes({
    "svsent": N_("Survey #{ref} is being sent."),
    "svrepeat": N_("Survey #{ref} was already created from this preview; it was not created twice."),
})


def _text(ctx: Ctx, name: str, *, strip: bool = True) -> str:
    value = ctx.form.get(name) if ctx.form is not None else None
    if not isinstance(value, str):
        return ""
    return value.strip() if strip else value


def _draft(ctx: Ctx) -> dict[str, Any]:
    return {
        "judul": _text(ctx, "judul"), "pengantar": _text(ctx, "pengantar"), "sasaran": _text(ctx, "sasaran"),
        "tanggal": _text(ctx, "tanggal"), "jam": _text(ctx, "jam") or "23:59",
        "soal": [{"n": n, "teks": _text(ctx, f"t{n}"), "jenis": _text(ctx, f"j{n}") or "pilihan",
                  "opsi": _text(ctx, f"o{n}")} for n in SLOTS],
    }


def empty_draft() -> dict[str, Any]:
    return {"judul": "", "pengantar": "", "sasaran": "", "tanggal": "", "jam": "23:59",
            "soal": [{"n": n, "teks": "", "jenis": "pilihan", "opsi": ""} for n in SLOTS]}


def _questions(draft: dict[str, Any]) -> tuple[list[QuestionDraft], list[int]]:
    """The questions written (an empty slot is none) and their slots."""
    found, slots = [], []
    for q in draft["soal"]:
        if not q["teks"] and not q["opsi"]:
            continue
        kind = KINDS.get(q["jenis"], QuestionKind.CHOICE)
        options = tuple(line.strip() for line in q["opsi"].splitlines() if line.strip())
        found.append(QuestionDraft(kind, escape_ampersands(q["teks"]), options if kind == QuestionKind.CHOICE else ()))
        slots.append(q["n"])
    return found, slots


def _message(t: Translator, p: Problem) -> str:
    if p.field == "option":
        msgid = OPTION_LONG if p.kind == "too_long" else OPTION_COUNT
    elif p.field == "questions":
        msgid = NO_QUESTION
    else:
        msgid = PROBLEMS.get(p.kind) or PROBLEMS["empty"]
    return t.gettext(msgid).format(detail=p.detail)


Checked = tuple[dict[str, str], Audience | None, list[QuestionDraft], datetime | None]


async def _checked(ctx: Ctx, draft: dict[str, Any]) -> Checked:
    """Each bad field's problem by the field's name, the audience, the questions, the end (UTC)."""
    errors: dict[str, str] = {}
    t = ctx.t
    audience = await audience_of(ctx, draft["sasaran"])
    if audience is None:
        errors["sasaran"] = t.gettext(NO_AUDIENCE)
    closes_at = None
    try:
        closes_at = broadcast.parse_local_time(f"{draft['tanggal']} {draft['jam']}", audience.zone if audience else DEFAULT_ZONE)
    except (ValueError, KeyError):
        errors["tanggal"] = t.gettext(BAD_END)
    questions, slots = _questions(draft)
    title = escape_ampersands(draft["judul"])
    for p in survey_console.problems(title, escape_ampersands(draft["pengantar"]), questions, closes_at, ctx.now):
        slot = slots[p.number - 1] if p.number else None
        name = {"question": f"t{slot}", "option": f"o{slot}"}.get(p.field, FIELDS.get(p.field, "judul"))
        errors.setdefault(name, _message(t, p))
    return errors, audience, questions, closes_at


def labels(t: Translator, errors: dict[str, str]) -> list[str]:
    """The problems for the list above the form, each with its field's name."""
    named = {"sasaran": t.gettext("Audience"), "judul": t.gettext("Title"), "pengantar": t.gettext("Introduction"),
             "tanggal": t.gettext("End")}
    for n in SLOTS:
        named[f"t{n}"] = t.gettext("Question {n}").format(n=t.integer(n))
        named[f"o{n}"] = t.gettext("Options of question {n}").format(n=t.integer(n))
    return [f"{named[k]}: {v}" for k, v in errors.items()]


async def _rows(ctx: Ctx) -> list[dict[str, Any]]:
    rows = []
    for s in await survey_console.listed(ctx.db, ctx.actor):
        result = await survey_results.results(ctx.db, s)
        audience = await survey_console.audience_of(ctx.db, s)
        rows.append({"s": s, "ref": survey_console.ref(service.ident(s)), "audience": audience.name,
                     "open": service.is_open(s, ctx.now), "closes": ctx.t.datetime(s.closes_at, audience.zone),
                     "reached": ctx.t.integer(result.reached), "answered": ctx.t.integer(result.respondents),
                     "rate": ctx.t.integer(round(result.rate * 100)) + "%"})
    return rows


async def _form_page(ctx: Ctx, draft: dict[str, Any], errors: dict[str, str] | None = None, status: int = 200) -> Page:
    if not draft["sasaran"]:
        draft["sasaran"] = await default_token(ctx)
    else:
        await ctx.resolve_scope()
    errors = errors or {}
    return Page("surveys.html", {
        "page": "surveys", "draft": draft, "errors": errors, "problems": labels(ctx.t, errors),
        "choices": await choices(ctx), "rows": await _rows(ctx),
    }, status=status)


@view
async def surveys(ctx: Ctx) -> Page:
    """The surveys the official may see, with their numbers, and the form for a new one."""
    ctx.audit("dashboard.surveys")
    return await _form_page(ctx, empty_draft())


def _shown(t: Translator, draft: dict[str, Any], questions: list[QuestionDraft]) -> dict[str, Any]:
    """The first question as the broadcast sends it (title, intro, question, its buttons)."""
    first = questions[0]
    survey = Survey(audience="region", title=escape_ampersands(draft["judul"]),
                    intro=escape_ampersands(draft["pengantar"]), closes_at=datetime.max)
    q = SurveyQuestion(survey_id=0, position=1, kind=first.kind, text=first.text, options=list(first.options))
    buttons = list(first.options) if first.kind == QuestionKind.CHOICE else []
    return {"text": telegram_html(question_text(t, survey, q, len(questions), intro=True)), "buttons": buttons,
            "scale": first.kind == QuestionKind.SCALE}


@view
async def preview(ctx: Ctx) -> Page:
    """The first question as residents will see it, how many will get it and when it ends; or the form again."""
    draft = _draft(ctx)
    errors, audience, questions, closes_at = await _checked(ctx, draft)
    if errors or audience is None or closes_at is None or _text(ctx, "langkah") == "ubah":
        return await _form_page(ctx, draft, errors, status=400 if errors else 200)
    await ctx.resolve_scope()
    return Page("survey_preview.html", {
        "page": "surveys", "draft": draft, "audience": audience, "shown": _shown(ctx.t, draft, questions),
        "count": await broadcast.audience_size(ctx.db, audience), "key": secrets.token_urlsafe(18),
        "questions": len(questions), "closes": ctx.t.datetime(closes_at, audience.zone),
    })


@view
async def create(ctx: Ctx) -> Page | Redirect:
    """The preview's confirm button: the survey and its broadcast are written (and audited by the engine).

    A key already used (a double submit) creates nothing more."""
    key = _text(ctx, "kunci")
    if KEY.fullmatch(key) is None:
        raise Refusal(400, EXPIRED)
    used: dict[tuple[str, str], int] = ctx.request.app[USED_KEYS]
    if (ctx.session.session_hash, key) in used:
        return Redirect("/dasbor/survei", flash=f"svrepeat-{used[(ctx.session.session_hash, key)]}")
    draft = _draft(ctx)
    errors, audience, questions, closes_at = await _checked(ctx, draft)
    if errors or audience is None or closes_at is None:
        return await _form_page(ctx, draft, errors, status=400)
    made = await service.create(ctx.db, ctx.actor, kind=audience.kind, code=audience.code,
                                title=escape_ampersands(draft["judul"]), intro=escape_ampersands(draft["pengantar"]),
                                questions=questions, closes_at=closes_at, now=ctx.now)
    if isinstance(made, Problem):  # the engine's own checks, which the form's already passed
        return await _form_page(ctx, draft, {"sasaran": _message(ctx.t, made)}, status=400)
    sid = service.ident(made)
    used[(ctx.session.session_hash, key)] = sid
    while len(used) > KEYS_KEPT:
        used.pop(next(iter(used)))
    return Redirect(f"/dasbor/survei/{sid}", flash=f"svsent-{sid}")


def setup(app: web.Application) -> None:
    """Register this page's routes."""
    app[USED_KEYS] = {}
    app.router.add_get("/dasbor/survei", surveys)
    app.router.add_post("/dasbor/survei", create)
    app.router.add_post("/dasbor/survei/pratinjau", preview)
