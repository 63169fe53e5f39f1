"""Queries on programs and their rating summaries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, true
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Feedback, Program, utcnow
from storage.rollups import FeedbackRollup


@dataclass(frozen=True, slots=True)
class ProgramWithStats:
    program: Program
    average: float | None
    count: int
    distribution: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)


def _region_stats(region_code: str):
    """Per program of the region: count and sum of its current ratings, from the roll-ups' total rows.

    The roll-ups (storage/rollups.py) count what `program_with_stats` counts (ratings not superseded, none an
    official marked), so a region's list reads one row per program, not every rating.
    """
    return (
        select(
            col(FeedbackRollup.program_id).label("program_id"),
            func.sum(col(FeedbackRollup.ranked)).label("count"),
            func.sum(col(FeedbackRollup.ranked_sum)).label("total"),
        )
        .where(col(FeedbackRollup.span) == "total", col(FeedbackRollup.region_code) == region_code)
        .group_by(col(FeedbackRollup.program_id))
        .subquery()
    )


async def region_programs_page(
    session: AsyncSession, *, region_code: str, offset: int, limit: int
) -> tuple[list[ProgramWithStats], int]:
    """One page of a region's active programs with their rating summary, and how many there are: one query."""
    active = (col(Program.region_code) == region_code) & col(Program.removed_at).is_(None)
    stats = _region_stats(region_code)
    stmt = (
        select(Program, stats.c.count, stats.c.total, func.count().over().label("listed"))
        .outerjoin(stats, stats.c.program_id == col(Program.id))
        .where(active)
        .order_by(col(Program.name), col(Program.id))
        .offset(offset)
        .limit(limit)
    )
    result = (await session.exec(stmt)).all()  # type: ignore[call-overload]
    rows = [
        ProgramWithStats(program=p, average=int(sum_) / int(cnt) if cnt else None, count=int(cnt or 0))
        for p, cnt, sum_, _listed in result
    ]
    if result:
        total = result[0][3]  # the window counts every listed program, before the page is cut
    else:  # a page past the end (an old button): counted on its own
        total = await session.scalar(select(func.count()).select_from(Program).where(active))
    return rows, int(total or 0)


async def get_program(session: AsyncSession, *, program_id: int, include_removed: bool = False) -> Program | None:
    program = await session.get(Program, program_id)
    if program is None or (program.removed_at is not None and not include_removed):
        return None
    return program


async def program_with_stats(session: AsyncSession, *, program_id: int) -> ProgramWithStats | None:
    """A program with its average, count and distribution of current ratings: one query."""
    dist_q = (
        select(col(Feedback.rating).label("rating"), func.count().label("n"))
        .where(col(Feedback.program_id) == program_id, col(Feedback.superseded).is_(False), col(Feedback.moderation).is_(None))
        .group_by(col(Feedback.rating))
        .subquery()
    )
    stmt = select(Program, dist_q.c.rating, dist_q.c.n).outerjoin(dist_q, true()).where(col(Program.id) == program_id)
    result = (await session.exec(stmt)).all()  # type: ignore[call-overload]
    if not result or result[0][0].removed_at is not None:
        return None
    program = result[0][0]
    dist = [0, 0, 0, 0, 0]
    for _program, rating, count in result:
        if rating is not None:
            dist[int(rating) - 1] = int(count)
    total = sum(dist)
    average = sum((i + 1) * n for i, n in enumerate(dist)) / total if total else None
    return ProgramWithStats(program=program, average=average, count=total, distribution=tuple(dist))  # type: ignore[arg-type]


async def remove_program(session: AsyncSession, *, program_id: int) -> bool:
    """Take a program out of the catalogue; its feedback stays."""
    program = await session.get(Program, program_id)
    if program is None or program.removed_at is not None:
        return False
    program.removed_at = utcnow()
    session.add(program)
    return True


async def existing_program_names(session: AsyncSession, *, region_codes: set[str]) -> set[tuple[str, str]]:
    if not region_codes:
        return set()
    stmt = select(col(Program.region_code), col(Program.name)).where(col(Program.region_code).in_(region_codes))
    result = await session.exec(stmt)  # type: ignore[call-overload]
    return {(code, name) for code, name in result.all()}


async def listed_programs(session: AsyncSession, *, region_code: str | None = None) -> list[Program]:
    """Every listed (not removed) program, by region and name."""
    stmt = select(Program).where(col(Program.removed_at).is_(None)).order_by(col(Program.region_code), col(Program.name))
    if region_code:
        stmt = stmt.where(col(Program.region_code) == region_code)
    return list((await session.exec(stmt)).scalars())  # type: ignore[call-overload]


async def region_has_programs(session: AsyncSession, *, region_code: str) -> bool:
    stmt = select(col(Program.id)).where(col(Program.region_code) == region_code, col(Program.removed_at).is_(None)).limit(1)
    return (await session.exec(stmt)).first() is not None  # type: ignore[call-overload]
