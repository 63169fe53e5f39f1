"""Deadlines of the first answer: when a comment is due, when officials are reminded, when it is late.

Every comment gets a due date when it arrives (`start_clock`): `ANSWER_DAYS` working days (or the region's own
number, `quickwin region set-days`), counted in the region's zone by bot/services/workdays.py. A ticket moved to
another region starts that region's clock afresh; a ticket passed to another body leaves the queue. The first
answer an official gives (or a closing note) stops the clock (`answered`). One working day before the due day the
region's officials are reminded, at the due time the ticket is *terlambat*: the worker in bot/workers/deadlines.py
sends both, each claimed once in the database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import workdays
from bot.services.officials import record
from storage import deadlines as store
from storage.models import Feedback
from storage.zones import zone_info

AUTO_CONFIRM = timedelta(days=7)  # a closed ticket the resident does not answer for this long is confirmed


@dataclass(frozen=True, slots=True)
class Rules:
    calendar: workdays.WorkCalendar
    region_days: dict[str, int]
    default_days: int

    def days(self, region_code: str) -> int:
        return self.region_days.get(region_code, self.default_days)


async def rules(session: AsyncSession, *, default_days: int) -> Rules:
    """The calendar and the regions' numbers of days (kept in memory for a minute, see storage.deadlines)."""
    days_off, region_days = await store.rules_rows(session, now=time.monotonic())
    return Rules(workdays.WorkCalendar(days_off), region_days, default_days)


async def start_clock(session: AsyncSession, row: Feedback, *, zone: str, now: datetime, default_days: int) -> None:
    """The comment (or the move to this region) arrived now: its first answer is due in the region's days."""
    found = await rules(session, default_days=default_days)
    row.clock_at = now
    row.due_at = workdays.due_at(found.calendar, now, zone, found.days(row.region_code))
    row.answered_at = row.reminded_at = row.overdue_at = None


def answered(row: Feedback, now: datetime) -> None:
    """An official answered (or closed with a note): the clock stops, if it ran."""
    if row.clock_at is not None and row.answered_at is None:
        row.answered_at = now


def due_day(row: Feedback, zone: str) -> date | None:
    """The local day by whose end the first answer is due, as residents and officials are told it."""
    if row.due_at is None:
        return None
    return (row.due_at.astimezone(zone_info(zone)) - timedelta(microseconds=1)).date()


def is_late(row: Feedback, now: datetime) -> bool:
    return row.due_at is not None and row.answered_at is None and row.forwarded_to is None and now >= row.due_at


async def set_region_days(session: AsyncSession, actor_id: int | None, *, region_code: str, days: int | None) -> bool:
    """A region's own number of working days (None: back to ANSWER_DAYS); audited. False: unknown region."""
    if not await store.set_answer_days(session, region_code=region_code, days=days):
        return False
    record(session, actor_id, "region.answer_days", region_code, days=days)
    return True
