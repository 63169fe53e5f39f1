"""Announcements: audience and scope, preview, quiet hours, cancel, Telegram's errors, crash and resume."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.cli.broadcast import outbound_lines
from bot.services import broadcast as service
from bot.workers import broadcast_sender
from bot.workers.broadcast_sender import Sender
from storage import officials as official_store
from storage.models import Broadcast, Program, ProgramFollow, Resident
from tests.support.broadcasts import DAY, announce, received, residents, statuses
from tests.support.harness import BotHarness
from tests.support.settings import ADMIN_ID

BANDUNG, CIREBON, JAYAPURA = "32.73", "32.74", "91.71"
NIGHT = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 22:00 WIB, 00:00 WIT: quiet everywhere


async def test_a_broadcast_reaches_every_subscriber_once(harness: BotHarness) -> None:
    await residents(harness, BANDUNG, range(20001, 20011))
    await residents(harness, BANDUNG, range(20011, 20013), subscribed=False)
    await residents(harness, CIREBON, range(20013, 20015))
    harness.clock.now = DAY
    bid = await announce(harness, BANDUNG, "<b>Layanan KTP</b> buka Sabtu &amp; Minggu")
    assert await Sender(harness.app).tick()
    assert await statuses(harness, bid) == {"sent": 10}
    for rid in range(20001, 20011):
        [m] = harness.fake.sent(rid)
        assert m.text == "Layanan KTP buka Sabtu & Minggu"
        assert m.reply_markup["inline_keyboard"][0][0]["callback_data"] == "v1:unsub"
    assert all(harness.fake.sent(rid) == [] for rid in range(20011, 20015))  # not subscribed / other region
    assert not await Sender(harness.app).tick()  # done: nothing more to send
    async with harness.db.unit_of_work() as s:
        assert (await s.get(Broadcast, bid)).state == "done"  # type: ignore[union-attr]


async def test_quiet_hours_hold_ordinary_news_but_not_warnings(harness: BotHarness) -> None:
    await residents(harness, BANDUNG, range(20101, 20104))
    await residents(harness, JAYAPURA, range(20104, 20106))
    harness.clock.now = NIGHT
    ordinary = await announce(harness, BANDUNG, "Jadwal posyandu berubah", at=NIGHT)
    warning = await announce(harness, JAYAPURA, "Peringatan banjir: segera mengungsi", urgent=True, at=NIGHT)
    sender = Sender(harness.app)
    await sender.tick()
    assert await statuses(harness, ordinary) == {"pending": 3}  # 22:00 WIB: waits for the morning
    assert await statuses(harness, warning) == {"sent": 2}  # 00:00 WIT, but urgent
    harness.clock.now = datetime(2026, 12, 2, 0, 30, tzinfo=UTC)  # 07:30 WIB
    await sender.tick()
    assert await statuses(harness, ordinary) == {"sent": 3}


async def test_telegram_errors_blocked_missing_and_transient(harness: BotHarness) -> None:
    await residents(harness, BANDUNG, range(20201, 20206))
    harness.clock.now = DAY
    fake = harness.fake
    fake.blocked_users.add(20201)
    fake.fail_next("sendMessage", status=400, description="Bad Request: chat not found", chat_id=20202)
    fake.fail_next("sendMessage", status=502, description="Bad Gateway", chat_id=20203)
    fake.fail_next("sendMessage", status=429, retry_after=1, chat_id=20204)
    bid = await announce(harness, BANDUNG, "Pengumuman uji")
    sender = Sender(harness.app)
    await sender.tick()
    # The outbound path waits out the 429 and repeats the 502 at once; 400 and 403 are final.
    assert await statuses(harness, bid) == {"sent": 3, "blocked": 1, "failed": 1}
    async with harness.db.unit_of_work() as s:
        assert (await s.get(Resident, 20201)).blocked is True  # type: ignore[union-attr]
    assert received(harness, 20203, "Pengumuman uji") == 1 and received(harness, 20204, "Pengumuman uji") == 1
    assert harness.app.bot_data["metrics"].retries.labels("server")._value.get() == 1
    # A blocked resident who comes back (unblocks the bot and writes) gets announcements again.
    fake.blocked_users.discard(20201)
    await harness.person(20201).send("/start")
    async with harness.db.unit_of_work() as s:
        assert (await s.get(Resident, 20201)).blocked is False  # type: ignore[union-attr]


async def test_cancel_and_crash_resume(harness: BotHarness) -> None:
    await residents(harness, BANDUNG, range(20301, 20341))
    harness.clock.now = DAY
    bid = await announce(harness, BANDUNG, "Pengumuman panjang")
    sender = Sender(harness.app)
    task = asyncio.create_task(sender.tick())
    await asyncio.sleep(0.5)  # about a dozen sent at 25/s
    task.cancel()  # the process dies mid-way
    await asyncio.gather(task, return_exceptions=True)
    mid = await statuses(harness, bid)
    assert 0 < mid.get("sent", 0) < 40
    await Sender(harness.app).tick()  # a new process resumes
    assert await statuses(harness, bid) == {"sent": 40}
    twice = [rid for rid in range(20301, 20341) if received(harness, rid, "Pengumuman panjang") > 1]
    lost = [rid for rid in range(20301, 20341) if received(harness, rid, "Pengumuman panjang") == 0]
    assert lost == [] and len(twice) <= Sender(harness.app).window  # at most those in flight

    second = await announce(harness, BANDUNG, "Dibatalkan")
    async with harness.db.unit_of_work() as s:
        assert await service.cancel(s, None, second) is not None
    await Sender(harness.app).tick()
    assert await statuses(harness, second) == {"pending": 40}
    assert all(received(harness, rid, "Dibatalkan") == 0 for rid in range(20301, 20341))


async def test_unsubscribe_button_and_blocking_the_bot(harness: BotHarness) -> None:
    await residents(harness, BANDUNG, range(20401, 20403))
    harness.clock.now = DAY
    await announce(harness, BANDUNG, "Satu")
    await Sender(harness.app).tick()
    p = harness.person(20401)
    [message] = harness.fake.sent(20401)
    answer, _ = await p.press_data(message.message_id, "v1:unsub")
    assert answer["show_alert"] is True
    harness.fake.push_update({"my_chat_member": {
        "chat": {"id": 20402, "type": "private", "first_name": "W"}, "from": p.fake.user(20402), "date": 0,
        "old_chat_member": {"status": "member", "user": harness.fake.bot_user},
        "new_chat_member": {"status": "kicked", "user": harness.fake.bot_user, "until_date": 0}}})
    await asyncio.sleep(0.3)
    bid = await announce(harness, BANDUNG, "Dua")
    assert await statuses(harness, bid) == {}  # nobody left: one unsubscribed, one blocked the bot
    async with harness.db.unit_of_work() as s:
        assert (await s.get(Resident, 20401)).subscribed is False  # type: ignore[union-attr]
        assert (await s.get(Resident, 20402)).blocked is True  # type: ignore[union-attr]


async def test_official_composes_with_preview_within_their_regions(harness: BotHarness) -> None:
    await residents(harness, BANDUNG, range(20501, 20504))
    async with harness.db.unit_of_work() as s:
        await official_store.add_official(s, telegram_id=20599, region_codes=[BANDUNG])
    officer = harness.person(20599)
    [menu] = await officer.send("/umumkan")
    assert [d for _t, d in officer.buttons(menu)] == ["v1:bcr:32.73"]  # only their region, no "everyone"
    for forged in ("v1:bcr:32.74", "v1:bc:all", "v1:bcq:32", "v1:bcp:32"):
        answer, new = await officer.press_data(menu.message_id, forged)
        assert answer["show_alert"] is True and new == [], forged
    await officer.press_data(menu.message_id, "v1:bcr:32.73")
    assert "(3 penerima saat ini)" in menu.text
    [problem] = await officer.send("<b>Banjir di <i>Jalan Asia Afrika</b>")
    assert "</b>" in problem.text or "<i>" in problem.text  # explained, draft kept
    [photo_question] = await officer.send("<b>Banjir</b> di Jalan Asia Afrika & sekitarnya")  # a bare & just works
    _answer, (preview, confirm) = await officer.press_data(photo_question.message_id, "v1:bc:nophoto")
    assert preview.text == "Banjir di Jalan Asia Afrika & sekitarnya"
    assert preview.reply_markup["inline_keyboard"][0][0]["callback_data"] == "v1:unsub"
    assert "akan dikirim kepada 3 warga (Kota Bandung)" in confirm.text
    harness.clock.now = DAY
    await officer.press_data(confirm.message_id, "v1:bc:send")
    assert confirm.text.splitlines() == [
        "📣 Pengumuman #1: dijadwalkan", "Dari 3 penerima: terkirim 0 · memblokir bot 0 · gagal 0 · menunggu 3"]
    await Sender(harness.app).tick()
    assert all(received(harness, rid, "Banjir di Jalan Asia Afrika") == 1 for rid in range(20501, 20504))
    assert confirm.text.splitlines() == [  # the progress message was edited to the final figures
        "📣 Pengumuman #1: selesai", "Dari 3 penerima: terkirim 3 · memblokir bot 0 · gagal 0 · menunggu 0"]
    [listing] = await officer.send("/siaran")
    assert "#1" in listing.text


async def test_status_change_notifies_followers(harness: BotHarness) -> None:
    await residents(harness, CIREBON, range(20601, 20604), subscribed=False)
    async with harness.db.unit_of_work() as s:
        program = (await s.exec(select(Program).where(Program.region_code == CIREBON))).scalars().first()  # type: ignore[call-overload]
        s.add_all([ProgramFollow(resident_id=20601, program_id=program.id), ProgramFollow(resident_id=20602, program_id=program.id)])
        await official_store.add_official(s, telegram_id=20699, region_codes=[CIREBON])
    officer = harness.person(20699)
    harness.clock.now = DAY
    [menu] = await officer.send("/kelolaprogram")
    await officer.press_data(menu.message_id, f"v1:pm:{program.id}")
    await officer.press_data(menu.message_id, f"v1:pms:{program.id}:berjalan")
    await officer.press_data(menu.message_id, f"v1:pmn:{program.id}:program")
    assert "sedang dikirim kepada 2 warga" in menu.text
    await Sender(harness.app).tick()
    for rid, expected in ((20601, 1), (20602, 1), (20603, 0)):
        assert received(harness, rid, "berjalan") == expected
    resident = harness.person(20603)
    [hello] = await resident.send("/bantuan")
    answer, _ = await resident.press_data(hello.message_id, f"v1:pms:{program.id}:selesai")
    assert answer["show_alert"] is True  # a resident cannot manage programs

    admin = harness.person(ADMIN_ID)
    [hello] = await admin.send("/bantuan")
    admin_forged, _ = await admin.press_data(hello.message_id, f"v1:pm:{program.id}")
    assert admin_forged is not None and not admin_forged.get("show_alert")  # admins manage every region


async def test_residents_who_asked_hear_of_their_regions_first_programs(harness: BotHarness) -> None:
    from bot.services.importer import import_programs

    await residents(harness, BANDUNG, range(20701, 20703), subscribed=False)
    async with harness.db.unit_of_work() as s:
        (await s.get(Resident, 20701)).notify_new_programs = True  # type: ignore[union-attr]
    csv_text = "region_code,name,description,dimension\n32.73,Bandung Sehat,Konsultasi kesehatan daring.,living\n"
    async with harness.db.unit_of_work() as s:
        report = await import_programs(s, csv_text, notice=lambda region: f"Kabar baik: {region} punya program", now=DAY)
    assert report.ok and report.imported == 1
    harness.clock.now = DAY
    await Sender(harness.app).tick()
    assert received(harness, 20701, "Kabar baik: Kota Bandung punya program") == 1
    assert harness.fake.sent(20702) == []  # did not ask
    async with harness.db.unit_of_work() as s:
        assert (await s.get(Resident, 20701)).notify_new_programs is False  # type: ignore[union-attr]
    second = "region_code,name,description,dimension\n32.73,Wifi Taman,Wifi gratis.,society\n"
    async with harness.db.unit_of_work() as s:
        await import_programs(s, second, notice=lambda region: "lagi", now=DAY)
        assert len((await s.exec(select(Broadcast))).scalars().all()) == 1  # type: ignore[call-overload]


async def test_an_official_adds_and_edits_a_program_in_the_chat(harness: BotHarness) -> None:
    async with harness.db.unit_of_work() as s:
        await official_store.add_official(s, telegram_id=20899, region_codes=[BANDUNG])
    officer = harness.person(20899)
    [menu] = await officer.send("/kelolaprogram")
    await officer.press_data(menu.message_id, "v1:pa:32.73")
    await officer.send("Bandung <Sehat> & Bugar")
    [areas] = await officer.send("Konsultasi kesehatan daring untuk warga.")
    await officer.press_data(areas.message_id, "v1:pad:living")
    assert "Bandung <Sehat> & Bugar" in areas.text
    answer, _ = await officer.press_data(areas.message_id, "v1:pad:living")  # a double tap adds nothing
    async with harness.db.unit_of_work() as s:
        [program] = (await s.exec(select(Program).where(Program.region_code == BANDUNG))).scalars().all()  # type: ignore[call-overload]
    assert (program.name, program.dimension, program.status) == ("Bandung <Sehat> & Bugar", "living", "berjalan")
    [menu] = await officer.send("/kelolaprogram")
    await officer.press_data(menu.message_id, f"v1:pm:{program.id}")
    await officer.press_data(menu.message_id, f"v1:pe:{program.id}")
    await officer.send("Konsultasi dokter lewat video, gratis.")
    async with harness.db.unit_of_work() as s:
        assert (await s.get(Program, program.id)).description == "Konsultasi dokter lewat video, gratis."  # type: ignore[union-attr]
    answer, _ = await officer.press_data(menu.message_id, "v1:pa:32.74")  # not their region
    assert answer["show_alert"] is True


async def test_broadcast_status_shows_each_process_outbound_path(harness: BotHarness) -> None:
    outbound = harness.app.bot.rate_limiter
    await harness.person(20601).send("/start")
    assert outbound.report.publish is not None
    await outbound.report.publish(outbound.report.snapshot())
    async with harness.db.unit_of_work() as s:
        lines = await outbound_lines(s, datetime.now(UTC))
    [line] = lines
    assert f"Outbound path of {outbound.report.process}" in line and "Telegram reachable" in line
    assert "queued: reply 0 notice 0 digest 0 broadcast 0" in line and "0 × 429" in line


async def test_the_progress_message_follows_the_sending_live(harness: BotHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    """While an announcement goes out, its progress message is edited page by page, not only at the end."""
    monkeypatch.setattr(broadcast_sender, "PROGRESS_EVERY", 0.0)  # every page, not every 3 s
    await residents(harness, BANDUNG, range(21001, 21121))  # 120 recipients: several pages of the sender
    async with harness.db.unit_of_work() as s:
        await official_store.add_official(s, telegram_id=21199, region_codes=[BANDUNG])
    officer = harness.person(21199)
    [menu] = await officer.send("/umumkan")
    await officer.press_data(menu.message_id, "v1:bcr:32.73")
    [photo_question] = await officer.send("Pelayanan KTP buka hari Sabtu")
    _answer, (_preview, confirm) = await officer.press_data(photo_question.message_id, "v1:bc:nophoto")
    harness.clock.now = DAY
    await officer.press_data(confirm.message_id, "v1:bc:send")
    edits_before = len(edits_of(harness, confirm.message_id))
    await Sender(harness.app).tick()
    shown = edits_of(harness, confirm.message_id)[edits_before:]
    sent = [int(m.group(1)) for text in shown if (m := re.search(r"terkirim (\d+)", text))]
    assert len(shown) >= 3 and sent == sorted(sent), shown  # several edits, the figures only grow
    assert any("sedang dikirim" in text and 0 < n < 120 for text, n in zip(shown, sent, strict=True)), shown
    assert shown[-1].splitlines() == [
        "📣 Pengumuman #1: selesai", "Dari 120 penerima: terkirim 120 · memblokir bot 0 · gagal 0 · menunggu 0"]


def edits_of(harness: BotHarness, message_id: int) -> list[str]:
    return [c.params["text"] for c in harness.fake.calls
            if c.method == "editMessageText" and c.ok and c.params.get("message_id") == message_id]
