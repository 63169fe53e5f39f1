"""Queries behind an official's summary: period figures, program ranking, weekly trend, recent comments.

Five queries whatever the size of the scope or the period; every figure is aggregated in the database.
Comments an official marked as spam or abusive count nowhere: not in the figures, the ranking, the
trend, the waiting comments or the topics. They stay in the dashboard's feedback list (labelled), and in
the exports and the data API's feed, which are the record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, case, cast, false, func, literal_column, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Feedback, Program

ZONE_HOURS = {"WIB": 7, "WITA": 8, "WIT": 9}  # fixed offsets: Indonesia keeps no daylight saving time
PRIOR_WEIGHT = 5  # the ranking's prior counts as this many ratings at the scope's overall mean
TREND_WEEKS = 12


@dataclass(frozen=True, slots=True)
class ProgramRank:
    program_id: int
    name: str
    region_code: str
    count: int
    average: float
    score: float


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    ratings: int
    comments: int
    average: float | None
    distribution: tuple[int, int, int, int, int]


@dataclass(frozen=True, slots=True)
class Figures:
    current: PeriodFigures
    previous: PeriodFigures | None  # the equal-length period just before; None for "all time"
    programs: list[ProgramRank]  # best first by Bayesian average
    waiting: int  # comments still 'baru' in the scope, whatever their date
    weekly: list[tuple[date, int, float | None]]  # (local Monday, ratings, average), oldest first
    comments: list[str]  # the period's most recent comments, newest first


def _scope(region_codes: Sequence[str] | None) -> list[ColumnElement[bool]]:
    return [] if region_codes is None else [Feedback.region_code.in_(list(region_codes))]  # type: ignore[attr-defined]


def _between(since: datetime | None, until: datetime) -> list[ColumnElement[bool]]:
    bounds = [Feedback.created_at < until]
    if since is not None:
        bounds.append(Feedback.created_at >= since)
    return bounds  # type: ignore[return-value]


def _has_comment() -> ColumnElement[bool]:
    return Feedback.comment.is_not(None)  # type: ignore[union-attr]


def _counted() -> ColumnElement[bool]:
    """Not marked as spam or abusive by an official (the indexes carry the column, so this stays index-only)."""
    return Feedback.moderation.is_(None)  # type: ignore[union-attr]


def _current() -> ColumnElement[bool]:
    # "= false", not "IS false": PostgreSQL can match only the former against an index.
    return Feedback.superseded == false()  # type: ignore[return-value]


def _week_start(dialect: str, hours: int) -> ColumnElement[Any]:
    """The local Monday of each row's week. Constants are inlined so SELECT and GROUP BY read the same."""
    if dialect == "sqlite":
        # 'weekday 0' moves forward to Sunday (or stays there); six days back is that week's Monday.
        return func.date(
            Feedback.created_at, literal_column(f"'+{hours} hours'"),
            literal_column("'weekday 0'"), literal_column("'-6 days'"),
        )
    local = func.timezone(literal_column("'UTC'"), Feedback.created_at) + literal_column(f"INTERVAL '{hours} hours'")
    return cast(func.date_trunc(literal_column("'week'"), local), Date)


def _period(distribution: Sequence[int], comments: int) -> PeriodFigures:
    dist = tuple(int(n or 0) for n in distribution)
    total = sum(dist)
    average = sum(r * n for r, n in zip(range(1, 6), dist, strict=True)) / total if total else None
    return PeriodFigures(ratings=total, comments=int(comments or 0), average=average, distribution=dist)  # type: ignore[arg-type]


def _comment_count(scope: list[ColumnElement[bool]], since: datetime | None, until: datetime) -> Any:
    # Not correlated with the outer query on the same table; counted from the commented-rows index.
    stmt = select(func.count()).select_from(Feedback).where(*scope, *_between(since, until), _has_comment(), _counted())
    return stmt.correlate(None).scalar_subquery()


async def _period_figures(
    session: AsyncSession, *, scope: list[ColumnElement[bool]], since: datetime | None, until: datetime
) -> tuple[PeriodFigures, PeriodFigures | None]:
    """The period and the one just before it, in one pass.

    One row of conditional counts rather than GROUP BY rating: SQLite would sort every row to group them.
    """
    periods: list[tuple[datetime | None, ColumnElement[bool] | None]] = [(since, None)]
    earlier = None
    if since is not None:
        earlier = since - (until - since)
        periods = [(since, Feedback.created_at >= since), (earlier, Feedback.created_at < since)]  # type: ignore[list-item]
    columns: list[Any] = []
    for _, when in periods:
        for stars in range(1, 6):
            hit = Feedback.rating == stars if when is None else when & (Feedback.rating == stars)
            columns.append(func.count(case((hit, 1))))
    columns.append(_comment_count(scope, since, until))
    if since is not None:
        columns.append(_comment_count(scope, earlier, since))
    row = (await session.exec(select(*columns).where(*scope, *_between(earlier or since, until), _counted()))).one()  # type: ignore[call-overload]
    current = _period(row[0:5], row[-2] if since is not None else row[-1])
    return current, (_period(row[5:10], row[-1]) if since is not None else None)


async def _ranking(
    session: AsyncSession, *, region_codes: Sequence[str] | None, since: datetime | None, until: datetime
) -> list[ProgramRank]:
    """Programs by Bayesian average of the period's current ratings, so a single vote cannot top the list.

    Driven from the scope's programs, so each program's ratings are one range of the per-program index.
    """
    scope = [] if region_codes is None else [Program.region_code.in_(list(region_codes))]  # type: ignore[attr-defined]
    stmt = (
        select(Program.id, Program.name, Program.region_code, func.count(), func.sum(Feedback.rating))
        .join(Feedback, Feedback.program_id == Program.id)
        .where(*scope, Program.removed_at.is_(None), _current(), _counted(), *_between(since, until))  # type: ignore[union-attr]
        .group_by(Program.id)  # name and region follow from the primary key
    )
    rows = [(int(i), name, code, int(n), int(t)) for i, name, code, n, t in (await session.exec(stmt)).all()]  # type: ignore[call-overload]
    count = sum(r[3] for r in rows)
    if not count:
        return []
    mean = sum(r[4] for r in rows) / count
    ranks = [
        ProgramRank(
            program_id=i, name=name, region_code=code, count=n, average=t / n,
            score=(PRIOR_WEIGHT * mean + t) / (PRIOR_WEIGHT + n),
        )
        for i, name, code, n, t in rows
    ]
    ranks.sort(key=lambda r: (-r.score, -r.count, r.name, r.program_id))
    return ranks


async def weekly_trend(
    session: AsyncSession, *, scope: list[ColumnElement[bool]], until: datetime, zone: str
) -> list[tuple[date, int, float | None]]:
    """Ratings and average per local week, the last TREND_WEEKS weeks up to `until`, empty weeks included."""
    hours = ZONE_HOURS[zone]
    offset = timedelta(hours=hours)
    local_day = (until + offset).date()
    last_monday = local_day - timedelta(days=local_day.weekday())
    first_monday = last_monday - timedelta(weeks=TREND_WEEKS - 1)
    start = datetime.combine(first_monday, time(), tzinfo=UTC) - offset
    week = _week_start(session.bind.dialect.name, hours).label("week")  # type: ignore[union-attr]
    stmt = (
        select(week, func.count(), func.sum(Feedback.rating))
        .where(*scope, *_between(start, until), _counted())
        .group_by(week)
    )
    found: dict[date, tuple[int, int]] = {}
    for monday, n, total in (await session.exec(stmt)).all():  # type: ignore[call-overload]
        key = date.fromisoformat(monday) if isinstance(monday, str) else monday
        found[key] = (int(n), int(total or 0))
    weeks = []
    for i in range(TREND_WEEKS):
        monday = first_monday + timedelta(weeks=i)
        n, total = found.get(monday, (0, 0))
        weeks.append((monday, n, total / n if n else None))
    return weeks


async def summary_figures(
    session: AsyncSession,
    *,
    region_codes: Sequence[str] | None,
    since: datetime | None,
    until: datetime,
    zone: str = "WIB",
    comment_limit: int = 2000,
) -> Figures:
    """Everything a summary shows for [since, until) in one scope (None: the whole country); five queries."""
    if zone not in ZONE_HOURS:
        raise ValueError(f"unknown time zone {zone!r}; expected one of {', '.join(ZONE_HOURS)}")
    if until.tzinfo is None or (since is not None and since.tzinfo is None):
        raise ValueError("since and until must be timezone-aware")
    scope = _scope(region_codes)
    current, previous = await _period_figures(session, scope=scope, since=since, until=until)
    programs = await _ranking(session, region_codes=region_codes, since=since, until=until)
    # A literal, not a parameter: SQLite uses a partial index only when the query repeats its constant.
    waiting_stmt = select(func.count()).select_from(Feedback).where(
        *scope, Feedback.status == literal_column("'baru'"), _has_comment(), _counted()
    )
    waiting = int(await session.scalar(waiting_stmt) or 0)
    weekly = await weekly_trend(session, scope=scope, until=until, zone=zone)
    comments_stmt = (
        select(Feedback.comment)
        .where(*scope, *_between(since, until), _has_comment(), _counted())
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())  # type: ignore[attr-defined, union-attr]
        .limit(comment_limit)
    )
    comments = list((await session.exec(comments_stmt)).scalars().all())  # type: ignore[call-overload]
    return Figures(
        current=current, previous=previous, programs=programs, waiting=waiting, weekly=weekly, comments=comments
    )
