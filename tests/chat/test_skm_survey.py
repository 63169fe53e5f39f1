"""An SKM through /buatsurvei in the chat (real PTB against the fake): an official of Kota Cirebon chooses one of
the region's programs and its subscribed residents, it reaches them and only them, they answer the nine questions
with buttons (one skip), and /survei's results show the index computed by hand in tests/support/skm_answers.py."""

from __future__ import annotations

from sqlalchemy import select

from bot.workers.broadcast_sender import Sender
from storage import officials as official_store
from storage.models import Program, Survey
from tests.support.broadcasts import DAY, received, residents
from tests.support.harness import BotHarness
from tests.support.skm_answers import INDEX_ID, PLAN

CIREBON, BANDUNG = "32.74", "32.73"
OFFICER = 6_500_101
PEOPLE = range(31201, 31207)  # six subscribers of Kota Cirebon


async def test_an_official_runs_an_skm_and_sees_its_index(harness: BotHarness) -> None:
    await residents(harness, CIREBON, PEOPLE)
    await residents(harness, BANDUNG, range(31207, 31209))
    harness.clock.now = DAY
    async with harness.db.unit_of_work() as s:
        await official_store.add_official(s, telegram_id=OFFICER, region_codes=[CIREBON])
        ours = (await s.exec(select(Program).where(Program.region_code == CIREBON))).scalars().all()  # type: ignore[call-overload]
    program = ours[0]
    officer = harness.person(OFFICER)
    [menu] = await officer.send("/buatsurvei")
    await officer.press("SKM untuk program", menu)
    assert "untuk program yang mana" in menu.text
    offered = [data for _t, data in officer.buttons(menu)]
    assert offered == [f"v1:sqp:{p.id}" for p in sorted(ours, key=lambda p: p.name)]  # Cirebon's programs only
    answer, new = await officer.press_data(menu.message_id, "v1:sqp:999999")  # a forged program
    assert answer["show_alert"] is True and new == []
    await officer.press(program.name, menu)
    assert "siapa yang akan menerimanya" in menu.text
    await officer.press("Semua warga yang berlangganan", menu)
    assert "kepada 6 penerima saat ini" in menu.text
    [preview] = await officer.send("7")
    assert "sembilan pertanyaan" in preview.text
    await officer.press("Kirim survei", preview)
    assert "antrean" in preview.text
    answer, _ = await officer.press_data(preview.message_id, "v1:sqk:yes")  # a double tap creates nothing more
    assert "tidak tersedia" in answer["text"]
    async with harness.db.unit_of_work() as s:
        [survey] = (await s.exec(select(Survey))).scalars().all()  # type: ignore[call-overload]
    assert survey.skm_program_id == program.id and survey.audience == "region" and survey.audience_code == CIREBON

    await Sender(harness.app).tick()
    assert all(received(harness, rid, "Survei Kepuasan Masyarakat") == 1 for rid in PEOPLE)
    assert all(received(harness, rid, "Survei Kepuasan Masyarakat") == 0 for rid in range(31207, 31209))
    for rid, answers in zip(PEOPLE, PLAN, strict=True):
        person = harness.person(rid)
        message = harness.fake.sent(rid)[0]
        assert "Pertanyaan 1 dari 9" in message.text and "Sangat sesuai" in str(person.buttons(message))
        for value in answers:
            qid = person.button_data(message, "Lewati").split(":")[2]
            data = f"v1:svs:{qid}" if value is None else f"v1:sva:{qid}:{value - 1}"
            _answer, new = await person.press_data(message.message_id, data)
            message = new[0] if new else None
        assert "Terima kasih" in harness.fake.sent(rid)[-1].text

    [listing] = await officer.send("/survei")
    _answer, [shown] = await officer.press("Hasil: Survei Kepuasan Masyarakat", listing)
    assert f"Indeks SKM: {INDEX_ID} (B, Baik) dari 6 responden" in shown.text, shown.text
    assert "6 dari 6 warga telah menjawab (100%)" in shown.text
