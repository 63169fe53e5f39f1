"""/buatsurvei's "SKM for a program…": an official (or an admin) chooses one of their programs, its audience (the
program's followers or the region's subscribed residents) and how many days it stays open, sees it and sends it.
The questions are the SKM's own nine (bot/services/skm.py), written in the bot's default language; the draft lives
in the database between the steps, as every flow's does.
"""

from __future__ import annotations

from datetime import timedelta

from bot.render import keyboards as kb
from bot.render.callbacks import Callback
from bot.services import broadcast as broadcast_service
from bot.services import residents, skm_index, surveys
from handlers import steps
from handlers.common import Turn, esc, in_turn
from handlers.survey_create import DAYS_MAX, days_given, refusal_text
from storage.models import Survey

DAYS, CONFIRM = "skm_days", "skm_confirm"
AUDIENCES = {"f": "program", "r": "region"}


@in_turn
async def on_start(turn: Turn, cb: Callback) -> None:
    """Which program the SKM is for."""
    _ = turn.t.gettext
    actor = await turn.actor()
    programs = await skm_index.programs_for(turn.session, actor) if actor.is_official else []
    turn.answer()
    if not programs:
        turn.edit(_("You have no program to run an SKM for."))
        return
    turn.edit(_("Which program is the Community Satisfaction Survey (SKM) for?"),
              kb.markup(*[[kb.button(p.name, "sqp", int(p.id or 0))] for p in programs[:90]]))


@in_turn
async def on_program(turn: Turn, cb: Callback) -> None:
    """Who it goes to: the program's followers, or its region's subscribed residents."""
    _ = turn.t.gettext
    program_id = cb.int(0)
    actor = await turn.actor()
    program = next((p for p in await skm_index.programs_for(turn.session, actor) if p.id == program_id), None)
    if program is None or not actor.is_official:
        turn.answer(_("You may not send surveys to this audience."), alert=True)
        return
    turn.answer()
    turn.edit(_("SKM for <b>{program}</b>: who should receive it?").format(program=esc(program.name)), kb.fixed(
        [kb.button(_("Followers of {program}").format(program=program.name), "sqa", program_id, "f")],
        [kb.button(_("All subscribed residents of the region"), "sqa", program_id, "r")]))


@in_turn
async def on_audience(turn: Turn, cb: Callback) -> None:
    _ = turn.t.gettext
    program_id, kind = cb.int(0), AUDIENCES.get(cb.str(1), "")
    actor = await turn.actor()
    program = next((p for p in await skm_index.programs_for(turn.session, actor) if p.id == program_id), None)
    code = (str(program_id) if kind == "program" else program.region_code) if program else None
    audience = await broadcast_service.resolve_audience(turn.session, actor, kind, code) if code else None
    if program is None or audience is None:
        turn.answer(_("You may not send surveys to this audience."), alert=True)
        return
    residents.set_state(turn.session, turn.resident, DAYS, {"skm": program_id, "aud": kind})
    turn.answer()
    count = turn.t.integer(await broadcast_service.audience_size(turn.session, audience))
    turn.edit(_("SKM for <b>{program}</b>, to {count} recipients now. How many days should it stay open? Write a "
                "number from 1 to {max}, or type /batal.").format(program=esc(program.name), count=count,
                                                                 max=turn.t.integer(DAYS_MAX)))


async def on_days(turn: Turn, text: str) -> None:
    _ = turn.t.gettext
    days = days_given(turn, text)
    if days is None:
        return
    draft = {**(turn.resident.draft or {}), "days": days}
    residents.set_state(turn.session, turn.resident, CONFIRM, draft)
    closes = turn.t.datetime(turn.now + timedelta(days=days), await turn.zone())
    turn.reply(_("📋 The SKM has nine questions, each with four answers, and is open until {closes}.").format(
        closes=closes), kb.fixed([kb.button(_("📤 Send the survey"), "sqk", "yes"), kb.button(_("Discard"), "sqk", "no")]))


@in_turn
async def on_confirm(turn: Turn, cb: Callback) -> None:
    _ = turn.t.gettext
    draft = dict(turn.resident.draft or {})
    if turn.resident.state != CONFIRM or "skm" not in draft:  # sent or dropped already, or an old button
        turn.answer(_("This draft is no longer available. Type /buatsurvei to start again."))
        return
    residents.set_state(turn.session, turn.resident, None)
    turn.answer()
    if cb.str(0) == "no":
        turn.edit(_("The survey was discarded."))
        return
    created = await surveys.create_skm(
        turn.session, await turn.actor(), int(draft["skm"]), str(draft.get("aud", "")),
        turn.now + timedelta(days=int(draft.get("days", 1))), now=turn.now, t=turn.deps.i18n.get(turn.deps.i18n.default))
    if not isinstance(created, Survey):
        turn.edit(refusal_text(turn.t, created))
        return
    turn.edit(_("📋 Survey #{id} is queued and goes out as an announcement does. Residents will receive it one "
                "question at a time.").format(id=created.id))


steps.register(DAYS, text=on_days, hint=steps.WRITE_AS_TEXT)
steps.register(CONFIRM, text=on_days, hint=steps.WRITE_AS_TEXT)
