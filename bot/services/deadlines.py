"""Deadlines of the first answer: when a comment is due, when officials are reminded, when it is late.

Every comment gets a due date when it arrives (`start_clock`): `ANSWER_DAYS` working days (or the region's own
number, `quickwin region set-days`), counted in the region's zone by bot/services/workdays.py. A ticket moved to
another region starts that region's clock afresh; a ticket passed to another body leaves the queue. The first
answer an official gives (or a closing note) stops the clock (`answered`). One working day before the due day the
region's officials are reminded (08.00), at the due time the ticket is *terlambat* (the officials are told at 08.00):
the worker in bot/workers/deadlines.py sends both, each claimed once in the database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import workdays
from bot.services.officials import record
from storage import deadlines as store
from storage import feedback as feedback_store
from storage import programs as program_store
from storage import regions as region_store
from storage import residents as resident_store
from storage import summary_deadlines as figures_store
from storage.models import Feedback, Resident
from storage.zones import zone_info

AUTO_CONFIRM = timedelta(days=7)  # a closed ticket the resident does not answer for this long is confirmed
REMINDER_LEAD = timedelta(days=21)  # a reminder is never further ahead of its due time (weekends, Lebaran's days off)


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
    return local_due_day(row.due_at, zone) if row.due_at is not None else None


def local_due_day(due_at: datetime, zone: str) -> date:
    return (due_at.astimezone(zone_info(zone)) - timedelta(microseconds=1)).date()


def is_late(row: Feedback, now: datetime) -> bool:
    return row.due_at is not None and row.answered_at is None and row.forwarded_to is None and now >= row.due_at


async def set_region_days(session: AsyncSession, actor_id: int | None, *, region_code: str, days: int | None) -> bool:
    """A region's own number of working days (None: back to ANSWER_DAYS); audited. False: unknown region."""
    if not await store.set_answer_days(session, region_code=region_code, days=days):
        return False
    record(session, actor_id, "region.answer_days", region_code, days=days)
    return True


@dataclass(frozen=True, slots=True)
class Due:
    """A ticket a deadline notice is about."""

    feedback_id: int
    ticket: str
    region_code: str
    region_name: str
    timezone: str
    program_name: str
    comment: str | None
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Notice:
    """A claimed notice: who gets it (officials, and for an overdue ticket the coordinators or admins)."""

    kind: str  # "reminder" | "overdue"
    due: Due
    officials: list[Resident]
    coordinators: list[Resident]


def reminder_time(found: Rules, owed: store.Owed) -> datetime:
    return workdays.reminder_at(found.calendar, owed.due_at, owed.timezone)


def overdue_notice_time(owed: store.Owed) -> datetime:
    return workdays.overdue_notice_at(owed.due_at)


async def owed(session: AsyncSession, *, now: datetime, limit: int) -> list[store.Owed]:
    """Tickets with a reminder or an overdue notice that may be due by now (reminders come days before)."""
    return await store.owed_until(session, now=now, until=now + REMINDER_LEAD, limit=limit)


async def claim(session: AsyncSession, owed_row: store.Owed, kind: str, *, now: datetime,
                admin_ids: frozenset[int]) -> Notice | None:
    """Take one notice for this process (once, whatever restarts or other processes); None if taken or moot."""
    column = "reminded_at" if kind == "reminder" else "overdue_at"
    if not await store.claim(session, feedback_id=owed_row.feedback_id, column=column, now=now):
        return None
    row = await feedback_store.get_feedback(session, feedback_id=owed_row.feedback_id)
    region = await region_store.get_region(session, code=owed_row.region_code)
    program = await program_store.get_program(session, program_id=row.program_id, include_removed=True) if row else None
    if row is None or region is None or program is None:
        return None
    due = Due(owed_row.feedback_id, row.ticket or "", region.code, region.name, region.timezone, program.name,
              row.comment, owed_row.due_at)
    official_ids, coordinator_ids = await store.region_staff(session, region_code=region.code)
    if kind == "reminder":
        return Notice(kind, due, await _chats(session, official_ids), [])
    # Overdue: the officials are told again, the coordinators (or, where the region has none, the admins) are told
    # once, as coordinators: someone who is both gets the coordinator's message only.
    if not coordinator_ids:
        coordinator_ids = sorted(set(await store.admin_ids(session)) | admin_ids)
    officials = await _chats(session, [i for i in official_ids if i not in coordinator_ids])
    return Notice(kind, due, officials, await _chats(session, coordinator_ids))


async def _chats(session: AsyncSession, ids: list[int]) -> list[Resident]:
    """The people as residents (their chat language); someone who never wrote to the bot cannot be reached."""
    found = []
    for telegram_id in ids:
        resident = await resident_store.get_resident(session, telegram_id=telegram_id)
        if resident is not None and not resident.blocked:
            found.append(resident)
    return found


async def due_soon_until(session: AsyncSession, *, now: datetime, zone: str) -> datetime:
    """Where "due soon" ends: the end of the next working day in the zone (on a Friday, Monday's end).

    Due soon is then what falls due today or on the next working day: the tickets whose reminder is out
    (bot/services/workdays.reminder_at) or goes out at the next working day's start.
    """
    calendar = (await rules(session, default_days=workdays.ANSWER_DAYS)).calendar
    return workdays.due_at(calendar, now, zone, 1)


async def queue(session: AsyncSession, *, region_codes: list[str] | None, zone: str, now: datetime) -> tuple[int, int]:
    """(overdue now, due soon) among the regions' tickets (None: all)."""
    soon_until = await due_soon_until(session, now=now, zone=zone)
    return await figures_store.queue_counts(session, region_codes=region_codes, now=now, soon_until=soon_until)
