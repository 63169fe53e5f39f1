"""Days off an admin adds (`quickwin holidays`), on top of the national holidays: stored, listed, counted, audited."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlmodel import col

from bot.services import workdays
from storage.db import Database
from storage.models import AuditEntry
from tests.support.processes import quickwin

FRIDAY_18_DEC_WIB = datetime(2026, 12, 18, 3, 0, tzinfo=UTC)


async def test_an_added_day_off_moves_the_due_date_and_is_audited(db: Database) -> None:
    async with db.unit_of_work() as session:
        assert workdays.due_day(await workdays.load_calendar(session), FRIDAY_18_DEC_WIB, "WIB") == date(2026, 12, 29)
        assert await workdays.add_day_off(session, None, day=date(2026, 12, 28), name="  Cuti   bersama tambahan ")
    async with db.unit_of_work() as session:
        calendar = await workdays.load_calendar(session)
        assert calendar.extra == {date(2026, 12, 28): "Cuti bersama tambahan"}
        assert workdays.due_day(calendar, FRIDAY_18_DEC_WIB, "WIB") == date(2026, 12, 30)
        assert not await workdays.add_day_off(session, None, day=date(2026, 12, 28), name="Libur daerah")  # renamed
        actions = [a for (a,) in (await session.exec(select(col(AuditEntry.action)).order_by(col(AuditEntry.id)))).all()]
    assert actions == ["dayoff.add", "dayoff.rename"]
    async with db.unit_of_work() as session:
        assert (await workdays.load_calendar(session)).extra == {date(2026, 12, 28): "Libur daerah"}
        assert await workdays.remove_day_off(session, None, day=date(2026, 12, 28))
        assert not await workdays.remove_day_off(session, None, day=date(2026, 12, 25))  # a national one: not ours
    async with db.unit_of_work() as session:
        assert workdays.due_day(await workdays.load_calendar(session), FRIDAY_18_DEC_WIB, "WIB") == date(2026, 12, 29)


def test_the_command_line_adds_lists_and_removes(tmp_path: Path) -> None:
    added = quickwin(tmp_path, "holidays", "add", "2026-12-31", "--name", "Cuti bersama Tahun Baru")
    assert added.returncode == 0 and "Added 2026-12-31" in added.stdout, added.stderr
    listed = quickwin(tmp_path, "holidays", "list", "--year", "2026")
    lines = listed.stdout.splitlines()
    assert "2026-12-31 Thu\tCuti bersama Tahun Baru (added)" in lines
    assert "2026-12-24 Thu\tCuti Bersama Hari Raya Natal" in lines  # from the holidays package
    assert "2026-08-17 Mon\tHari Kemerdekaan Republik Indonesia" in lines
    assert lines == sorted(lines)
    assert quickwin(tmp_path, "holidays", "remove", "2026-12-31").returncode == 0
    again = quickwin(tmp_path, "holidays", "remove", "2026-12-25")
    assert again.returncode == 1 and "cannot be removed" in again.stderr
    bad = quickwin(tmp_path, "holidays", "add", "24-12-2026", "--name", "x")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    assert "(added)" not in quickwin(tmp_path, "holidays", "list", "--year", "2026").stdout
