"""What every signed-in page shows around its content: scope chooser, navigation, CSRF token, flash message.

A flash message is a code in a short-lived cookie (never text), turned into a sentence in the reader's language.
"""

from __future__ import annotations

import re
from typing import Any

from bot.i18n import N_
from bot.web.context import Ctx

FLASH = "qw_flash"
SCOPE_ACTIONS = {"overview": "/dasbor", "programs": "/dasbor/program", "feedback": "/dasbor/masukan",
                 "broadcasts": "/dasbor/pengumuman", "audit": "/dasbor/audit", "simulator": "/dasbor/coba"}


async def frame(ctx: Ctx, page: str | None) -> dict[str, Any]:
    """What every page's frame shows: scope chooser, navigation, language switch, CSRF token, flash."""
    regions = await ctx.regions()
    choices: list[tuple[str, str, str]] = []  # (group, token, label)
    if ctx.actor.is_admin:
        choices.append(("", "all", ctx.t.gettext("All of Indonesia")))
        provinces = sorted({(r.province, r.province_code) for r in regions})
        choices += [("province", f"p{code}", name) for name, code in provinces]
    choices += [("region", f"r{r.code}", r.name) for r in regions]
    scope_token = ctx.scope.token if ctx.scope else None
    return {
        "actor": ctx.actor,
        "csrf": ctx.session.csrf_token,
        "scope": ctx.scope,
        "scope_token": scope_token,
        "scope_choices": choices,
        "scope_action": SCOPE_ACTIONS.get(page or "", "/dasbor"),
        "here": str(ctx.request.rel_url),
        "flash": _flash(ctx),
        "signed_in": True,
    }


FLASHES = {
    "answered": N_("Your answer to {ticket} has been sent to the resident."),
    "undelivered": N_("The answer to {ticket} is saved, but the resident could not be reached on Telegram."),
    "erased": N_("The answer to {ticket} is saved. The resident has deleted their data, so it cannot be delivered."),
    "status": N_("The status of {ticket} has been changed. The resident has been told."),
    "statusquiet": N_("The status of {ticket} has been changed."),
    "statuslost": N_("The status of {ticket} has been changed, but the resident could not be reached on Telegram."),
    "unchanged": N_("{ticket} already has this status."),
    "marked": N_("{ticket} is marked. It no longer counts in the figures, and the resident is not told."),
    "unmarked": N_("The mark on {ticket} is removed. It counts in the summary again."),
    "markunchanged": N_("{ticket} is already marked this way."),
}
# A kind, and optionally what it is about (a ticket number, a program's or an announcement's id): never free text.
FLASH_VALUE = re.compile(r"([a-z]{1,20})(?:-([0-9A-Za-z.-]{1,20}))?")


def add_flashes(messages: dict[str, str]) -> None:
    """A page module's own flash messages (msgids naming {ref}, {ticket} for a ticket number, or {count})."""
    clash = FLASHES.keys() & messages.keys()
    assert not clash, f"flash kinds given twice: {sorted(clash)}"
    FLASHES.update(messages)


def _flash(ctx: Ctx) -> str | None:
    match = FLASH_VALUE.fullmatch(ctx.request.cookies.get(FLASH, ""))
    if not match or match.group(1) not in FLASHES:
        return None
    ref = match.group(2) or ""
    count = ctx.t.integer(int(ref)) if ref.isdigit() else ref  # a message may name {count}: a number, as the reader writes it
    return ctx.t.gettext(FLASHES[match.group(1)]).format(ticket=ref, ref=ref, count=count)
