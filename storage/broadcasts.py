"""Queries of the broadcast outbox: the broadcast rows and one row per recipient."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, insert, literal, or_, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import run_select
from storage.models import Broadcast, BroadcastRecipient, ProgramFollow, Region, Resident
from storage.simulated import real_resident
from storage.statuses import BROADCAST_GOING, RecipientStatus


def _audience_query(audience: str, code: str | None):
    """(resident id, zone) of everyone a broadcast reaches: consented, subscribed (or following), not blocked."""
    base = (
        select(col(Resident.telegram_id), col(Region.timezone))
        .join(Region, col(Region.code) == col(Resident.region_code))
        .where(col(Resident.consent_at).is_not(None), col(Resident.blocked).is_(False), real_resident())
    )
    if audience == "program":
        return base.join(ProgramFollow, col(ProgramFollow.resident_id) == col(Resident.telegram_id)).where(
            col(ProgramFollow.program_id) == int(code or 0)
        )
    if audience == "newprog":
        return base.where(col(Resident.region_code) == code, col(Resident.notify_new_programs).is_(True))
    base = base.where(col(Resident.subscribed).is_(True))
    if audience == "region":
        return base.where(col(Resident.region_code) == code)
    if audience == "province":
        return base.where(col(Region.province_code) == code)
    return base

async def audience_size(session: AsyncSession, *, audience: str, code: str | None) -> int:
    sub = _audience_query(audience, code).subquery()
    return int(await session.scalar(select(func.count()).select_from(sub)) or 0)

async def create(session: AsyncSession, broadcast: Broadcast) -> Broadcast:
    """Store the broadcast and, in one INSERT … SELECT, a pending row for every recipient."""
    session.add(broadcast)
    await session.flush()
    rows = _audience_query(broadcast.audience, broadcast.audience_code).subquery()
    stmt = insert(BroadcastRecipient).from_select(
        ["broadcast_id", "resident_id", "zone", "status", "attempts"],
        select(literal(broadcast.id), rows.c.telegram_id, rows.c.timezone, literal(str(RecipientStatus.PENDING)),
               literal(0)),
    )
    result = await session.exec(stmt)
    broadcast.total = int(result.rowcount or 0)
    session.add(broadcast)
    return broadcast

async def get(session: AsyncSession, *, broadcast_id: int, for_update: bool = False) -> Broadcast | None:
    return await session.get(Broadcast, broadcast_id, with_for_update=for_update or None)

async def state(session: AsyncSession, *, broadcast_id: int, for_update: bool = False) -> str | None:
    """Only the broadcast's state (the sender looks at it before each page, without the photo)."""
    stmt = select(col(Broadcast.state)).where(col(Broadcast.id) == broadcast_id)
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)

async def due(session: AsyncSession, *, now: datetime) -> list[Broadcast]:
    """Broadcasts to work on now: urgent first, then oldest."""
    stmt = (
        select(Broadcast)
        .where(col(Broadcast.state).in_(BROADCAST_GOING), col(Broadcast.send_at) <= now)
        .order_by(col(Broadcast.urgent).desc(), col(Broadcast.id))
    )
    return list((await run_select(session, stmt)).scalars())

@dataclass(frozen=True, slots=True)
class Pending:
    resident_id: int
    language: str | None
    attempts: int

async def next_batch(
    session: AsyncSession, *, broadcast_id: int, now: datetime, zones: list[str] | None, limit: int,
    after: int | None = None,
) -> list[Pending]:
    """Pending recipients ready now, in zones where it is not quiet (None: every zone), by id after `after`."""
    conditions = [
        col(BroadcastRecipient.broadcast_id) == broadcast_id,
        col(BroadcastRecipient.status) == RecipientStatus.PENDING,
        or_(col(BroadcastRecipient.next_attempt_at).is_(None), col(BroadcastRecipient.next_attempt_at) <= now),
    ]
    if after is not None:
        conditions.append(col(BroadcastRecipient.resident_id) > after)
    if zones is not None:
        conditions.append(col(BroadcastRecipient.zone).in_(zones))
    stmt = (
        select(col(BroadcastRecipient.resident_id), col(Resident.language), col(BroadcastRecipient.attempts))
        .outerjoin(Resident, col(Resident.telegram_id) == col(BroadcastRecipient.resident_id))
        .where(and_(*conditions))
        .order_by(col(BroadcastRecipient.resident_id))
        .limit(limit)
    )
    return [Pending(*row) for row in (await run_select(session, stmt)).all()]

@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one send: sent, blocked, failed, or pending again (a transient error, retried later)."""

    resident_id: int
    status: str
    error: str | None = None
    next_attempt_at: datetime | None = None

async def record(session: AsyncSession, *, broadcast_id: int, outcomes: Sequence[Outcome]) -> None:
    """Write many outcomes at once: one UPDATE per kind of outcome, each one more attempt; blocked residents marked."""
    groups: dict[tuple[str, str | None, datetime | None], list[int]] = defaultdict(list)
    for o in outcomes:
        groups[(o.status, o.error[:200] if o.error else None, o.next_attempt_at)].append(o.resident_id)
    for (status, error, next_at), ids in groups.items():
        recipients = col(BroadcastRecipient.resident_id).in_(ids)
        await session.exec(
            update(BroadcastRecipient)
            .where(col(BroadcastRecipient.broadcast_id) == broadcast_id, recipients)
            .values(status=status, error=error, next_attempt_at=next_at, attempts=col(BroadcastRecipient.attempts) + 1)
            .execution_options(synchronize_session=False)
        )
    blocked = [o.resident_id for o in outcomes if o.status == RecipientStatus.BLOCKED]
    if blocked:
        await session.exec(
            update(Resident).where(col(Resident.telegram_id).in_(blocked)).values(blocked=True)
            .execution_options(synchronize_session=False)
        )

async def counts(session: AsyncSession, *, broadcast_id: int) -> dict[str, int]:
    stmt = (
        select(col(BroadcastRecipient.status), func.count())
        .where(col(BroadcastRecipient.broadcast_id) == broadcast_id)
        .group_by(col(BroadcastRecipient.status))
    )
    found = {status: int(n) for status, n in (await run_select(session, stmt)).all()}
    return {s: found.get(s, 0) for s in RecipientStatus}

async def clear_new_program_requests(session: AsyncSession, *, region_code: str) -> None:
    """The promised notice is queued: nobody in the region is waiting for it any more."""
    await session.exec(
        update(Resident)
        .where(col(Resident.region_code) == region_code, col(Resident.notify_new_programs).is_(True))
        .values(notify_new_programs=False)
    )


async def set_blocked(session: AsyncSession, *, resident_id: int, blocked: bool) -> None:
    await session.exec(update(Resident).where(col(Resident.telegram_id) == resident_id).values(blocked=blocked))

async def recent(session: AsyncSession, *, created_by: int | None, limit: int = 10) -> list[Broadcast]:
    stmt = select(Broadcast).order_by(col(Broadcast.id).desc()).limit(limit)
    if created_by is not None:
        stmt = stmt.where(col(Broadcast.created_by) == created_by)
    return list((await run_select(session, stmt)).scalars())
