"""The public figures against hand-counted ratings, on SQLite and PostgreSQL: suppression of small cells included.

Now is Friday 20 March 2026 12:00 UTC: the window is April 2025 to March 2026 (local months). Every figure below
is counted by hand from the rows in `_feedback`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select

from bot.services.public_figures import MIN_CONTRIBUTORS, PublicFigures, RegionFigures, public_figures
from storage.db import Database
from storage.models import Feedback, Program, Resident
from storage.simulated import TEST_MARK, simulated_resident

CIREBON, GRESIK, AMBON = "32.74", "35.25", "81.71"
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
MARCH, FEBRUARY = date(2026, 3, 1), date(2026, 2, 1)


def at(month: int, day: int, hour: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


async def _programs(db: Database, region: str) -> list[int]:
    async with db.unit_of_work() as s:
        stmt = select(Program.id).where(Program.region_code == region).order_by(Program.id)
        return list((await s.exec(stmt)).scalars().all())  # type: ignore[call-overload]


async def _feedback(db: Database) -> dict[str, int]:
    c1, c2, *_ = await _programs(db, CIREBON)
    g1, g2, *_ = await _programs(db, GRESIK)
    (ambon,) = await _programs(db, AMBON)
    rows: list[Feedback] = []

    def rate(program: int, region: str, resident: int | None, rating: int, when: datetime, **extra: object) -> None:
        rows.append(Feedback(program_id=program, region_code=region, resident_id=resident, rating=rating,
                             created_at=when, **extra))

    def comment(program: int, resident: int, when: datetime, due_days: int, answered_hours: int | None, **extra: object) -> None:
        answered = when + timedelta(hours=answered_hours) if answered_hours is not None else None
        rate(program, CIREBON, resident, 4, when, comment="Antrean panjang sekali di loket", clock_at=when,
             due_at=when + timedelta(days=due_days), answered_at=answered, **extra)

    # Cirebon program 1: four residents in March -> suppressed; the test resident and a spam mark do not make five
    for resident, rating in zip((101, 102, 103, 104), (5, 4, 4, 3), strict=True):
        rate(c1, CIREBON, resident, rating, at(3, 10))
    rate(c1, CIREBON, simulated_resident(7), 1, at(3, 11), moderation=TEST_MARK)
    rate(c1, CIREBON, 105, 1, at(3, 11), comment="spam spam", moderation="spam")
    # Cirebon program 2: five residents in March (5 5 4 4 2), one of them also in February (3) -> 6 ratings, 5 residents
    for resident, rating in zip((201, 202, 203, 204, 205), (5, 5, 4, 4, 2), strict=True):
        rate(c2, CIREBON, resident, rating, at(3, 5))
    rate(c2, CIREBON, 201, 3, at(2, 14))
    rate(c2, CIREBON, 206, 1, at(3, 1, 12, year=2025))  # before the window (March 2025)
    # and five comments of five residents, clocked in March: 3 on time, 1 late, 1 unanswered past due -> 3 of 5;
    # one not due yet (out of the share), one passed to another body (nowhere)
    comment(c2, 211, at(3, 2), 3, 5)
    comment(c2, 212, at(3, 2), 3, 30)
    comment(c2, 213, at(3, 3), 3, 70)
    comment(c2, 214, at(3, 3), 2, 100)  # late
    comment(c2, 215, at(3, 4), 2, None)  # past due at NOW
    comment(c2, 216, at(3, 19), 5, None)  # not due yet
    comment(c2, 217, at(3, 4), 2, None, forwarded_to="provinsi")
    # Gresik: two programs of three residents each -> both suppressed, but together six: the region is shown
    for resident in (301, 302, 303):
        rate(g1, GRESIK, resident, 4, at(1, 10))
    for resident in (304, 305, 306):
        rate(g2, GRESIK, resident, 2, at(1, 10))
    # Ambon (WIT, UTC+9): 28 Feb 16:00 UTC is 1 March 01:00 local, a March rating; five residents
    for resident in (401, 402, 403, 404, 405):
        rate(ambon, AMBON, resident, 5, at(2, 28, 16))
    async with db.unit_of_work() as s:
        s.add_all([Resident(telegram_id=i) for i in sorted({r.resident_id for r in rows if r.resident_id is not None})])
        await s.flush()
        s.add_all(rows)
    return {"c1": c1, "c2": c2, "g1": g1, "g2": g2, "ambon": ambon}


async def _figures(db: Database, codes: list[str] | None = None) -> PublicFigures:
    async with db.unit_of_work() as s:
        return await public_figures(s, region_codes=codes, now=NOW)


def _region(figures: PublicFigures, code: str) -> RegionFigures:
    return next(r for r in figures.regions if r.code == code)


async def test_small_cells_are_suppressed_and_the_five_shown(db: Database) -> None:
    ids = await _feedback(db)
    assert MIN_CONTRIBUTORS == 5
    cirebon = _region(await _figures(db, [CIREBON]), CIREBON)
    one, two = (next(p for p in cirebon.programs if p.id == ids[k]) for k in ("c1", "c2"))
    # program 1: 4 real residents (the test resident and the spam mark left out): not enough
    assert one.total.ratings.suppressed and one.total.ratings.count is None and one.total.ratings.average is None
    march = next(c for c in one.months if c.month == MARCH)
    assert march.ratings.suppressed and march.ratings.count is None
    # program 2: 6 ratings of 5 residents in the window (the one of March 2025 is outside): 23 / 6
    assert not two.total.ratings.suppressed
    assert (two.total.ratings.count, two.total.ratings.residents) == (6 + 7, 5 + 7)  # the 7 commented ratings too
    assert two.total.ratings.average == pytest.approx((5 + 5 + 4 + 4 + 2 + 3 + 7 * 4) / 13)
    # on time: 3 of 5 settled; comments: 7 of 7 residents (the forwarded one is a comment all the same)
    assert (two.total.on_time.settled, two.total.on_time.on_time, two.total.on_time.share) == (5, 3, 0.6)
    assert two.total.comments.count == 7 and not two.total.comments.suppressed
    assert two.months[0].month == date(2025, 4, 1) and two.months[-1].month == MARCH
    assert len(two.months) == 12


async def test_a_total_never_gives_a_suppressed_part_away(db: Database) -> None:
    ids = await _feedback(db)
    figures = await _figures(db)
    cirebon, gresik = _region(figures, CIREBON), _region(figures, GRESIK)
    # Cirebon has 16 raters, but exactly one program with data is suppressed (4 residents): the region total would
    # give it away as total less program 2, so it is suppressed too
    assert cirebon.total.ratings.suppressed and cirebon.total.ratings.count is None
    # its March is shown: both programs' March cells are suppressed (program 2's by the rule on months, below),
    # 4 + 12 residents together; (16 + 20 + 7 * 4) / 16
    region_march = next(c for c in cirebon.months if c.month == MARCH).ratings
    assert (region_march.count, region_march.residents, region_march.average) == (16, 16, 4.0)
    # Gresik: two suppressed programs of 3 residents each, 6 together: the total is shown (4 * 3 + 2 * 3) / 6
    assert all(p.total.ratings.suppressed for p in gresik.programs)
    assert (gresik.total.ratings.count, gresik.total.ratings.residents, gresik.total.ratings.average) == (6, 6, 3.0)
    # months: program 2's February (1 resident) is suppressed; its published 12 months would give February away
    # from March, so March is suppressed as well (the total stays)
    two = next(p for p in cirebon.programs if p.id == ids["c2"])
    by_month = {c.month: c for c in two.months}
    assert by_month[FEBRUARY].ratings.suppressed and by_month[MARCH].ratings.suppressed
    assert not two.total.ratings.suppressed
    # on time: program 2's March is the only month with comments: shown, as are its 12 months
    assert by_month[MARCH].on_time.share == 0.6 and not by_month[MARCH].on_time.suppressed


async def test_local_months_and_the_country(db: Database) -> None:
    await _feedback(db)
    figures = await _figures(db)
    codes = [r.code for r in figures.regions]
    assert CIREBON in codes and GRESIK in codes and AMBON in codes  # every region with a program, rated or not
    ambon = _region(figures, AMBON)
    months = {c.month: c for c in ambon.months}
    assert months[MARCH].ratings.count == 5 and months[FEBRUARY].ratings.suppressed
    assert ambon.total.ratings.average == 5.0 and ambon.programs[0].total.ratings.count == 5
    empty = next(r for r in figures.regions if r.code not in (CIREBON, GRESIK, AMBON))
    assert empty.total.ratings.suppressed and empty.total.ratings.count is None


async def test_three_queries_whatever_the_number_of_regions(db: Database) -> None:
    await _feedback(db)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        await _figures(db)
        country = len(statements)
        statements.clear()
        await _figures(db, [CIREBON])
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    assert country == len(statements) == 3
