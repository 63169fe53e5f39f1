"""Queries on regions."""

from __future__ import annotations

import weakref

from sqlalchemy import Engine, func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import run_select
from storage.models import Region

# Regions are reference data: rows are added by seeding and not changed while the bot runs. A resident's
# turn (their region, a program's region) reads them from memory, per database, as detached copies nobody
# writes to, so it costs no query; a code not found is asked again. Administrative paths (invitations,
# imports, the roster) use `get_region`, which always asks the database.
_known: weakref.WeakKeyDictionary[Engine, dict[str, Region]] = weakref.WeakKeyDictionary()


def _cache(session: AsyncSession) -> dict[str, Region]:
    engine = session.bind.sync_engine  # type: ignore[union-attr]
    cache = _known.get(engine)
    if cache is None:
        cache = _known[engine] = {}
    return cache


async def all_regions(session: AsyncSession) -> list[Region]:
    result = await run_select(session, select(Region).order_by(col(Region.name)))
    regions = list(result.scalars())
    for region in regions:
        _remember(session, region)
    return regions


async def get_region(session: AsyncSession, *, code: str) -> Region | None:
    region = await session.get(Region, code)
    if region is not None:
        _remember(session, region)
    return region


async def cached_region(session: AsyncSession, *, code: str) -> Region | None:
    """The region from memory when it was read before (see above), else from the database."""
    cached = _cache(session).get(code)
    return cached if cached is not None else await get_region(session, code=code)


def _remember(session: AsyncSession, region: Region) -> None:
    cache = _cache(session)
    if region.code not in cache:
        copy = Region.model_validate(region.model_dump())  # detached: belongs to no session
        cache[region.code] = copy


async def provinces(session: AsyncSession) -> list[tuple[str, str, int]]:
    """(province_code, province, number of regions), ordered by province name."""
    stmt = (
        select(col(Region.province_code), func.min(col(Region.province)), func.count())
        .group_by(col(Region.province_code))
        .order_by(func.min(col(Region.province)))
    )
    result = await run_select(session, stmt)
    return [(code, name, count) for code, name, count in result.all()]


async def regions_in_province(
    session: AsyncSession, *, province_code: str, offset: int, limit: int
) -> tuple[list[Region], int]:
    """One page of a province's regions, and how many there are in all."""
    total = await session.scalar(select(func.count()).select_from(Region).where(col(Region.province_code) == province_code))
    stmt = (
        select(Region)
        .where(col(Region.province_code) == province_code)
        .order_by(col(Region.name))
        .offset(offset)
        .limit(limit)
    )
    result = await run_select(session, stmt)
    return list(result.scalars()), int(total or 0)
