"""Surveys: who may ask whom, what a survey may hold, answers stored once, results, and closing.

A survey goes out as a broadcast (quiet hours, pacing, the stop button and the sender's crash guarantees are the
broadcast engine's); its audience is resolved exactly as an announcement's. Each resident answers each question
once (a skip counts as their answer); what an erasure leaves is explained in storage/tables_surveys.py.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import Translator
from bot.services import broadcast, skm
from bot.services.auth import Actor, may_create_survey
from bot.services.officials import record
from bot.services.telegram_html import Problem, check
from storage import programs as program_store
from storage import surveys as store
from storage.models import Survey, SurveyQuestion
from storage.statuses import QuestionKind

QUESTIONS_MAX = 5
OPTIONS_MIN, OPTIONS_MAX = 2, 6
TITLE_MAX = 120  # characters as Telegram counts them, tags aside
INTRO_MAX = 1500
QUESTION_MAX = 500
OPTION_MAX = 40  # a button label: short enough to read on a phone (the callback data holds only numbers)
TEXT_ANSWER_MAX = 1000
SCALE = range(1, 6)
# title + intro + "question n of 5" + question, with room to spare: under Telegram's 4,096
assert TITLE_MAX + INTRO_MAX + QUESTION_MAX + 200 < 4096


@dataclass(frozen=True, slots=True)
class QuestionDraft:
    kind: QuestionKind
    text: str
    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a survey cannot be created: `field` (audience, title, intro, questions, question, option, closes_at),
    the question's number (1-based) where it applies, and the problem."""

    field: str
    kind: str  # forbidden | count | ampersand | tags | unclosed | empty | too_long | past
    number: int | None = None
    detail: str = ""


def _checked(field: str, value: str, limit: int, number: int | None = None) -> Refusal | None:
    problem: Problem | None = broadcast.validate(value, with_photo=False)
    if problem is None:
        problem = check(value, limit=limit)
    return Refusal(field, problem.kind, number, problem.detail) if problem else None


def validate(
    title: str, intro: str, questions: list[QuestionDraft], closes_at: datetime, now: datetime,
    most: int = QUESTIONS_MAX,  # an SKM survey (create_skm) holds its template's nine
) -> Refusal | None:
    if found := _checked("title", title, TITLE_MAX) or (_checked("intro", intro, INTRO_MAX) if intro else None):
        return found
    if not 1 <= len(questions) <= most:
        return Refusal("questions", "count", None, str(len(questions)))
    for n, q in enumerate(questions, start=1):
        if found := _checked("question", q.text, QUESTION_MAX, n):
            return found
        if q.kind == QuestionKind.CHOICE and not OPTIONS_MIN <= len(q.options) <= OPTIONS_MAX:
            return Refusal("option", "count", n, str(len(q.options)))
        if q.kind != QuestionKind.CHOICE and q.options:
            return Refusal("option", "count", n, str(len(q.options)))
        for option in q.options:
            if not option.strip() or "\n" in option:
                return Refusal("option", "empty", n)
            if len(option) > OPTION_MAX:
                return Refusal("option", "too_long", n, str(len(option)))
    if closes_at <= now:
        return Refusal("closes_at", "past")
    return None


async def create(
    session: AsyncSession, actor: Actor | None, *, kind: str, code: str | None, title: str, intro: str,
    questions: list[QuestionDraft], closes_at: datetime, now: datetime, send_at: datetime | None = None,
    skm_program_id: int | None = None,
) -> Survey | Refusal:
    """Store the survey and its questions and queue it to its audience as a broadcast."""
    audience = await broadcast.resolve_audience(session, actor, kind, code)
    if audience is None or audience.kind == "newprog" or not may_create_survey(actor):
        return Refusal("audience", "forbidden")
    if found := validate(title, intro, questions, closes_at, now,
                         len(skm.ELEMENTS) if skm_program_id else QUESTIONS_MAX):
        return found
    actor_id = actor.telegram_id if actor else None
    survey = await store.create(
        session,
        Survey(created_by=actor_id, audience=audience.kind, audience_code=audience.code, title=title, intro=intro,
               closes_at=closes_at, created_at=now, skm_program_id=skm_program_id),
        [SurveyQuestion(survey_id=0, position=n, kind=q.kind, text=q.text,
                        options=[o.strip() for o in q.options] if q.kind == QuestionKind.CHOICE else None)
         for n, q in enumerate(questions, start=1)],
    )
    await broadcast.create(session, actor_id, audience, text=title, send_at=send_at or now, survey_id=survey.id)
    record(session, actor_id, "survey.create", str(survey.id), audience=audience.kind, code=audience.code,
           questions=len(questions), **({"skm_program": skm_program_id} if skm_program_id else {}))
    return survey


async def create_skm(
    session: AsyncSession, actor: Actor | None, program_id: int, audience: str, closes_at: datetime, *,
    now: datetime, t: Translator,
) -> Survey | Refusal:
    """The SKM of one program (skm.template: nine questions, four answers valued 1–4, as choices), to the program's
    followers (audience "program") or its region's subscribed residents ("region"), written in `t`'s language."""
    program = await program_store.get_program(session, program_id=program_id)
    if program is None or audience not in ("program", "region"):
        return Refusal("audience", "forbidden")
    name = html.escape(program.name, quote=False)  # Telegram HTML, as the title and questions are
    questions = [QuestionDraft(QuestionKind.CHOICE, t.gettext(q.text).format(program=name),
                               tuple(t.gettext(o) for o in q.options)) for q in skm.template(program.name)]
    return await create(
        session, actor, kind=audience, code=str(program.id) if audience == "program" else program.region_code,
        title=t.gettext("Community Satisfaction Survey (SKM): {program}").format(program=html.escape(
            program.name if len(program.name) <= 70 else program.name[:69] + "…", quote=False)),  # under TITLE_MAX
        intro=t.gettext("Nine short questions about the service of {program}, each with four answers. Your answers "
                        "are counted together with other residents' and help us improve the service.").format(
                            program=name),
        questions=questions, closes_at=closes_at, now=now, skm_program_id=program.id)


async def skm_result(session: AsyncSession, survey_id: int) -> skm.SkmResult | None:
    """An SKM survey's index: question n is the template's element n, option i the value i + 1; skips left out,
    erased residents' answers counted (the engine keeps them as numbers). None for another survey."""
    survey = await store.get(session, survey_id=survey_id)
    if survey is None or survey.skm_program_id is None:
        return None
    codes = {q.id: skm.ELEMENTS[q.position - 1].code for q in await store.questions(session, survey_id=survey_id)
             if 1 <= q.position <= len(skm.ELEMENTS)}
    answers: dict[str, list[int]] = {code: [] for code in codes.values()}
    for tally in await store.tallies(session, survey_id=survey_id):
        if not tally.skipped and tally.question_id in codes and tally.choice in range(len(skm.SCALE)):
            answers[codes[tally.question_id]] += [int(tally.choice or 0) + 1] * tally.count
    return skm.score(answers, await store.respondents_count(session, survey_id=survey_id))


def ident(row: Survey | SurveyQuestion) -> int:
    """A stored row's id (SQLModel types every primary key as optional: unset before the insert)."""
    assert row.id is not None
    return row.id


def is_open(survey: Survey, now: datetime) -> bool:
    return survey.closed_at is None and survey.closes_at > now


async def questions(session: AsyncSession, survey_id: int) -> list[SurveyQuestion]:
    return await store.questions(session, survey_id=survey_id)


async def next_question(session: AsyncSession, survey: Survey, resident_id: int) -> SurveyQuestion | None:
    """The first question the resident has not answered or skipped; None when they are done."""
    done = await store.answered(session, survey_id=ident(survey), resident_id=resident_id)
    return next((q for q in await store.questions(session, survey_id=ident(survey)) if q.id not in done), None)


class Outcome(Enum):
    SAVED = "saved"
    ALREADY = "already"  # a double tap, an old button: this question was answered before
    CLOSED = "closed"
    UNKNOWN = "unknown"  # no such question, not sent to this resident, or a value it does not offer


@dataclass(frozen=True, slots=True)
class Answered:
    outcome: Outcome
    survey: Survey | None = None
    question: SurveyQuestion | None = None
    next: SurveyQuestion | None = None  # after SAVED: the question to ask now (None: that was the last)
    count: int = 0  # the survey's number of questions


async def find(session: AsyncSession, resident_id: int, question_id: int) -> tuple[Survey, SurveyQuestion] | None:
    """The question and its survey, if that survey was sent to the resident."""
    q = await store.question(session, question_id=question_id)
    survey = await store.get(session, survey_id=q.survey_id) if q else None
    if q is None or survey is None or not await store.received(session, survey_id=ident(survey), resident_id=resident_id):
        return None
    return survey, q


def _valid(q: SurveyQuestion, choice: int | None, scale: int | None, text: str | None, skip: bool) -> bool:
    if skip:
        return choice is None and scale is None and text is None
    if q.kind == QuestionKind.CHOICE:
        return choice is not None and 0 <= choice < len(q.options or [])
    if q.kind == QuestionKind.SCALE:
        return scale in SCALE
    return text is not None and bool(text.strip()) and len(text) <= TEXT_ANSWER_MAX


async def answer(
    session: AsyncSession, resident_id: int, question_id: int, *, now: datetime, choice: int | None = None,
    scale: int | None = None, text: str | None = None, skip: bool = False,
) -> Answered:
    """Store one answer (or a skip) once; a second one for the same question stores nothing."""
    found = await find(session, resident_id, question_id)
    if found is None:
        return Answered(Outcome.UNKNOWN)
    survey, q = found
    all_questions = await store.questions(session, survey_id=ident(survey))
    done = await store.answered(session, survey_id=ident(survey), resident_id=resident_id)
    if q.id in done:
        return Answered(Outcome.ALREADY, survey, q, count=len(all_questions))
    if not is_open(survey, now):
        return Answered(Outcome.CLOSED, survey, q, count=len(all_questions))
    if not _valid(q, choice, scale, text, skip):
        return Answered(Outcome.UNKNOWN, survey, q, count=len(all_questions))
    saved = await store.record_answer(session, {
        "survey_id": survey.id, "question_id": q.id, "resident_id": resident_id, "choice": choice, "scale": scale,
        "text": text.strip() if text is not None and not skip else None, "skipped": skip, "answered_at": now,
    })
    if not saved:  # a concurrent press of the same question got there first
        return Answered(Outcome.ALREADY, survey, q, count=len(all_questions))
    done.add(ident(q))
    following = next((x for x in all_questions if x.id not in done), None)
    return Answered(Outcome.SAVED, survey, q, following, len(all_questions))


async def unfinished(session: AsyncSession, resident_id: int, now: datetime) -> list[tuple[Survey, SurveyQuestion]]:
    """The open surveys that reached the resident with a question still to answer, and that question."""
    found = []
    for survey in await store.open_received(session, resident_id=resident_id, now=now):
        q = await next_question(session, survey, resident_id)
        if q is not None:
            found.append((survey, q))
    return found


@dataclass(frozen=True, slots=True)
class Opening:
    """What a survey's broadcast sends: the survey, its first question, and how many questions it has."""

    survey: Survey
    first: SurveyQuestion
    count: int


async def opening(session: AsyncSession, survey_id: int) -> Opening | None:
    survey = await store.get(session, survey_id=survey_id)
    qs = await store.questions(session, survey_id=survey_id) if survey else []
    return Opening(survey, qs[0], len(qs)) if survey and qs else None


async def continuing(
    session: AsyncSession, resident_id: int, survey_id: int, now: datetime
) -> tuple[Survey, SurveyQuestion, int] | None:
    """An open survey sent to the resident, its next unanswered question and its number of questions."""
    survey = await store.get(session, survey_id=survey_id)
    if survey is None or not is_open(survey, now) or not await store.received(
            session, survey_id=survey_id, resident_id=resident_id):
        return None
    qs = await store.questions(session, survey_id=survey_id)
    done = await store.answered(session, survey_id=survey_id, resident_id=resident_id)
    q = next((x for x in qs if x.id not in done), None)
    return (survey, q, len(qs)) if q is not None else None
