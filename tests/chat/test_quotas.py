"""Quotas, in the chat as residents meet them: each trips at its documented limit, says until when, and recovers.

The bot's clock (FakeClock) plays the minutes and hours between a resident's steps; storage stamps rows with
the real time, so each new row is stamped again with the bot's time, as if written then.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.config import Settings
from bot.services.deps import DEPS_KEY
from bot.services.quota import Limits, PauseBook
from storage.db import Database
from storage.models import Feedback, Resident
from tests.support.fakebot import FakeBotAPI
from tests.support.harness import BotHarness, Person
from tests.support.people import PROGRAMS, bandung_programs, newcomer
from tests.support.settings import ADMIN_ID, make_settings

T0 = datetime(2025, 5, 5, 2, 0, tzinfo=UTC)  # a Monday, 09.00 WIB, well before the real time rows get


async def rate(p: Person, program: str, stars: str = "3") -> tuple[object, list[object]]:
    """Open the program from /program and press a star; the press's answer and the new messages."""
    await p.send("/program")
    await p.press(program)
    await p.press("⭐")
    pressed = await p.press(stars)
    await restamp(p.h)
    return pressed


async def restamp(h: BotHarness) -> None:
    """The rows written in the last step carry the bot's time."""
    async with h.db.unit_of_work() as s:
        await s.exec(update(Feedback).where(Feedback.created_at > T0 + timedelta(days=30)).values(created_at=h.clock()))  # type: ignore[call-overload, operator]


async def comments_of(h: BotHarness, user_id: int) -> list[str | None]:
    async with h.db.unit_of_work() as s:
        stmt = select(Feedback.comment).where(Feedback.resident_id == user_id).order_by(Feedback.id)
        return list((await s.exec(stmt)).scalars())  # type: ignore[call-overload]


@pytest.fixture
async def tight(fake: FakeBotAPI, db: Database, db_url: str) -> AsyncIterator[BotHarness]:
    """The bot with small limits, to reach a day's quota or a region's in a few steps."""
    settings = make_settings(fake.url, db_url, admin_ids=str(ADMIN_ID), comments_per_hour=0, comments_per_day=4,
                             region_comments_per_hour=3)
    h = BotHarness(fake, db, settings)
    await h.start()
    yield h
    await h.stop()


def test_the_documented_defaults() -> None:
    settings = Settings(_env_file=None, bot_token="7000001:test-token-for-the-local-fake-server")  # type: ignore[call-arg, arg-type]
    assert Limits.of(settings) == Limits()
    assert (Limits().comments_per_hour, Limits().comments_per_day, Limits().tickets_per_program_per_day,
            Limits().messages_per_minute, Limits().flood_pause, Limits().region_comments_per_hour) == (
        10, 30, 3, 20, timedelta(seconds=60), 500)


async def test_ten_comments_an_hour_then_a_polite_stop_until_the_hour_has_passed(harness: BotHarness) -> None:
    await bandung_programs(harness)
    harness.clock.now = T0
    ana = await newcomer(harness, 7101)
    for i in range(10):  # one a minute from 09.01: well under the flood limit
        harness.clock.now = T0 + timedelta(minutes=i + 1)
        await rate(ana, PROGRAMS[i % 4])
        [ticket] = await ana.send(f"Komentar nomor {i + 1}")
        assert "Nomor tiket" in ticket.text
    harness.clock.now = T0 + timedelta(minutes=15)
    await rate(ana, PROGRAMS[2])
    [refusal] = await ana.send("Komentar kesebelas")
    assert "hingga 10 komentar per jam" in refusal.text
    assert "mulai 10.01 WIB" in refusal.text  # when the first, from 09.01, leaves the hour; today: no date
    assert "tidak disimpan" in refusal.text and "Penilaian Anda sudah disimpan" in refusal.text
    assert "Lewati" in str(refusal.reply_markup)
    assert (await comments_of(harness, 7101))[-1] is None  # the rating stands, the comment is not stored

    harness.clock.now = T0 + timedelta(minutes=60, seconds=59)
    [still] = await ana.send("Komentar kesebelas")
    assert "mulai 10.01 WIB" in still.text
    harness.clock.now = T0 + timedelta(minutes=61)  # the draft was kept: the same step takes it now
    [ticket] = await ana.send("Komentar kesebelas")
    assert "Nomor tiket" in ticket.text
    assert (await comments_of(harness, 7101))[-1] == "Komentar kesebelas"


async def test_a_program_three_times_a_day(harness: BotHarness) -> None:
    await bandung_programs(harness)
    harness.clock.now = T0
    budi = await newcomer(harness, 7102)
    for i, stars in enumerate("245"):
        harness.clock.now = T0 + timedelta(minutes=i + 1)
        await rate(budi, "Bus Kota", stars)
        await budi.press("Lewati")
    harness.clock.now = T0 + timedelta(hours=2)
    await budi.send("/program")
    await budi.press("Bus Kota")
    answer, [refusal] = await budi.press("⭐")
    assert answer is not None  # the press is answered, and the reason is written in the chat
    assert "3 kali sehari" in refusal.text and "yang dihitung adalah penilaian terakhir" in refusal.text
    assert "mulai 6 Mei 2025, 09.01 WIB" in refusal.text  # another day: with its date
    await rate(budi, "Wifi Taman", "4")  # another program is fine
    await budi.press("Lewati")

    harness.clock.now = T0 + timedelta(days=1, minutes=1)
    await rate(budi, "Bus Kota", "3")
    async with harness.db.unit_of_work() as s:
        rows = (await s.exec(select(Feedback.rating).where(Feedback.resident_id == 7102))).scalars().all()  # type: ignore[call-overload]
    assert sorted(rows) == [2, 3, 4, 4, 5]


async def test_stars_shown_before_the_quota_filled_are_refused_too(harness: BotHarness) -> None:
    await bandung_programs(harness)
    harness.clock.now = T0
    citra = await newcomer(harness, 7103)
    await citra.send("/program")
    await citra.press("Bus Kota")
    await citra.press("⭐")
    early = citra.message_with_button("5")
    data = citra.button_data(early, "5")
    for i in range(3):
        harness.clock.now = T0 + timedelta(minutes=i + 1)
        await rate(citra, "Bus Kota", "5")
        await citra.press("Lewati")
    _, new = await citra.press_data(early.message_id, data)
    assert any("3 kali sehari" in (m.text or "") for m in new)
    assert len(await comments_of(harness, 7103)) == 3


async def test_a_day_of_comments(tight: BotHarness) -> None:
    await bandung_programs(tight)
    tight.clock.now = T0
    dewi = await newcomer(tight, 7104)
    for i in range(4):  # 10.00, 11.00, 12.00, 13.00
        tight.clock.now = T0 + timedelta(hours=i + 1)
        await rate(dewi, PROGRAMS[i])
        await dewi.send(f"Komentar {i + 1}")
    tight.clock.now = T0 + timedelta(hours=6)
    await rate(dewi, PROGRAMS[0])
    [refusal] = await dewi.send("Komentar kelima")
    assert "hingga 4 komentar per hari" in refusal.text and "mulai 6 Mei 2025, 10.00 WIB" in refusal.text
    tight.clock.now = T0 + timedelta(days=1, hours=1)
    [ticket] = await dewi.send("Komentar kelima")
    assert "Nomor tiket" in ticket.text


async def test_a_region_quota_stops_a_coordinated_spam(tight: BotHarness) -> None:
    await bandung_programs(tight)
    for i, user_id in enumerate((7111, 7112, 7113)):  # 09.01, 09.02, 09.03
        tight.clock.now = T0 + timedelta(minutes=i + 1)
        p = await newcomer(tight, user_id)
        await rate(p, "Bus Kota")
        [ticket] = await p.send("Bus terlambat lagi")
        assert "Nomor tiket" in ticket.text
    fourth = await newcomer(tight, 7114)
    await rate(fourth, "Bus Kota")
    [refusal] = await fourth.send("Bus terlambat lagi")
    assert "banyak warga kabupaten/kota Anda" in refusal.text and "mulai 10.01 WIB" in refusal.text
    cirebon = tight.person(7115)  # another region is not held back
    await cirebon.send("/start")
    await cirebon.press("Saya setuju")
    await cirebon.choose_region("kota cirebon", "Kota Cirebon")
    await rate(cirebon, "Cirebon Lengko")
    [ticket] = await cirebon.send("Bagus")
    assert "Nomor tiket" in ticket.text
    tight.clock.now = T0 + timedelta(minutes=61)
    [ticket] = await fourth.send("Bus terlambat lagi")
    assert "Nomor tiket" in ticket.text


async def test_a_flood_gets_one_notice_then_silence_until_the_pause_ends(harness: BotHarness) -> None:
    harness.clock.now = T0
    eko = await newcomer(harness, 7120)
    bystander = await newcomer(harness, 7121)
    harness.clock.now = T0 + timedelta(minutes=5)
    for i in range(20):
        [reply] = await eko.send(f"halo {i}")
        assert "tidak memahami" in reply.text
    [notice] = await eko.send("halo 20")
    assert notice.text.startswith("Mohon tunggu sebentar")
    assert "09.06 WIB" in notice.text  # 09.05 plus the minute's pause
    async with harness.db.unit_of_work() as s:
        held_at = (await s.get(Resident, 7120)).last_update_id  # type: ignore[union-attr]
    for i in range(10):
        assert await eko.send(f"lagi {i}") == []
        answer, new = await eko.press_data(notice.message_id, "v1:progs:0")
        assert answer is None and new == []  # not even the button is answered: nothing is done for a flood
    async with harness.db.unit_of_work() as s:
        assert (await s.get(Resident, 7120)).last_update_id == held_at  # type: ignore[union-attr]  # no database work
    [help_] = await bystander.send("/bantuan")
    assert "/program" in help_.text

    # Another process, which has not seen the flood, reads the pause from the database: still no second notice.
    harness.app.bot_data[DEPS_KEY].pauses = PauseBook()
    harness.clock.now = T0 + timedelta(minutes=5, seconds=30)
    assert await eko.send("dari proses lain") == []

    harness.clock.now = T0 + timedelta(minutes=6, seconds=1)
    [reply] = await eko.send("/bantuan")
    assert "/program" in reply.text
    notices = [m for m in harness.fake.sent(7120) if (m.text or "").startswith("Mohon tunggu")]
    assert len(notices) == 1
