"""The weekly digest's claims: one row per region and week, taken before the digest is sent."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.inserts import insert_or_ignore
from storage.models import DigestRun


async def is_claimed(session: AsyncSession, *, region_code: str, monday: date) -> bool:
    return await session.get(DigestRun, (region_code, monday)) is not None


async def claim(session: AsyncSession, *, region_code: str, monday: date, now: datetime) -> bool:
    """Take this week's digest for the region; False if someone (another process, an earlier run) did."""
    stmt = insert_or_ignore(session, DigestRun, {"region_code": region_code, "week_start": monday, "claimed_at": now,
                                                 "sent": 0}, on=["region_code", "week_start"])
    result = await session.exec(stmt)
    return bool(result.rowcount)
