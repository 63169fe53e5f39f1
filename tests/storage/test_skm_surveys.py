"""The SKM as a survey, on SQLite and PostgreSQL: created for one program (nine four-answer questions, to its
followers or its region), refused to an official of another region, scored by hand (tests/support/skm_answers.py)
with skips left out and an erased resident's answers still counted, and listed per period, the latest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.i18n import I18n
from bot.services import skm_index, surveys
from bot.services.auth import Actor
from bot.services.surveys import Refusal
from storage.db import Database
from storage.models import Broadcast, BroadcastRecipient, Program, ProgramFollow, Resident, Survey
from storage.residents import erase_resident
from storage.statuses import QuestionKind
from tests.support.skm_answers import GRADE, INDEX, PLAN, answer_plan

CIREBON = "32.74"
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
OFFICIAL = Actor(telegram_id=6_300_001, is_admin=False, region_codes=frozenset({CIREBON}))
STRANGER = Actor(telegram_id=6_300_002, is_admin=False, region_codes=frozenset({"32.73"}))
ID = I18n().get("id")


async def _people(db: Database) -> int:
    """Subscribers 1–7 in Kota Cirebon; 8, not subscribed, follows the program (whose id this returns)."""
    async with db.unit_of_work() as s:
        for rid in range(1, 9):
            s.add(Resident(telegram_id=rid, region_code=CIREBON, consent_at=NOW, subscribed=rid < 8, language="id"))
        program = (await s.exec(select(Program).where(Program.region_code == CIREBON))).scalars().first()  # type: ignore[call-overload]
        await s.flush()
        s.add(ProgramFollow(resident_id=8, program_id=program.id))
        return int(program.id)


async def _skm(db: Database, program_id: int, audience: str = "region", actor: Actor = OFFICIAL,
               days: int = 7) -> Survey | Refusal:
    async with db.unit_of_work() as s:
        return await surveys.create_skm(s, actor, program_id, audience, NOW + timedelta(days=days), now=NOW, t=ID)


async def _recipients(db: Database, survey_id: int) -> list[int]:
    async with db.unit_of_work() as s:
        stmt = (select(BroadcastRecipient.resident_id).join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id)
                .where(Broadcast.survey_id == survey_id).order_by(BroadcastRecipient.resident_id))
        return list((await s.exec(stmt)).scalars().all())  # type: ignore[call-overload]


async def test_an_skm_has_the_nine_questions_and_reaches_its_audience(db: Database) -> None:
    program_id = await _people(db)
    region = await _skm(db, program_id)
    followers = await _skm(db, program_id, "program")
    assert isinstance(region, Survey) and isinstance(followers, Survey)
    assert region.skm_program_id == program_id and "Survei Kepuasan Masyarakat" in region.title
    assert await _recipients(db, int(region.id or 0)) == [1, 2, 3, 4, 5, 6, 7]
    assert await _recipients(db, int(followers.id or 0)) == [8]
    async with db.unit_of_work() as s:
        qs = await surveys.questions(s, int(region.id or 0))
    assert [q.position for q in qs] == list(range(1, 10)) and {q.kind for q in qs} == {QuestionKind.CHOICE}
    assert qs[0].options == ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"]
    assert await _skm(db, program_id, actor=STRANGER) == Refusal("audience", "forbidden")
    assert await _skm(db, program_id, "province") == Refusal("audience", "forbidden")
    assert await _skm(db, program_id, days=0) == Refusal("closes_at", "past")


async def test_the_index_by_hand_skips_aside_an_erased_resident_counted(db: Database) -> None:
    program_id = await _people(db)
    survey = await _skm(db, program_id)
    assert isinstance(survey, Survey)
    sid = int(survey.id or 0)
    async with db.unit_of_work() as s:
        await answer_plan(s, sid, [1, 2, 3, 4, 5, 6], NOW)
        result = await surveys.skm_result(s, sid)
    assert result is not None and (result.index, result.grade, result.respondents) == (INDEX, GRADE, 6)
    assert result.enough_respondents and [e.answers for e in result.elements][2] == 5  # waktu: one skip
    async with db.unit_of_work() as s:
        await erase_resident(s, telegram_id=6)
        again = await surveys.skm_result(s, sid)
        assert again == result  # the numbers stay
        assert await surveys.skm_result(s, 999_999) is None


async def test_periods_the_latest_first_and_too_few_respondents(db: Database) -> None:
    program_id = await _people(db)
    first, second, still_open = [await _skm(db, program_id, days=d) for d in (3, 10, 30)]
    assert isinstance(first, Survey) and isinstance(second, Survey) and isinstance(still_open, Survey)
    async with db.unit_of_work() as s:
        await answer_plan(s, int(first.id or 0), [1, 2, 3, 4, 5, 6], NOW)
        await answer_plan(s, int(second.id or 0), [1, 2, 3, 4], NOW, PLAN[:4])  # four: not enough to publish
        periods = await skm_index.periods(s, program_id, now=NOW + timedelta(days=11))
        latest = await skm_index.latest(s, [program_id], now=NOW + timedelta(days=11))
        before = await skm_index.periods(s, program_id, now=NOW + timedelta(days=2))
    assert [p.survey.id for p in periods] == [second.id, first.id]  # the open one is no period yet
    assert [p.shown for p in periods] == [False, True] and periods[1].result.index == INDEX
    assert periods[0].result.respondents == 4 and not periods[0].result.enough_respondents
    assert latest[program_id].survey.id == second.id and not latest[program_id].shown
    assert before == []


async def test_a_long_program_name_is_shortened_in_the_title_only(db: Database) -> None:
    await _people(db)
    name = "Layanan " + "sangat panjang & lengkap " * 6
    async with db.unit_of_work() as s:
        program = Program(region_code=CIREBON, name=name, description="d", dimension="living")
        s.add(program)
        await s.flush()
        survey = await surveys.create_skm(s, OFFICIAL, int(program.id or 0), "region", NOW + timedelta(days=1), now=NOW,
                                          t=ID)
        assert isinstance(survey, Survey), survey
        assert survey.title.endswith("…") and "&amp;" in survey.title
        first = (await surveys.questions(s, int(survey.id or 0)))[0]
    assert name.strip().replace("&", "&amp;") in first.text  # the question names it in full
