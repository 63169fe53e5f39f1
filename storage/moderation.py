"""Queries behind moderation: mutes, and forgetting whom a mute concerned once that resident erased their data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import run_select
from storage.models import AuditEntry, Resident

RESIDENT_TARGET = "resident:{id}"
ERASED_TARGET = "resident:erased"


def resident_target(telegram_id: int) -> str:
    """How the audit log names a resident an admin acted on (until they erase their data)."""
    return RESIDENT_TARGET.format(id=telegram_id)


async def muted_residents(session: AsyncSession, *, now: datetime) -> list[tuple[int, datetime]]:
    """(Telegram id, muted until) of every resident muted at `now`, the longest mute first."""
    stmt = (
        select(col(Resident.telegram_id), col(Resident.muted_until))
        .where(col(Resident.muted_until) > now)
        .order_by(col(Resident.muted_until).desc(), col(Resident.telegram_id))
    )
    return [(int(i), until) for i, until in (await run_select(session, stmt)).all()]


async def forget_resident_in_audit(session: AsyncSession, *, telegram_id: int) -> None:
    """After an erasure the audit log keeps that an admin muted someone, when and why, but no longer whom."""
    await session.exec(
        update(AuditEntry).where(col(AuditEntry.target) == resident_target(telegram_id)).values(target=ERASED_TARGET)
    )
