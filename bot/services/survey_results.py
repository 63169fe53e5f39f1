"""A survey's results (counts and shares per option, the 1–5 distribution and average, the response rate) and
its closing: once closes_at passes, one process claims it and thanks those who answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.auth import Actor, may_see_survey_results
from bot.services.surveys import ident
from storage import surveys as store
from storage.models import Survey, SurveyQuestion
from storage.statuses import QuestionKind
from storage.surveys import Respondent


@dataclass(frozen=True, slots=True)
class QuestionResult:
    question: SurveyQuestion
    answered: int  # answers, skips aside
    skipped: int
    counts: tuple[int, ...]  # choice: per option; scale: residents who chose 1…5; text: ()

    def share(self, index: int) -> float:
        """An option's (or a scale value's) share of the answers, 0–1."""
        return self.counts[index] / self.answered if self.answered else 0.0

    @property
    def average(self) -> float | None:
        """A scale question's average, None without answers (or for other kinds)."""
        if self.question.kind != QuestionKind.SCALE or not self.answered:
            return None
        return sum((n + 1) * c for n, c in enumerate(self.counts)) / self.answered


@dataclass(frozen=True, slots=True)
class Results:
    survey: Survey
    questions: list[QuestionResult]
    respondents: int  # residents who answered at least one question
    reached: int  # residents the survey was sent to

    @property
    def rate(self) -> float:
        return self.respondents / self.reached if self.reached else 0.0


async def results(session: AsyncSession, survey: Survey) -> Results:
    """Every figure from one GROUP BY of the answers, so the erased residents' numbers count too."""
    sid = ident(survey)
    tallies = await store.tallies(session, survey_id=sid)
    out = []
    for q in await store.questions(session, survey_id=sid):
        mine = [t for t in tallies if t.question_id == q.id]
        size = len(q.options or []) if q.kind == QuestionKind.CHOICE else 5 if q.kind == QuestionKind.SCALE else 0
        counts = [0] * size
        for t in mine:
            if t.skipped:
                continue
            if q.kind == QuestionKind.CHOICE and t.choice is not None and 0 <= t.choice < size:
                counts[t.choice] += t.count
            elif q.kind == QuestionKind.SCALE and t.scale is not None and 1 <= t.scale <= 5:
                counts[t.scale - 1] += t.count
        answered = sum(t.count for t in mine if not t.skipped)
        skipped = sum(t.count for t in mine if t.skipped)
        out.append(QuestionResult(q, answered, skipped, tuple(counts)))
    return Results(survey, out, await store.respondents_count(session, survey_id=sid),
                   await store.reached(session, survey_id=sid))


async def claim_due(session: AsyncSession, *, now: datetime) -> list[int]:
    """Close the surveys whose end has passed; the ids this caller claimed (another process gets none of them)."""
    return [sid for sid in await store.due_to_close(session, now=now)
            if await store.claim_close(session, survey_id=sid, now=now)]


async def thanks_for(session: AsyncSession, survey_id: int) -> tuple[Results, list[Respondent]] | None:
    """The closed survey's results and the residents to thank."""
    survey = await store.get(session, survey_id=survey_id)
    if survey is None:
        return None
    return await results(session, survey), await store.respondents(session, survey_id=survey_id)


async def listed_for(session: AsyncSession, actor: Actor) -> list[Survey]:
    """The latest surveys whose results the actor may see: an admin everyone's, an official their own."""
    return await store.recent(session, created_by=None if actor.is_admin else actor.telegram_id)


async def results_for(session: AsyncSession, actor: Actor, survey_id: int) -> Results | None:
    """A survey's results, if the actor may see them."""
    survey = await store.get(session, survey_id=survey_id)
    if survey is None or not may_see_survey_results(actor, survey):
        return None
    return await results(session, survey)
