"""The SKM index of a program per period: each closed SKM survey of the program is one period (its dates), the
latest first; and the latest one per program, for the public page (shown only with enough respondents)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import surveys
from bot.services.auth import Actor, may_broadcast
from bot.services.skm import SkmResult
from storage import programs as program_store
from storage import surveys as store
from storage.models import Program, Survey


@dataclass(frozen=True, slots=True)
class Period:
    survey: Survey  # the period: from survey.created_at to survey.closes_at
    result: SkmResult

    @property
    def shown(self) -> bool:
        """An index is shown only with MIN_CONTRIBUTORS respondents or more ("belum cukup responden" else)."""
        return self.result.enough_respondents and self.result.index is not None


async def _period(session: AsyncSession, survey: Survey) -> Period | None:
    result = await surveys.skm_result(session, surveys.ident(survey))
    return Period(survey, result) if result is not None else None


async def periods(session: AsyncSession, program_id: int, *, now: datetime) -> list[Period]:
    """The program's closed SKM surveys with their indexes, the latest first."""
    found = [await _period(session, s) for s in await store.skm_closed(session, program_ids=[program_id], now=now)]
    return [p for p in found if p is not None]


async def latest(session: AsyncSession, program_ids: list[int], *, now: datetime) -> dict[int, Period]:
    """Each program's latest closed SKM survey (program id -> its period); programs without one are left out."""
    out: dict[int, Period] = {}
    for survey in await store.skm_closed(session, program_ids=program_ids, now=now):
        program_id = survey.skm_program_id
        if program_id is not None and program_id not in out and (found := await _period(session, survey)):
            out[program_id] = found
    return out


async def programs_for(session: AsyncSession, actor: Actor) -> list[Program]:
    """The listed programs an SKM may be run for by the actor: their regions' (an admin's: every region's)."""
    return [p for p in await program_store.listed_programs(session) if may_broadcast(actor, "program", p.region_code)]
