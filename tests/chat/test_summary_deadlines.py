"""/ringkasan's deadline figures end to end: on time, the median time, overdue, due soon, rejected closures.

The bot's clock stands at Wednesday 2 December 2026, 12:00 WIB; the period is the last 7 days. ("Due soon" ends
with the next working day, Thursday: its date as Babel writes it in full.)
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.workers.digest import send_due_digests
from storage import officials as official_store
from storage.models import Feedback, Program, TicketMessage
from tests.support.harness import BotHarness

BANDUNG = "32.73"
NOW = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)  # 12:00 WIB


def utc(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


async def seed(harness: BotHarness) -> None:
    async with harness.db.unit_of_work() as s:
        program = Program(region_code=BANDUNG, name="Bandung Sehat", description="d", dimension="living")
        s.add(program)
        await s.flush()

        def ticket(clock: datetime, due: datetime, answered: datetime | None = None) -> Feedback:
            return Feedback(program_id=program.id, region_code=BANDUNG, rating=3, comment="jalan berlubang",
                            created_at=clock, clock_at=clock, due_at=due, answered_at=answered)

        rows = [
            # this period: four answered on time in 36 hours, one unanswered past due, one due today
            *[ticket(utc(11, 26, 2), utc(11, 30, 17), utc(11, 27, 14)) for _ in range(4)],
            ticket(utc(11, 25, 17), utc(12, 1, 17)),
            ticket(utc(11, 27, 2), utc(12, 2, 17)),
            ticket(utc(11, 30, 2), utc(12, 8, 17)),  # due at the end of Tuesday 8 December: not yet settled
            # the week before: one on time in 48 hours, one late in 72: half on time, a median of 60 hours
            ticket(utc(11, 19), utc(11, 22), utc(11, 21)),
            ticket(utc(11, 19), utc(11, 21), utc(11, 22)),
        ]
        s.add_all(rows)
        await s.flush()
        s.add(TicketMessage(feedback_id=rows[0].id, kind="satisfaction", status="belum", at=utc(11, 28)))
        await official_store.add_official(s, telegram_id=8201, region_codes=[BANDUNG])


async def test_the_summary_shows_the_deadline_figures(harness: BotHarness) -> None:
    harness.clock.now = NOW
    await seed(harness)
    officer = harness.person(8201)
    [chooser] = await officer.send("/ringkasan")
    await officer.press("7 hari", chooser)
    text = officer.messages[-2].text
    assert "Tanggapan dan batas waktu" in text
    assert "Ditanggapi tepat waktu: 80% dari 5 komentar (naik 30 poin)" in text
    assert "Median waktu tanggapan pertama: 1,5 hari (sebelumnya 2,5 hari)" in text
    assert "Terlambat saat ini: 1" in text
    assert "Segera jatuh tempo (hingga Kamis, 3 Desember 2026): 1" in text
    assert "Tindak lanjut ditolak: 1 (naik 1 dibanding periode sebelumnya)" in text
    assert "1. Bandung Sehat — terlambat 1, segera jatuh tempo 1, tepat waktu 80%" in text


async def test_nothing_to_count_reads_no_data_yet(harness: BotHarness) -> None:
    harness.clock.now = NOW
    async with harness.db.unit_of_work() as s:
        await official_store.add_official(s, telegram_id=8202, region_codes=[BANDUNG])
    officer = harness.person(8202)
    [chooser] = await officer.send("/ringkasan")
    await officer.press("30 hari", chooser)
    text = next(m.text for m in reversed(officer.messages) if m.text and "Ringkasan" in m.text)
    assert "Ditanggapi tepat waktu: belum ada data" in text
    assert "Median waktu tanggapan pertama: belum ada data" in text
    assert "Terlambat saat ini: 0" in text and "Tindak lanjut ditolak: 0" in text
    assert "per program" not in text


async def test_the_weekly_digest_shows_what_is_overdue_and_due_soon(harness: BotHarness) -> None:
    harness.clock.now = NOW
    await seed(harness)
    await harness.deliver(harness.fake.message_update(harness.fake.user(8201), "/bantuan"))  # has talked to the bot
    monday = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 08:00 WIB
    assert await send_due_digests(harness.app, monday) == 1
    text = [m for m in harness.fake.sent(8201) if "Ringkasan mingguan" in (m.text or "")][-1].text
    # now both of last week's open tickets are late, and the one due on Tuesday is due soon
    assert "Terlambat saat ini: 2" in text
    assert "Segera jatuh tempo (hingga Selasa, 8 Desember 2026): 1" in text
    assert "1. Bandung Sehat — terlambat 2, segera jatuh tempo 1" in text
