"""The audiences a console form offers (announcements and surveys): the same rules as the chat's /umumkan."""

from __future__ import annotations

import re

from bot.services import broadcast as service
from bot.services.broadcast import Audience
from bot.web.context import Ctx
from storage import dashboard as queries

AUDIENCE = re.compile(r"all|p[0-9]{2}|r[0-9]{2}\.[0-9]{2}|g[0-9]{1,9}")
KINDS = {"a": "all", "p": "province", "r": "region", "g": "program"}


async def choices(ctx: Ctx) -> list[tuple[str, str]]:
    """(token, label) of every audience the official may reach."""
    _ = ctx.t.gettext
    regions = await ctx.regions()
    found: list[tuple[str, str]] = []
    if ctx.actor.is_admin:
        found.append(("all", _("All subscribed residents")))
        for name, code in sorted({(r.province, r.province_code) for r in regions}):
            found.append((f"p{code}", _("Province: {name}").format(name=name)))
    found += [(f"r{r.code}", _("Subscribers of {region}").format(region=r.name)) for r in regions]
    codes = None if ctx.actor.is_admin else [r.code for r in regions]
    for program_id, name, region in await queries.program_choices(ctx.db, region_codes=codes):
        found.append((f"g{program_id}", _("Followers of {program} ({region})").format(program=name, region=region)))
    return found


async def audience(ctx: Ctx, token: str) -> Audience | None:
    """The audience of a form's token, if the official may reach it."""
    if AUDIENCE.fullmatch(token) is None:
        return None
    kind = KINDS[token[0]]
    return await service.resolve_audience(ctx.db, ctx.actor, kind, None if kind == "all" else token[1:])


async def default_token(ctx: Ctx) -> str:
    """The form's preselected audience: the page's scope (the whole country for an admin)."""
    scope = await ctx.resolve_scope()
    return {"country": "all", "province": scope.token}.get(scope.kind, scope.token)
