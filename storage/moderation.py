"""Queries behind moderation: mutes, and forgetting whom a mute concerned once that resident erased their data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditEntry, Resident

RESIDENT_TARGET = "resident:{id}"
ERASED_TARGET = "resident:erased"


def resident_target(telegram_id: int) -> str:
    """How the audit log names a resident an admin acted on (until they erase their data)."""
    return RESIDENT_TARGET.format(id=telegram_id)


async def muted_residents(session: AsyncSession, *, now: datetime) -> list[tuple[int, datetime]]:
    """(Telegram id, muted until) of every resident muted at `now`, the longest mute first."""
    stmt = (
        select(Resident.telegram_id, Resident.muted_until)  # type: ignore[call-overload]
        .where(Resident.muted_until > now)  # type: ignore[operator]
        .order_by(Resident.muted_until.desc(), Resident.telegram_id)  # type: ignore[union-attr]
    )
    return [(int(i), until) for i, until in (await session.exec(stmt)).all()]  # type: ignore[call-overload]


async def forget_resident_in_audit(session: AsyncSession, *, telegram_id: int) -> None:
    """After an erasure the audit log keeps that an admin muted someone, when and why, but no longer whom."""
    await session.exec(  # type: ignore[call-overload]
        update(AuditEntry).where(AuditEntry.target == resident_target(telegram_id)).values(target=ERASED_TARGET)  # type: ignore[arg-type]
    )
