"""Queries of the deadline worker and the deadline figures: tickets whose first answer is owed, and the claims
that make each notice go out once whatever the number of processes."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import days_off as days_off_store
from storage.db import run_select
from storage.models import Feedback, Official, OfficialRegion, Region


@dataclass(frozen=True, slots=True)
class Owed:
    """A ticket whose first answer is owed, with what the worker needs to decide on it."""

    feedback_id: int
    region_code: str
    timezone: str
    due_at: datetime
    reminded: bool
    overdue: bool


def _owed_condition():
    return (
        col(Feedback.due_at).is_not(None) & col(Feedback.answered_at).is_(None) & col(Feedback.forwarded_to).is_(None)
        & col(Feedback.moderation).is_(None) & col(Feedback.comment).is_not(None)
    )


async def owed_until(session: AsyncSession, *, now: datetime, until: datetime, limit: int) -> list[Owed]:
    """Owed tickets with a notice still to send, soonest first: overdue at `now` and not told yet, or due before
    `until` and not reminded yet (a reminded ticket not yet due is left out, so it never crowds a batch)."""
    due = col(Feedback.due_at)
    stmt = (
        select(col(Feedback.id), col(Feedback.region_code), col(Region.timezone), col(Feedback.due_at),
               col(Feedback.reminded_at).is_not(None), col(Feedback.overdue_at).is_not(None))
        .join(Region, col(Region.code) == col(Feedback.region_code))
        .where(_owed_condition(), col(Feedback.overdue_at).is_(None),
               (due <= now) | ((due < until) & col(Feedback.reminded_at).is_(None)))
        .order_by(col(Feedback.due_at))
        .limit(limit)
    )
    return [Owed(*row) for row in (await run_select(session, stmt)).all()]


async def claim(session: AsyncSession, *, feedback_id: int, column: str, now: datetime) -> bool:
    """Mark the reminder (`reminded_at`) or the overdue notice (`overdue_at`) as sent; False if someone did."""
    field = {"reminded_at": Feedback.reminded_at, "overdue_at": Feedback.overdue_at}[column]
    stmt = (
        update(Feedback)
        .where(col(Feedback.id) == feedback_id, col(field).is_(None), _owed_condition())
        .values({column: now})
    )
    result = await session.exec(stmt)
    return bool(result.rowcount == 1)


async def closed_before(session: AsyncSession, *, before: datetime, limit: int) -> list[int]:
    """Tickets marked done before then that the resident has not answered ("Apakah Anda puas?")."""
    stmt = (
        select(col(Feedback.id))
        .where(col(Feedback.status) == "selesai", col(Feedback.satisfied).is_(None),
               col(Feedback.closed_at).is_not(None), col(Feedback.closed_at) <= before)
        .order_by(col(Feedback.id))
        .limit(limit)
    )
    return [int(i) for i in (await run_select(session, stmt)).scalars()]


async def region_staff(session: AsyncSession, *, region_code: str) -> tuple[list[int], list[int]]:
    """(officials of the region, its coordinators)."""
    stmt = (
        select(col(OfficialRegion.official_id), col(OfficialRegion.coordinator))
        .where(col(OfficialRegion.region_code) == region_code)
        .order_by(col(OfficialRegion.official_id))
    )
    rows = (await run_select(session, stmt)).all()
    return [int(r[0]) for r in rows], [int(r[0]) for r in rows if r[1]]


async def admin_ids(session: AsyncSession) -> list[int]:
    stmt = select(col(Official.telegram_id)).where(col(Official.role) == "admin").order_by(col(Official.telegram_id))
    return [int(i) for i in (await run_select(session, stmt)).scalars()]


async def answer_days(session: AsyncSession) -> dict[str, int]:
    """The regions that have their own number of working days."""
    stmt = select(col(Region.code), col(Region.answer_days)).where(col(Region.answer_days).is_not(None))
    return {str(code): int(days) for code, days in (await run_select(session, stmt)).all()}


# The days off and the regions' own numbers of days are read on every comment; they change a few times a year.
# Each process keeps them for RULES_TTL seconds (a change made by another process shows within that), and a
# change made in this process is seen at once (`forget_rules`).
RULES_TTL = 60.0
_rules_cache: weakref.WeakKeyDictionary[Engine, tuple[float, dict[date, str], dict[str, int]]] = (
    weakref.WeakKeyDictionary()
)


async def rules_rows(session: AsyncSession, *, now: float) -> tuple[dict[date, str], dict[str, int]]:
    """(days off admins added, regions' own working days), from memory when read less than RULES_TTL ago."""
    key = session.bind.sync_engine  # type: ignore[union-attr]  # per database, as storage/regions.py
    cached = _rules_cache.get(key)
    if cached is not None and now - cached[0] < RULES_TTL:
        return cached[1], cached[2]
    days_off = dict(await days_off_store.all_days(session))
    regions = await answer_days(session)
    _rules_cache[key] = (now, days_off, regions)
    return days_off, regions


def forget_rules() -> None:
    _rules_cache.clear()


async def set_answer_days(session: AsyncSession, *, region_code: str, days: int | None) -> bool:
    """Give a region its own number of working days (None: the default again); False for an unknown region."""
    region = await session.get(Region, region_code)
    if region is None:
        return False
    region.answer_days = days
    session.add(region)
    forget_rules()
    return True
