"""Choosing the regency/city: by typing, by browsing provinces, or by sharing a location."""

from __future__ import annotations

import asyncio

from bot.i18n import N_
from bot.render import keyboards as kb
from bot.render.callbacks import Callback
from bot.render.text import shorten
from bot.services import catalog, residents
from bot.services.search import Found, Match, normalise
from handlers import steps
from handlers.common import Turn, esc, in_turn
from handlers.programs import show_program_list
from handlers.region_prompt import ask_region, confirmation, current_region_note
from handlers.subscriptions import ask_once

SHOWN_QUERY_MAX = 50  # what the resident typed, as quoted back
COHORT_MARK = "★"  # a region of the smart-city cohorts, in lists of regions
REGION_HINT = N_("Please type the name of your regency or city, or send your location.")  # for media meanwhile
SHORT_KINDS = {"kecamatan": "Kec.", "kelurahan": "Kel.", "desa": "Ds.", "distrik": "Distrik"}


def is_browse_request(turn: Turn, text: str) -> bool:
    wanted = normalise(text)
    return any(normalise(kb.browse_label(turn.deps.i18n.get(lang))) == wanted for lang in ("id", "en"))


async def search_text(turn: Turn, text: str) -> None:
    """Offer the regions matching what the resident typed: by name, everyday name, kecamatan or desa."""
    _ = turn.t.gettext
    if is_browse_request(turn, text):
        await show_provinces(turn, 0, edit=False)
        return
    if not normalise(text):
        turn.reply(_("Please type the name of your regency or city, for example <i>Bandung</i>."))
        return
    # Off the event loop: the first search reads the kecamatan and desa names (about 0.1 s).
    found = await asyncio.to_thread(turn.deps.regions.find, text)
    shown = esc(shorten(text.strip(), SHOWN_QUERY_MAX))
    browse = [kb.button(kb.browse_label(turn.t), "provs", 0)]
    if not found.matches:
        turn.reply(
            _(
                "Sorry, we found no regency or city, kecamatan, desa or kelurahan called “{query}”. "
                "Please check the spelling, or choose from the province list."
            ).format(query=shown),
            kb.markup(browse),
        )
        return
    rows = [[kb.button(match_label(m), "region", m.region.code)] for m in found.matches]
    message = _("Choose your regency or city:")
    if found.more:
        message += "\n\n" + turn.t.ngettext(
            "“{query}” is also found in {n} more regency or city. Type the name with your regency or city, "
            "for example <i>{example}</i>.",
            "“{query}” is also found in {n} more regencies and cities. Type the name with your regency or city, "
            "for example <i>{example}</i>.",
            found.more,
        ).format(query=shown, n=turn.t.integer(found.more), example=esc(example(text, found)))
    if any(m.region.cohort_year for m in found.matches):
        message += "\n\n" + cohort_legend(turn)
    turn.reply(message, kb.markup(*rows, browse))


def match_label(match: Match) -> str:
    """"Kota Bandung (Jawa Barat)", or the place that matched: "Kecamatan Cibinong, Kabupaten Bogor".

    Shortened, where it is too long for a button, without the province or with "Kec."/"Kel."/"Ds.".
    """
    mark = f" {COHORT_MARK}" if match.region.cohort_year else ""
    if match.place is None:
        labels = [f"{match.region.name} ({match.region.province}){mark}", f"{match.region.name}{mark}"]
    else:
        kind = match.place_kind or ""
        labels = [f"{kind.capitalize()} {match.place.name}, {match.region.name}{mark}",
                  f"{SHORT_KINDS.get(kind, kind)} {match.place.name}, {match.region.name}{mark}"]
    return next((label for label in labels if len(label) <= kb.BUTTON_TEXT_MAX), labels[-1])


def example(text: str, found: Found) -> str:
    """What the resident typed followed by the first region offered: "Wonosari Gunungkidul"."""
    return f"{' '.join(text.split()[:4])[:40]} {found.matches[0].region.base.title()}"


def cohort_legend(turn: Turn) -> str:
    return turn.t.gettext("{mark} a region of the 100 Smart City Movement").format(mark=COHORT_MARK)


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
    buttons = [[kb.button(r.name + (f" {COHORT_MARK}" if r.cohort_year else ""), "region", r.code)] for r in rows]
    text = turn.t.gettext("Regencies and cities in <b>{province}</b>:").format(province=esc(rows[0].province))
    if any(r.cohort_year for r in rows):
        text += "\n\n" + cohort_legend(turn)
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
    """Propose the region a shared location lies in (by its boundary), for the resident to confirm.

    A point in no boundary (at sea, outside Indonesia, a gap between simplified boundaries) is offered the
    region with the nearest centre, saying how far it is. The location itself is not kept.
    """
    _ = turn.t.gettext
    location = turn.update.effective_message.location  # type: ignore[union-attr]
    assert location is not None
    # Off the event loop: the first lookup reads the boundaries (about 0.2 s).
    region, km = await asyncio.to_thread(turn.deps.regions.locate, location.latitude, location.longitude)
    if km is None:
        text = _("Your location is in <b>{region}</b>, {province}. Is this right?")
    else:
        text = _(
            "Your location is not inside any regency or city we know (perhaps at sea or outside Indonesia). "
            "The nearest is <b>{region}</b>, {province}, about {km} km away. Is {region} your region?"
        )
    turn.reply(
        text.format(region=esc(region.name), province=esc(region.province), km=turn.t.integer(round(km or 0))),
        kb.markup(
            [kb.button(_("Yes, that's right"), "region", region.code)],
            [kb.button(_("No, let me search"), "search")],
        ),
    )


@in_turn
async def cmd_region(turn: Turn) -> None:
    """Change the resident's region."""
    ask_region(turn, current_region_note(turn.t, await residents.region_of(turn.session, turn.resident)))


steps.register(residents.CHOOSING_REGION, text=search_text, hint=REGION_HINT)
