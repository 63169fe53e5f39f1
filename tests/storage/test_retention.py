"""Retention on a controlled clock: old comments and replies lose their text, long-silent residents are erased.

The bot's clock (tests/support/harness.py FakeClock) jumps ahead; the rows a resident wrote "recently" carry that
time. Runs repeated, and two at once (two connection pools on PostgreSQL, as two processes), change
nothing more than one.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from bot.workers.retention import Outcome, months_before, retention_loop, run_once
from storage.db import Database
from storage.models import Evidence, Feedback, Program, Resident, TicketMessage
from tests.support.harness import BotHarness, Person, ticket_in
from tests.support.people import CIREBON, make_official
from tests.support.sweep import sweep

OLD, BUSY, RECENT, OFFICIAL = 7_200_000_001, 7_200_000_002, 7_200_000_003, 6_300_001
MONTH = timedelta(days=31)


async def comment_and_reply(harness: BotHarness, officer: Person, resident_id: int, program: str) -> None:
    """A resident rates and comments, an official answers, the resident replies."""
    p = harness.person(resident_id)
    await p.send("/start")
    await p.press("Saya setuju")
    await p.choose_region("kota cirebon", "Kota Cirebon")
    await p.press(program)
    await p.press("⭐")
    await p.press("3")
    [ticket] = await p.send(f"Komentar warga {resident_id}")
    [inbox] = await officer.send("/masukanbaru")
    await officer.press(ticket_in(ticket.text), inbox)
    await officer.send(f"Tanggapan petugas tentang {program}")
    await p.press("Balas", p.last)
    await p.send(f"Balasan warga {resident_id}")


async def three_residents(harness: BotHarness) -> datetime:
    """OLD wrote long ago and nothing since; BUSY wrote long ago but used the bot lately; RECENT wrote lately."""
    officer = await make_official(harness, OFFICIAL, CIREBON)
    for resident_id, program in ((OLD, "Cirebon Lengko"), (BUSY, "Wadul Bae"), (RECENT, "Cirebon Melet")):
        await comment_and_reply(harness, officer, resident_id, program)
    harness.clock.now = now = datetime.now(UTC) + 25 * MONTH
    lately = now - timedelta(days=3)
    async with harness.db.unit_of_work() as s:  # what the bot would have stored, had they written at `lately`
        await s.exec(update(Resident).where(Resident.telegram_id.in_([BUSY, RECENT])).values(updated_at=lately))  # type: ignore[call-overload, attr-defined]
        [recent_id] = (await s.exec(select(Feedback.id).where(Feedback.resident_id == RECENT))).scalars().all()  # type: ignore[call-overload]
        await s.exec(update(Feedback).where(Feedback.id == recent_id).values(created_at=lately))  # type: ignore[call-overload]
        await s.exec(update(TicketMessage).where(TicketMessage.feedback_id == recent_id).values(at=lately))  # type: ignore[call-overload]
    return now


async def texts(db: Database) -> tuple[set[str], set[str]]:
    async with db.unit_of_work() as s:
        comments = set((await s.exec(select(Feedback.comment).where(Feedback.comment.is_not(None)))).scalars())  # type: ignore[call-overload, union-attr]
        said = set((await s.exec(select(TicketMessage.text).where(TicketMessage.text.is_not(None)))).scalars())  # type: ignore[call-overload, union-attr]
    return comments, said


async def test_old_comments_and_replies_are_anonymised_and_silent_residents_erased(harness: BotHarness) -> None:
    now = await three_residents(harness)
    assert harness.settings.retention_months == 24
    outcome = await run_once(harness.db, now=harness.clock(), months=harness.settings.retention_months,
                             keep=harness.settings.admin_ids)
    assert outcome == Outcome(months_before(now, 24), comments=2, replies=2, residents=1)

    comments, said = await texts(harness.db)
    assert comments == {f"Komentar warga {RECENT}"}
    assert said == {"Tanggapan petugas tentang Cirebon Lengko", "Tanggapan petugas tentang Wadul Bae",
                    "Tanggapan petugas tentang Cirebon Melet", f"Balasan warga {RECENT}"}  # the officials' answers stay; the recent reply too
    async with harness.db.unit_of_work() as s:
        assert await s.get(Resident, OLD) is None
        assert await s.get(Resident, BUSY) is not None and await s.get(Resident, RECENT) is not None
        assert await s.get(Resident, OFFICIAL) is not None  # an official's own row is their account
        ratings = list((await s.exec(select(Feedback.resident_id, Feedback.rating).order_by(Feedback.id))).all())  # type: ignore[call-overload]
    assert ratings == [(None, 3), (BUSY, 3), (RECENT, 3)]  # every rating still counts
    erased = await sweep(harness.db, OLD, [f"Komentar warga {OLD}", f"Balasan warga {OLD}"])
    print("\nretention sweep for the erased resident:", erased.line().format(n=3))
    assert erased.found == []
    busy = (await sweep(harness.db, BUSY, [f"Komentar warga {BUSY}", f"Balasan warga {BUSY}"])).found
    assert "residents.telegram_id" in busy and not [f for f in busy if "warga" in f]  # their account, no old text

    again = await run_once(harness.db, now=harness.clock(), months=24, keep=harness.settings.admin_ids)
    assert (again.comments, again.replies, again.residents) == (0, 0, 0)
    later = await run_once(harness.db, now=now + 24 * MONTH, months=24, keep=harness.settings.admin_ids)
    assert (later.comments, later.replies, later.residents) == (1, 1, 2)  # the rest in their turn; not officials


async def test_two_runs_at_once_do_each_thing_once(harness: BotHarness, db_url: str) -> None:
    await three_residents(harness)
    other = Database(db_url) if db_url.startswith("postgresql") else harness.db  # SQLite: one writer anyway
    try:
        first, second = await asyncio.gather(
            run_once(harness.db, now=harness.clock(), months=24), run_once(other, now=harness.clock(), months=24))
    finally:
        if other is not harness.db:
            await other.dispose()
    assert first.comments + second.comments == 2 and first.replies + second.replies == 2
    assert first.residents + second.residents == 1
    comments, _said = await texts(harness.db)
    assert comments == {f"Komentar warga {RECENT}"}


async def test_the_daily_loop_runs_once_at_start(harness: BotHarness) -> None:
    await three_residents(harness)
    task = asyncio.create_task(retention_loop(harness.app))  # as bot/app.py starts it, with the bot's clock
    try:
        for _attempt in range(200):
            async with harness.db.unit_of_work() as s:
                if await s.get(Resident, OLD) is None:
                    break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the loop did not erase the silent resident")
        assert not task.done()  # asleep until tomorrow's run
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def test_months_are_calendar_months() -> None:
    assert months_before(datetime(2026, 3, 31, 9, 30, tzinfo=UTC), 1) == datetime(2026, 2, 28, 9, 30, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 24) == datetime(2024, 1, 15, tzinfo=UTC)
    assert months_before(datetime(2024, 2, 29, tzinfo=UTC), 12) == datetime(2023, 2, 28, tzinfo=UTC)


async def test_old_photos_and_locations_go_with_their_comment_files_included(db: Database, tmp_path: Path) -> None:
    now = datetime(2029, 1, 15, tzinfo=UTC)
    async with db.unit_of_work() as s:
        program = (await s.exec(select(Program).order_by(Program.id))).scalars().first()  # type: ignore[call-overload]
        rows = [Feedback(program_id=program.id, region_code=program.region_code, rating=2, comment=f"komentar {n}",
                         created_at=at) for n, at in enumerate((now - 30 * MONTH, now - 2 * MONTH))]
        s.add_all(rows)
        await s.flush()
        for row, name in zip(rows, ("lama.jpg", "baru.jpg"), strict=True):
            (tmp_path / name).write_bytes(b"\xff\xd8jpeg")
            s.add(Evidence(feedback_id=row.id, photo_file=name, district_code="32.73.01", lat=-6.9, lon=107.6))
    outcome = await run_once(db, now=now, months=24, evidence_dir=str(tmp_path))
    assert outcome.comments == 1
    assert not (tmp_path / "lama.jpg").exists() and (tmp_path / "baru.jpg").exists()
    async with db.unit_of_work() as s:
        kept = (await s.exec(select(Evidence.photo_file))).scalars().all()  # type: ignore[call-overload]
    assert kept == ["baru.jpg"]
