"""Surveys on SQLite and PostgreSQL: the audience an announcement would have, answers stored once, results counted
by hand, the closing claim taken once, and what an erasure leaves (the numbers, nobody's id, no text)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.services import survey_results, surveys
from bot.services.auth import Actor
from bot.services.surveys import Outcome, QuestionDraft, Refusal
from storage import surveys as survey_store
from storage.db import Database
from storage.models import Broadcast, BroadcastRecipient, Program, ProgramFollow, Resident, Survey, SurveyAnswer
from storage.residents import erase_resident
from storage.statuses import QuestionKind

CIREBON, BANDUNG = "32.74", "32.73"
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
OFFICIAL = Actor(telegram_id=6_300_001, is_admin=False, region_codes=frozenset({CIREBON}))
QUESTIONS = [
    QuestionDraft(QuestionKind.CHOICE, "Layanan mana yang paling sering Anda pakai?", ("KTP", "Pajak", "Kesehatan")),
    QuestionDraft(QuestionKind.SCALE, "Seberapa puas Anda dengan pelayanan kami?"),
    QuestionDraft(QuestionKind.TEXT, "Apa saran Anda untuk kami?"),
]


async def _people(db: Database) -> int:
    """Five subscribers in Cirebon (1–5), one who is not (6), two in Bandung (7, 8); 8 follows a Cirebon program."""
    async with db.unit_of_work() as s:
        for rid, region, subscribed in [(1, CIREBON, True), (2, CIREBON, True), (3, CIREBON, True), (4, CIREBON, True),
                                        (5, CIREBON, True), (6, CIREBON, False), (7, BANDUNG, True), (8, BANDUNG, True)]:
            s.add(Resident(telegram_id=rid, region_code=region, consent_at=NOW, subscribed=subscribed, language="id"))
        program = (await s.exec(select(Program).where(Program.region_code == CIREBON))).scalars().first()  # type: ignore[call-overload]
        await s.flush()
        s.add(ProgramFollow(resident_id=8, program_id=program.id))
        return int(program.id)


async def _survey(db: Database, kind: str = "region", code: str | None = CIREBON, actor: Actor | None = OFFICIAL) -> Survey | Refusal:
    async with db.unit_of_work() as s:
        return await surveys.create(s, actor, kind=kind, code=code, title="<b>Survei pelayanan</b>",
                                    intro="Mohon luangkan waktu satu menit.", questions=QUESTIONS,
                                    closes_at=NOW + timedelta(days=7), now=NOW)


async def _recipients(db: Database, survey_id: int) -> list[int]:
    async with db.unit_of_work() as s:
        stmt = (select(BroadcastRecipient.resident_id).join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id)
                .where(Broadcast.survey_id == survey_id).order_by(BroadcastRecipient.resident_id))
        return list((await s.exec(stmt)).scalars().all())  # type: ignore[call-overload]


async def test_the_audience_is_an_announcements(db: Database) -> None:
    program_id = await _people(db)
    region = await _survey(db)
    assert isinstance(region, Survey) and await _recipients(db, int(region.id or 0)) == [1, 2, 3, 4, 5]
    followers = await _survey(db, "program", str(program_id))
    assert isinstance(followers, Survey) and await _recipients(db, int(followers.id or 0)) == [8]
    # an official reaches neither another region nor a whole province; a resident reaches nobody
    assert await _survey(db, "region", BANDUNG) == Refusal("audience", "forbidden")
    assert await _survey(db, "province", "32") == Refusal("audience", "forbidden")
    assert await _survey(db, actor=Actor(telegram_id=1, is_admin=False, region_codes=frozenset())) == Refusal(
        "audience", "forbidden")
    admin = Actor(telegram_id=9, is_admin=True, region_codes=frozenset())
    province = await _survey(db, "province", "32", admin)
    assert isinstance(province, Survey) and await _recipients(db, int(province.id or 0)) == [1, 2, 3, 4, 5, 7, 8]


async def test_what_a_survey_may_hold(db: Database) -> None:
    def refusal(questions: list[QuestionDraft], title: str = "Survei", closes: timedelta = timedelta(days=1)) -> Refusal | None:
        return surveys.validate(title, "Pengantar", questions, NOW + closes, NOW)

    assert refusal(QUESTIONS) is None
    assert refusal([]) == Refusal("questions", "count", None, "0")
    assert refusal(QUESTIONS * 2) == Refusal("questions", "count", None, "6")
    seven = QuestionDraft(QuestionKind.CHOICE, "Pilih", tuple("ABCDEFG"))
    assert refusal([seven]) == Refusal("option", "count", 1, "7")
    assert refusal([QuestionDraft(QuestionKind.CHOICE, "Pilih", ("A", "x" * 41))]) == Refusal("option", "too_long", 1, "41")
    assert refusal([QuestionDraft(QuestionKind.SCALE, "<b>Puas?")]) == Refusal("question", "unclosed", 1, "<b>")
    assert refusal(QUESTIONS, title="x" * 121) == Refusal("title", "too_long", None, "121")
    assert refusal(QUESTIONS, closes=timedelta(0)) == Refusal("closes_at", "past")



async def test_answers_once_results_by_hand_and_erasure(db: Database) -> None:
    await _people(db)
    survey = await _survey(db)
    assert isinstance(survey, Survey)
    sid = int(survey.id or 0)
    async with db.unit_of_work() as s:
        choice, scale, text = (int(q.id or 0) for q in await surveys.questions(s, sid))
        plan = [(1, choice, {"choice": 0}), (2, choice, {"choice": 0}), (3, choice, {"choice": 2}),
                (4, choice, {"skip": True}), (1, scale, {"scale": 5}), (2, scale, {"scale": 4}),
                (3, scale, {"scale": 4}), (1, text, {"text": "Tambah loket di pagi hari"})]
        for rid, qid, value in plan:
            assert (await surveys.answer(s, rid, qid, now=NOW, **value)).outcome is Outcome.SAVED  # type: ignore[arg-type]
        again = await surveys.answer(s, 1, choice, now=NOW, choice=1)  # a double tap, or another option later
        assert again.outcome is Outcome.ALREADY
        assert (await surveys.answer(s, 7, choice, now=NOW, choice=0)).outcome is Outcome.UNKNOWN  # not sent to 7
        assert (await surveys.answer(s, 5, choice, now=NOW, choice=3)).outcome is Outcome.UNKNOWN  # no 4th option
        late = await surveys.answer(s, 5, choice, now=NOW + timedelta(days=8), choice=0)
        assert late.outcome is Outcome.CLOSED
        nxt = await surveys.answer(s, 5, choice, now=NOW, choice=1)
        assert nxt.outcome is Outcome.SAVED and nxt.next is not None and nxt.next.id == scale

    async def figures() -> tuple[tuple[int, ...], float, tuple[int, ...], float | None, int, int, float]:
        async with db.unit_of_work() as s:
            r = await survey_results.results(s, (await s.get(Survey, sid)))  # type: ignore[arg-type]
        c, sc, tx = r.questions
        return c.counts, c.share(0), sc.counts, sc.average, tx.answered, r.respondents, r.rate

    # by hand: choice KTP 2, Pajak 1 (resident 5), Kesehatan 1 → KTP 50%; scale 5, 4, 4 → average 13/3;
    # one text; residents 1, 2, 3, 5 answered something (4 only skipped) of the 5 reached → 80%
    before = await figures()
    assert before == ((2, 1, 1), 0.5, (0, 0, 0, 2, 1), 13 / 3, 1, 4, 0.8)
    async with db.unit_of_work() as s:
        await erase_resident(s, telegram_id=1)
    assert await figures() == before  # the numbers stay
    async with db.unit_of_work() as s:
        rows = (await s.exec(select(SurveyAnswer).order_by(SurveyAnswer.id))).scalars().all()  # type: ignore[call-overload]
    erased = [a for a in rows if a.resident_id < 0]
    assert len(erased) == 3 and len({a.resident_id for a in erased}) == 1 and all(a.text is None for a in erased)
    assert not any(a.resident_id == 1 for a in rows)


async def test_closing_is_claimed_once(db: Database) -> None:
    await _people(db)
    survey = await _survey(db)
    assert isinstance(survey, Survey)
    async with db.unit_of_work() as s:
        assert await survey_results.claim_due(s, now=NOW + timedelta(days=6)) == []
    async with db.unit_of_work() as s:
        assert await survey_results.claim_due(s, now=NOW + timedelta(days=7)) == [survey.id]
    async with db.unit_of_work() as s:  # a process that listed it as due before the claim above: loses
        assert not await survey_store.claim_close(s, survey_id=int(survey.id or 0), now=NOW + timedelta(days=7))
    async with db.unit_of_work() as s:
        assert await survey_results.claim_due(s, now=NOW + timedelta(days=8)) == []
        closed = await s.get(Survey, survey.id)
        assert closed is not None and closed.closed_at is not None and closed.thanked_at is not None
