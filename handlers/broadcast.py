"""/umumkan: compose an announcement (audience, text, photo, preview, confirm); /siaran: list and cancel."""

from __future__ import annotations

from typing import Any

from bot.i18n import Translator
from bot.render import keyboards as kb
from bot.render.broadcast import progress_text, quiet_hours, unsubscribe_markup
from bot.render.callbacks import Callback
from bot.services import auth, catalog, officials, residents
from bot.services import broadcast as service
from bot.services.broadcast import Audience
from bot.services.telegram_html import Problem, escape_ampersands
from handlers import steps
from handlers.common import Turn, esc, in_turn
from handlers.officials import not_an_official

WRITING, PHOTO, CONFIRM = "bc_text", "bc_photo", "bc_confirm"
STATES = (WRITING, PHOTO, CONFIRM)


def problem_text(t: Translator, problem: Problem) -> str:
    _ = t.gettext
    return {
        "ampersand": _("Telegram cannot read the text at “{detail}”.").format(detail=esc(problem.detail)),
        "tags": _("Telegram does not accept these tags: {detail}. Use &lt;b&gt;, &lt;i&gt;, &lt;u&gt;, &lt;s&gt;, "
                  "&lt;a href=\"…\"&gt;, &lt;code&gt; or &lt;blockquote&gt;.").format(detail=esc(problem.detail)),
        "unclosed": _("These tags are not closed: {detail}.").format(detail=esc(problem.detail)),
        "empty": _("The announcement is empty."),
        "too_long": _("The text is too long ({detail} characters). The limit is 4,096, or 1,024 with a photo.").format(detail=esc(problem.detail)),
    }[problem.kind]


async def _actor_or_refuse(turn: Turn):
    actor = await turn.actor()
    if not actor.is_official:
        if turn.query:
            turn.answer(turn.t.gettext("This button is not for you."), alert=True)
        else:
            not_an_official(turn)
        return None
    return actor


@in_turn
async def cmd_announce(turn: Turn) -> None:
    """/umumkan: choose who the announcement is for."""
    _ = turn.t.gettext
    actor = await _actor_or_refuse(turn)
    if actor is None:
        return
    rows = []
    regions = await officials.regions_of(turn.session, actor)
    if auth.may_broadcast(actor, "all"):
        rows.append([kb.button(_("📣 All subscribed residents"), "bc", "all")])
        provinces = sorted({(r.province, r.province_code) for r in regions})
        grid = [kb.button(name, "bcp", code) for name, code in provinces]
        rows += [grid[i : i + 2] for i in range(0, len(grid), 2)]
        text = _("Who is the announcement for? Everyone, or choose a province:")
    else:
        rows += [[kb.button(r.name, "bcr", r.code)] for r in regions]
        for r in regions:
            programs, _shown, _pages = await catalog.programs_page(turn.session, region_code=r.code, page=0)
            rows += [[kb.button(_("Followers of {program}").format(program=p.program.name), "bcg", p.program.id)]  # type: ignore[arg-type]
                     for p in programs]
        text = _("Who is the announcement for? Subscribers of a region, or followers of a program:")
    turn.reply(text, kb.markup(*rows[:90]))


async def _audience_chosen(turn: Turn, audience: Audience | None) -> None:
    _ = turn.t.gettext
    if audience is None:
        turn.answer(_("You may not send announcements to this audience."), alert=True)
        return
    count = await service.audience_size(turn.session, audience)
    residents.set_state(turn.session, turn.resident, WRITING, {"aud": audience.kind, "code": audience.code})
    turn.edit(_(
        "Announcement for <b>{audience}</b> ({count} recipients now).\n\n"
        "Write the text. Telegram formatting is allowed: <b>bold</b>, <i>italic</i>, links. "
        "Up to 4,096 characters. /batal cancels."
    ).format(audience=esc(audience.name), count=turn.t.integer(count)))


@in_turn
async def on_province(turn: Turn, cb: Callback) -> None:
    """An admin picked a province: all of it, or one region."""
    _ = turn.t.gettext
    actor = await _actor_or_refuse(turn)
    if actor is None:
        return
    audience = await service.resolve_audience(turn.session, actor, "province", cb.str(0))
    if audience is None:
        turn.answer(_("You may not send announcements to this audience."), alert=True)
        return
    regions = [r for r in await officials.regions_of(turn.session, actor) if r.province_code == cb.str(0)]
    turn.edit(_("<b>{province}</b>: the whole province, or one region?").format(province=esc(audience.name)),
              kb.markup([kb.button(_("All of {province}").format(province=audience.name), "bcq", cb.str(0))],
                        *[[kb.button(r.name, "bcr", r.code)] for r in regions]))


def _audience_button(kind: str, doc: str) -> Any:
    """A button that names an audience of one kind: check who may reach it, then ask for the text."""

    @in_turn
    async def handler(turn: Turn, cb: Callback) -> None:
        actor = await _actor_or_refuse(turn)
        if actor is not None:
            await _audience_chosen(turn, await service.resolve_audience(turn.session, actor, kind, str(cb.args[0])))

    handler.__doc__ = doc
    return handler


on_whole_province = _audience_button("province", "Audience: the subscribers of a whole province (admins).")
on_region = _audience_button("region", "Audience: the subscribers of one region.")
on_program = _audience_button("program", "Audience: the followers of one program.")


@in_turn
async def on_step(turn: Turn, cb: Callback) -> None:
    """The buttons of the composing flow: everyone/a whole province, no photo, urgent/normal send, discard."""
    _ = turn.t.gettext
    actor = await _actor_or_refuse(turn)
    if actor is None:
        return
    step, draft = cb.str(0), dict(turn.resident.draft or {})
    if step == "all":
        await _audience_chosen(turn, await service.resolve_audience(turn.session, actor, "all", None))
        return
    if step == "drop":
        residents.set_state(turn.session, turn.resident, None)
        turn.edit(_("The announcement was discarded."))
        return
    if step == "nophoto" and turn.resident.state == PHOTO:
        await show_preview(turn, draft)
        return
    if step in ("send", "urgent") and turn.resident.state == CONFIRM:
        audience = await service.resolve_audience(turn.session, actor, draft.get("aud", ""), draft.get("code"))
        if audience is None or not isinstance(draft.get("text"), str):
            turn.answer(_("You may not send announcements to this audience."), alert=True)
            return
        b = await service.create(
            turn.session, actor.telegram_id, audience, text=draft["text"], urgent=step == "urgent", send_at=turn.now,
            progress_chat_id=turn.chat_id,
            photo_file_id=draft["photo"] if isinstance(draft.get("photo"), str) else None,
            progress_message_id=turn.query.message.message_id if turn.query and turn.query.message else None,
        )
        residents.set_state(turn.session, turn.resident, None)
        p = await service.progress(turn.session, b.id, now=turn.now)  # type: ignore[arg-type]
        turn.edit(progress_text(turn.t, p, turn.deps.settings.quiet_window))  # type: ignore[arg-type]
        return
    turn.answer(_("This button is no longer valid. Type /program to start again."))


async def on_text(turn: Turn, text: str) -> None:
    """The announcement's text (HTML), checked the way Telegram will check it."""
    _ = turn.t.gettext
    if turn.resident.state != WRITING:
        turn.reply(_("Please press one of the buttons above, or type /batal."))
        return
    text = escape_ampersands(text)  # "Senin & Selasa" as typed; real HTML errors are still refused
    problem = service.validate(text, with_photo=False)
    if problem is not None:
        turn.reply(problem_text(turn.t, problem) + "\n" + _("Please send the corrected text."))
        return
    residents.set_state(turn.session, turn.resident, PHOTO, {**(turn.resident.draft or {}), "text": text})
    turn.reply(_("Add a photo? Send it now, or press “No photo”."),
               kb.markup([kb.button(_("No photo"), "bc", "nophoto")], [kb.button(_("Discard"), "bc", "drop")]))


async def on_photo(turn: Turn) -> None:
    """The announcement's photo."""
    _ = turn.t.gettext
    draft = dict(turn.resident.draft or {})
    photos = turn.update.effective_message.photo if turn.update.effective_message else None
    if turn.resident.state != PHOTO or not photos:
        turn.reply(_("Please press one of the buttons above, or type /batal."))
        return
    problem = service.validate(str(draft.get("text", "")), with_photo=True)
    if problem is not None:
        turn.reply(problem_text(turn.t, problem))
        return
    draft["photo"] = photos[-1].file_id
    await show_preview(turn, draft)


async def show_preview(turn: Turn, draft: dict) -> None:
    """Show the announcement exactly as residents will get it, then how many and the send buttons."""
    _ = turn.t.gettext
    audience = await service.resolve_audience(turn.session, await turn.actor(), draft.get("aud", ""), draft.get("code"))
    if audience is None:
        residents.set_state(turn.session, turn.resident, None)
        turn.reply(_("You may not send announcements to this audience."))
        return
    residents.set_state(turn.session, turn.resident, CONFIRM, draft)
    count = await service.audience_size(turn.session, audience)
    sample = service.sample(audience, draft["text"])
    markup = unsubscribe_markup(turn.t, sample)
    if isinstance(draft.get("photo"), str):
        turn.photo_id(draft["photo"], draft["text"], markup)
    else:
        turn.reply(draft["text"], markup)
    hours = quiet_hours(turn.t, turn.deps.settings.quiet_window)
    about = {"count": turn.t.integer(count), "audience": esc(audience.name)}
    turn.reply(
        _("Above is the preview. It will go to {count} residents ({audience}). Between {start} and {end} local "
          "time it waits, unless you send it as an urgent warning.").format(**about, **hours)
        if hours else _("Above is the preview. It will go to {count} residents ({audience}).").format(**about),
        kb.markup([kb.button(_("Send"), "bc", "send")], [kb.button(_("🚨 Send now as an urgent warning"), "bc", "urgent")],
                  [kb.button(_("Discard"), "bc", "drop")]),
    )


@in_turn
async def cmd_broadcasts(turn: Turn) -> None:
    """/siaran: recent announcements with their state; cancel the ones still going."""
    _ = turn.t.gettext
    actor = await _actor_or_refuse(turn)
    if actor is None:
        return
    rows = await service.recent(turn.session, actor)
    if not rows:
        turn.reply(_("No announcements yet. Write one with /umumkan."))
        return
    lines, buttons = [], []
    for b in rows:
        p = await service.progress(turn.session, b.id, now=turn.now)  # type: ignore[arg-type]
        lines += [progress_text(turn.t, p, turn.deps.settings.quiet_window), ""]  # type: ignore[arg-type]
        if service.still_going(b):
            buttons.append([kb.button(_("Cancel #{id}").format(id=b.id), "bcx", b.id)])  # type: ignore[arg-type]
    turn.reply("\n".join(lines).strip(), kb.markup(*buttons))


@in_turn
async def on_cancel(turn: Turn, cb: Callback) -> None:
    """Cancel a broadcast; what was sent stays sent, the rest is not sent."""
    _ = turn.t.gettext
    actor = await _actor_or_refuse(turn)
    if actor is None:
        return
    b = await service.cancel(turn.session, actor, cb.int(0))
    if b is None:
        turn.answer(_("This announcement cannot be cancelled (finished, cancelled, or not yours)."), alert=True)
        return
    turn.answer(_("Announcement #{id} cancelled.").format(id=cb.int(0)))
    turn.reply(_("Announcement #{id} cancelled. Residents who already got it keep it.").format(id=cb.int(0)))


steps.register(WRITING, CONFIRM, text=on_text, hint=steps.WRITE_AS_TEXT)
steps.register(PHOTO, text=on_text, hint=steps.WRITE_AS_TEXT, photo=on_photo)
