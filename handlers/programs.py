"""/program: the region's quick-win programs, and a program's page."""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.i18n import Translator
from bot.render import keyboards as kb
from bot.render.callbacks import Callback
from bot.render.programs import label, rating_line
from bot.services import catalog, residents
from handlers.common import Turn, esc, in_turn
from handlers.region_prompt import ask_region
from storage.models import Region
from storage.programs import ProgramWithStats


async def show_program_list(turn: Turn, region: Region, page: int, *, edit: bool, note: str | None = None) -> None:
    """The region's programs (a page of them), below an optional note: one message, or the pressed one."""
    _ = turn.t.gettext
    rows, shown, pages = await catalog.programs_page(turn.session, region_code=region.code, page=page)
    if not rows:
        text = _(
            "<b>{region}</b> has not listed any quick-win program here yet. "
            "We can let you know when the first one is added."
        ).format(region=esc(region.name))
        markup = kb.markup(
            [kb.button(_("🔔 Notify me"), "notify", region.code)],
            [kb.button(_("Change region"), "search")],
        )
    else:
        lines = [_("<b>Quick-win programs in {region}</b>").format(region=esc(region.name))]
        if pages > 1:
            lines.append(_("Page {page} of {pages}").format(page=shown + 1, pages=pages))
        for number, item in enumerate(rows, start=shown * catalog.PROGRAMS_PER_PAGE + 1):
            p = item.program
            lines += [
                "",
                f"{number}. <b>{esc(p.name)}</b>",
                f"{esc(label(turn.t, catalog.DIMENSIONS, p.dimension))} · {esc(label(turn.t, catalog.PROGRAM_STATUSES, p.status))}",
                rating_line(turn.t, item.average, item.count),
            ]
        lines += ["", _("Choose a program to see its details and rate it.")]
        text = "\n".join(lines)
        buttons = [
            [kb.button(f"{n}. {item.program.name}", "prog", item.program.id, shown)]  # type: ignore[arg-type]
            for n, item in enumerate(rows, start=shown * catalog.PROGRAMS_PER_PAGE + 1)
        ]
        markup = kb.markup(*buttons, kb.pager(turn.t, "progs", shown, pages), [kb.button(_("Change region"), "search")])
    if note:
        text = note + "\n\n" + text
    turn.edit(text, markup) if edit else turn.reply(text, markup)


def program_page(t: Translator, stats: ProgramWithStats, region: Region) -> str:
    _ = t.gettext
    p = stats.program
    lines = [f"<b>{esc(p.name)}</b>", esc(region.name), "", esc(p.description), ""]
    lines.append(_("Area: {dimension}").format(dimension=esc(label(t, catalog.DIMENSIONS, p.dimension))))
    if p.agency:
        lines.append(_("Run by: {agency}").format(agency=esc(p.agency)))
    lines.append(_("Status: {status}").format(status=esc(label(t, catalog.PROGRAM_STATUSES, p.status))))
    if p.source_date:  # the status as of the source: a 2017 "planned" is not today's
        lines.append(_("According to a source from {year}.").format(year=p.source_date.year))
    lines.append(_("Rating: {summary}").format(summary=rating_line(t, stats.average, stats.count)))
    if stats.count:
        for stars in range(5, 0, -1):
            lines.append(f"   {stars} ★  {t.integer(stats.distribution[stars - 1])}")
    if p.source_url and urlsplit(p.source_url).scheme in ("http", "https"):
        host = urlsplit(p.source_url).hostname or p.source_url
        lines.append(
            _("Source: {link}").format(link=f'<a href="{esc(p.source_url, quote=True)}">{esc(host)}</a>')
        )
    return "\n".join(lines)


@in_turn
async def cmd_programs(turn: Turn) -> None:
    """List the quick-win programs of the resident's region."""
    region = await residents.region_of(turn.session, turn.resident)
    if region is None:
        ask_region(turn, turn.t.gettext("First, tell us your region."))
        return
    await show_program_list(turn, region, 0, edit=False)


@in_turn
async def on_program_list(turn: Turn, cb: Callback) -> None:
    """Show a page of the region's programs."""
    region = await residents.region_of(turn.session, turn.resident)
    if region is None:
        ask_region(turn, edit=True)
        return
    await show_program_list(turn, region, cb.int(0), edit=True)


@in_turn
async def on_program(turn: Turn, cb: Callback) -> None:
    """Show one program with its rating summary and the rate button."""
    _ = turn.t.gettext
    found = await catalog.program_details(turn.session, program_id=cb.int(0))
    if found is None:
        turn.answer(_("This program is no longer listed. Here is the current list."), alert=True)
        region = await residents.region_of(turn.session, turn.resident)
        if region is not None:
            await show_program_list(turn, region, 0, edit=True)
        return
    stats, region = found
    markup = kb.markup(
        [kb.button(_("⭐ Rate this program"), "ask", stats.program.id)],  # type: ignore[arg-type]
        [kb.button(_("Follow this program"), "follow", stats.program.id)],  # type: ignore[arg-type]
        [kb.button(_("‹ Back"), "progs", cb.int(1))],
    )
    turn.edit(program_page(turn.t, stats, region), markup)


@in_turn
async def on_notify(turn: Turn, cb: Callback) -> None:
    """Remember that the resident wants to hear when their region lists a program."""
    _ = turn.t.gettext
    if not residents.has_consented(turn.resident):
        turn.answer(_("Please agree to the privacy notice first (/privasi)."), alert=True)
        return
    residents.want_new_program_notice(turn.session, turn.resident)
    turn.edit(_("🔔 Done. We will send you a message when the first program is added."))
