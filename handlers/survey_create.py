"""/buatsurvei: an official (their regions, a program's followers there) or an admin (everyone, a province) writes
a survey in one message, says how many days it stays open, sees it, and sends it through the broadcast engine.

The draft lives in the database between the steps (Resident.state and draft), as every flow's does.
"""

from __future__ import annotations

from datetime import timedelta

from bot.i18n import Translator
from bot.render import keyboards as kb
from bot.render.callbacks import Callback
from bot.services import auth, catalog, officials, residents, survey_drafts, surveys
from bot.services import broadcast as broadcast_service
from bot.services.broadcast import Audience
from bot.services.surveys import Refusal
from handlers import steps
from handlers.common import Turn, esc, in_turn
from handlers.officials import not_an_official
from storage.models import Survey

WRITING, DAYS, CONFIRM = "sv_text", "sv_days", "sv_confirm"
DAYS_MAX = 90


def refusal_text(t: Translator, r: Refusal) -> str:
    _ = t.gettext
    where = {
        "title": _("The title (the first line)"), "intro": _("The introduction"),
        "questions": _("The survey"), "closes_at": _("The end date"),
    }.get(r.field) or _("Question {n}").format(n=t.integer(r.number or 0))
    why = {
        "forbidden": _("You may not send surveys to this audience."),
        "count": _("A survey has 1 to 5 questions, and a choice question 2 to 6 options (written after “|”); "
                   "other questions have none."),
        "format": _("Each question must be on one line, starting with ?, * or #."),
        "empty": _("It is empty."),
        "too_long": _("It is too long ({detail} characters). A title may have 120, an introduction 1,500, a "
                      "question 500 and an option 40.").format(detail=esc(r.detail)),
        "past": _("The end date has already passed."),
    }.get(r.kind) or _("Telegram cannot read its formatting ({detail}).").format(detail=esc(r.detail or r.kind))
    return f"{where}: {why}"


@in_turn
async def cmd_create(turn: Turn) -> None:
    """/buatsurvei: choose who the survey is for."""
    _ = turn.t.gettext
    actor = await turn.actor()
    if not actor.is_official:
        not_an_official(turn)
        return
    regions = await officials.regions_of(turn.session, actor)
    if auth.may_broadcast(actor, "all"):
        rows = [[kb.button(_("📋 All subscribed residents"), "svn", "all")]]
        provinces = sorted({(r.province, r.province_code) for r in regions})
        rows += [[kb.button(name, "svn", f"p{code}")] for name, code in provinces]
    else:
        rows = [[kb.button(r.name, "svn", f"r{r.code}")] for r in regions]
        for r in regions:
            programs, _shown, _pages = await catalog.programs_page(turn.session, region_code=r.code, page=0)
            rows += [[kb.button(_("Followers of {program}").format(program=p.program.name), "svg",
                                int(p.program.id or 0))] for p in programs]
    rows = [*rows[:89], [kb.button(_("📊 SKM for a program…"), "sq")]]  # the SKM's nine questions (survey_skm)
    turn.reply(_("Who is the survey for?"), kb.markup(*rows))


async def _chosen(turn: Turn, audience: Audience | None) -> None:
    _ = turn.t.gettext
    if audience is None or not (await turn.actor()).is_official:
        turn.answer(_("You may not send surveys to this audience."), alert=True)
        return
    residents.set_state(turn.session, turn.resident, WRITING, {"aud": audience.kind, "code": audience.code})
    turn.answer()
    turn.edit(_(
        "Survey for <b>{audience}</b> ({count} recipients now).\n\n"
        "Write the whole survey in one message: the title on the first line, then a short introduction, then one "
        "line per question (1 to 5):\n"
        "<code>? question | option | option</code> one choice, up to 6 options\n"
        "<code>* question</code> a scale from 1 to 5\n"
        "<code># question</code> a short written answer\n\n/batal cancels."
    ).format(audience=esc(audience.name), count=turn.t.integer(await broadcast_service.audience_size(turn.session, audience))))


@in_turn
async def on_scope(turn: Turn, cb: Callback) -> None:
    scope = cb.str(0)
    kind, code = ("all", None) if scope == "all" else ("region" if scope[0] == "r" else "province", scope[1:])
    await _chosen(turn, await broadcast_service.resolve_audience(turn.session, await turn.actor(), kind, code))


@in_turn
async def on_program(turn: Turn, cb: Callback) -> None:
    await _chosen(turn, await broadcast_service.resolve_audience(turn.session, await turn.actor(), "program",
                                                                 str(cb.int(0))))


async def on_text(turn: Turn, text: str) -> None:
    """The survey as typed: checked, then kept in the draft; next, how long it stays open."""
    _ = turn.t.gettext
    parsed = survey_drafts.parse(text, closes_at=turn.now + timedelta(days=1), now=turn.now)
    if isinstance(parsed, Refusal):
        turn.reply(refusal_text(turn.t, parsed) + "\n\n" + _("Please send the survey again, or type /batal."))
        return
    draft = {**(turn.resident.draft or {}), **survey_drafts.to_draft(*parsed)}
    residents.set_state(turn.session, turn.resident, DAYS, draft)
    turn.reply(_("How many days should the survey stay open? Write a number from 1 to {max}.").format(
        max=turn.t.integer(DAYS_MAX)))


def days_given(turn: Turn, text: str) -> int | None:
    """The number of days a survey stays open, 1 to DAYS_MAX; None (and the resident is asked again) otherwise."""
    days = int(text.strip()) if text.strip().isdigit() else 0
    if not 1 <= days <= DAYS_MAX:
        turn.reply(turn.t.gettext("Please write a number of days from 1 to {max}, or type /batal.").format(
            max=turn.t.integer(DAYS_MAX)))
        return None
    return days


async def on_days(turn: Turn, text: str) -> None:
    _ = turn.t.gettext
    days = days_given(turn, text)
    if days is None:
        return
    draft = {**(turn.resident.draft or {}), "days": days}
    parsed = survey_drafts.from_draft(draft)
    if parsed is None:
        residents.set_state(turn.session, turn.resident, None)
        turn.reply(_("This draft is no longer available. Type /buatsurvei to start again."))
        return
    residents.set_state(turn.session, turn.resident, CONFIRM, draft)
    title, _intro, questions = parsed
    closes = turn.t.datetime(turn.now + timedelta(days=days), await turn.zone())
    lines = [_("📋 <b>{title}</b>: {count} questions, open until {closes}.").format(
        title=title, count=turn.t.integer(len(questions)), closes=closes)]
    lines += [f"{n}. {q.text}" + (f" ({esc(' / '.join(q.options))})" if q.options else "")
              for n, q in enumerate(questions, start=1)]
    turn.reply("\n".join(lines), kb.fixed([kb.button(_("📤 Send the survey"), "svk", "yes"),
                                          kb.button(_("Discard"), "svk", "no")]))


@in_turn
async def on_confirm(turn: Turn, cb: Callback) -> None:
    _ = turn.t.gettext
    draft = dict(turn.resident.draft or {})
    parsed = survey_drafts.from_draft(draft) if turn.resident.state == CONFIRM else None
    if parsed is None:  # sent or dropped already (a double tap), or an old button
        turn.answer(_("This draft is no longer available. Type /buatsurvei to start again."))
        return
    residents.set_state(turn.session, turn.resident, None)
    if cb.str(0) == "no":
        turn.answer()
        turn.edit(_("The survey was discarded."))
        return
    title, intro, questions = parsed
    created = await surveys.create(
        turn.session, await turn.actor(), kind=str(draft.get("aud", "")), code=draft.get("code"), title=title,
        intro=intro, questions=questions, closes_at=turn.now + timedelta(days=int(draft.get("days", 1))), now=turn.now)
    if not isinstance(created, Survey):
        turn.answer(refusal_text(turn.t, created), alert=True)
        return
    turn.answer()
    turn.edit(_("📋 Survey #{id} is queued and goes out as an announcement does. Residents will receive it one "
                "question at a time.").format(id=created.id))


steps.register(WRITING, text=on_text, hint=steps.WRITE_AS_TEXT)
steps.register(DAYS, text=on_days, hint=steps.WRITE_AS_TEXT)
steps.register(CONFIRM, text=on_days, hint=steps.WRITE_AS_TEXT)
