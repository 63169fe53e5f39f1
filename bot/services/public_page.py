"""The public page's switches (/publik): an admin hides the national list or one region's page, and shows it again.

Only admins may change them (the issue: "a national list of regions that an admin can turn off"); each change is
written to the audit log. What the page may show of the figures is bot/services/public_figures.py's.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.auth import Actor, may_switch_public_page
from bot.services.officials import record
from storage import public_page as store
from storage import regions as region_store
from storage.public_page import NATIONAL

__all__ = ["NATIONAL", "hidden_scopes", "set_hidden"]


async def hidden_scopes(session: AsyncSession) -> set[str]:
    """The hidden pages: NATIONAL for the national list, region codes for regions' pages."""
    return await store.hidden_scopes(session)


async def set_hidden(session: AsyncSession, actor: Actor, scope: str, *, hidden: bool, now: datetime) -> bool | None:
    """Hide or show a page; True when it changed, False when it was so already, None when refused (not an admin,
    or no such region)."""
    if not may_switch_public_page(actor):
        return None
    if scope != NATIONAL and await region_store.get_region(session, code=scope) is None:
        return None
    if hidden:
        changed = await store.hide(session, scope=scope, by=actor.telegram_id, now=now)
    else:
        changed = await store.show(session, scope=scope)
    if changed:
        record(session, actor.telegram_id, "public.hide" if hidden else "public.show", scope)
    return changed
