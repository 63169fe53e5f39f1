"""Working days, as a region's office counts them: Monday to Friday, less Indonesia's holidays.

The national holidays and the *cuti bersama* of the joint decree (SKB) come from the maintained `holidays`
package (country "ID", categories "public" and "government"), not from a list kept here. An admin may add days
the package does not know yet (a *cuti bersama* decreed late, a regional holiday) as extra days. Days are
counted in the region's own zone (WIB, WITA or WIT): a comment sent on Thursday at 23.30 WIB is sent on Friday at
01.30 WIT, and a region in Papua counts from Friday.

The rule for a due date: the day a comment arrives is day 0, whatever kind of day it is; each following working
day counts one; the answer is due by the end of the N-th working day, local time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import holidays
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.officials import record
from storage import days_off as store
from storage.deadlines import forget_rules
from storage.zones import zone_info

ANSWER_DAYS = 5  # working days for a first answer, unless a region has its own
OFFICE_START = time(8, 0)  # deadline notices reach officials at the start of an office day, not at midnight
HOLIDAY_CATEGORIES = ("public", "government")  # "government": the cuti bersama of the SKB


@lru_cache(maxsize=64)
def _national(year: int) -> Mapping[date, str]:
    """Indonesia's holidays and cuti bersama of one year, named in Indonesian."""
    return dict(holidays.country_holidays("ID", years=year, categories=HOLIDAY_CATEGORIES, language="id"))


class WorkCalendar:
    """Which days are working days: weekdays that are neither a national holiday nor an extra day off."""

    def __init__(self, extra: Mapping[date, str] | None = None) -> None:
        self.extra: dict[date, str] = dict(extra or {})

    def day_off(self, day: date) -> str | None:
        """The name of the holiday or extra day off on a day, or None (weekends are not named here)."""
        return self.extra.get(day) or _national(day.year).get(day)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and self.day_off(day) is None

    def add_working_days(self, day: date, days: int) -> date:
        """The `days`-th working day after `day` (`day` itself does not count); `day` for 0."""
        current = day
        left = max(0, days)
        while left:
            current += timedelta(days=1)
            if self.is_working_day(current):
                left -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when `end` is not after `start`)."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            count += self.is_working_day(current)
        return count

    def days_off(self, years: Iterable[int]) -> list[tuple[date, str]]:
        """Every holiday and extra day off of the given years, in order (weekends aside)."""
        wanted = set(years)
        found: dict[date, str] = {}
        for year in sorted(wanted):
            found.update(_national(year))
        found.update({d: n for d, n in self.extra.items() if d.year in wanted})
        return sorted(found.items())


def local_day(at: datetime, zone: str | None) -> date:
    """The date of an instant in a region's zone."""
    return at.astimezone(zone_info(zone)).date()


def due_day(calendar: WorkCalendar, received_at: datetime, zone: str | None, days: int = ANSWER_DAYS) -> date:
    """The local date by whose end an answer is due."""
    return calendar.add_working_days(local_day(received_at, zone), days)


def due_at(calendar: WorkCalendar, received_at: datetime, zone: str | None, days: int = ANSWER_DAYS) -> datetime:
    """The instant (UTC) an answer is due: the end of the due day in the region's zone."""
    day = due_day(calendar, received_at, zone, days)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone_info(zone))
    return end.astimezone(UTC)


def reminder_at(calendar: WorkCalendar, due: datetime, zone: str | None) -> datetime:
    """When officials are reminded: 08.00 (OFFICE_START) of the last working day before the due day, local time.

    With a due day of Monday that is the Friday before (or the Thursday, if Friday is a holiday); a due day
    that is itself the day of receipt (0 working days) has no working day before it: the reminder is then due
    at once.
    """
    tz = zone_info(zone)
    day = (due.astimezone(tz) - timedelta(microseconds=1)).date()  # the due day (due is midnight after it)
    before = day - timedelta(days=1)
    for _ in range(60):  # a year has no 60 days off in a row
        if calendar.is_working_day(before):
            break
        before -= timedelta(days=1)
    return datetime.combine(before, OFFICE_START, tzinfo=tz).astimezone(UTC)


def overdue_notice_at(due: datetime) -> datetime:
    """When officials are told a ticket is late: OFFICE_START after the due time (24.00 local), not at midnight."""
    return due + timedelta(hours=OFFICE_START.hour, minutes=OFFICE_START.minute)


async def load_calendar(session: AsyncSession) -> WorkCalendar:
    """The calendar with the days off admins added."""
    return WorkCalendar(await store.all_days(session))


async def add_day_off(session: AsyncSession, actor_id: int | None, *, day: date, name: str) -> bool:
    """Add (or rename) a day off for the whole country; True when it is new. Written to the audit log."""
    name = " ".join(name.split())[: store.NAME_MAX]
    new = await store.put(session, day=day, name=name)
    forget_rules()
    record(session, actor_id, "dayoff.add" if new else "dayoff.rename", day.isoformat(), name=name)
    return new


async def remove_day_off(session: AsyncSession, actor_id: int | None, *, day: date) -> bool:
    """Remove an added day off (a national holiday cannot be removed); False when there was none."""
    removed = await store.remove(session, day=day)
    forget_rules()
    if removed:
        record(session, actor_id, "dayoff.remove", day.isoformat())
    return removed
