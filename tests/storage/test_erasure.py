"""/hapusdata leaves nothing of the resident, proved by a sweep of every table and column the database has.

The sweep reads the tables and their columns from the database itself, not from the models: a table added
later is swept too, and a column of a type the sweep cannot search fails the test instead of being skipped.
/dataku, before the erasure, holds the replies, the officials' answers, the follows and the kept draft.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import literal, select

from bot.services import broadcast as broadcast_service
from bot.services import moderation, survey_results, surveys
from bot.services.surveys import QuestionDraft
from storage.db import Database
from storage.models import Feedback, LoginToken, Survey, TicketMessage, WebSession, utcnow
from storage.residents import _local_noon, erase_resident
from storage.rollups import FeedbackRollup
from storage.statuses import QuestionKind
from storage.tables_tickets import Evidence
from tests.support.evidence import POINT, jpeg_with_gps
from tests.support.harness import BotHarness, Person, ticket_in
from tests.support.people import make_official
from tests.support.sweep import sweep

RESIDENT = 7_123_456_789  # wider than 32 bits, and like no count, code or other id in the database
OFFICIAL = 6_200_001
CIREBON = "32.74"
COMMENT = "Antrean panjang, alamat saya Jalan Kenanga 12"
REPLY = "Masih antre, alamat saya Jalan Melati 7"
DRAFT = "Rancangan yang belum dikirim tentang Gang Mawar"
ANSWER = "Terima kasih, loket tambahan dibuka mulai Senin."
SURVEY_TEXT = "Saran saya: loket Kenanga buka lebih pagi"
async def resident_with_everything(harness: BotHarness) -> Person:
    """A resident who rated, commented, got an answer, replied, follows, subscribes and left a draft."""
    ani = harness.person(RESIDENT)
    await ani.send("/start")
    await ani.press("Saya setuju")
    await ani.choose_region("kota cirebon", "Kota Cirebon", announcements=True)
    await ani.press("Cirebon Lengko")
    answer, _ = await ani.press("Ikuti program ini")
    assert answer is not None and answer["show_alert"]
    await ani.press("⭐")
    await ani.press("4")
    [ticket] = await ani.send(COMMENT)
    number = ticket_in(ticket.text)
    await ani.send(None, photo=[harness.fake.add_file(jpeg_with_gps(), kind="photos")])  # evidence: a photo
    [question] = await ani.share_location(*POINT)  # and the exact point, agreed
    await ani.press("Ya, simpan", question)
    harness.clock.advance(timedelta(minutes=2))  # a pause: the steps above would cross the flood limit

    officer = await make_official(harness, OFFICIAL, CIREBON)
    [inbox] = await officer.send("/masukanbaru")
    await officer.press(f"{number}", inbox)
    [done] = await officer.send(ANSWER)
    assert "terkirim" in done.text or "dikirim" in done.text
    await ani.press("Balas", ani.last)
    [thanks] = await ani.send(REPLY)
    assert number in thanks.text

    [listing] = await ani.send("/program")
    await ani.press("Wadul Bae", listing)
    await ani.press("⭐")
    await ani.press("2")
    [too_long] = await ani.send((DRAFT + ". ") * 50)
    assert "terlalu panjang" in too_long.text

    async with harness.db.unit_of_work() as s:  # an announcement still to go out, and a mute from the command line
        audience = await broadcast_service.resolve_audience(s, None, "region", CIREBON)
        assert audience is not None
        await broadcast_service.create(s, None, audience, text="Pengumuman uji", send_at=utcnow() + timedelta(days=1))
        await moderation.mute(s, actor_id=None, telegram_id=RESIDENT, hours=1, reason="uji", now=utcnow())
        survey = await surveys.create(  # a survey, answered with a choice and a text
            s, None, kind="region", code=CIREBON, title="Survei loket", intro="Satu menit saja.", now=utcnow(),
            closes_at=utcnow() + timedelta(days=7), questions=[
                QuestionDraft(QuestionKind.CHOICE, "Loket mana?", ("Utara", "Selatan")),
                QuestionDraft(QuestionKind.TEXT, "Saran Anda?")])
        assert isinstance(survey, Survey)
        choice, text_q = await surveys.questions(s, int(survey.id or 0))
        assert (await surveys.answer(s, RESIDENT, int(choice.id or 0), now=utcnow(), choice=1)).next is not None
        await surveys.answer(s, RESIDENT, int(text_q.id or 0), now=utcnow(), text=SURVEY_TEXT)
        later = utcnow() + timedelta(hours=1)  # what a dashboard sign-in would leave, were the resident an official
        s.add(LoginToken(token_hash="a" * 64, official_id=RESIDENT, expires_at=later))
        s.add(WebSession(session_hash="b" * 64, official_id=RESIDENT, csrf_token="c" * 64, expires_at=later))
    return ani


async def test_erasure_leaves_nothing_in_any_table(harness: BotHarness) -> None:
    ani = await resident_with_everything(harness)

    [doc] = await ani.send("/dataku")
    assert doc.document is not None
    filename, raw = doc.document
    data = json.loads(raw)
    assert filename.endswith(".json") and data["telegram_id"] == RESIDENT and data["region_code"] == CIREBON
    lengko = next(t for t in data["feedback"] if t["program"].startswith("Cirebon Lengko"))
    assert lengko["comment"] == COMMENT
    said = [(m["from"], m["kind"], m["text"]) for m in lengko["conversation"]]
    assert ("official", "answer", ANSWER) in said and ("you", "followup", REPLY) in said
    assert next(f["program"] for f in data["programs_followed"]).startswith("Cirebon Lengko")
    assert data["announcements"]["subscribed"] is True and data["announcements"]["received"][0]["status"] == "pending"
    assert DRAFT in data["draft"]["long_text"]
    assert [a["action"] for a in data["admin_actions"]] == ["resident.mute"]
    assert [(a["question_number"], a["option"], a["text"]) for a in data["survey_answers"]] == [
        (1, "Selatan", None), (2, None, SURVEY_TEXT)]
    assert "official_id" not in raw.decode() and str(OFFICIAL) not in raw.decode()  # officials stay unnamed
    summary = doc.caption or ""
    assert "Data Anda" in summary and "2 penilaian" in summary and "1 balasan" in summary and "/hapusdata" in summary
    assert "2 jawaban survei" in summary
    assert len(summary) < 1024

    texts = [COMMENT, REPLY, DRAFT, SURVEY_TEXT]
    before = await sweep(harness.db, RESIDENT, texts)
    assert [(e.exact, e.photo is not None) for e in await evidence_rows(harness.db)] == [(True, True)]
    assert len(before.found) >= 8, before.found  # the sweep does find the resident while they are there

    counted = await rollup_ratings(harness.db)
    [confirm] = await ani.send("/hapusdata")
    await ani.press("Ya, hapus", confirm)
    assert "sudah dihapus" in confirm.text

    after = await sweep(harness.db, RESIDENT, texts)
    print("\nerasure sweep before /hapusdata:", before.line().format(n=len(texts) + 1))
    print("erasure sweep after /hapusdata: ", after.line().format(n=len(texts) + 1))
    assert after.found == [], after.found
    assert await evidence_rows(harness.db) == []  # the photo and the exact point go with the resident
    assert await rollup_ratings(harness.db) == counted and sum(counted.values()) == 2  # the figures count the same ratings on the same local days
    assert after.tables >= 19 and after.integer + after.textual + after.skipped >= 150

    async with harness.db.unit_of_work() as s:  # the survey's numbers stay: one respondent, "Selatan" once
        results = await survey_results.results(s, (await s.exec(select(Survey))).scalars().one())  # type: ignore[call-overload]
    assert results.respondents == 1 and results.questions[0].counts == (0, 1) and results.questions[1].answered == 1

    official = await sweep(harness.db, OFFICIAL, [ANSWER])  # a control: what stays is still found
    assert "ticket_messages.official_id" in official.found and any("ticket_messages.text" in f for f in official.found)

    async with harness.db.unit_of_work() as s:
        rows = list((await s.exec(select(Feedback).order_by(Feedback.id))).scalars())  # type: ignore[call-overload]
        messages = list((await s.exec(select(TicketMessage))).scalars())  # type: ignore[call-overload]
    assert [(r.rating, r.resident_id, r.comment, r.satisfied, r.dedup_key) for r in rows] == [
        (4, None, None, None, None), (2, None, None, None, None)]
    assert rows[0].ticket != number_of(data, "Cirebon Lengko")  # the number the resident knew finds nothing
    local = rows[0].created_at + timedelta(hours=7)  # Kota Cirebon: WIB
    assert (local.hour, local.minute, local.second, local.microsecond) == (12, 0, 0, 0)  # the day, nothing finer
    assert {m.kind for m in messages} == {"answer"} and messages[0].text == ANSWER  # the answer, without the quote


async def evidence_rows(db: Database) -> list[Evidence]:
    async with db.unit_of_work() as s:
        return list((await s.exec(select(Evidence))).scalars())  # type: ignore[call-overload]


async def rollup_ratings(db: Database) -> dict[tuple[int, date], int]:
    """Ratings per program and local WIB day, as the summary reads them from the day roll-ups."""
    stars = sum((getattr(FeedbackRollup, f"r{n}") for n in range(1, 6)), start=literal(0))
    stmt = select(FeedbackRollup.day, FeedbackRollup.program_id, stars, FeedbackRollup.late17).where(
        FeedbackRollup.span == "day")
    local: Counter[tuple[int, date]] = Counter()
    async with db.unit_of_work() as s:
        for day, program_id, total, late in (await s.exec(stmt)).all():  # type: ignore[call-overload]
            local[(program_id, day)] += total - late  # from 17:00 UTC on it is already the next day in WIB
            local[(program_id, day + timedelta(days=1))] += late
    return {key: n for key, n in local.items() if n}


def number_of(data: dict[str, Any], program: str) -> str:
    return next(t["ticket"] for t in data["feedback"] if t["program"].startswith(program))


async def test_erasing_twice_or_a_stranger_changes_nothing(db: Database) -> None:
    async with db.unit_of_work() as s:
        assert await erase_resident(s, telegram_id=RESIDENT) == 0
    async with db.unit_of_work() as s:
        assert await erase_resident(s, telegram_id=RESIDENT) == 0


def test_an_erased_rating_keeps_its_local_day_only() -> None:
    assert _local_noon(datetime(2026, 3, 20, 18, 30, tzinfo=UTC), "WIB") == datetime(2026, 3, 21, 5, tzinfo=UTC)
    assert _local_noon(datetime(2026, 3, 20, 14, 59, tzinfo=UTC), "WIT") == datetime(2026, 3, 20, 3, tzinfo=UTC)
    assert _local_noon(datetime(2026, 3, 31, 16, 0, tzinfo=UTC), "WITA") == datetime(2026, 4, 1, 4, tzinfo=UTC)
