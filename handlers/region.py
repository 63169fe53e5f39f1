"""Choosing the regency/city: by typing, by browsing provinces, or by sharing a location."""

from __future__ import annotations

from bot import catalog, residents
from bot.search import MAX_QUERY, normalise
from handlers import keyboards as kb
from handlers.callbacks import Callback
from handlers.common import Turn, esc, in_turn
from handlers.programs import show_program_list
from handlers.region_prompt import ask_region, confirmation, current_region_note
from handlers.subscriptions import ask_once

FAR_KM = 100.0  # farther than this from every centroid: probably not a participating region


def is_browse_request(turn: Turn, text: str) -> bool:
    wanted = normalise(text)
    return any(normalise(kb.browse_label(turn.deps.i18n.get(lang))) == wanted for lang in ("id", "en"))


async def search_text(turn: Turn, text: str) -> None:
    """Offer the regions matching what the resident typed."""
    _ = turn.t.gettext
    if is_browse_request(turn, text):
        await show_provinces(turn, 0, edit=False)
        return
    if not normalise(text):
        turn.reply(_("Please type the name of your regency or city, for example <i>Bandung</i>."))
        return
    matches = turn.deps.regions.search(text)
    shown = esc(text.strip()[:MAX_QUERY] if len(text.strip()) <= 50 else text.strip()[:49] + "…")
    browse = [kb.button(kb.browse_label(turn.t), "provs", 0)]
    if not matches:
        turn.reply(
            _(
                "Sorry, we found no regency or city called “{query}” among the regions of the "
                "100 Smart City Movement. Please check the spelling, or choose from the province list."
            ).format(query=shown),
            kb.markup(browse),
        )
        return
    rows = [[kb.button(f"{m.name} ({m.province})", "region", m.code)] for m in matches]
    turn.reply(_("Choose your regency or city:"), kb.markup(*rows, browse))


async def show_provinces(turn: Turn, page: int, *, edit: bool) -> None:
    rows, shown, pages = await catalog.provinces_page(turn.session, page=page)
    buttons = [kb.button(f"{name} ({count})", "prov", code, 0) for code, name, count in rows]
    grid = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    text = turn.t.gettext("Choose your province:")
    markup = kb.markup(*grid, kb.pager(turn.t, "provs", shown, pages))
    turn.edit(text, markup) if edit else turn.reply(text, markup)


@in_turn
async def on_provinces(turn: Turn, cb: Callback) -> None:
    """Show a page of provinces."""
    await show_provinces(turn, cb.int(0), edit=True)


@in_turn
async def on_province(turn: Turn, cb: Callback) -> None:
    """Show a page of a province's regions."""
    code = cb.str(0)
    rows, shown, pages = await catalog.province_regions_page(turn.session, province_code=code, page=cb.int(1))
    if not rows:
        turn.answer(turn.t.gettext("This list is out of date. Here is the current one."))
        await show_provinces(turn, 0, edit=True)
        return
    buttons = [[kb.button(r.name, "region", r.code)] for r in rows]
    text = turn.t.gettext("Participating regencies and cities in <b>{province}</b>:").format(
        province=esc(rows[0].province)
    )
    back = [kb.button(turn.t.gettext("‹ Provinces"), "provs", 0)]
    turn.edit(text, kb.markup(*buttons, kb.pager(turn.t, "prov", shown, pages, code), back))


@in_turn
async def on_region_chosen(turn: Turn, cb: Callback) -> None:
    """Set the resident's region; the pressed message becomes the confirmation with the next screen.

    That is the once-only question about announcements (its answer then shows the programs), or else
    the program list straight away.
    """
    _ = turn.t.gettext
    if turn.resident.region_code == cb.str(0) and turn.resident.state != residents.CHOOSING_REGION:
        turn.answer(_("This region is already chosen."))
        return
    region = await residents.choose_region(turn.session, turn.resident, cb.str(0))
    if region is None:
        turn.answer(_("This region is not in our list. Please choose again."), alert=True)
        return
    confirmed = confirmation(turn.t, region)
    if not ask_once(turn, region, confirmed):
        await show_program_list(turn, region, 0, edit=True, note=confirmed)


@in_turn
async def on_search_again(turn: Turn, _cb: Callback) -> None:
    """Ask the resident to type their region's name, in the pressed message."""
    ask_region(turn, current_region_note(turn.t, await residents.region_of(turn.session, turn.resident)), edit=True)


@in_turn
async def on_location(turn: Turn) -> None:
    """Propose the region nearest to a shared location, for the resident to confirm."""
    _ = turn.t.gettext
    location = turn.update.effective_message.location  # type: ignore[union-attr]
    assert location is not None
    region, km = turn.deps.regions.nearest(location.latitude, location.longitude)
    if km > FAR_KM:
        text = _(
            "The nearest participating region is <b>{region}</b>, {province}, about {km} km away. "
            "Your area may not be part of the 100 Smart City Movement yet. Is {region} your region?"
        )
    else:
        text = _("Your location is closest to <b>{region}</b>, {province}. Is this right?")
    turn.reply(
        text.format(region=esc(region.name), province=esc(region.province), km=turn.t.integer(round(km))),
        kb.markup(
            [kb.button(_("✅ Yes, that's right"), "region", region.code)],
            [kb.button(_("✏️ No, let me search"), "search")],
        ),
    )


@in_turn
async def cmd_region(turn: Turn) -> None:
    """Change the resident's region."""
    ask_region(turn, current_region_note(turn.t, await residents.region_of(turn.session, turn.resident)))
