"""The summary's figures computed in Python from every feedback row: what storage.summary must return."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Feedback, Program
from storage.summary import PRIOR_WEIGHT, ZONE_HOURS, Figures, PeriodFigures, ProgramRank
from storage.summary_trend import TREND_WEEKS


def _period(rows: list[Feedback]) -> PeriodFigures:
    dist = tuple(sum(1 for r in rows if r.rating == stars) for stars in range(1, 6))
    total = sum(dist)
    average = sum(stars * n for stars, n in zip(range(1, 6), dist, strict=True)) / total if total else None
    comments = sum(1 for r in rows if r.comment is not None)
    return PeriodFigures(ratings=total, comments=comments, average=average, distribution=dist)  # type: ignore[arg-type]


def _ranking(rows: list[Feedback], programs: dict[int, Program], region_codes: Sequence[str] | None) -> list[ProgramRank]:
    per: dict[int, list[int]] = {}
    for r in rows:
        program = programs[r.program_id]
        if r.superseded or program.removed_at is not None:
            continue
        if region_codes is not None and program.region_code not in region_codes:
            continue
        per.setdefault(r.program_id, []).append(r.rating)
    count = sum(len(v) for v in per.values())
    if not count:
        return []
    mean = sum(sum(v) for v in per.values()) / count
    ranks = [
        ProgramRank(program_id=pid, name=programs[pid].name, region_code=programs[pid].region_code, count=len(v),
                    average=sum(v) / len(v), score=(PRIOR_WEIGHT * mean + sum(v)) / (PRIOR_WEIGHT + len(v)))
        for pid, v in per.items()
    ]
    ranks.sort(key=lambda r: (-r.score, -r.count, r.name, r.program_id))
    return ranks


def _weekly(rows: list[Feedback], until: datetime, zone: str) -> list[tuple]:  # type: ignore[type-arg]
    offset = timedelta(hours=ZONE_HOURS[zone])
    local_day = (until + offset).date()
    last_monday = local_day - timedelta(days=local_day.weekday())
    first_monday = last_monday - timedelta(weeks=TREND_WEEKS - 1)
    start = datetime.combine(first_monday, time(), tzinfo=UTC) - offset
    weeks = []
    for i in range(TREND_WEEKS):
        monday = first_monday + timedelta(weeks=i)
        ratings = [r.rating for r in rows if start <= r.created_at < until
                   and (r.created_at + offset).date() - timedelta(days=(r.created_at + offset).weekday()) == monday]
        weeks.append((monday, len(ratings), sum(ratings) / len(ratings) if ratings else None))
    return weeks


async def stored(session: AsyncSession) -> tuple[list[Feedback], dict[int, Program]]:
    """Every feedback row and every program, for expected_figures."""
    every = list((await session.exec(select(Feedback))).scalars().all())  # type: ignore[call-overload]
    programs = {p.id: p for p in (await session.exec(select(Program))).scalars().all()}  # type: ignore[call-overload]
    return every, programs


def expected_figures(
    every: list[Feedback], programs: dict[int, Program], *, region_codes: Sequence[str] | None,
    since: datetime | None, until: datetime, zone: str = "WIB", comment_limit: int = 2000,
) -> Figures:
    counted = [r for r in every if r.moderation is None]
    rows = [r for r in counted if region_codes is None or r.region_code in region_codes]

    def within(start: datetime | None, end: datetime, of: list[Feedback]) -> list[Feedback]:
        return [r for r in of if (start is None or r.created_at >= start) and r.created_at < end]

    current = within(since, until, rows)
    previous = None if since is None else _period(within(since - (until - since), since, rows))
    commented = sorted((r for r in current if r.comment is not None), key=lambda r: (r.created_at, r.id), reverse=True)
    # The ranking takes the scope's programs, with all their ratings.
    ranking = _ranking(within(since, until, counted), programs, region_codes)
    return Figures(
        current=_period(current), previous=previous, programs=ranking,
        waiting=sum(1 for r in rows if r.status == "baru" and r.comment is not None),
        weekly=_weekly(rows, until, zone), comments=[r.comment for r in commented[:comment_limit]],
    )
