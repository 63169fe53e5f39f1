"""The weekly digest's claims: one row per region and week, taken before the digest is sent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import DigestRun


async def is_claimed(session: AsyncSession, *, region_code: str, monday: date) -> bool:
    return await session.get(DigestRun, (region_code, monday)) is not None


async def claim(session: AsyncSession, *, region_code: str, monday: date, now: datetime) -> bool:
    """Take this week's digest for the region; False if someone (another process, an earlier run) did."""
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert  # type: ignore[union-attr]
    stmt = insert(DigestRun).values(region_code=region_code, week_start=monday, claimed_at=now, sent=0)
    result = await session.exec(stmt.on_conflict_do_nothing(index_elements=["region_code", "week_start"]))
    return bool(result.rowcount)
