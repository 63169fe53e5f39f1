"""Queries on officials, their regions, invites and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import web_sessions
from storage.db import run_select
from storage.inserts import insert_or_ignore
from storage.models import AuditEntry, Invite, Official, OfficialRegion, utcnow


async def get_official(session: AsyncSession, *, telegram_id: int) -> Official | None:
    return await session.get(Official, telegram_id)


async def official_regions(session: AsyncSession, *, telegram_id: int) -> list[str]:
    stmt = select(col(OfficialRegion.region_code)).where(col(OfficialRegion.official_id) == telegram_id).order_by(col(OfficialRegion.region_code))
    return list((await run_select(session, stmt)).scalars())


async def add_official(
    session: AsyncSession, *, telegram_id: int, region_codes: list[str], admin: bool = False,
    coordinator: bool | None = None,
) -> Official:
    """Create the official if needed and add the regions (idempotent); `coordinator` set on those regions."""
    stmt = insert_or_ignore(session, Official, {
        "telegram_id": telegram_id, "role": "admin" if admin else "official", "digest": True, "created_at": utcnow()
    }, on=["telegram_id"])
    await session.exec(stmt)
    if admin:
        await session.exec(update(Official).where(col(Official.telegram_id) == telegram_id).values(role="admin"))
    if region_codes:
        link = insert_or_ignore(session, OfficialRegion,
                                [{"official_id": telegram_id, "region_code": code} for code in region_codes],
                                on=["official_id", "region_code"])
        await session.exec(link)
        if coordinator is not None:
            await session.exec(
                update(OfficialRegion)
                .where(col(OfficialRegion.official_id) == telegram_id, col(OfficialRegion.region_code).in_(region_codes))
                .values(coordinator=coordinator)
            )
    official = await session.get(Official, telegram_id, populate_existing=True)
    assert official is not None
    return official


async def remove_official(session: AsyncSession, *, telegram_id: int, region_codes: list[str] | None = None) -> int:
    """Remove some regions, or (None) the official altogether; returns rows removed.

    An official left without any region (and not an admin) loses their dashboard sessions and login links
    too, so being added again later never revives an old session.
    """
    if region_codes:
        result = await session.exec(
            delete(OfficialRegion).where(
                col(OfficialRegion.official_id) == telegram_id, col(OfficialRegion.region_code).in_(region_codes)
            )
        )
        official = await session.get(Official, telegram_id)
        if not await official_regions(session, telegram_id=telegram_id) and (official is None or official.role != "admin"):
            await web_sessions.forget_official(session, official_id=telegram_id)
        return int(result.rowcount or 0)
    await session.exec(delete(OfficialRegion).where(col(OfficialRegion.official_id) == telegram_id))
    result = await session.exec(delete(Official).where(col(Official.telegram_id) == telegram_id))
    await web_sessions.forget_official(session, official_id=telegram_id)
    return int(result.rowcount or 0)


async def list_officials(session: AsyncSession) -> list[tuple[Official, list[str], list[str]]]:
    """Every official with their regions and the regions they coordinate."""
    officials = list((await run_select(session, select(Official).order_by(col(Official.telegram_id)))).scalars())
    links = (await run_select(session, select(col(OfficialRegion.official_id), col(OfficialRegion.region_code),
                                              col(OfficialRegion.coordinator)))).all()
    regions: dict[int, list[str]] = {}
    coordinated: dict[int, list[str]] = {}
    for official_id, code, coordinator in links:
        regions.setdefault(official_id, []).append(code)
        if coordinator:
            coordinated.setdefault(official_id, []).append(code)
    return [(o, sorted(regions.get(o.telegram_id, [])), sorted(coordinated.get(o.telegram_id, []))) for o in officials]


async def digest_recipients(session: AsyncSession, *, region_code: str) -> list[int]:
    """Officials of a region who want the weekly digest."""
    stmt = (
        select(col(Official.telegram_id))
        .join(OfficialRegion, col(OfficialRegion.official_id) == col(Official.telegram_id))
        .where(col(OfficialRegion.region_code) == region_code, col(Official.digest).is_(True))
        .order_by(col(Official.telegram_id))
    )
    return list((await run_select(session, stmt)).scalars())


async def regions_with_digest(session: AsyncSession) -> list[str]:
    stmt = (
        select(col(OfficialRegion.region_code))
        .join(Official, col(OfficialRegion.official_id) == col(Official.telegram_id))
        .where(col(Official.digest).is_(True))
        .distinct()
    )
    return sorted((await run_select(session, stmt)).scalars())


def add_invite(
    session: AsyncSession, *, code_hash: str, region_code: str, created_by: int | None, expires_at: datetime
) -> Invite:
    invite = Invite(code_hash=code_hash, region_code=region_code, created_by=created_by, expires_at=expires_at)
    session.add(invite)
    return invite


async def get_invite(session: AsyncSession, *, code_hash: str, for_update: bool = False) -> Invite | None:
    return await session.get(Invite, code_hash, with_for_update=for_update or None)


def audit(session: AsyncSession, *, actor_id: int | None, action: str, target: str | None = None,
          detail: dict[str, Any] | None = None) -> None:
    session.add(AuditEntry(actor_id=actor_id, action=action, target=target, detail=detail))
