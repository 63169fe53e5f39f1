"""What the roster's pages share (console_officials.py, console_invites.py): the admins-only check, the form
fields they read, and the roster page itself (shown again with the errors of a refused form)."""

from __future__ import annotations

import re
from typing import Any

from bot.i18n import N_
from bot.services import auth, roster_admin
from bot.web import inputs
from bot.web.context import Ctx, Page, Refusal
from storage.simulated import SIMULATED_FROM

REGION = re.compile(r"[0-9]{2}\.[0-9]{2}")
REGIONS_MAX = 50
ADMINS_ONLY = N_("Only admins can manage officials.")


def admin_only(ctx: Ctx) -> None:
    """Every route of the roster: admins only (bot.services.auth decides)."""
    if not auth.may_manage_officials(ctx.actor):
        raise Refusal(403, ADMINS_ONLY)


def field(ctx: Ctx, name: str) -> str:
    value = ctx.form.get(name) if ctx.form is not None else None
    return value.strip() if isinstance(value, str) else ""


def region_codes(ctx: Ctx) -> list[str] | None:
    """The region codes the form names (one field or several), or None when none is given or one is not a code."""
    values = [v.strip() for v in (ctx.form.getall("wilayah", []) if ctx.form is not None else []) if isinstance(v, str)]
    codes = list(dict.fromkeys(v for v in values if v))
    if not codes or len(codes) > REGIONS_MAX or any(REGION.fullmatch(c) is None for c in codes):
        return None
    return codes


def telegram_id(value: str) -> int | None:
    """A Telegram user id: what Telegram gives people (up to 52 bits), never a simulator resident's."""
    return inputs.whole_number(value, low=1, high=SIMULATED_FROM - 1)


async def roster_page(ctx: Ctx, errors: list[str] | None = None, status: int = 200,
                      draft: dict[str, Any] | None = None) -> Page:
    """The roster, the add form (with what was typed, after an error) and the latest invitations."""
    entries = await roster_admin.roster(ctx.db, ctx.actor, admin_ids=ctx.deps.settings.admin_ids)
    if entries is None:
        raise Refusal(403, ADMINS_ONLY)
    regions = await ctx.regions()
    provinces: dict[str, list[Any]] = {}
    for r in sorted(regions, key=lambda r: (r.province, r.name)):
        provinces.setdefault(r.province, []).append(r)
    return Page("officials.html", {
        "page": "officials", "entries": entries, "errors": errors or [], "provinces": provinces,
        "zones": {r.code: r.timezone for r in regions},
        "invites": await roster_admin.invitations(ctx.db, ctx.actor, now=ctx.now),
        "draft": draft or {"telegram_id": "", "wilayah": [], "koordinator": False},
    }, status=status)
