"""The summary's deadline figures against hand-counted tickets, on SQLite and PostgreSQL.

Two programs of Cirebon (and one comment of Depok), two periods of seven days up to Friday 20 March 2026
12:00 UTC. Every figure below is counted by hand from the rows in `_tickets`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select

from storage.db import Database
from storage.models import Feedback, Program, TicketMessage
from storage.summary_deadlines import deadline_figures

CIREBON, DEPOK, SEMARANG = "32.74", "32.76", "33.74"
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)  # a Friday; the period is [13 March 12:00, 20 March 12:00)
WEEK = timedelta(days=7)
SOON = datetime(2026, 3, 21, 17, 0, tzinfo=UTC)


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


async def _programs(db: Database, region: str) -> list[int]:
    async with db.unit_of_work() as s:
        stmt = select(Program.id).where(Program.region_code == region).order_by(Program.id)
        return list((await s.exec(stmt)).scalars().all())  # type: ignore[call-overload]


async def _tickets(db: Database) -> tuple[int, int]:
    p1, p2 = (await _programs(db, CIREBON))[:2]
    depok = (await _programs(db, DEPOK))[0]

    def row(program: int, clock: datetime, due: datetime, answered: datetime | None = None, region: str = CIREBON,
            **extra: object) -> Feedback:
        return Feedback(program_id=program, region_code=region, rating=3, comment="jalan rusak", created_at=clock,
                        clock_at=clock, due_at=due, answered_at=answered, **extra)

    rows = {
        # this period, program 1
        "a": row(p1, at(16), at(18), at(16, 6)),  # on time, 6 h
        "b": row(p1, at(16), at(18), at(17, 12)),  # on time, 36 h
        "c": row(p1, at(14), at(16), at(17)),  # late, 72 h
        "d": row(p1, at(15), at(19)),  # unanswered past due: late, overdue now
        "e": row(p1, at(19), at(21)),  # not due yet: out of the share; due soon
        "f": row(p1, at(16), at(18), at(16, 1), moderation="spam"),  # counts nowhere
        "g": row(p1, at(15), at(17), forwarded_to="provinsi"),  # passed on: counts nowhere
        # this period, program 2
        "h": row(p2, at(17), at(19), at(17, 12)),  # on time, 12 h
        "i": row(p2, at(18), at(25)),  # not due yet, not soon
        # the previous period
        "j": row(p1, at(9), at(11), at(10)),  # on time, 24 h
        "k": row(p1, at(9), at(11), at(12)),  # late, 72 h
        "l": row(p2, at(10), at(12), at(11)),  # on time, 24 h
        "m": row(p2, at(8), at(10)),  # unanswered: late then, overdue now
        # before both periods
        "n": row(p1, at(1), at(3), at(2)),  # on time, 24 h
        # another region
        "q": row(depok, at(16), at(18), region=DEPOK),  # overdue now
    }
    async with db.unit_of_work() as s:
        s.add_all(rows.values())
        await s.flush()
        verdicts = [("a", "belum", at(18)), ("h", "belum", at(19)), ("b", "puas", at(18)), ("j", "belum", at(10)),
                    ("f", "belum", at(18)), ("c", "otomatis", at(19)), ("n", "belum", at(3))]
        s.add_all([TicketMessage(feedback_id=rows[key].id, kind="satisfaction", status=status, at=when)
                   for key, status, when in verdicts])
    return p1, p2


async def _figures(db: Database, region_codes: list[str] | None, *, since: datetime | None = NOW - WEEK):  # type: ignore[no-untyped-def]
    async with db.unit_of_work() as s:
        return await deadline_figures(s, region_codes=region_codes, since=since, until=NOW, now=NOW, soon_until=SOON)


async def test_on_time_share_median_overdue_due_soon_and_rejected_closures(db: Database) -> None:
    p1, p2 = await _tickets(db)
    f = await _figures(db, [CIREBON])
    # a b c d h settled; a b h on time: 3 of 5. Answered in 6, 12, 36, 72 h: the median is (12 + 36) / 2 = 24 h.
    assert (f.current.settled, f.current.on_time, f.current.answered) == (5, 3, 4)
    assert f.current.on_time_share == 0.6
    assert f.current.median_minutes == 24 * 60
    assert f.current.rejected == 2  # a and h; b was satisfied, f is spam, c confirmed automatically
    # before: j k l m settled, j l on time (2 of 4); 24, 72, 24 h: the median is 24 h; j rejected
    assert f.previous is not None
    assert (f.previous.settled, f.previous.on_time, f.previous.rejected) == (4, 2, 1)
    assert f.previous.on_time_share == 0.5
    assert f.previous.median_minutes == 24 * 60
    assert (f.overdue, f.due_soon) == (2, 1)  # d and m; e (i is due after SOON, g forwarded, f spam)
    by_program = {g.key: g for g in f.programs}
    one, two = by_program[p1], by_program[p2]
    assert (one.current.settled, one.current.on_time, one.current.median_minutes) == (4, 2, 36 * 60)  # 6 36 72 h
    assert (one.overdue, one.due_soon, one.current.rejected) == (1, 1, 1)
    assert one.previous is not None and one.previous.median_minutes == 48 * 60  # (24 + 72) / 2
    assert (two.current.on_time_share, two.current.median_minutes, two.overdue, two.current.rejected) == (1.0, 720, 1, 1)
    assert two.previous is not None and two.previous.on_time_share == 0.5  # l on time, m late
    assert one.name and two.name and one.region_code == CIREBON
    assert [g.key for g in f.regions] == [CIREBON]
    assert f.regions[0].name == "Kota Cirebon" and f.regions[0].overdue == 2


async def test_country_all_time_and_an_empty_region(db: Database) -> None:
    await _tickets(db)
    country = await _figures(db, None)
    assert (country.overdue, country.current.settled, country.current.on_time) == (3, 6, 3)  # Depok's q too
    assert {g.key: g.overdue for g in country.regions} == {CIREBON: 2, DEPOK: 1}
    # medians by region in a wider scope: Cirebon's 24 h as above, Depok has no answer; none by program there
    assert {g.key: g.current.median_minutes for g in country.regions} == {CIREBON: 24 * 60, DEPOK: None}
    assert country.current.median_minutes == 24 * 60 and country.programs[0].current.median_minutes is None
    assert country.regions[0].key == CIREBON  # most overdue first
    always = await _figures(db, [CIREBON], since=None)
    # every settled comment of Cirebon: the 5 + 4 above and n (on time, 24 h); rejected: a h j n
    assert always.previous is None
    assert (always.current.settled, always.current.on_time, always.current.rejected) == (10, 6, 4)
    assert always.current.median_minutes == 24 * 60  # 6 12 24 24 24 36 72 72 h
    empty = await _figures(db, [SEMARANG])
    assert empty.current.on_time_share is None and empty.current.median_minutes is None
    assert (empty.overdue, empty.due_soon, empty.current.rejected, empty.programs, empty.regions) == (0, 0, 0, [], [])
    assert empty.previous is not None and empty.previous.on_time_share is None


async def test_the_same_five_queries_however_many_tickets(db: Database) -> None:
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append(statement)

    async def run() -> int:
        statements.clear()
        event.listen(db.engine.sync_engine, "before_cursor_execute", record)
        try:
            await _figures(db, None)
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", record)
        return len(statements)

    assert await run() == 5
    await _tickets(db)
    assert await run() == 5
