"""Queries the dashboard's roster of officials needs beyond storage/officials.py: invitations, coordinator marks."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import run_select
from storage.models import Invite, OfficialRegion


async def set_coordinator(session: AsyncSession, *, official_id: int, region_code: str, on: bool) -> int:
    """Mark (or unmark) an official as coordinator of one of their regions; rows changed (0: not their region)."""
    result = await session.exec(
        update(OfficialRegion)
        .where(col(OfficialRegion.official_id) == official_id, col(OfficialRegion.region_code) == region_code)
        .values(coordinator=on)
    )
    return int(result.rowcount or 0)


async def recent_invites(session: AsyncSession, *, limit: int) -> list[Invite]:
    """The latest invitations, used or not, newest first."""
    stmt = select(Invite).order_by(col(Invite.created_at).desc(), col(Invite.code_hash)).limit(limit)
    return list((await run_select(session, stmt)).scalars())


async def accepted_invites(session: AsyncSession) -> list[Invite]:
    """Every invitation someone accepted, oldest first: who invited whom, to which region, when."""
    stmt = select(Invite).where(col(Invite.used_by).is_not(None)).order_by(col(Invite.used_at))
    return list((await run_select(session, stmt)).scalars())
