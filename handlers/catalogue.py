"""/kelolaprogram: officials and admins change a program's status (and tell residents), or close it."""

from __future__ import annotations

from bot import catalog, catalogue_admin, officials
from bot.i18n import Translator
from handlers import keyboards as kb
from handlers.callbacks import Callback
from handlers.common import Turn, esc, in_turn
from handlers.officials import not_an_official
from handlers.programs import label

LISTED = 40


def status_announcement(t: Translator, name: str, region: str, status: str) -> str:
    return t.gettext("ℹ️ <b>{program}</b> ({region}) is now: {status}.").format(
        program=esc(name), region=esc(region), status=esc(label(t, catalog.PROGRAM_STATUSES, status)))


@in_turn
async def cmd_manage(turn: Turn) -> None:
    """List the programs the official may manage."""
    _ = turn.t.gettext
    actor = await turn.actor()
    if not actor.is_official:
        not_an_official(turn)
        return
    rows = []
    for region in await officials.regions_of(turn.session, actor):
        if len(rows) >= LISTED:
            break
        programs, _shown, _pages = await catalog.programs_page(turn.session, region_code=region.code, page=0)
        rows += [[kb.button(f"{p.program.name} · {label(turn.t, catalog.PROGRAM_STATUSES, p.program.status)}",
                            "pm", p.program.id)] for p in programs]  # type: ignore[arg-type]
    if not rows:
        turn.reply(_("No programs are listed for your regions yet. Import them with `quickwin import`."))
        return
    turn.reply(_("Which program? (To add many at once, use the CSV import: quickwin import FILE.csv)"),
               kb.markup(*rows[:LISTED]))


@in_turn
async def on_program(turn: Turn, cb: Callback) -> None:
    """A program's management buttons: the three statuses, close."""
    _ = turn.t.gettext
    program = await catalogue_admin.program_for(turn.session, await turn.actor(), cb.int(0))
    if program is None:
        turn.answer(_("This program was not found, or it is not in your region."), alert=True)
        return
    statuses = [kb.button(label(turn.t, catalog.PROGRAM_STATUSES, s), "pms", program.id, s)  # type: ignore[arg-type]
                for s in catalog.PROGRAM_STATUSES if s != program.status]
    turn.edit(
        _("<b>{program}</b>\nStatus now: {status}. Change it, or close the program (it leaves the list; its ratings stay).")
        .format(program=esc(program.name), status=esc(label(turn.t, catalog.PROGRAM_STATUSES, program.status))),
        kb.markup(statuses, [kb.button(_("🗑 Close this program"), "pmc", program.id)]),  # type: ignore[arg-type]
    )


@in_turn
async def on_status(turn: Turn, cb: Callback) -> None:
    """Set the status, then offer to tell the residents."""
    _ = turn.t.gettext
    program = await catalogue_admin.set_status(turn.session, await turn.actor(), cb.int(0), cb.str(1))
    if program is None:
        turn.answer(_("This program was not found, or it is not in your region."), alert=True)
        return
    turn.edit(
        _("Status of <b>{program}</b> is now: {status}. Tell the residents?").format(
            program=esc(program.name), status=esc(label(turn.t, catalog.PROGRAM_STATUSES, program.status))),
        kb.markup([kb.button(_("🔔 Tell the program's followers"), "pmn", program.id, "program")],  # type: ignore[arg-type]
                  [kb.button(_("📣 Tell the region's subscribers"), "pmn", program.id, "region")],  # type: ignore[arg-type]
                  [kb.button(_("No, thank you"), "pmn", program.id, "none")]),  # type: ignore[arg-type]
    )


@in_turn
async def on_notify(turn: Turn, cb: Callback) -> None:
    """Announce the new status (in the default language; residents get the stop button in theirs)."""
    _ = turn.t.gettext
    actor = await turn.actor()
    program = await catalogue_admin.program_for(turn.session, actor, cb.int(0))
    if program is None:
        turn.answer(_("This program was not found, or it is not in your region."), alert=True)
        return
    if cb.str(1) == "none":
        turn.edit(_("Saved. Nobody was notified."))
        return
    region = turn.deps.regions.get(program.region_code)
    t = turn.deps.i18n.get(turn.deps.settings.default_language)
    text = status_announcement(t, program.name, region.name if region else program.region_code, program.status)
    count = await catalogue_admin.notify_status(turn.session, actor, program, audience_kind=cb.str(1), text=text,
                                                now=turn.now)
    turn.edit(_("Saved. The announcement goes to {count} residents; follow it with /siaran.").format(
        count=turn.t.integer(count)))


@in_turn
async def on_close(turn: Turn, cb: Callback) -> None:
    """Close a program."""
    _ = turn.t.gettext
    program = await catalogue_admin.close(turn.session, await turn.actor(), cb.int(0))
    if program is None:
        turn.answer(_("This program was not found, or it is not in your region."), alert=True)
        return
    turn.edit(_("<b>{program}</b> is closed and no longer listed. Its ratings are kept.").format(program=esc(program.name)))
