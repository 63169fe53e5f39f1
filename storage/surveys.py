"""Queries of the surveys: the survey and its questions, answers written once, tallies, the closing claim."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import distinct, func, or_, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import run_select
from storage.inserts import insert_or_ignore
from storage.models import Broadcast, BroadcastRecipient, Resident, Survey, SurveyAnswer, SurveyQuestion
from storage.statuses import RecipientStatus


async def create(session: AsyncSession, survey: Survey, questions: list[SurveyQuestion]) -> Survey:
    session.add(survey)
    await session.flush()
    assert survey.id is not None
    for q in questions:
        q.survey_id = survey.id
        session.add(q)
    await session.flush()
    return survey


async def get(session: AsyncSession, *, survey_id: int) -> Survey | None:
    return await session.get(Survey, survey_id)


async def questions(session: AsyncSession, *, survey_id: int) -> list[SurveyQuestion]:
    stmt = select(SurveyQuestion).where(col(SurveyQuestion.survey_id) == survey_id).order_by(col(SurveyQuestion.position))
    return list((await run_select(session, stmt)).scalars())


async def question(session: AsyncSession, *, question_id: int) -> SurveyQuestion | None:
    return await session.get(SurveyQuestion, question_id)


async def record_answer(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Write one answer (or skip); False when the resident had answered that question already."""
    stmt = insert_or_ignore(session, SurveyAnswer, values, on=["question_id", "resident_id"])
    result = await session.exec(stmt)
    return bool(result.rowcount)


async def answered(session: AsyncSession, *, survey_id: int, resident_id: int) -> set[int]:
    """The questions of the survey the resident answered or skipped."""
    stmt = select(col(SurveyAnswer.question_id)).where(
        col(SurveyAnswer.survey_id) == survey_id, col(SurveyAnswer.resident_id) == resident_id)
    return set((await run_select(session, stmt)).scalars())


async def received(session: AsyncSession, *, survey_id: int, resident_id: int) -> bool:
    """Was the survey addressed to the resident (a recipient row of one of its broadcasts)?"""
    stmt = (
        select(func.count()).select_from(BroadcastRecipient)
        .join(Broadcast, col(Broadcast.id) == col(BroadcastRecipient.broadcast_id))
        .where(col(Broadcast.survey_id) == survey_id, col(BroadcastRecipient.resident_id) == resident_id)
    )
    return bool(await session.scalar(stmt))


async def open_received(session: AsyncSession, *, resident_id: int, now: datetime) -> list[Survey]:
    """Open surveys that reached the resident, newest first."""
    stmt = (
        select(Survey).distinct()
        .join(Broadcast, col(Broadcast.survey_id) == col(Survey.id))
        .join(BroadcastRecipient, col(BroadcastRecipient.broadcast_id) == col(Broadcast.id))
        .where(col(BroadcastRecipient.resident_id) == resident_id,
               col(BroadcastRecipient.status) == RecipientStatus.SENT,
               col(Survey.closed_at).is_(None), col(Survey.closes_at) > now)
        .order_by(col(Survey.id).desc())
    )
    return list((await run_select(session, stmt)).scalars())


@dataclass(frozen=True, slots=True)
class Tally:
    question_id: int
    choice: int | None
    scale: int | None
    skipped: bool
    count: int


async def tallies(session: AsyncSession, *, survey_id: int) -> list[Tally]:
    """Answers counted by question, option or scale value, and skip (a text answer: choice and scale None)."""
    stmt = (
        select(col(SurveyAnswer.question_id), col(SurveyAnswer.choice), col(SurveyAnswer.scale),
               col(SurveyAnswer.skipped), func.count())
        .where(col(SurveyAnswer.survey_id) == survey_id)
        .group_by(col(SurveyAnswer.question_id), col(SurveyAnswer.choice), col(SurveyAnswer.scale),
                  col(SurveyAnswer.skipped))
    )
    return [Tally(q, c, s, bool(k), int(n)) for q, c, s, k, n in (await run_select(session, stmt)).all()]


async def respondents_count(session: AsyncSession, *, survey_id: int) -> int:
    """Residents (erased ones included, as their pseudonym) who answered at least one question, skips aside."""
    stmt = select(func.count(distinct(col(SurveyAnswer.resident_id)))).where(
        col(SurveyAnswer.survey_id) == survey_id, col(SurveyAnswer.skipped).is_(False))
    return int(await session.scalar(stmt) or 0)


async def reached(session: AsyncSession, *, survey_id: int) -> int:
    """Residents the survey's broadcasts were addressed to (the count stored when each was created)."""
    stmt = select(func.coalesce(func.sum(col(Broadcast.total)), 0)).where(col(Broadcast.survey_id) == survey_id)
    return int(await session.scalar(stmt) or 0)


async def due_to_close(session: AsyncSession, *, now: datetime, limit: int = 20) -> list[int]:
    stmt = (select(col(Survey.id)).where(col(Survey.closed_at).is_(None), col(Survey.closes_at) <= now)
            .order_by(col(Survey.closes_at)).limit(limit))
    return list((await run_select(session, stmt)).scalars())


async def claim_close(session: AsyncSession, *, survey_id: int, now: datetime) -> bool:
    """Close the survey and claim its thank-yous: True for exactly one caller, whatever the processes."""
    result = await session.exec(
        update(Survey).where(col(Survey.id) == survey_id, col(Survey.closed_at).is_(None))
        .values(closed_at=now, thanked_at=now).execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


@dataclass(frozen=True, slots=True)
class Respondent:
    resident_id: int
    language: str | None


async def respondents(session: AsyncSession, *, survey_id: int) -> list[Respondent]:
    """Residents still with us who answered at least one question (a skip alone is no answer)."""
    stmt = (
        select(col(Resident.telegram_id), col(Resident.language)).distinct()
        .join(SurveyAnswer, col(SurveyAnswer.resident_id) == col(Resident.telegram_id))
        .where(col(SurveyAnswer.survey_id) == survey_id, col(SurveyAnswer.skipped).is_(False),
               col(Resident.blocked).is_(False))
        .order_by(col(Resident.telegram_id))
    )
    return [Respondent(*row) for row in (await run_select(session, stmt)).all()]


async def erase_answers(session: AsyncSession, *, resident_id: int) -> int:
    """Keep the resident's answers as numbers only: a random negative stand-in per survey, no text. Returns rows."""
    stmt = select(col(SurveyAnswer.survey_id)).distinct().where(col(SurveyAnswer.resident_id) == resident_id)
    changed = 0
    for survey_id in (await run_select(session, stmt)).scalars().all():
        stand_in = -(secrets.randbelow(2**62) + 1)  # linked to nobody; unique (question, resident) still holds
        result = await session.exec(
            update(SurveyAnswer)
            .where(col(SurveyAnswer.survey_id) == survey_id, col(SurveyAnswer.resident_id) == resident_id)
            .values(resident_id=stand_in, text=None).execution_options(synchronize_session=False)
        )
        changed += int(result.rowcount or 0)
    return changed


@dataclass(frozen=True, slots=True)
class Given:
    """One of the resident's answers, for their data export."""

    survey_id: int
    survey: str
    position: int
    question: str
    kind: str
    options: list[str] | None
    choice: int | None
    scale: int | None
    text: str | None
    skipped: bool
    answered_at: datetime


async def answers_of(session: AsyncSession, *, resident_id: int) -> list[Given]:
    stmt = (
        select(col(Survey.id), col(Survey.title), col(SurveyQuestion.position), col(SurveyQuestion.text),
               col(SurveyQuestion.kind), col(SurveyQuestion.options), col(SurveyAnswer.choice),
               col(SurveyAnswer.scale), col(SurveyAnswer.text), col(SurveyAnswer.skipped),
               col(SurveyAnswer.answered_at))
        .join(SurveyQuestion, col(SurveyQuestion.id) == col(SurveyAnswer.question_id))
        .join(Survey, col(Survey.id) == col(SurveyAnswer.survey_id))
        .where(col(SurveyAnswer.resident_id) == resident_id)
        .order_by(col(Survey.id), col(SurveyQuestion.position))
    )
    return [Given(*row) for row in (await run_select(session, stmt)).all()]


async def recent(session: AsyncSession, *, created_by: int | None, limit: int = 5) -> list[Survey]:
    """The latest surveys, of one creator (None: everyone's)."""
    stmt = select(Survey).order_by(col(Survey.id).desc()).limit(limit)
    if created_by is not None:
        stmt = stmt.where(col(Survey.created_by) == created_by)
    return list((await run_select(session, stmt)).scalars())


async def skm_closed(session: AsyncSession, *, program_ids: list[int], now: datetime) -> list[Survey]:
    """The programs' closed SKM surveys (closed by the worker, or past their end), the latest end first."""
    if not program_ids:
        return []
    stmt = (select(Survey).where(col(Survey.skm_program_id).in_(program_ids),
                                 or_(col(Survey.closed_at).is_not(None), col(Survey.closes_at) <= now))
            .order_by(col(Survey.closes_at).desc(), col(Survey.id).desc()))
    return list((await run_select(session, stmt)).scalars())
