"""Asking for the regency/city, and confirming it: one screen each, shared by every flow that needs them."""

from __future__ import annotations

from bot.i18n import Translator
from bot.render import keyboards as kb
from bot.services import residents
from handlers.common import Turn, esc
from storage.models import Region


def prompt_text(t: Translator) -> str:
    return t.gettext(
        "In which regency or city do you live?\n\n"
        "• type its name, for example <i>Bandung</i> or <i>Kab Bogor</i>, or the name of your kecamatan, "
        "desa or kelurahan, for example <i>Cibinong</i>;\n"
        "• or choose from the province list with the button below;\n"
        "• or send your location: press 📎 and choose <i>Location</i>."
    )


def ask_region(turn: Turn, note: str | None = None, *, edit: bool = False) -> None:
    """The prompt, below an optional note; `edit` shows it in the pressed message instead of a new one."""
    residents.set_state(turn.session, turn.resident, residents.CHOOSING_REGION)
    text = (note + "\n\n" if note else "") + prompt_text(turn.t)
    markup = kb.region_prompt(turn.t)
    turn.edit(text, markup) if edit else turn.reply(text, markup)


def current_region_note(t: Translator, region: Region | None) -> str | None:
    return t.gettext("Your region now: <b>{region}</b>.").format(region=esc(region.name)) if region else None


def confirmation(t: Translator, region: Region) -> str:
    return t.gettext(
        "Your region is now <b>{region}</b>, {province}. You can change it at any time with /wilayah."
    ).format(region=esc(region.name), province=esc(region.province))
