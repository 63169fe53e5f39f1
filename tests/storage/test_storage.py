"""Storage on real SQLite and PostgreSQL: seed, ratings and history, page queries, import, erasure."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select, text

from bot.services.importer import import_programs
from storage import feedback as feedback_store
from storage import programs as program_store
from storage import residents as resident_store
from storage.db import Database
from storage.models import Feedback, Program, Region, Resident
from storage.seed import load_seed, read_programs

CIREBON = "32.74"


@contextmanager
def count_queries(db: Database):  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


async def count(db: Database, model) -> int:  # type: ignore[no-untyped-def]
    async with db.unit_of_work() as s:
        return int(await s.scalar(select(func.count()).select_from(model)))


async def test_seed_is_complete_and_idempotent(db: Database) -> None:
    assert await count(db, Region) == 514
    async with db.unit_of_work() as s:
        cohorts = select(func.count()).where(Region.cohort_year.is_not(None))  # type: ignore[union-attr]
        assert await s.scalar(cohorts) == 98
    assert await count(db, Program) == 29
    async with db.unit_of_work() as s:
        assert await load_seed(s) == (0, 0)
        mimika = await s.get(Region, "94.04")
        assert (mimika.province, mimika.timezone) == ("Papua Tengah", "WIT")
        depok = await s.get(Region, "32.76")
        assert depok.cohort_year == 2019
    assert await count(db, Program) == 29
    assert len(read_programs()) == 29


async def _resident(db: Database, telegram_id: int) -> None:
    async with db.unit_of_work() as s:
        await resident_store.ensure_resident(s, telegram_id=telegram_id)
        await resident_store.ensure_resident(s, telegram_id=telegram_id)  # the race-safe path twice


async def _program_id(db: Database, region: str = CIREBON) -> int:
    async with db.unit_of_work() as s:
        return int(await s.scalar(select(func.min(Program.id)).where(Program.region_code == region)))


async def test_rating_once_per_key_and_latest_counts(db: Database) -> None:
    await _resident(db, 11)
    await _resident(db, 12)
    pid = await _program_id(db)
    async with db.unit_of_work() as s:
        first, created = await feedback_store.add_rating(
            s, resident_id=11, program_id=pid, region_code=CIREBON, rating=2, dedup_key="k1")
        assert created
    async with db.unit_of_work() as s:
        again, created = await feedback_store.add_rating(
            s, resident_id=11, program_id=pid, region_code=CIREBON, rating=5, dedup_key="k1")
        assert not created and again.id == first.id and again.rating == 2
    async with db.unit_of_work() as s:
        await feedback_store.add_rating(s, resident_id=11, program_id=pid, region_code=CIREBON, rating=4, dedup_key="k2")
        await feedback_store.add_rating(s, resident_id=12, program_id=pid, region_code=CIREBON, rating=1, dedup_key="k3")
    assert await count(db, Feedback) == 3  # history kept
    async with db.unit_of_work() as s:
        stats = await program_store.program_with_stats(s, program_id=pid)
        assert stats is not None and stats.count == 2 and stats.average == pytest.approx(2.5)
        assert stats.distribution == (1, 0, 0, 1, 0)
        page, total = await program_store.region_programs_page(s, region_code=CIREBON, offset=0, limit=10)
        assert total == 4
        rated = next(p for p in page if p.program.id == pid)
        assert (rated.count, rated.average) == (2, pytest.approx(2.5))


async def test_program_page_costs_the_same_queries_however_big(db: Database) -> None:
    """No N+1: listing a page of programs is a fixed number of queries."""

    pid = await _program_id(db)

    async def list_page() -> int:
        async with db.unit_of_work() as s:
            with count_queries(db) as statements:
                await program_store.region_programs_page(s, region_code=CIREBON, offset=0, limit=5)
                await program_store.program_with_stats(s, program_id=pid)
            return len(statements)

    small = await list_page()
    async with db.unit_of_work() as s:
        s.add_all([Program(region_code=CIREBON, name=f"Program {i}", description="d", dimension="economy") for i in range(40)])
    for rid in range(100, 160):
        await _resident(db, rid)
    async with db.unit_of_work() as s:
        programs = (await s.exec(select(Program.id).where(Program.region_code == CIREBON))).scalars().all()  # type: ignore[call-overload]
        for n, pid in enumerate(programs):
            for rid in range(100, 160, 7):
                await feedback_store.add_rating(
                    s, resident_id=rid, program_id=pid, region_code=CIREBON, rating=1 + (n + rid) % 5, dedup_key=f"{rid}-{pid}")
    big = await list_page()
    assert big == small


async def test_timestamps_come_back_timezone_aware(db: Database) -> None:
    await _resident(db, 21)
    async with db.unit_of_work() as s:
        resident = await s.get(Resident, 21)
        resident.consent_at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        s.add(resident)
    async with db.unit_of_work() as s:
        resident = await s.get(Resident, 21, populate_existing=True)
        assert resident.consent_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        assert resident.consent_at.tzinfo is not None


async def test_erasure_keeps_only_anonymous_ratings(db: Database) -> None:
    await _resident(db, 31)
    pid = await _program_id(db)
    async with db.unit_of_work() as s:
        row, _ = await feedback_store.add_rating(s, resident_id=31, program_id=pid, region_code=CIREBON, rating=3, dedup_key="e1")
        row.comment = "nama saya Budi, rumah di Jl. Kenari 5"
        feedback_store.save(s, row)
    async with db.unit_of_work() as s:
        assert await resident_store.erase_resident(s, telegram_id=31) == 1
    async with db.unit_of_work() as s:
        assert await s.get(Resident, 31) is None
        kept = (await s.exec(select(Feedback))).scalars().one()  # type: ignore[call-overload]
        assert (kept.resident_id, kept.comment, kept.dedup_key, kept.rating) == (None, None, None, 3)


GOOD_CSV = (
    "region_code,name,description,dimension,agency,status,source_url\n"
    "32.73,Bandung Sehat,Layanan konsultasi kesehatan daring.,living,Dinas Kesehatan Kota Bandung,berjalan,https://example.org/a\n"
    "32.73,Wifi Taman,\"Wifi gratis di taman kota, termasuk \"\"Taman Lansia\"\".\",society,,direncanakan,\n"
)


async def test_import_all_or_nothing(db: Database) -> None:
    bad = GOOD_CSV + "99.99,Tidak Ada,Wilayah tidak dikenal,living,,,\n"
    async with db.unit_of_work() as s:
        report = await import_programs(s, bad)
    assert not report.ok and report.errors == [(4, "region_code '99.99' is not a known Kemendagri code")]
    assert await count(db, Program) == 29
    async with db.unit_of_work() as s:
        report = await import_programs(s, "\ufeff" + GOOD_CSV)  # a BOM from a spreadsheet is fine
    assert report.ok and report.imported == 2
    async with db.unit_of_work() as s:
        names = (await s.exec(select(Program.name).where(Program.region_code == "32.73"))).scalars().all()  # type: ignore[call-overload]
        assert sorted(names) == ["Bandung Sehat", "Wifi Taman"]
    async with db.unit_of_work() as s:
        again = await import_programs(s, GOOD_CSV)
    assert [line for line, _ in again.errors] == [2, 3] and again.imported == 0


async def test_migrations_are_recorded_and_rerun_as_a_no_op(db_url: str) -> None:
    from alembic.script import ScriptDirectory

    from storage.db import alembic_config, upgrade_async

    await upgrade_async(db_url)  # the fixture already migrated: this must change nothing
    database = Database(db_url)
    try:
        async with database.unit_of_work() as s:
            version = await s.scalar(select(func.max(text("version_num"))).select_from(text("alembic_version")))
        assert version == ScriptDirectory.from_config(alembic_config(db_url)).get_current_head()
    finally:
        await database.dispose()
