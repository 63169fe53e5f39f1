"""The weekly digest's clock: Monday 08:00 in each region's own zone, once per region and week."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import digests as digest_store
from storage import officials as official_store
from storage import regions as region_store
from storage.models import Region
from storage.zones import ZONES

DIGEST_TIME = time(8, 0)
CATCH_UP = timedelta(hours=24)  # a bot that was down at 08:00 still sends on Monday, not days later


def week_start(now: datetime, zone: str) -> date:
    """The Monday of the week `now` falls in, in the zone's local time."""
    local = now.astimezone(ZONES[zone])
    return (local - timedelta(days=local.weekday())).date()


def due_time(monday: date, zone: str) -> datetime:
    return datetime.combine(monday, DIGEST_TIME, tzinfo=ZONES[zone]).astimezone(UTC)


async def due(session: AsyncSession, now: datetime) -> list[tuple[Region, date]]:
    """Regions whose digest for this week is due now and not yet claimed."""
    wanted = set(await official_store.regions_with_digest(session))
    found = []
    for region in await region_store.all_regions(session):
        if region.code not in wanted:
            continue
        code = region.code
        monday = week_start(now, region.timezone)
        at = due_time(monday, region.timezone)
        if at <= now < at + CATCH_UP and not await digest_store.is_claimed(session, region_code=code, monday=monday):
            found.append((region, monday))
    return found


async def claim(session: AsyncSession, *, region_code: str, monday: date, now: datetime) -> bool:
    """Take this week's digest for the region; False if someone (another process, an earlier run) did."""
    return await digest_store.claim(session, region_code=region_code, monday=monday, now=now)


async def recipients(session: AsyncSession, *, region_code: str) -> list[int]:
    return await official_store.digest_recipients(session, region_code=region_code)
