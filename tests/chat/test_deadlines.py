"""Deadlines of the first answer, on a controlled clock across WIB, WITA and WIT: the due date told to the resident,
the reminder and the overdue notice (once each, after a restart and with two processes), the coordinator, and
the quiet confirmation of a closure a week later."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.services import deadlines, workdays
from bot.workers.deadlines import run_once
from storage import officials as official_store
from storage.models import Feedback, Program, TicketForward, TicketMessage
from tests.support.harness import BotHarness
from tests.support.people import feedback_of, make_official, resident_comment
from tests.support.settings import ADMIN_ID

BANDUNG, MAKASSAR, JAYAPURA = "32.73", "73.71", "91.71"  # WIB, WITA, WIT


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def add_programs(harness: BotHarness) -> None:
    async with harness.db.unit_of_work() as s:
        for code, name in ((BANDUNG, "Bandung Sehat"), (MAKASSAR, "Makassar Tangkasaki"), (JAYAPURA, "Jayapura Pintar")):
            s.add(Program(region_code=code, name=name, description="Layanan.", dimension="living", status="berjalan"))


async def comment_at(harness: BotHarness, at: datetime, user_id: int, query: str, region: str, program: str) -> str:
    """A resident's comment at `at` (UTC); the thanks they read."""
    harness.clock.now = at
    person = await resident_comment(harness, user_id, query, region, program, "Antrean masih panjang.")
    return str(person.last.text)


async def test_due_dates_skip_weekends_holidays_and_days_off_in_each_zone(harness: BotHarness) -> None:
    await add_programs(harness)
    async with harness.db.unit_of_work() as s:
        await workdays.add_day_off(s, ADMIN_ID, day=date(2026, 12, 8), name="Cuti bersama (uji)")

    # Bandung (WIB), Wednesday 2 December 10.00: Thu 3, Fri 4, Mon 7, (Tue 8 off), Wed 9, Thu 10.
    thanks = await comment_at(harness, utc(2026, 12, 2, 3, 0), 7001, "kota bandung", "Kota Bandung", "Bandung Sehat")
    assert "Kami berupaya menanggapi paling lambat Kamis, 10 Desember 2026." in thanks
    fb = await feedback_of(harness, 7001)
    assert fb.due_at == utc(2026, 12, 10, 17, 0) and fb.clock_at == utc(2026, 12, 2, 3, 0)  # 24.00 WIB

    # Makassar (WITA), Monday 21 December 10.00: Tue 22, Wed 23, (Thu 24 cuti bersama Natal, Fri 25 Natal,
    # from the holidays package), Mon 28, Tue 29, Wed 30.
    thanks = await comment_at(harness, utc(2026, 12, 21, 2, 0), 7002, "kota makassar", "Kota Makassar",
                              "Makassar Tangkasaki")
    assert "paling lambat Rabu, 30 Desember 2026" in thanks
    assert (await feedback_of(harness, 7002)).due_at == utc(2026, 12, 30, 16, 0)  # 24.00 WITA

    # Jayapura (WIT): Thursday 3 December 23.30 WIB is already Friday 4 December 01.30 WIT: day 0 is Friday;
    # Mon 7, (Tue 8 off, for the whole country), Wed 9, Thu 10, Fri 11, Mon 14.
    thanks = await comment_at(harness, utc(2026, 12, 3, 16, 30), 7003, "kota jayapura", "Kota Jayapura",
                              "Jayapura Pintar")
    assert "paling lambat Senin, 14 Desember 2026" in thanks
    assert (await feedback_of(harness, 7003)).due_at == utc(2026, 12, 14, 15, 0)  # 24.00 WIT

    # English for a resident who chose it, with Babel's date.
    harness.clock.now = utc(2026, 12, 2, 3, 0)
    person = await resident_comment(harness, 7004, "kota bandung", "Kota Bandung", "Bandung Sehat", "Slow.", lang="en")
    assert "We aim to answer by Thursday, December 10, 2026 at the latest." in person.last.text


async def staff(harness: BotHarness) -> None:
    """8101 an official of Bandung, 8102 its coordinator; 8103 an official of Makassar (no coordinator there)."""
    await make_official(harness, 8101, BANDUNG)
    async with harness.db.unit_of_work() as s:
        await official_store.add_official(s, telegram_id=8102, region_codes=[BANDUNG], coordinator=True)
    await make_official(harness, 8103, MAKASSAR)
    for who in (8101, 8102, 8103, ADMIN_ID):  # each has talked to the bot before
        await harness.deliver(harness.fake.message_update(harness.fake.user(who), "/bantuan"))


def said(harness: BotHarness, chat_id: int, words: str) -> list[str]:
    return [str(m.text) for m in harness.fake.sent(chat_id) if words in (m.text or "")]


async def test_reminder_then_overdue_once_each_with_coordinator_and_restart(harness: BotHarness) -> None:
    await add_programs(harness)
    await staff(harness)
    async with harness.db.unit_of_work() as s:
        await workdays.add_day_off(s, ADMIN_ID, day=date(2026, 12, 8), name="Cuti bersama (uji)")
    await comment_at(harness, utc(2026, 12, 2, 3, 0), 7001, "kota bandung", "Kota Bandung", "Bandung Sehat")
    number = (await feedback_of(harness, 7001)).ticket
    await comment_at(harness, utc(2026, 12, 21, 2, 0), 7002, "kota makassar", "Kota Makassar", "Makassar Tangkasaki")

    # Due Thursday 10 December (WIB): reminded on Wednesday 9 December at 08.00 WIB.
    assert (await run_once(harness.app, utc(2026, 12, 9, 0, 59))).reminders == 0
    done = await run_once(harness.app, utc(2026, 12, 9, 1, 0))
    assert (done.reminders, done.overdue) == (1, 0)
    [reminder] = said(harness, 8101, "Pengingat")
    assert number in reminder and "Kamis, 10 Desember 2026" in reminder and "Antrean masih panjang." in reminder
    assert said(harness, 8102, "Pengingat") and not said(harness, 8103, "Pengingat")  # the coordinator is staff too
    assert f"Tanggapi {number}" in str(harness.fake.sent(8101)[-1].reply_markup)  # the ticket's button
    assert (await run_once(harness.app, utc(2026, 12, 9, 9, 0))).reminders == 0  # never twice

    assert (await run_once(harness.app, utc(2026, 12, 10, 17, 0))).overdue == 0  # late from 24.00 WIB, but…
    assert (await run_once(harness.app, utc(2026, 12, 11, 0, 59))).overdue == 0
    assert (await run_once(harness.app, utc(2026, 12, 11, 1, 0))).overdue == 1  # …told at 08.00 WIB on Friday
    [late] = said(harness, 8101, "Terlambat")
    assert number in late and "Kamis, 10 Desember 2026" in late
    [coordinated] = said(harness, 8102, "terlambat")
    assert number in coordinated and "Kota Bandung" in coordinated
    assert not said(harness, 8102, "Terlambat:") and not said(harness, ADMIN_ID, number)  # one message each

    await harness.stop()  # a restart: nothing again
    second = BotHarness(harness.fake, harness.db, harness.settings, clock=harness.clock)
    await second.start()
    try:
        assert (await run_once(second.app, utc(2026, 12, 11, 3, 0))).overdue == 0
        # Makassar has no coordinator: the admins are told, at 08.00 WITA on Thursday 31 December.
        done = await run_once(second.app, utc(2026, 12, 31, 0, 0))
        assert (done.reminders, done.overdue) == (0, 1)  # the bot was down for the reminder: only the overdue
        [admin_told] = said(harness, ADMIN_ID, "terlambat")
        assert "Kota Makassar" in admin_told and said(harness, 8103, "Terlambat")
    finally:
        await second.stop()
    assert len(said(harness, 8101, "Pengingat")) == 1 and len(said(harness, 8101, "Terlambat")) == 1


async def test_two_processes_send_each_notice_once(harness: BotHarness) -> None:
    await add_programs(harness)
    await staff(harness)
    for n in range(6):
        await comment_at(harness, utc(2026, 12, 2, 3, n), 7001 + n, "kota bandung", "Kota Bandung", "Bandung Sehat")
    other = BotHarness(harness.fake, harness.db, harness.settings, clock=harness.clock)
    await other.start()
    try:
        # Due Wednesday 9 December (24.00 WIB): reminded on Tuesday 8 December at 08.00 WIB, told at 08.00 on the 10th.
        at, reminded = utc(2026, 12, 10, 1, 0), utc(2026, 12, 8, 1, 0)
        results = await asyncio.gather(run_once(harness.app, reminded), run_once(other.app, reminded))
        assert sum(r.reminders for r in results) == 6
        results = await asyncio.gather(run_once(harness.app, at), run_once(other.app, at))
        assert sum(r.overdue for r in results) == 6
    finally:
        await other.stop()
    assert len(said(harness, 8101, "Pengingat")) == 6 and len(said(harness, 8101, "Terlambat")) == 6
    assert len(said(harness, 8102, "terlambat")) == 6


async def test_an_answer_stops_the_clock_and_a_silent_closure_is_confirmed_after_a_week(harness: BotHarness) -> None:
    await add_programs(harness)
    await staff(harness)
    harness.clock.now = utc(2026, 12, 2, 3, 0)
    resident = await resident_comment(harness, 7001, "kota bandung", "Kota Bandung", "Bandung Sehat", "Lampu mati.")
    officer = harness.person(8101)
    [inbox] = await officer.send("/masukanbaru")
    await officer.press("Selesai", inbox)
    await officer.send("Lampu sudah diganti oleh petugas.")
    fb = await feedback_of(harness, 7001)
    assert fb.answered_at == utc(2026, 12, 2, 3, 0) and fb.closed_at == utc(2026, 12, 2, 3, 0)
    assert (await run_once(harness.app, utc(2026, 12, 9, 2, 59))).confirmed == 0  # 7 days less a minute
    assert (await run_once(harness.app, utc(2026, 12, 9, 3, 0))).confirmed == 1
    told = resident.last
    assert fb.ticket in told.text and "kami anggap sudah tertangani" in told.text
    later = await run_once(harness.app, utc(2027, 1, 1))
    assert (later.confirmed, later.overdue) == (0, 0)  # confirmed once; answered, so never late
    fb = await feedback_of(harness, 7001)
    assert (fb.status, fb.satisfied) == ("selesai", True)
    async with harness.db.unit_of_work() as s:
        verdicts = (await s.exec(select(TicketMessage.status).where(TicketMessage.kind == "satisfaction"))).scalars().all()  # type: ignore[call-overload]
    assert verdicts == ["otomatis"]
    question = next(m for m in harness.fake.sent(7001) if "Apakah Anda puas" in (m.text or ""))
    await resident.press("Belum", question)  # too late: the closure stands
    assert (await feedback_of(harness, 7001)).status == "selesai"


async def test_a_region_can_have_its_own_number_of_days(harness: BotHarness) -> None:
    await add_programs(harness)
    async with harness.db.unit_of_work() as s:
        assert await deadlines.set_region_days(s, None, region_code=BANDUNG, days=2)
        assert not await deadlines.set_region_days(s, None, region_code="99.99", days=2)
    # Wednesday 2 December: Thu 3, Fri 4.
    thanks = await comment_at(harness, utc(2026, 12, 2, 3, 0), 7001, "kota bandung", "Kota Bandung", "Bandung Sehat")
    assert "paling lambat Jumat, 4 Desember 2026" in thanks
    async with harness.db.unit_of_work() as s:
        rows = (await s.exec(select(Feedback))).scalars().all()  # type: ignore[call-overload]
    assert [r.due_at for r in rows] == [utc(2026, 12, 4, 17, 0)]


async def test_the_inbox_shows_what_is_overdue_and_what_is_due(harness: BotHarness) -> None:
    await add_programs(harness)
    await staff(harness)
    await comment_at(harness, utc(2026, 12, 2, 3, 0), 7001, "kota bandung", "Kota Bandung", "Bandung Sehat")
    await comment_at(harness, utc(2026, 12, 8, 3, 0), 7002, "kota bandung", "Kota Bandung", "Bandung Sehat")
    harness.clock.now = utc(2026, 12, 10, 3, 0)  # Thursday 10 December: the first was due Wednesday 9th
    [inbox] = await harness.person(8101).send("/masukanbaru")
    assert "Terlambat: 1 · segera jatuh tempo: 0" in inbox.text
    assert "Terlambat: tanggapan pertama seharusnya sudah diberikan paling lambat Rabu, 9 Desember 2026." in inbox.text
    assert "Tanggapi paling lambat Selasa, 15 Desember 2026." in inbox.text
    harness.clock.now = utc(2026, 12, 14, 3, 0)  # Monday 14th: the second is due by Tuesday's end
    [inbox] = await harness.person(8101).send("/masukanbaru")
    assert "Terlambat: 1 · segera jatuh tempo: 1" in inbox.text


async def test_the_resident_sees_the_deadline_in_their_feedback(harness: BotHarness) -> None:
    await add_programs(harness)
    await staff(harness)
    await comment_at(harness, utc(2026, 12, 2, 3, 0), 7001, "kota bandung", "Kota Bandung", "Bandung Sehat")
    resident = harness.person(7001)
    [mine] = await resident.send("/masukan")
    assert "Kami berupaya menanggapi paling lambat Rabu, 9 Desember 2026." in mine.text
    harness.clock.now = utc(2026, 12, 10, 3, 0)
    [mine] = await resident.send("/masukan")
    assert "Mohon maaf, tanggapannya terlambat. Batas waktunya Rabu, 9 Desember 2026" in mine.text
    [inbox] = await harness.person(8101).send("/masukanbaru")
    await harness.person(8101).press("Tanggapi", inbox)
    await harness.person(8101).send("Sedang kami periksa.")
    [mine] = await resident.send("/masukan")
    assert "paling lambat" not in mine.text  # answered: no deadline any more


async def test_the_residents_file_carries_the_deadline_and_where_the_ticket_went(harness: BotHarness) -> None:
    await add_programs(harness)
    await comment_at(harness, utc(2026, 12, 2, 3, 0), 7001, "kota bandung", "Kota Bandung", "Bandung Sehat")
    fb = await feedback_of(harness, 7001)
    async with harness.db.unit_of_work() as s:
        s.add(TicketForward(feedback_id=fb.id, official_id=8101, from_region=BANDUNG, body="lapor",
                            reason="Jalan nasional: kewenangan pusat.", reference="LAP-123", at=utc(2026, 12, 3)))
    [doc] = await harness.person(7001).send("/dataku")
    assert doc.document is not None
    [ticket] = json.loads(doc.document[1])["feedback"]
    assert ticket["first_answer_due_at"] == "2026-12-09T17:00:00+00:00" and ticket["first_answer_at"] is None
    assert ticket["forwarded"] == [{"from_region": BANDUNG, "to_region": None, "to_body": "lapor",
                                    "reason": "Jalan nasional: kewenangan pusat.", "reference": "LAP-123",
                                    "at": "2026-12-03T00:00:00+00:00"}]
