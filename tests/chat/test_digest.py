"""The weekly digest: Monday 08:00 in each region's own zone, once, whatever restarts happen."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.services.digest import due_time, week_start
from bot.workers.digest import send_due_digests
from storage import officials as official_store
from storage.models import DigestRun, Feedback, Program
from tests.support.harness import BotHarness

BANDUNG, MAKASSAR, JAYAPURA = "32.73", "73.71", "91.71"  # WIB, WITA, WIT
MONDAY = date(2026, 11, 30)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_monday_eight_in_each_zone() -> None:
    assert due_time(MONDAY, "WIB") == utc(2026, 11, 30, 1, 0)
    assert due_time(MONDAY, "WITA") == utc(2026, 11, 30, 0, 0)
    assert due_time(MONDAY, "WIT") == utc(2026, 11, 29, 23, 0)  # still Sunday in UTC
    assert week_start(utc(2026, 11, 29, 23, 30), "WIT") == MONDAY
    assert week_start(utc(2026, 11, 29, 16, 59), "WIB") == date(2026, 11, 23)  # 23:59 on Sunday in WIB


async def setup_officials(harness: BotHarness) -> None:
    async with harness.db.unit_of_work() as s:
        for official_id, code in ((8101, BANDUNG), (8102, MAKASSAR), (8103, JAYAPURA)):
            await official_store.add_official(s, telegram_id=official_id, region_codes=[code])
        program = Program(region_code=BANDUNG, name="Bandung Sehat", description="d", dimension="living")
        s.add(program)
        await s.flush()
        for n, rating in enumerate((5, 4, 4, 2)):
            s.add(Feedback(program_id=program.id, region_code=BANDUNG, rating=rating, comment="antrean lama",
                           created_at=utc(2026, 11, 24 + n, 3, 0)))
    for official_id in (8101, 8102, 8103):  # each has talked to the bot before
        await harness.deliver(harness.fake.message_update(harness.fake.user(official_id), "/bantuan"))


def photos_to(harness: BotHarness, chat_id: int) -> list[object]:
    return [m for m in harness.fake.sent(chat_id) if m.photo]


async def test_digest_times_across_zones_and_restarts(harness: BotHarness, db_url: str) -> None:
    await setup_officials(harness)

    assert await send_due_digests(harness.app, utc(2026, 11, 29, 22, 59)) == 0
    assert await send_due_digests(harness.app, utc(2026, 11, 29, 23, 0)) == 1  # 08:00 WIT in Jayapura
    assert len(photos_to(harness, 8103)) == 1 and photos_to(harness, 8101) == []
    assert await send_due_digests(harness.app, utc(2026, 11, 30, 0, 0)) == 1  # 08:00 WITA in Makassar
    assert await send_due_digests(harness.app, utc(2026, 11, 30, 0, 59)) == 0
    assert await send_due_digests(harness.app, utc(2026, 11, 30, 1, 0)) == 1  # 08:00 WIB in Bandung
    text = [m for m in harness.fake.sent(8101) if "Ringkasan" in (m.text or "")][-1].text
    assert "Kota Bandung" in text and "Jumlah penilaian: 4" in text and "antrean" in text
    assert await send_due_digests(harness.app, utc(2026, 11, 30, 1, 1)) == 0  # never twice

    await harness.stop()  # a restart later that Monday sends nothing again
    second = BotHarness(harness.fake, harness.db, harness.settings)
    await second.start()
    try:
        assert await send_due_digests(second.app, utc(2026, 11, 30, 5, 0)) == 0
        # The next Monday the bot was down at 08:00 WIB and came back at 10:30: it catches up...
        assert await send_due_digests(second.app, utc(2026, 12, 7, 3, 30)) == 3
        # ...but not a whole day later for a week it missed entirely.
        assert await send_due_digests(second.app, utc(2026, 12, 15, 2, 0)) == 0
        async with harness.db.unit_of_work() as s:
            runs = (await s.exec(select(DigestRun))).scalars().all()  # type: ignore[call-overload]
        assert len(runs) == 6
    finally:
        await second.stop()


async def test_digest_off_and_on(harness: BotHarness) -> None:
    await setup_officials(harness)
    officer = harness.person(8101)
    [reply] = await officer.send("/ringkasanmingguan nonaktif")
    assert reply.text == "Ringkasan mingguan sudah dihentikan. Aktifkan lagi dengan /ringkasanmingguan aktif."
    # 08:05 WIB: Makassar's and Jayapura's officials get theirs, Bandung's, who switched it off, does not.
    assert await send_due_digests(harness.app, utc(2026, 11, 30, 1, 0) + timedelta(minutes=5)) == 2
    assert photos_to(harness, 8101) == []
    [reply] = await officer.send("/ringkasanmingguan aktif")
    assert reply.text.startswith("Ringkasan mingguan sudah aktif")
    assert await send_due_digests(harness.app, utc(2026, 12, 7, 1, 0)) == 3
    assert len(photos_to(harness, 8101)) == 1
    assert any("Hentikan dengan /ringkasanmingguan nonaktif." in (m.text or "") for m in harness.fake.sent(8101))
    [reply] = await harness.person(8999).send("/ringkasanmingguan nonaktif")
    assert "khusus untuk petugas" in reply.text


async def test_the_switch_by_either_name_in_either_language(harness: BotHarness) -> None:
    await setup_officials(harness)
    officer = harness.person(8101)
    for command, on in (("/digest off", False), ("/digest aktif", True), ("/ringkasanmingguan OFF", False),
                        ("/ringkasanmingguan on", True), ("/digest nonaktif", False), ("/digest on", True)):
        [reply] = await officer.send(command)
        assert reply.text.startswith("Ringkasan mingguan sudah aktif" if on else "Ringkasan mingguan sudah dihentikan")
        async with harness.db.unit_of_work() as s:
            assert (await official_store.get_official(s, telegram_id=8101)).digest is on, command  # type: ignore[union-attr]
    for wrong in ("/ringkasanmingguan", "/digest ya", "/ringkasanmingguan aktif nonaktif"):
        [reply] = await officer.send(wrong)
        assert reply.text == ("Ketik /ringkasanmingguan aktif untuk mengaktifkan ringkasan mingguan, atau "
                              "/ringkasanmingguan nonaktif untuk menghentikannya."), wrong
    [help_] = await officer.send("/bantuan")
    assert "/ringkasanmingguan aktif|nonaktif — " in help_.text and "/digest" not in help_.text
    english = harness.person(8102, language_code="en")
    [help_] = await english.send("/bantuan")
    assert "/ringkasanmingguan on|off — the weekly summary" in help_.text and "/digest" not in help_.text
    [reply] = await english.send("/ringkasanmingguan off")
    assert reply.text == "The weekly summary is off. Turn it on again with /ringkasanmingguan on."
