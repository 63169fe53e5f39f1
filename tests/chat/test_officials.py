"""Officials in the chat: invites, region scoping, and the answer loop back to the resident."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import delete, select

from storage import officials as official_store
from storage.models import AuditEntry, Official, Region
from tests.support.harness import BotHarness
from tests.support.people import BANDUNG, add_bandung_program, feedback_of, make_official, resident_comment
from tests.support.settings import ADMIN_ID


async def audit_actions(harness: BotHarness) -> list[str]:
    async with harness.db.unit_of_work() as s:
        return [e.action for e in (await s.exec(select(AuditEntry).order_by(AuditEntry.id))).scalars()]  # type: ignore[call-overload]


async def test_invite_link_works_once(harness: BotHarness) -> None:
    admin = harness.person(ADMIN_ID)
    [reply] = await admin.send("/undang 32.73")
    assert "Kota Bandung" in reply.text
    link = re.search(r"https://t\.me/quickwin_test_bot\?start=(inv_[A-Za-z0-9_-]+)", reply.text)
    assert link, reply.text
    assert len(link.group(1)) <= 64
    newcomer = harness.person(6001)
    [welcome] = await newcomer.send(f"/start {link.group(1)}")
    assert "terdaftar sebagai petugas Kota Bandung" in welcome.text
    async with harness.db.unit_of_work() as s:
        assert await official_store.official_regions(s, telegram_id=6001) == [BANDUNG]
    second = harness.person(6002)
    [refusal] = await second.send(f"/start {link.group(1)}")
    assert "sudah digunakan" in refusal.text
    async with harness.db.unit_of_work() as s:
        assert await s.get(Official, 6002) is None
    [refusal] = await second.send("/start inv_not-a-real-code")
    assert "tidak berlaku" in refusal.text
    assert await audit_actions(harness) == ["invite.create", "invite.accept", "invite.refused"]


async def test_expired_invite_and_invite_for_a_removed_region(harness: BotHarness) -> None:
    admin = harness.person(ADMIN_ID)
    [reply] = await admin.send("/undang 32.73")
    expired = re.search(r"start=(inv_\S+)", reply.text).group(1)  # type: ignore[union-attr]
    [reply] = await admin.send("/undang 91.71")  # Kota Jayapura: no programs, nothing refers to it
    orphan = re.search(r"start=(inv_\S+)", reply.text).group(1)  # type: ignore[union-attr]
    harness.clock.advance(timedelta(hours=72, minutes=1))
    [refusal] = await harness.person(6003).send(f"/start {expired}")
    assert "kedaluwarsa" in refusal.text
    harness.clock.now = None
    async with harness.db.unit_of_work() as s:
        await s.exec(delete(Region).where(Region.code == "91.71"))  # type: ignore[call-overload]
    [refusal] = await harness.person(6004).send(f"/start {orphan}")
    assert "tidak lagi terdaftar" in refusal.text


async def test_only_admins_invite_and_only_officials_see_the_inbox(harness: BotHarness) -> None:
    someone = harness.person(6005)
    [reply] = await someone.send("/undang 32.73")
    assert "Hanya admin" in reply.text
    [reply] = await someone.send("/masukanbaru")
    assert "khusus untuk petugas" in reply.text
    [reply] = await harness.person(ADMIN_ID).send("/undang 99.99")
    assert "99.99" in reply.text and "Tidak ada" in reply.text


async def test_answer_loop_back_to_the_resident(harness: BotHarness) -> None:
    await add_bandung_program(harness)
    ana = await resident_comment(harness, 7001, "kota bandung", "Kota Bandung", "Bandung Sehat",
                                 "Antrean <panjang> & lama", lang="en")
    officer = await make_official(harness, 6100, BANDUNG)

    [inbox] = await officer.send("/masukanbaru")
    number = (await feedback_of(harness, 7001)).ticket
    assert number in inbox.text and "Antrean <panjang> & lama" in inbox.text
    assert "7001" not in inbox.text and "Warga" in inbox.text  # a pseudonym, never the id or name
    await officer.press(f"Tanggapi {number}", inbox)
    [done] = await officer.send("Terima kasih, loket tambahan dibuka mulai Senin.")
    assert "sudah dikirim" in done.text

    answer = ana.last
    assert "Answer from the Government of Kota Bandung" in answer.text  # in the resident's language
    assert number in answer.text and "Antrean <panjang> & lama" in answer.text
    assert "loket tambahan dibuka mulai Senin" in answer.text
    assert (await feedback_of(harness, 7001)).status == "diproses"

    await ana.press("Reply", answer)
    [thanks] = await ana.send("Loketnya masih satu saja hari ini.")
    assert "passed on to the officials" in thanks.text
    assert (await feedback_of(harness, 7001)).status == "baru"

    [inbox] = await officer.send("/masukanbaru")
    assert "Loketnya masih satu saja hari ini." in inbox.text  # the follow-up, on the same ticket
    _, [ask] = await officer.press("Selesai", inbox)  # done needs a note of what was done
    assert "apa yang sudah dilakukan" in ask.text and number in ask.text
    assert (await feedback_of(harness, 7001)).status == "baru"  # not closed until the note comes
    [closed] = await officer.send("Loket kedua <dibuka> & petugas ditambah.")
    assert "ditandai selesai" in closed.text
    question = ana.last
    assert "finished handling" in question.text and "satisfied" in question.text
    assert "What was done:" in question.text and "Loket kedua <dibuka> & petugas" in question.text
    await ana.press("Not yet", question)
    assert "open again" in question.text
    fb = await feedback_of(harness, 7001)
    assert (fb.status, fb.satisfied, fb.closed_at) == ("baru", False, None)

    [inbox] = await officer.send("/masukanbaru")
    await officer.press("Selesai", inbox)
    await officer.send("Loket ketiga dibuka.")
    await ana.press("Yes", ana.last)
    fb = await feedback_of(harness, 7001)
    assert (fb.status, fb.satisfied) == ("selesai", True)
    actions = await audit_actions(harness)
    assert actions.count("ticket.answer") == 1 and actions.count("ticket.close") == 2


async def test_an_official_sees_only_their_region(harness: BotHarness) -> None:
    await add_bandung_program(harness)
    await resident_comment(harness, 7002, "kota bandung", "Kota Bandung", "Bandung Sehat", "Komentar Bandung")
    await resident_comment(harness, 7003, "cirebon", "Kota Cirebon", "Cirebon Lengko", "Komentar Cirebon")
    cirebon_fb = await feedback_of(harness, 7003)
    officer = await make_official(harness, 6200, BANDUNG)
    [inbox] = await officer.send("/masukanbaru")
    assert "Komentar Bandung" in inbox.text and "Cirebon" not in inbox.text

    for forged in (f"v1:ans:{cirebon_fb.id}", f"v1:st:{cirebon_fb.id}:selesai", f"v1:st:{cirebon_fb.id}:diproses"):
        answer, new = await officer.press_data(inbox.message_id, forged)
        assert answer["show_alert"] is True and "bukan di wilayah Anda" in answer["text"]
        assert new == []
    assert (await feedback_of(harness, 7003)).status == "baru"

    # A resident cannot act on someone else's ticket either.
    stranger = harness.person(7002)
    answer, _ = await stranger.press_data(stranger.last.message_id, f"v1:reply:{cirebon_fb.id}")
    assert answer["show_alert"] is True
    answer, _ = await stranger.press_data(stranger.last.message_id, f"v1:sat:{cirebon_fb.id}:no")
    assert "sudah tercatat" in answer["text"] or answer["show_alert"]
    assert (await feedback_of(harness, 7003)).status == "baru"


async def test_admin_sees_every_region_in_the_inbox(harness: BotHarness) -> None:
    await add_bandung_program(harness)
    await resident_comment(harness, 7004, "kota bandung", "Kota Bandung", "Bandung Sehat", "Satu")
    await resident_comment(harness, 7005, "cirebon", "Kota Cirebon", "Cirebon Lengko", "Dua")
    [inbox] = await harness.person(ADMIN_ID).send("/masukanbaru")
    assert "Satu" in inbox.text and "Dua" in inbox.text
