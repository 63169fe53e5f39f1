"""Surveys as the dashboard and the data API see them: who may see which, every problem of a draft at once, the
answers row by row with the resident's pseudonym, and the surveys of a data-API token's region."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import auth, broadcast
from bot.services.auth import Actor
from bot.services.surveys import QuestionDraft, Refusal, validate
from bot.services.tickets import pseudonym
from storage import survey_views as views
from storage import surveys as store
from storage.models import Survey
from storage.statuses import QuestionKind
from storage.survey_views import AnswerRow
from storage.zones import DEFAULT_ZONE

_FINE = QuestionDraft(QuestionKind.SCALE, "?")


def ref(survey_id: int) -> str:
    """A survey's number as officials and exports write it, like a ticket's: SV-000042."""
    return f"SV-{survey_id:06d}"


def problems(title: str, intro: str, questions: list[QuestionDraft], closes_at: datetime | None,
             now: datetime) -> list[Refusal]:
    """Every problem of a draft (validate() stops at the first): each part checked on its own, the others fine."""
    later = now + timedelta(days=1)
    found = [validate(title, intro, [_FINE], later, now)]
    if not questions:
        found.append(Refusal("questions", "count", None, "0"))
    for n, q in enumerate(questions, start=1):
        problem = validate("?", "", [q], later, now)
        found.append(Refusal(problem.field, problem.kind, n, problem.detail) if problem else None)
    if closes_at is not None:
        found.append(validate("?", "", [_FINE], closes_at, now))
    return [p for p in found if p is not None]


async def listed(session: AsyncSession, actor: Actor) -> list[Survey]:
    """The surveys the official may see, newest first (auth.surveys_listed_for)."""
    scope = auth.surveys_listed_for(actor)
    if scope is None:
        return await views.visible(session, created_by=None, region_codes=None)
    created_by, regions = scope
    return await views.visible(session, created_by=created_by, region_codes=regions)


async def visible(session: AsyncSession, actor: Actor, survey_id: int) -> Survey | None:
    """The survey if the official may see it (auth.may_see_survey), else None."""
    survey = await store.get(session, survey_id=survey_id)
    if survey is None:
        return None
    region = await views.program_region(session, program_id=survey.audience_code) if survey.audience == "program" else None
    return survey if auth.may_see_survey(actor, survey, program_region_code=region) else None


async def audience_of(session: AsyncSession, survey: Survey) -> broadcast.Audience:
    """Whom the survey was sent to, named, with the zone its times are shown in."""
    found = await broadcast.resolve_audience(session, None, survey.audience, survey.audience_code)
    return found or broadcast.Audience(survey.audience, survey.audience_code, survey.audience_code or "", DEFAULT_ZONE)


@dataclass(frozen=True, slots=True)
class Given:
    row: AnswerRow
    who: str | None  # the pseudonym; None once the resident erased their data


async def answers(session: AsyncSession, key: bytes, survey_id: int, *, texts_only: bool = False) -> list[Given]:
    """The answers with the resident's pseudonym (as the feedback list names them), never their Telegram id."""
    rows = await views.answer_rows(session, survey_id=survey_id, texts_only=texts_only)
    return [Given(r, pseudonym(key, r.region_code, r.resident_id, r.salt) if r.resident_id > 0 and r.region_code
                  else None) for r in rows]


async def for_region(session: AsyncSession, region_code: str, *, after_id: int, limit: int) -> list[Survey]:
    """A data-API page: the surveys sent to the token's region or its programs."""
    return await views.in_region(session, region_code=region_code, after_id=after_id, limit=limit)


async def in_region(session: AsyncSession, region_code: str, survey_id: int) -> Survey | None:
    survey = await store.get(session, survey_id=survey_id)
    if survey is None:
        return None
    if survey.audience == "region":
        return survey if auth.api_token_may_read(region_code, survey.audience_code or "") else None
    if survey.audience == "program":
        region = await views.program_region(session, program_id=survey.audience_code)
        return survey if region is not None and auth.api_token_may_read(region_code, region) else None
    return None
