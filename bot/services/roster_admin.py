"""The roster of officials as the dashboard's admin console keeps it: the same storage as `quickwin official`,
each change checked by bot.services.auth and written to the audit log with the admin as its actor.

Removing an official (or their last region) ends their dashboard sessions and login links (storage/officials.py),
so an open dashboard stops working at its next request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import auth
from bot.services.auth import Actor
from bot.services.officials import record
from storage import officials as store
from storage import regions as region_store
from storage import roster as roster_store
from storage.models import Region

INVITES_SHOWN = 30


class Change(Enum):
    DONE = "done"
    NOT_ALLOWED = "not_allowed"  # not an admin
    PROTECTED = "protected"  # an admin by configuration, or the admin themself
    UNKNOWN_REGION = "unknown_region"
    NOT_FOUND = "not_found"  # no such official, or not of that region


@dataclass(frozen=True, slots=True)
class RegionMark:
    code: str
    name: str
    coordinator: bool


@dataclass(frozen=True, slots=True)
class Invitation:
    """How someone joined: who invited them, to which region, when."""

    invited_by: int | None
    region_code: str
    at: datetime | None


@dataclass(frozen=True, slots=True)
class RosterEntry:
    telegram_id: int
    role: str  # admin | official
    configured_admin: bool  # in ADMIN_IDS: an admin by configuration, not removable here
    registered: bool  # has a row in the roster (an admin by configuration may have none)
    digest: bool | None
    regions: list[RegionMark]
    invited: list[Invitation]
    joined_at: datetime | None
    removable: bool


@dataclass(frozen=True, slots=True)
class InviteRow:
    region_code: str
    region: Region | None  # None: a region that is no longer listed
    created_by: int | None
    created_at: datetime
    expires_at: datetime
    used_by: int | None
    used_at: datetime | None
    state: str  # used | expired | open


async def _names(session: AsyncSession) -> dict[str, Region]:
    return {r.code: r for r in await region_store.all_regions(session)}


async def roster(session: AsyncSession, actor: Actor, *, admin_ids: frozenset[int]) -> list[RosterEntry] | None:
    """Every official with their regions, inviter and joining date, and the admins by configuration; None when the
    actor may not see the roster."""
    if not auth.may_manage_officials(actor):
        return None
    names = await _names(session)
    invited: dict[int, list[Invitation]] = {}
    for invite in await roster_store.accepted_invites(session):
        assert invite.used_by is not None
        invited.setdefault(invite.used_by, []).append(Invitation(invite.created_by, invite.region_code, invite.used_at))
    entries = []
    listed = set()
    for official, codes, led in await store.list_officials(session):
        tid = official.telegram_id
        listed.add(tid)
        marks = [RegionMark(c, names[c].name if c in names else c, c in led) for c in codes]
        entries.append(RosterEntry(
            tid, "admin" if official.role == "admin" or tid in admin_ids else "official", tid in admin_ids, True,
            official.digest, marks, invited.get(tid, []), official.created_at,
            auth.may_remove_official(actor, tid, admin_ids),
        ))
    for tid in sorted(admin_ids - listed):
        entries.append(RosterEntry(tid, "admin", True, False, None, [], invited.get(tid, []), None, False))
    entries.sort(key=lambda e: (e.role != "admin", e.telegram_id))
    return entries


async def invitations(session: AsyncSession, actor: Actor, *, now: datetime) -> list[InviteRow]:
    """The latest invitations, used or not (admins only; an empty list for anyone else)."""
    if not auth.may_manage_officials(actor):
        return []
    names = await _names(session)
    rows = []
    for i in await roster_store.recent_invites(session, limit=INVITES_SHOWN):
        state = "used" if i.used_at is not None else "expired" if now >= i.expires_at else "open"
        rows.append(InviteRow(i.region_code, names.get(i.region_code), i.created_by, i.created_at, i.expires_at,
                              i.used_by, i.used_at, state))
    return rows


async def add(
    session: AsyncSession, actor: Actor, *, telegram_id: int, region_codes: list[str], coordinator: bool
) -> Change:
    """Make someone an official of these regions (or add regions to an official); one audit entry per region."""
    if not auth.may_manage_officials(actor):
        return Change.NOT_ALLOWED
    if not region_codes or [c for c in region_codes if await region_store.get_region(session, code=c) is None]:
        return Change.UNKNOWN_REGION
    new = await store.get_official(session, telegram_id=telegram_id) is None
    await store.add_official(session, telegram_id=telegram_id, region_codes=region_codes, coordinator=coordinator)
    for code in region_codes:
        record(session, actor.telegram_id, "official.add" if new else "official.add_region", str(telegram_id),
               region=code, coordinator=coordinator)
    return Change.DONE


async def add_region(
    session: AsyncSession, actor: Actor, *, telegram_id: int, region_code: str, coordinator: bool
) -> Change:
    """Add a region to an official already on the roster."""
    if not auth.may_manage_officials(actor):
        return Change.NOT_ALLOWED
    if await store.get_official(session, telegram_id=telegram_id) is None:
        return Change.NOT_FOUND
    return await add(session, actor, telegram_id=telegram_id, region_codes=[region_code], coordinator=coordinator)


async def remove_region(session: AsyncSession, actor: Actor, *, telegram_id: int, region_code: str) -> Change:
    """Take one region from an official (their last one: they can no longer sign in)."""
    if not auth.may_manage_officials(actor):
        return Change.NOT_ALLOWED
    if region_code not in await store.official_regions(session, telegram_id=telegram_id):
        return Change.NOT_FOUND
    await store.remove_official(session, telegram_id=telegram_id, region_codes=[region_code])
    record(session, actor.telegram_id, "official.remove_region", str(telegram_id), region=region_code)
    return Change.DONE


async def remove(session: AsyncSession, actor: Actor, *, telegram_id: int, admin_ids: frozenset[int]) -> Change:
    """Take someone off the roster altogether; their dashboard sessions and login links end with it."""
    if not auth.may_manage_officials(actor):
        return Change.NOT_ALLOWED
    if not auth.may_remove_official(actor, telegram_id, admin_ids):
        return Change.PROTECTED
    if await store.get_official(session, telegram_id=telegram_id) is None:
        return Change.NOT_FOUND
    codes = await store.official_regions(session, telegram_id=telegram_id)
    await store.remove_official(session, telegram_id=telegram_id)
    for code in codes:  # one entry per region, so each region's officials see it in their log
        record(session, actor.telegram_id, "official.remove", str(telegram_id), region=code)
    if not codes:
        record(session, actor.telegram_id, "official.remove", str(telegram_id))
    return Change.DONE


async def set_coordinator(session: AsyncSession, actor: Actor, *, telegram_id: int, region_code: str, on: bool) -> Change:
    """Mark an official as coordinator of one of their regions (told of its overdue tickets), or unmark them."""
    if not auth.may_manage_officials(actor):
        return Change.NOT_ALLOWED
    if not await roster_store.set_coordinator(session, official_id=telegram_id, region_code=region_code, on=on):
        return Change.NOT_FOUND
    record(session, actor.telegram_id, "official.coordinator", str(telegram_id), region=region_code, on=on)
    return Change.DONE
