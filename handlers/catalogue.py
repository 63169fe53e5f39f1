"""/kelolaprogram: officials and admins change a program's status (and tell residents), or close it."""

from __future__ import annotations

from telegram import InlineKeyboardButton

from bot.render import keyboards as kb
from bot.render.callbacks import Callback
from bot.render.programs import label, status_announcement
from bot.services import auth, catalog, catalogue_admin, officials, residents
from handlers import steps
from handlers.common import Turn, esc, in_turn
from handlers.officials import not_an_official

LISTED = 40


def refuse_program(turn: Turn) -> None:
    turn.answer(turn.t.gettext("This program was not found, or it is not in your region."), alert=True)


@in_turn
async def cmd_manage(turn: Turn) -> None:
    """List the programs the official may manage."""
    _ = turn.t.gettext
    actor = await turn.actor()
    if not actor.is_official:
        not_an_official(turn)
        return
    rows: list[list[InlineKeyboardButton]] = []
    for region in await officials.regions_of(turn.session, actor):
        if len(rows) >= LISTED:
            break
        programs, _shown, _pages = await catalog.programs_page(turn.session, region_code=region.code, page=0)
        # The status first: a long name is cut short on the button, the status still shows.
        rows += [[kb.button(f"{label(turn.t, catalog.PROGRAM_STATUSES, p.program.status).capitalize()} · "
                            f"{p.program.name}", "pm", p.program.id)] for p in programs]  # type: ignore[arg-type]
    regions = await officials.regions_of(turn.session, actor)
    adds = [[kb.button(_("➕ Add a program to {region}").format(region=r.name), "pa", r.code)] for r in regions[:5]]
    turn.reply(_("Which program would you like to manage? Or add a new one. "
                 "To add many programs at once, ask the admin."), kb.markup(*rows[:LISTED], *adds))


@in_turn
async def on_program(turn: Turn, cb: Callback) -> None:
    """A program's management buttons: the two other statuses, rewrite the description, remove from the list."""
    _ = turn.t.gettext
    program = await catalogue_admin.program_for(turn.session, await turn.actor(), cb.int(0))
    if program is None:
        refuse_program(turn)
        return
    statuses = [kb.button(label(turn.t, catalog.PROGRAM_STATUSES, s), "pms", program.id, s)  # type: ignore[arg-type]
                for s in catalog.PROGRAM_STATUSES if s != program.status]
    turn.edit(
        _("<b>{program}</b>\nStatus now: {status}. Change it, or remove the program from the list. Its ratings are kept.")
        .format(program=esc(program.name), status=esc(label(turn.t, catalog.PROGRAM_STATUSES, program.status))),
        kb.markup(statuses, [kb.button(_("Rewrite the description"), "pe", program.id)],  # type: ignore[arg-type]
                  [kb.button(_("🗑 Remove from the list"), "pmc", program.id)]),  # type: ignore[arg-type]
    )


@in_turn
async def on_status(turn: Turn, cb: Callback) -> None:
    """Set the status, then offer to tell the residents."""
    _ = turn.t.gettext
    program = await catalogue_admin.set_status(turn.session, await turn.actor(), cb.int(0), cb.str(1))
    if program is None:
        refuse_program(turn)
        return
    turn.edit(
        _("Status of <b>{program}</b> is now: {status}. Tell the residents?").format(
            program=esc(program.name), status=esc(label(turn.t, catalog.PROGRAM_STATUSES, program.status))),
        kb.markup([kb.button(_("Tell the program's followers"), "pmn", program.id, "program")],  # type: ignore[arg-type]
                  [kb.button(_("Tell the region's subscribed residents"), "pmn", program.id, "region")],  # type: ignore[arg-type]
                  [kb.button(_("No, thank you"), "pmn", program.id, "none")]),  # type: ignore[arg-type]
    )


@in_turn
async def on_notify(turn: Turn, cb: Callback) -> None:
    """Announce the new status (in the default language; residents get the stop button in theirs)."""
    _ = turn.t.gettext
    actor = await turn.actor()
    program = await catalogue_admin.program_for(turn.session, actor, cb.int(0))
    if program is None:
        refuse_program(turn)
        return
    if cb.str(1) == "none":
        turn.edit(_("The status is saved. Residents were not notified."))
        return
    region = turn.deps.regions.get(program.region_code)
    t = turn.deps.i18n.get(turn.deps.settings.default_language)
    text = status_announcement(t, program.name, region.name if region else program.region_code, program.status)
    count = await catalogue_admin.notify_status(turn.session, actor, program, audience_kind=cb.str(1), text=text,
                                                now=turn.now)
    turn.edit(_("The status is saved, and the announcement is going to {count} residents. "
                "Follow it with /siaran.").format(count=turn.t.integer(count)))


@in_turn
async def on_close(turn: Turn, cb: Callback) -> None:
    """Close a program."""
    _ = turn.t.gettext
    program = await catalogue_admin.close(turn.session, await turn.actor(), cb.int(0))
    if program is None:
        refuse_program(turn)
        return
    turn.edit(_("<b>{program}</b> has been removed from the list. Its ratings are kept.").format(program=esc(program.name)))


ADD_NAME, ADD_DESCRIPTION, EDIT_DESCRIPTION = "pa_name", "pa_desc", "pe_desc"
STATES = (ADD_NAME, ADD_DESCRIPTION, EDIT_DESCRIPTION)


@in_turn
async def on_add(turn: Turn, cb: Callback) -> None:
    """Start adding a program: its name comes next."""
    _ = turn.t.gettext
    actor = await turn.actor()
    if not auth.may_manage_catalogue(actor, cb.str(0)):
        refuse_program(turn)
        return
    residents.set_state(turn.session, turn.resident, ADD_NAME, {"region": cb.str(0)})
    turn.answer()
    turn.reply(_("Write the program's name, as your region calls it (up to 200 characters). /batal cancels."))


@in_turn
async def on_edit(turn: Turn, cb: Callback) -> None:
    """Start rewriting a program's description."""
    _ = turn.t.gettext
    program = await catalogue_admin.program_for(turn.session, await turn.actor(), cb.int(0))
    if program is None:
        refuse_program(turn)
        return
    residents.set_state(turn.session, turn.resident, EDIT_DESCRIPTION, {"program": program.id})
    turn.answer()
    turn.reply(_("Write the new description of <b>{program}</b> for residents (up to 2,000 characters). /batal cancels.")
               .format(program=esc(program.name)))


async def on_text(turn: Turn, text: str) -> None:
    """The typed steps: a new program's name and description, or a new description."""
    _ = turn.t.gettext
    state, draft, text = turn.resident.state, dict(turn.resident.draft or {}), text.strip()
    limit = catalogue_admin.NAME_MAX if state == ADD_NAME else catalogue_admin.DESCRIPTION_MAX
    if not text or len(text) > limit:
        turn.reply(_("Please write between 1 and {max} characters.").format(max=turn.t.integer(limit)))
        return
    if state == ADD_NAME:
        residents.set_state(turn.session, turn.resident, ADD_DESCRIPTION, {**draft, "name": text})
        turn.reply(_("Now a short description for residents: what the program does, in plain words."))
    elif state == ADD_DESCRIPTION:
        residents.set_state(turn.session, turn.resident, ADD_DESCRIPTION, {**draft, "description": text})
        rows = [[kb.button(label(turn.t, catalog.DIMENSIONS, key), "pad", key)] for key in catalog.DIMENSIONS]
        turn.reply(_("Which smart-city area does it belong to?"), kb.markup(*rows))
    else:
        program = await catalogue_admin.set_description(turn.session, await turn.actor(), int(draft.get("program", 0)), text)
        residents.set_state(turn.session, turn.resident, None)
        turn.reply(_("Saved: the new description of <b>{program}</b> is shown to residents.").format(program=esc(program.name))
                   if program else _("This program was not found, or it is not in your region."))


@in_turn
async def on_dimension(turn: Turn, cb: Callback) -> None:
    """The last step: create the program."""
    _ = turn.t.gettext
    draft = dict(turn.resident.draft or {})
    if turn.resident.state != ADD_DESCRIPTION or not {"region", "name", "description"} <= draft.keys():
        turn.answer(_("This button is no longer valid. Type /program to start again."))
        return
    program = await catalogue_admin.add(turn.session, await turn.actor(), region_code=draft["region"], name=draft["name"],
                                        description=draft["description"], dimension=cb.str(0))
    residents.set_state(turn.session, turn.resident, None)
    if program is None:
        turn.edit(_("Not added: a program with this name already exists in the region, or the region is not yours."))
        return
    turn.edit(_("Added: <b>{program}</b> ({area}), status: running. Residents see it in /program.").format(
        program=esc(program.name), area=esc(label(turn.t, catalog.DIMENSIONS, program.dimension))))


steps.register(*STATES, text=on_text, hint=steps.WRITE_AS_TEXT)
