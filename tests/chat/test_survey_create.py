"""/buatsurvei: an official writes a survey in one message, gives its days, sees it and sends it; it reaches exactly
the region's subscribers through the broadcast engine. Forged audiences, bad surveys and double taps are refused."""

from __future__ import annotations

from sqlalchemy import select

from bot.workers.broadcast_sender import Sender
from storage import officials as official_store
from storage.models import Survey, SurveyQuestion
from tests.support.broadcasts import DAY, received, residents
from tests.support.harness import BotHarness

CIREBON, BANDUNG = "32.74", "32.73"
OFFICER = 6_500_001
TYPED = """Survei loket KTP & KK
Bantu kami memperbaiki pelayanan.
? Loket mana yang Anda pakai? | Utara | Selatan
* Seberapa puas Anda?
# Apa saran Anda?"""


async def test_an_official_creates_a_survey_in_the_chat(harness: BotHarness) -> None:
    await residents(harness, CIREBON, range(31001, 31004))
    await residents(harness, BANDUNG, range(31004, 31006))
    harness.clock.now = DAY
    async with harness.db.unit_of_work() as s:
        await official_store.add_official(s, telegram_id=OFFICER, region_codes=[CIREBON])
    officer = harness.person(OFFICER)
    [menu] = await officer.send("/buatsurvei")
    assert "ditujukan untuk siapa" in menu.text
    data = [d for _t, d in officer.buttons(menu)]
    assert data[0] == "v1:svn:r32.74" and "v1:svn:all" not in data  # their region and its programs' followers
    for forged in ("v1:svn:r32.73", "v1:svn:all", "v1:svn:p32"):
        answer, new = await officer.press_data(menu.message_id, forged)
        assert answer["show_alert"] is True and new == [], forged
    await officer.press_data(menu.message_id, "v1:svn:r32.74")
    assert "(3 penerima saat ini)" in menu.text

    [problem] = await officer.send("Judul saja\n? Pilih satu | Hanya satu opsi")
    assert "Pertanyaan 1: Survei berisi 1 sampai 5 pertanyaan" in problem.text and "kirim survei sekali lagi" in problem.text
    [days] = await officer.send(TYPED)
    assert "Berapa hari" in days.text
    [again] = await officer.send("seratus")
    assert "jumlah hari dari 1 sampai 90" in again.text
    [preview] = await officer.send("7")
    assert "Survei loket KTP &amp; KK" not in preview.text and "Survei loket KTP & KK" in preview.text
    assert "3 pertanyaan, dibuka sampai" in preview.text and "(Utara / Selatan)" in preview.text
    _answer, _ = await officer.press("Kirim survei", preview)
    assert "Survei #" in preview.text and "antrean" in preview.text
    answer, _ = await officer.press_data(preview.message_id, "v1:svk:yes")  # a double tap creates nothing more
    assert "tidak tersedia" in answer["text"]

    async with harness.db.unit_of_work() as s:
        [survey] = (await s.exec(select(Survey))).scalars().all()  # type: ignore[call-overload]
        questions = (await s.exec(select(SurveyQuestion).order_by(SurveyQuestion.position))).scalars().all()  # type: ignore[call-overload]
    assert survey.created_by == OFFICER and survey.audience == "region" and survey.audience_code == CIREBON
    assert survey.title == "Survei loket KTP &amp; KK" and survey.intro == "Bantu kami memperbaiki pelayanan."
    assert [(q.kind, q.options) for q in questions] == [("choice", ["Utara", "Selatan"]), ("scale", None), ("text", None)]
    assert (survey.closes_at - DAY).days == 7

    await Sender(harness.app).tick()
    assert all(received(harness, rid, "Survei loket KTP & KK") == 1 for rid in range(31001, 31004))
    assert all(received(harness, rid, "Survei loket") == 0 for rid in range(31004, 31006))

    for rid, option, scale in [(31001, "Selatan", "5"), (31002, "Selatan", "4"), (31003, "Utara", None)]:
        person = harness.person(rid)
        _answer, [scale_q] = await person.press(option, harness.fake.sent(rid)[0])
        if scale:
            await person.press(scale, scale_q)
    [listing] = await officer.send("/survei")
    assert "Hasil survei terbaru" in listing.text
    _answer, [shown] = await officer.press("Hasil: Survei loket KTP & KK", listing)
    # by hand: Utara 1, Selatan 2 of 3 answers; scale 5 and 4 → 4.5; nobody wrote; all 3 of 3 answered
    assert "3 dari 3 warga telah menjawab (100%)" in shown.text and "dibuka sampai" in shown.text
    assert "• Utara: 1 (33%)" in shown.text and "• Selatan: 2 (67%)" in shown.text
    assert "1: 0 · 2: 0 · 3: 0 · 4: 1 · 5: 1" in shown.text and "Rata-rata: 4,5 dari 5" in shown.text
    assert "0 jawaban tertulis" in shown.text

    async with harness.db.unit_of_work() as s:
        await official_store.add_official(s, telegram_id=OFFICER + 1, region_codes=[BANDUNG])
    other = harness.person(OFFICER + 1)
    [hello] = await other.send("/survei")
    answer, new = await other.press_data(hello.message_id, officer.button_data(listing, "Hasil"))
    assert answer["show_alert"] and "tidak dapat Anda lihat" in answer["text"] and new == []


async def test_a_resident_cannot_create_and_a_draft_can_be_dropped(harness: BotHarness) -> None:
    resident = harness.person(31101)
    [refused] = await resident.send("/buatsurvei")
    assert "untuk petugas" in refused.text
    async with harness.db.unit_of_work() as s:
        await official_store.add_official(s, telegram_id=OFFICER, region_codes=[CIREBON])
    officer = harness.person(OFFICER)
    [menu] = await officer.send("/buatsurvei")
    await officer.press_data(menu.message_id, "v1:svn:r32.74")
    await officer.send(TYPED)
    [preview] = await officer.send("3")
    await officer.press("Hapus draf", preview)
    assert "Rancangan survei sudah dihapus" in preview.text
    async with harness.db.unit_of_work() as s:
        assert (await s.exec(select(Survey))).scalars().all() == []  # type: ignore[call-overload]
