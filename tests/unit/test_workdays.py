"""Working days and due dates (bot/services/workdays.py), by hand-counted calendars of December 2026."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.services.workdays import WorkCalendar, due_at, due_day, local_day, reminder_at

CAL = WorkCalendar()


def test_weekends_national_holidays_and_the_skb_cuti_bersama_are_days_off() -> None:
    assert not CAL.is_working_day(date(2026, 12, 5))  # Saturday
    assert not CAL.is_working_day(date(2026, 12, 6))  # Sunday
    assert CAL.day_off(date(2026, 12, 25)) == "Hari Raya Natal"
    assert CAL.day_off(date(2026, 12, 24)) == "Cuti Bersama Hari Raya Natal"  # the SKB's, from the library
    assert CAL.day_off(date(2026, 8, 17)) == "Hari Kemerdekaan Republik Indonesia"
    assert CAL.is_working_day(date(2026, 12, 7)) and CAL.day_off(date(2026, 12, 7)) is None


@pytest.mark.parametrize(("zone", "local", "due"), [
    # Thursday 3 December, 16.30 UTC: 23.30 WIB on Thursday, 00.30 WITA and 01.30 WIT on Friday.
    ("WIB", date(2026, 12, 3), date(2026, 12, 10)),  # Fri 4, Mon 7, Tue 8, Wed 9, Thu 10
    ("WITA", date(2026, 12, 4), date(2026, 12, 11)),  # Mon 7, Tue 8, Wed 9, Thu 10, Fri 11
    ("WIT", date(2026, 12, 4), date(2026, 12, 11)),
])
def test_the_day_of_receipt_is_the_regions_own(zone: str, local: date, due: date) -> None:
    sent = datetime(2026, 12, 3, 16, 30, tzinfo=UTC)
    assert local_day(sent, zone) == local
    assert due_day(CAL, sent, zone) == due


def test_christmas_and_its_cuti_bersama_are_skipped() -> None:
    # Friday 18 December in WIB: Mon 21, Tue 22, Wed 23, (Thu 24 cuti bersama, Fri 25 Natal), Mon 28, Tue 29.
    assert due_day(CAL, datetime(2026, 12, 18, 3, 0, tzinfo=UTC), "WIB") == date(2026, 12, 29)


def test_a_day_an_admin_adds_is_skipped_too() -> None:
    extra = WorkCalendar({date(2026, 12, 28): "Cuti bersama tambahan"})
    assert extra.day_off(date(2026, 12, 28)) == "Cuti bersama tambahan"
    assert due_day(extra, datetime(2026, 12, 18, 3, 0, tzinfo=UTC), "WIB") == date(2026, 12, 30)
    assert (date(2026, 12, 28), "Cuti bersama tambahan") in extra.days_off([2026])
    assert (date(2026, 12, 24), "Cuti Bersama Hari Raya Natal") in extra.days_off([2026])


def test_a_comment_on_a_sunday_counts_from_monday() -> None:
    # Sunday 6 December 10.00 WITA: Mon 7 is the first working day, Fri 11 the fifth.
    assert due_day(CAL, datetime(2026, 12, 6, 2, 0, tzinfo=UTC), "WITA") == date(2026, 12, 11)


def test_due_at_is_the_end_of_the_due_day_in_the_regions_zone() -> None:
    sent = datetime(2026, 12, 3, 16, 30, tzinfo=UTC)
    assert due_at(CAL, sent, "WIB") == datetime(2026, 12, 10, 17, 0, tzinfo=UTC)  # 11 Dec 00.00 WIB
    assert due_at(CAL, sent, "WIT") == datetime(2026, 12, 11, 15, 0, tzinfo=UTC)  # 12 Dec 00.00 WIT


def test_the_reminder_comes_at_the_start_of_the_last_working_day_before() -> None:
    # Due Tuesday 29 December (WIB): reminded on Monday 28 at 08.00 WIB.
    due = due_at(CAL, datetime(2026, 12, 18, 3, 0, tzinfo=UTC), "WIB")
    assert reminder_at(CAL, due, "WIB") == datetime(2026, 12, 28, 1, 0, tzinfo=UTC)
    # Due Monday 28 December: the day before that is worked is Wednesday 23 (24, 25 off, then the weekend).
    due_monday = datetime(2026, 12, 28, 17, 0, tzinfo=UTC)
    assert reminder_at(CAL, due_monday, "WIB") == datetime(2026, 12, 23, 1, 0, tzinfo=UTC)


def test_working_days_between_counts_after_the_start_up_to_the_end() -> None:
    assert CAL.working_days_between(date(2026, 12, 18), date(2026, 12, 29)) == 5
    assert CAL.working_days_between(date(2026, 12, 3), date(2026, 12, 3)) == 0
    assert CAL.working_days_between(date(2026, 12, 10), date(2026, 12, 3)) == 0
