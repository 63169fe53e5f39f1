"""Queries on residents."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import BroadcastRecipient, Feedback, ProgramFollow, Resident, utcnow
from storage.moderation import forget_resident_in_audit


async def get_resident(session: AsyncSession, *, telegram_id: int, for_update: bool = False) -> Resident | None:
    return await session.get(Resident, telegram_id, with_for_update=for_update or None)


async def ensure_resident(session: AsyncSession, *, telegram_id: int) -> Resident:
    """Return the resident's row, creating it if needed (safe when two updates race)."""
    resident = await get_resident(session, telegram_id=telegram_id, for_update=True)
    if resident is not None:
        return resident
    dialect = session.bind.dialect.name  # type: ignore[union-attr]
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    stmt = insert(Resident).values(
        telegram_id=telegram_id, subscribed=False, notify_new_programs=False, blocked=False,
        created_at=now, updated_at=now,
    ).on_conflict_do_nothing(index_elements=["telegram_id"])
    await session.exec(stmt)  # type: ignore[call-overload]
    resident = await get_resident(session, telegram_id=telegram_id, for_update=True)
    assert resident is not None
    return resident


def touch(session: AsyncSession, resident: Resident) -> None:
    resident.updated_at = utcnow()
    session.add(resident)


async def erase_resident(session: AsyncSession, *, telegram_id: int) -> int:
    """Delete a resident; their ratings stay only as anonymous numbers. Returns ratings kept."""
    result = await session.exec(  # type: ignore[call-overload]
        update(Feedback)
        .where(Feedback.resident_id == telegram_id)
        .values(resident_id=None, comment=None, dedup_key=None, updated_at=utcnow())
    )
    await session.exec(delete(BroadcastRecipient).where(BroadcastRecipient.resident_id == telegram_id))  # type: ignore[call-overload, arg-type]
    await session.exec(delete(ProgramFollow).where(ProgramFollow.resident_id == telegram_id))  # type: ignore[call-overload, arg-type]
    await session.exec(delete(Resident).where(Resident.telegram_id == telegram_id))  # type: ignore[call-overload, arg-type]
    await forget_resident_in_audit(session, telegram_id=telegram_id)  # a mute's entry no longer says whom
    return int(result.rowcount or 0)
