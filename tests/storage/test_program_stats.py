"""A region's program list takes its averages from the roll-ups: the same figures as counted from every rating."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from storage import feedback as feedback_store
from storage import programs as program_store
from storage import residents as resident_store
from storage.db import Database
from storage.models import Feedback, Program
from storage.seed import load_seed

REGION = "32.74"  # Kota Cirebon


async def counted_from_rows(db: Database) -> dict[int, tuple[int, float | None]]:
    """Per program: (count, average) of current ratings no official marked, from the feedback rows."""
    async with db.unit_of_work() as s:
        stmt = (
            select(Feedback.program_id, func.count(), func.avg(Feedback.rating))
            .where(Feedback.region_code == REGION, Feedback.superseded.is_(False), Feedback.moderation.is_(None))  # type: ignore[attr-defined, union-attr]
            .group_by(Feedback.program_id)
        )
        return {pid: (int(n), float(avg)) for pid, n, avg in (await s.exec(stmt)).all()}  # type: ignore[call-overload]


async def listed(db: Database) -> dict[int, tuple[int, float | None]]:
    async with db.unit_of_work() as s:
        page, total = await program_store.region_programs_page(s, region_code=REGION, offset=0, limit=50)
    assert total == len(page)
    return {row.program.id: (row.count, row.average) for row in page if row.count}  # type: ignore[misc]


def same(a: dict[int, tuple[int, float | None]], b: dict[int, tuple[int, float | None]]) -> bool:
    return a.keys() == b.keys() and all(a[k][0] == b[k][0] and abs((a[k][1] or 0) - (b[k][1] or 0)) < 1e-9 for k in a)


async def test_program_list_figures_equal_the_rows_after_ratings_re_ratings_and_marks(db: Database) -> None:
    async with db.unit_of_work() as s:
        await load_seed(s)
        pids = [p.id for p in (await s.exec(select(Program).where(Program.region_code == REGION))).scalars()]  # type: ignore[call-overload]
    rng = random.Random(7)
    for k in range(120):  # 30 residents rating 4 programs, many of them more than once (superseded)
        async with db.unit_of_work() as s:
            resident = await resident_store.ensure_resident(s, telegram_id=9000 + rng.randrange(30))
            await feedback_store.add_rating(s, resident_id=resident.telegram_id, program_id=rng.choice(pids),
                                            region_code=REGION, rating=rng.randint(1, 5), dedup_key=f"k{k}")
    assert same(await listed(db), await counted_from_rows(db)) and await counted_from_rows(db)
    async with db.unit_of_work() as s:  # an official marks some as spam, and lifts one mark again
        rows = list((await s.exec(select(Feedback).where(Feedback.superseded.is_(False)).order_by(Feedback.id))).scalars())  # type: ignore[call-overload, attr-defined]
        for row in rows[:5]:
            row.moderation = "spam"
            feedback_store.save(s, row)
    async with db.unit_of_work() as s:
        row = await s.get(Feedback, rows[0].id)
        assert row is not None
        row.moderation = None
        feedback_store.save(s, row)
    assert same(await listed(db), await counted_from_rows(db))
    async with db.unit_of_work() as s:  # /hapusdata: the ratings stay as anonymous numbers
        await resident_store.erase_resident(s, telegram_id=9003)
    assert same(await listed(db), await counted_from_rows(db))
