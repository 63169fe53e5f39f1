"""Replies that find their ticket: a swipe-reply to an answer, a status notice or the confirmation is a follow-up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from storage import officials as official_store
from storage.models import TicketMessage
from tests.support.harness import BotHarness, Person
from tests.support.people import BANDUNG, add_bandung_program, feedback_of, make_official, resident_comment

ANA, BUDI, OFFICER = 7101, 7102, 6101


def replying_to(person: Person, message: Any) -> dict[str, Any]:
    """The reply_to_message Telegram attaches when the resident swipes one of the bot's messages."""
    return {"reply_to_message": {
        "message_id": message.message_id, "date": message.date, "chat": {"id": person.id, "type": "private"},
        "from": person.fake.bot_user, "text": message.text,
    }}


async def answered(
    harness: BotHarness, user_id: int = ANA, comment: str = "Antrean panjang sekali"
) -> tuple[Person, Person, Any]:
    """A resident's comment, answered by an official; (resident, official, the answer as the resident got it)."""
    await add_bandung_program(harness)
    ana = await resident_comment(harness, user_id, "kota bandung", "Kota Bandung", "Bandung Sehat", comment)
    officer = await make_official(harness, OFFICER, BANDUNG)
    [inbox] = await officer.send("/masukanbaru")
    await officer.press("Tanggapi", inbox)
    await officer.send("Loket tambahan dibuka mulai Senin.")
    return ana, officer, ana.last


async def conversation(harness: BotHarness, feedback_id: int) -> list[tuple[str, str | None]]:
    async with harness.db.unit_of_work() as s:
        stmt = select(TicketMessage).where(TicketMessage.feedback_id == feedback_id).order_by(TicketMessage.id)
        rows = (await s.exec(stmt)).scalars()  # type: ignore[call-overload]
        return [(m.kind, m.text) for m in rows]


async def test_a_swipe_reply_to_the_answer_reaches_the_official(harness: BotHarness) -> None:
    ana, officer, answer = await answered(harness)
    fb = await feedback_of(harness, ANA)
    assert "Tanggapan" in answer.text or "Jawaban" in answer.text
    heard = len(harness.fake.sent(OFFICER))
    [thanks] = await ana.send("Loketnya masih satu saja hari ini.", **replying_to(ana, answer))
    assert fb.ticket in thanks.text and "diteruskan" in thanks.text

    [notice] = harness.fake.sent(OFFICER)[heard:]  # the official who answered hears of it
    assert fb.ticket in notice.text and "Loketnya masih satu saja hari ini." in notice.text
    assert any(data == f"v1:ans:{fb.id}" for _label, data in officer.buttons(notice))
    [inbox] = await officer.send("/masukanbaru")
    assert fb.ticket in inbox.text and "Loketnya masih satu saja hari ini." in inbox.text
    assert (await feedback_of(harness, ANA)).status == "baru"
    assert await conversation(harness, fb.id) == [  # type: ignore[arg-type]  # what the dashboard shows, in order
        ("answer", "Loket tambahan dibuka mulai Senin."), ("followup", "Loketnya masih satu saja hari ini."),
    ]

    async with harness.db.unit_of_work() as s:  # an official no longer of the region is not told any more
        await official_store.remove_official(s, telegram_id=OFFICER)
    heard = len(harness.fake.sent(OFFICER))
    [thanks] = await ana.send("Masih sama.", **replying_to(ana, answer))
    assert "diteruskan" in thanks.text and len(harness.fake.sent(OFFICER)) == heard


async def test_a_reply_keeps_the_flow_the_resident_is_in(harness: BotHarness) -> None:
    ana, _officer, answer = await answered(harness)
    fb = await feedback_of(harness, ANA)
    confirmation = next(m for m in ana.messages if "Nomor tiket" in (m.text or ""))
    await ana.send("/program")
    await ana.press("Bandung Sehat")
    await ana.press("⭐")
    await ana.press("4")  # now writing a comment on a new rating
    [thanks] = await ana.send("Masih antre di loket 2.", **replying_to(ana, confirmation))
    assert fb.ticket in thanks.text
    [ticket] = await ana.send("Sekarang lebih cepat.")  # the comment flow was waiting and still is
    assert "Nomor tiket" in ticket.text and fb.ticket not in ticket.text
    assert [k for k, _t in await conversation(harness, fb.id)] == ["answer", "followup"]  # type: ignore[arg-type]

    status = await _status_notice(harness, ana)
    [thanks] = await ana.send("Terima kasih, ditunggu.", **replying_to(ana, status))
    assert fb.ticket in thanks.text
    [hint] = await ana.send(None, photo=[{"file_id": "p1", "file_unique_id": "u1", "width": 9, "height": 9}],
                            **replying_to(ana, answer))
    assert fb.ticket in hint.text and "teks" in hint.text


async def _status_notice(harness: BotHarness, ana: Person) -> Any:
    officer = harness.person(OFFICER)
    [inbox] = await officer.send("/masukanbaru")
    await officer.press("Diproses", inbox)
    return ana.last


async def test_someone_elses_ticket_number_is_not_a_follow_up(harness: BotHarness) -> None:
    _ana, _officer, answer = await answered(harness)
    budi = await resident_comment(harness, BUDI, "kota bandung", "Kota Bandung", "Bandung Sehat", "Taman kotor")
    forged = replying_to(budi, answer)  # Budi quotes Ana's answer (its number) as if it were his
    [reply] = await budi.send("Ini tiket saya", **forged)
    assert "diteruskan" not in reply.text
    ana_ticket = (await feedback_of(harness, ANA)).id
    assert [k for k, _t in await conversation(harness, ana_ticket)] == ["answer"]  # type: ignore[arg-type]


async def test_the_one_ticket_question(harness: BotHarness) -> None:
    ana, _officer, _answer = await answered(harness)
    fb = await feedback_of(harness, ANA)
    [question] = await ana.send("Loketnya masih satu.")
    assert question.text == f"Kirim sebagai balasan untuk tiket {fb.ticket}?"
    heard = len(harness.fake.sent(OFFICER))
    yes = ana.button_data(question, "Ya, kirim")
    await ana.press_data(question.message_id, yes)
    assert fb.ticket in question.text and "diteruskan" in question.text  # the question became the thanks
    answer, new = await ana.press_data(question.message_id, yes)
    assert new == [] and answer is not None and "sudah" in answer["text"]  # a double tap sends nothing twice
    assert [k for k, _t in await conversation(harness, fb.id)] == ["answer", "followup"]  # type: ignore[arg-type]
    assert len(harness.fake.sent(OFFICER)) == heard + 1

    [question] = await ana.send("Satu lagi.")
    await ana.press("Bukan", question)
    assert "tidak" in question.text and "/program" in question.text
    [reply] = await ana.send("Halo?")  # asked once: not again for the same ticket
    assert "Kirim sebagai balasan" not in reply.text
    assert [k for k, _t in await conversation(harness, fb.id)] == ["answer", "followup"]  # type: ignore[arg-type]


async def test_no_question_for_an_answer_older_than_a_week(harness: BotHarness) -> None:
    ana, _officer, _answer = await answered(harness)
    harness.clock.advance(timedelta(days=8))
    [reply] = await ana.send("Halo?")
    assert "Kirim sebagai balasan" not in reply.text and "/program" in reply.text
