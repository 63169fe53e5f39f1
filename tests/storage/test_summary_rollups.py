"""The roll-ups give the summary exactly what the feedback rows give, whatever was written and how.

Ratings, re-ratings, comments, answers, spam marks set and lifted, a resident's erasure, deleted rows:
after each, the triggers' roll-ups equal a recount from scratch, and `summary_figures` equals the figures
computed in Python from every row (tests/support/summary_oracle.py), for regions of all three time zones, a
province, the country, periods with and without whole days and months, and edges at local midnights.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import delete, select, text, update

from storage import feedback as feedback_store
from storage import residents as resident_store
from storage.db import Database, alembic_config, upgrade_async
from storage.models import Feedback, Program, UTCDateTime
from storage.rollups import COUNTS, KEY, FeedbackRollup, rebuild_sql
from storage.summary import summary_figures
from tests.support.old_databases import database_at
from tests.support.summary_oracle import expected_figures, stored

UNTIL = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)  # a Friday
DAY = timedelta(days=1)
REGIONS = ("32.74", "32.76", "51.71", "91.71")  # Cirebon and Depok (WIB), Denpasar (WITA), Jayapura (WIT)
SCOPES: tuple[list[str] | None, ...] = (["32.74"], ["32.74", "32.76"], ["51.71"], ["91.71"], None)
UNTILS = (UNTIL, datetime(2026, 3, 20, tzinfo=UTC), datetime(2026, 3, 15, 16, 30, tzinfo=UTC),
          datetime(2026, 3, 1, tzinfo=UTC), UNTIL + 3 * DAY)
SPANS: tuple[timedelta | None, ...] = (None, 7 * DAY, 30 * DAY, DAY, 90 * DAY, timedelta(hours=5), 45 * DAY)
ZONES, LIMITS = ("WIB", "WITA", "WIT"), (2000, 5, 1)


def instants(rng: random.Random) -> list[datetime]:
    """Edges the queries split at (midnights, local midnights, month starts, the periods' bounds), and others."""
    edges = [UNTIL - n * DAY for n in (0, 1, 7, 14, 30, 45, 60, 90)] + [u - DAY for u in UNTILS]
    edges += [datetime(2026, m, 1, tzinfo=UTC) for m in (1, 2, 3)] + [datetime(2026, 3, 20, tzinfo=UTC)]
    edges += [datetime(2026, 3, d, h, tzinfo=UTC) - timedelta(microseconds=us) for d in (1, 8, 15) for h in (15, 16, 17)
              for us in (0, 1)]
    spread = [UNTIL - timedelta(seconds=rng.uniform(-4 * 86_400, 120 * 86_400)) for _ in range(60)]
    return edges + spread


async def programs(db: Database) -> dict[str, list[int]]:
    async with db.unit_of_work() as s:
        rows = [Program(region_code=code, name=f"Uji {code} {n}", description="d", dimension="living")
                for code in REGIONS for n in "AB"]
        s.add_all(rows)
        await s.flush()
        return {code: [p.id for p in rows if p.region_code == code] for code in REGIONS}  # type: ignore[misc]


CASES = [(scope, until, span, ZONES[i % 3], LIMITS[i // 3 % 3])
         for i, (scope, until, span) in enumerate(itertools.product(SCOPES, UNTILS, SPANS))]


async def check(db: Database, part: int | None = None) -> None:
    """Roll-ups as kept equal roll-ups recounted; the summary equals the figures from every row.

    Every case, or (part 0, 1, 2) a third of them.
    """
    assert await kept(db) == await recounted(db)
    async with db.unit_of_work() as s:
        every, progs = await stored(s)
    for scope, until, span, zone, limit in CASES if part is None else CASES[part::3]:
        since = None if span is None else until - span
        async with db.unit_of_work() as s:
            got = await summary_figures(s, region_codes=scope, since=since, until=until, zone=zone,
                                        comment_limit=limit)
        want = expected_figures(every, progs, region_codes=scope, since=since, until=until, zone=zone,
                                comment_limit=limit)
        assert got == want, (scope, since, until, zone, limit)


async def kept(db: Database) -> set[tuple[Any, ...]]:
    async with db.unit_of_work() as s:
        rows = (await s.exec(select(FeedbackRollup))).scalars().all()  # type: ignore[call-overload]
    return {tuple(getattr(r, c) for c in (*KEY, *COUNTS)) for r in rows if any(getattr(r, c) for c in COUNTS)}


async def recounted(db: Database) -> set[tuple[Any, ...]]:
    async with db.unit_of_work() as s:
        for statement in rebuild_sql(s.bind.dialect.name):  # type: ignore[union-attr]
            await s.exec(text(statement))  # type: ignore[call-overload]
    return await kept(db)


async def rate(db: Database, monkeypatch: pytest.MonkeyPatch, rng: random.Random, pids: dict[str, list[int]],
               times: list[datetime], n: int, residents: range) -> None:
    """Ratings as the bot stores them (a resident's earlier rating of the program is superseded), at given times."""
    for k in range(n):
        code = rng.choice(REGIONS)
        at = rng.choice(times)
        monkeypatch.setattr(feedback_store, "utcnow", lambda at=at: at)
        async with db.unit_of_work() as s:
            resident = await resident_store.ensure_resident(s, telegram_id=rng.choice(residents))
            await feedback_store.add_rating(s, resident_id=resident.telegram_id, program_id=rng.choice(pids[code]),
                                            region_code=code, rating=rng.randint(1, 5), dedup_key=f"k{k}-{at}")


async def rows_where(db: Database, rng: random.Random, n: int, *conditions: Any) -> list[int]:
    async with db.unit_of_work() as s:
        ids = sorted((await s.exec(select(Feedback.id).where(*conditions))).scalars().all())  # type: ignore[call-overload]
    return rng.sample(ids, min(n, len(ids)))


async def edit(db: Database, ids: list[int], **values: Any) -> None:
    """Change rows through the ORM, as the bot and the dashboard do (storage.feedback.save)."""
    async with db.unit_of_work() as s:
        for fid in ids:
            row = await s.get(Feedback, fid)
            for name, value in values.items():
                setattr(row, name, value(row) if callable(value) else value)
            feedback_store.save(s, row)  # type: ignore[arg-type]


async def test_rollups_equal_the_rows_through_every_kind_of_write(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(20260320)
    pids = await programs(db)
    times = instants(rng)
    await check(db, 0)  # nothing yet

    await rate(db, monkeypatch, rng, pids, times, 160, range(1, 31))  # many re-ratings among 30 residents
    async with db.unit_of_work() as s:
        s.add_all([Feedback(region_code=code, program_id=rng.choice(pids[code]), rating=rng.randint(1, 5),
                            created_at=rng.choice(times), comment=rng.choice([None, "tanpa nama"]))
                   for code in (rng.choice(REGIONS) for _ in range(40))])
    await check(db, 1)

    words = ["antrian panjang", "jalan rusak", "wifi mati", "bagus", "lambat"]
    await edit(db, await rows_where(db, rng, 70, Feedback.comment.is_(None)), comment=lambda _: rng.choice(words))  # type: ignore[union-attr]
    await edit(db, await rows_where(db, rng, 25, Feedback.comment.is_not(None)), status="selesai")  # type: ignore[union-attr]
    await check(db, 2)

    marked = await rows_where(db, rng, 20, Feedback.moderation.is_(None))  # type: ignore[union-attr]
    await edit(db, marked, moderation=lambda _: rng.choice(["spam", "abusive"]))
    await edit(db, marked[:6], moderation=None)  # lifted again
    await rate(db, monkeypatch, rng, pids, times, 40, range(1, 31))  # superseding marked rows too
    await check(db, 0)

    deleted, corrected = await rows_where(db, rng, 8), await rows_where(db, rng, 5)
    async with db.unit_of_work() as s:
        for resident in range(1, 8):
            await resident_store.erase_resident(s, telegram_id=resident)  # the ratings stay, the comments go
        await s.exec(delete(Feedback).where(Feedback.id.in_(deleted)))  # type: ignore[call-overload, union-attr]
        # A correction of a rating, and of a moderated row's date, reach the roll-ups too.
        await s.exec(update(Feedback).where(Feedback.id.in_(corrected)).values(rating=3))  # type: ignore[call-overload, union-attr]
        await s.exec(update(Feedback).where(Feedback.moderation.is_not(None)).values(created_at=UNTIL - 2 * DAY))  # type: ignore[call-overload, union-attr]
        removed = await s.get(Program, pids["32.74"][0])
        removed.removed_at = UNTIL  # type: ignore[union-attr]
        s.add(removed)
    await edit(db, marked[6:9], moderation=None)
    await check(db)


@pytest.fixture
async def old_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database of its own, migrated only up to 0009, the revision before the roll-ups."""
    async with database_at("0009", backend, tmp_path) as url:
        yield url


async def test_the_migration_counts_the_feedback_already_stored(old_url: str) -> None:
    rng = random.Random(7)
    times = instants(rng)
    stamp = UTCDateTime()
    db = Database(old_url)
    try:
        async with db.unit_of_work() as s:  # the tables as revision 0009 has them, whatever the seed is now
            regions = sa.table("regions", *(sa.column(c) for c in ("code", "name", "kind", "province", "province_code",
                                                                  "timezone", "lat", "lon", "cohort_year")))
            await s.exec(regions.insert().values([  # type: ignore[call-overload]
                {"code": code, "name": code, "kind": "kota", "province": code[:2], "province_code": code[:2],
                 "timezone": zone, "lat": 0.0, "lon": 0.0, "cohort_year": 2018}
                for code, zone in zip(REGIONS, ("WIB", "WIB", "WITA", "WIT"), strict=True)]))
            programs = sa.table("programs", *(sa.column(c) for c in ("id", "region_code", "name", "description",
                                                                    "dimension", "status")),
                                sa.column("created_at", stamp))
            await s.exec(programs.insert().values([  # type: ignore[call-overload]
                {"id": 1 + i, "region_code": code, "name": f"Uji {i}", "description": "d", "dimension": "living",
                 "status": "berjalan", "created_at": UNTIL} for i, code in enumerate(REGIONS * 2)]))
            values = [{"program_id": 1 + i % 8, "region_code": REGIONS[i % 4], "rating": rng.randint(1, 5),
                       "status": "baru", "superseded": rng.random() < 0.2, "comment": rng.choice([None, "komentar"]),
                       "moderation": rng.choice([None] * 9 + ["spam"]), "needs_review": False,
                       "created_at": rng.choice(times), "updated_at": UNTIL, "ticket": f"T{i:06d}"}
                      for i in range(300)]
            feedback = sa.table("feedback", *(sa.column(c) for c in values[0] if c not in ("created_at", "updated_at")),
                                sa.column("created_at", stamp), sa.column("updated_at", stamp))
            await s.exec(feedback.insert().values(values))  # type: ignore[call-overload]
    finally:
        await db.dispose()

    await upgrade_async(old_url)
    db = Database(old_url)
    try:
        assert len(await kept(db)) > 50
        await check(db, 1)
    finally:
        await db.dispose()
    await asyncio.to_thread(command.downgrade, alembic_config(old_url), "0009")  # and back, with the same figures
    await upgrade_async(old_url)
    db = Database(old_url)
    try:
        await check(db, 2)
    finally:
        await db.dispose()
