"""The surveys as the dashboard and the data API read them: lists by who may see them, and the answers row by row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import run_select
from storage.models import Program, Resident, Survey, SurveyAnswer, SurveyQuestion


async def program_ids(session: AsyncSession, *, region_codes: list[str]) -> list[str]:
    """The ids (as a survey's audience_code stores them) of the programs of these regions, removed ones included."""
    if not region_codes:
        return []
    stmt = select(col(Program.id)).where(col(Program.region_code).in_(region_codes))
    return [str(i) for i in (await run_select(session, stmt)).scalars()]


async def program_region(session: AsyncSession, *, program_id: str | None) -> str | None:
    if program_id is None or not program_id.isdigit():
        return None
    program = await session.get(Program, int(program_id))
    return program.region_code if program else None


def _within(region_codes: list[str], programs: list[str]) -> ColumnElement[bool]:
    return or_(
        and_(col(Survey.audience) == "region", col(Survey.audience_code).in_(region_codes or [""])),
        and_(col(Survey.audience) == "program", col(Survey.audience_code).in_(programs or [""])),
    )


async def visible(
    session: AsyncSession, *, created_by: int | None, region_codes: list[str] | None, limit: int = 100
) -> list[Survey]:
    """The latest surveys: all (region_codes None), or one creator's and those sent to these regions or their
    programs."""
    stmt = select(Survey).order_by(col(Survey.id).desc()).limit(limit)
    if region_codes is not None:
        programs = await program_ids(session, region_codes=region_codes)
        stmt = stmt.where(or_(col(Survey.created_by) == created_by, _within(region_codes, programs)))
    return list((await run_select(session, stmt)).scalars())


async def in_region(session: AsyncSession, *, region_code: str, after_id: int, limit: int) -> list[Survey]:
    """Surveys sent to the region or to one of its programs, oldest first, after an id (the API's pages)."""
    programs = await program_ids(session, region_codes=[region_code])
    stmt = (select(Survey).where(_within([region_code], programs), col(Survey.id) > after_id)
            .order_by(col(Survey.id)).limit(limit))
    return list((await run_select(session, stmt)).scalars())


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """One stored answer, with what its pseudonym needs (resident_id negative, or no resident: erased)."""

    position: int
    question: str
    kind: str
    options: list[str] | None
    choice: int | None
    scale: int | None
    text: str | None
    skipped: bool
    answered_at: datetime
    resident_id: int
    region_code: str | None
    salt: str | None


async def answer_rows(session: AsyncSession, *, survey_id: int, texts_only: bool = False) -> list[AnswerRow]:
    """The survey's answers in the order they came (texts_only: the written answers that still have their text)."""
    stmt = (
        select(col(SurveyQuestion.position), col(SurveyQuestion.text), col(SurveyQuestion.kind),
               col(SurveyQuestion.options), col(SurveyAnswer.choice), col(SurveyAnswer.scale),
               col(SurveyAnswer.text), col(SurveyAnswer.skipped), col(SurveyAnswer.answered_at),
               col(SurveyAnswer.resident_id), col(Resident.region_code), col(Resident.pseudonym_salt))
        .join(SurveyQuestion, col(SurveyQuestion.id) == col(SurveyAnswer.question_id))
        .outerjoin(Resident, col(Resident.telegram_id) == col(SurveyAnswer.resident_id))
        .where(col(SurveyAnswer.survey_id) == survey_id)
        .order_by(col(SurveyAnswer.answered_at), col(SurveyAnswer.id))
    )
    if texts_only:
        stmt = stmt.where(col(SurveyAnswer.text).is_not(None), col(SurveyAnswer.skipped).is_(False))
    return [AnswerRow(*row) for row in (await run_select(session, stmt)).all()]
