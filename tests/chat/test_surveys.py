"""Surveys end to end: sent through the broadcast engine to exactly their audience, answered with buttons and a
typed text, each answer stored once (double taps, re-delivered updates), old and forged buttons refused politely,
/survei to continue, the closing worker's thank-you with the results, and /hapusdata keeping the counts."""

from __future__ import annotations

import copy
from datetime import timedelta

from sqlalchemy import func, select

from bot.services import survey_results, surveys
from bot.services.auth import Actor
from bot.services.surveys import QuestionDraft
from bot.workers import surveys as survey_worker
from bot.workers.broadcast_sender import Sender
from storage.models import Survey, SurveyAnswer
from storage.statuses import QuestionKind
from tests.support.broadcasts import DAY, residents
from tests.support.harness import BotHarness

CIREBON, BANDUNG = "32.74", "32.73"
OFFICIAL = Actor(telegram_id=6_400_001, is_admin=False, region_codes=frozenset({CIREBON}))
QUESTIONS = [
    QuestionDraft(QuestionKind.CHOICE, "Layanan mana yang paling sering Anda pakai?", ("KTP", "Pajak", "Kesehatan")),
    QuestionDraft(QuestionKind.SCALE, "Seberapa puas Anda dengan pelayanan kami?"),
    QuestionDraft(QuestionKind.TEXT, "Apa saran Anda untuk kami?"),
]


async def _survey(harness: BotHarness, title: str = "Survei pelayanan") -> int:
    async with harness.db.unit_of_work() as s:
        survey = await surveys.create(s, OFFICIAL, kind="region", code=CIREBON, title=f"<b>{title}</b> &amp; loket",
                                      intro="Mohon luangkan waktu satu menit.", questions=QUESTIONS,
                                      closes_at=DAY + timedelta(days=7), now=DAY)
        assert isinstance(survey, Survey)
        return int(survey.id or 0)


async def _answers(harness: BotHarness, resident_id: int | None = None) -> int:
    async with harness.db.unit_of_work() as s:
        stmt = select(func.count()).select_from(SurveyAnswer)
        if resident_id is not None:
            stmt = stmt.where(SurveyAnswer.resident_id == resident_id)
        return int(await s.scalar(stmt) or 0)


async def _sent(harness: BotHarness) -> None:
    await residents(harness, CIREBON, range(30001, 30005))
    await residents(harness, CIREBON, range(30005, 30006), subscribed=False)
    await residents(harness, BANDUNG, range(30006, 30008))
    harness.clock.now = DAY
    await _survey(harness)
    assert await Sender(harness.app).tick()


async def test_a_survey_reaches_its_audience_and_is_answered_once(harness: BotHarness) -> None:
    await _sent(harness)
    assert all(len(harness.fake.sent(rid)) == 1 for rid in range(30001, 30005))
    assert all(harness.fake.sent(rid) == [] for rid in range(30005, 30008))  # not subscribed / another region
    ani = harness.person(30001)
    [opening] = harness.fake.sent(30001)
    assert "Survei pelayanan & loket" in opening.text and "Mohon luangkan waktu" in opening.text
    assert "Pertanyaan 1 dari 3" in opening.text and "Layanan mana" in opening.text
    assert [label for label, _ in ani.buttons(opening)] == ["KTP", "Pajak", "Kesehatan", "Lewati",
                                                            "🔕 Berhenti menerima pengumuman"]

    pajak = ani.button_data(opening, "Pajak")
    answer, new = await ani.press("KTP", opening)
    assert answer["text"] == "Pilihan Anda sudah disimpan."
    [scale] = new
    assert "Pertanyaan 2 dari 3" in scale.text and [b for b, _ in ani.buttons(scale)][:5] == ["1", "2", "3", "4", "5"]
    assert "Jawaban Anda: KTP" in harness.fake.sent(30001)[0].text and ani.buttons(harness.fake.sent(30001)[0]) == []
    # a double tap on the old buttons (Telegram may still show them), and a re-delivered press
    answer, new = await ani.press_data(opening.message_id, pajak)
    assert answer["text"] == "Anda sudah menjawab pertanyaan ini. Terima kasih!" and new == []
    tap = harness.fake.callback_update(ani.user, scale.message_id, ani.button_data(scale, "4"))
    await harness.deliver(tap)
    await harness.redeliver(copy.deepcopy(tap))
    assert await _answers(harness, 30001) == 2
    [text_q] = [m for m in ani.messages if "Pertanyaan 3 dari 3" in (m.text or "")]
    assert "tulis jawaban Anda" in text_q.text
    [shown, thanks] = await ani.send("Tambah loket di pagi hari")
    assert "Jawaban Anda: Tambah loket di pagi hari" in shown.text and "Terima kasih telah mengisi" in thanks.text
    assert await ani.send("Satu lagi") != []  # no longer in the survey's step: the ordinary reply, nothing stored
    assert await _answers(harness, 30001) == 3

    budi = harness.person(30002)  # skips the first question
    answer, [next_q] = await budi.press("Lewati", harness.fake.sent(30002)[0])
    assert answer["text"] == "Pilihan Anda sudah disimpan." and "Pertanyaan 2 dari 3" in next_q.text
    assert "Jawaban Anda: dilewati" in harness.fake.sent(30002)[0].text
    async with harness.db.unit_of_work() as s:
        [row] = (await s.exec(select(SurveyAnswer).where(SurveyAnswer.resident_id == 30002))).scalars().all()  # type: ignore[call-overload]
        assert row.skipped and row.choice is None


async def test_old_and_forged_buttons_and_continuing(harness: BotHarness) -> None:
    await _sent(harness)
    cici = harness.person(30003)
    [opening] = harness.fake.sent(30003)
    other = harness.person(30006)  # in Bandung: the survey was never sent to them
    [hello] = await other.send("/start")
    ktp = cici.button_data(opening, "KTP")
    answer, new = await other.press_data(hello.message_id, ktp)
    assert answer["text"] == "Pertanyaan survei ini tidak tersedia untuk Anda." and new == []
    answer, _ = await cici.press_data(opening.message_id, "v1:sva:999999:0")  # no such question
    assert answer["text"] == "Pertanyaan survei ini tidak tersedia untuk Anda."
    answer, _ = await cici.press_data(opening.message_id, ktp.rsplit(":", 1)[0] + ":6")  # no 7th option
    assert answer["text"] == "Pertanyaan survei ini tidak tersedia untuk Anda."
    assert await _answers(harness) == 0

    [listing] = await cici.send("/survei")
    assert "belum selesai" in listing.text
    answer, [again] = await cici.press("Lanjutkan: Survei pelayanan & loket", listing)
    assert "Pertanyaan 1 dari 3" in again.text
    await cici.press("Kesehatan", again)
    [listing] = await cici.send("/survei")
    _, [second] = await cici.press("Lanjutkan", listing)
    assert "Pertanyaan 2 dari 3" in second.text

    harness.clock.now = DAY + timedelta(days=8)  # after the end: refused, politely, and nothing stored
    answer, new = await cici.press("5", second)
    assert answer["show_alert"] and "sudah ditutup" in answer["text"] and new == []
    assert "tidak ada survei" in (await cici.send("/survei"))[0].text
    assert await _answers(harness) == 1


async def test_closing_thanks_those_who_answered_and_erasure_keeps_the_counts(harness: BotHarness) -> None:
    await _sent(harness)
    for rid, option in [(30001, "KTP"), (30002, "KTP"), (30003, "Pajak")]:
        await harness.person(rid).press(option, harness.fake.sent(rid)[0])
    await harness.person(30004).press("Lewati", harness.fake.sent(30004)[0])  # a skip alone is no answer
    before = {rid: len(harness.fake.sent(rid)) for rid in range(30001, 30008)}

    assert await survey_worker.run_once(harness.app, DAY + timedelta(days=6)) == 0  # still open
    assert await survey_worker.run_once(harness.app, DAY + timedelta(days=7)) == 3
    assert await survey_worker.run_once(harness.app, DAY + timedelta(days=7, minutes=1)) == 0  # once
    for rid in (30001, 30002, 30003):
        [thanks] = harness.fake.sent(rid)[before[rid]:]
        assert "telah ditutup" in thanks.text and "3 dari 4 warga telah menjawab (75%)" in thanks.text
        assert "Pertanyaan 1: 67% memilih “KTP”" in thanks.text and "Pertanyaan 2: belum ada jawaban" in thanks.text
        assert "http" not in thanks.text
    assert all(len(harness.fake.sent(rid)) == before[rid] for rid in range(30004, 30008))

    ani = harness.person(30001)
    [confirm] = await ani.send("/hapusdata")
    await ani.press_data(confirm.message_id, "v1:erase:yes")
    assert await _answers(harness, 30001) == 0
    async with harness.db.unit_of_work() as s:
        survey = (await s.exec(select(Survey))).scalars().one()  # type: ignore[call-overload]
        r = await survey_results.results(s, survey)
    assert r.questions[0].counts == (2, 1, 0) and r.respondents == 3 and r.reached == 4
