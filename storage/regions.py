"""Queries on regions."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Region


async def all_regions(session: AsyncSession) -> list[Region]:
    result = await session.exec(select(Region).order_by(Region.name))  # type: ignore[call-overload]
    return list(result.scalars())


async def get_region(session: AsyncSession, *, code: str) -> Region | None:
    return await session.get(Region, code)


async def provinces(session: AsyncSession) -> list[tuple[str, str, int]]:
    """(province_code, province, number of regions), ordered by province name."""
    stmt = (
        select(Region.province_code, func.min(Region.province), func.count())
        .group_by(Region.province_code)
        .order_by(func.min(Region.province))
    )
    result = await session.exec(stmt)  # type: ignore[call-overload]
    return [(code, name, count) for code, name, count in result.all()]


async def regions_in_province(
    session: AsyncSession, *, province_code: str, offset: int, limit: int
) -> tuple[list[Region], int]:
    """One page of a province's regions, and how many there are in all."""
    total = await session.scalar(select(func.count()).select_from(Region).where(Region.province_code == province_code))
    stmt = (
        select(Region)
        .where(Region.province_code == province_code)
        .order_by(Region.name)
        .offset(offset)
        .limit(limit)
    )
    result = await session.exec(stmt)  # type: ignore[call-overload]
    return list(result.scalars()), int(total or 0)
