"""Queries on programs and their rating summaries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, String, bindparam, func, inspect, select, true
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Feedback, Program, utcnow
from storage.prepared import Columns, Prepared
from storage.rollups import FeedbackRollup


@dataclass(frozen=True, slots=True)
class ProgramWithStats:
    program: Program
    average: float | None
    count: int
    distribution: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)


_PROGRAM = Columns(Program)
_REMOVED = _PROGRAM.keys.index("removed_at")


def _region_page() -> Prepared:
    """One page of a region's active programs with the count and sum of their current ratings, from the roll-ups'
    total rows, and how many programs the region lists (a window over the rows, before the page is cut).

    The roll-ups (storage/rollups.py) count what `program_with_stats` counts (ratings not superseded, none an
    official marked), so a region's list reads one row per program, not every rating.
    """
    region = bindparam("region", type_=String)
    stats = (
        select(
            col(FeedbackRollup.program_id).label("program_id"),
            func.sum(col(FeedbackRollup.ranked)).label("count"),
            func.sum(col(FeedbackRollup.ranked_sum)).label("total"),
        )
        .where(col(FeedbackRollup.span) == "total", col(FeedbackRollup.region_code) == region)
        .group_by(col(FeedbackRollup.program_id))
        .subquery()
    )
    stmt = (
        select(*_PROGRAM.all, stats.c.count, stats.c.total, func.count().over().label("listed"))
        .outerjoin(stats, stats.c.program_id == col(Program.id))
        .where(col(Program.region_code) == region, col(Program.removed_at).is_(None))
        .order_by(col(Program.name), col(Program.id))
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("limit", type_=Integer))
    )
    return Prepared(stmt, list(stmt.selected_columns))


# Run at every step of a resident's journey through the catalogue: compiled once (storage/prepared.py).
_REGION_PAGE = _region_page()
_GET = Prepared(select(*_PROGRAM.all).where(col(Program.id) == bindparam("pid")), _PROGRAM.all)


def _with_stats() -> Prepared:
    dist_q = (
        select(col(Feedback.rating).label("rating"), func.count().label("n"))
        .where(col(Feedback.program_id) == bindparam("pid"), col(Feedback.superseded).is_(False),
               col(Feedback.moderation).is_(None))
        .group_by(col(Feedback.rating))
        .subquery()
    )
    stmt = select(*_PROGRAM.all, dist_q.c.rating, dist_q.c.n).outerjoin(dist_q, true()).where(col(Program.id) == bindparam("pid"))
    return Prepared(stmt, list(stmt.selected_columns))


_WITH_STATS = _with_stats()


async def region_programs_page(
    session: AsyncSession, *, region_code: str, offset: int, limit: int
) -> tuple[list[ProgramWithStats], int]:
    """One page of a region's active programs with their rating summary, and how many there are: one query."""
    result = await _REGION_PAGE.rows(session, region=region_code, offset=offset, limit=limit)
    rows = []
    for row in result:
        cnt, sum_ = row[-3], row[-2]
        rows.append(ProgramWithStats(program=_PROGRAM.load(session, row), average=int(sum_) / int(cnt) if cnt else None,
                                     count=int(cnt or 0)))
    if result:
        total = result[0][-1]  # the window counts every listed program, before the page is cut
    else:  # a page past the end (an old button): counted on its own
        active = (col(Program.region_code) == region_code) & col(Program.removed_at).is_(None)
        total = await session.scalar(select(func.count()).select_from(Program).where(active))
    return rows, int(total or 0)


async def get_program(session: AsyncSession, *, program_id: int, include_removed: bool = False) -> Program | None:
    program = session.identity_map.get(inspect(Program).identity_key_from_primary_key((program_id,)))
    if program is None:
        row = await _GET.first(session, pid=program_id)
        program = _PROGRAM.load(session, row) if row is not None else None
    if program is None or (program.removed_at is not None and not include_removed):
        return None
    return program


async def program_with_stats(session: AsyncSession, *, program_id: int) -> ProgramWithStats | None:
    """A program with its average, count and distribution of current ratings: one query."""
    result = await _WITH_STATS.rows(session, pid=program_id)
    if not result or result[0][_REMOVED] is not None:
        return None
    program = _PROGRAM.load(session, result[0])
    dist = [0, 0, 0, 0, 0]
    for row in result:
        rating, count = row[-2], row[-1]
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
