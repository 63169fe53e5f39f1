"""Queries behind an official's summary: period figures, program ranking, weekly trend, recent comments.

Five queries whatever the size of the scope or the period. The counts come from the roll-ups
(storage/rollups.py: per program and UTC day or month): a period is its whole months and whole days
there, and only the parts of days at its edges are read from the feedback rows. A million ratings
are thousands of roll-up rows.
Comments an official marked as spam or abusive count nowhere: not in the figures, the ranking, the
trend, the waiting comments or the topics. They stay in the dashboard's feedback list (labelled), and in
the exports and the data API's feed, which are the record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, case, cast, false, func, literal, literal_column, select, union_all
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Feedback, Program, Region
from storage.rollups import DAY, cover, midnight, rollup_rows
from storage.rollups import FeedbackRollup as Rollup

ZONE_HOURS = {"WIB": 7, "WITA": 8, "WIT": 9}  # fixed offsets: Indonesia keeps no daylight saving time
PRIOR_WEIGHT = 5  # the ranking's prior counts as this many ratings at the scope's overall mean
TREND_WEEKS = 12
# Built once: the same columns in every statement (SQLAlchemy caches the compiled form; building costs too).
STARS = [literal_column(str(n)) for n in range(1, 6)]
ROLLUP_PERIOD = [*(func.sum(getattr(Rollup, f"r{n}")) for n in range(1, 6)), func.sum(Rollup.comments)]
RAW_PERIOD = [*(func.count(case((col(Feedback.rating) == n, 1))) for n in STARS), func.count(col(Feedback.comment))]
ROLLUP_RATINGS = func.sum(Rollup.r1 + Rollup.r2 + Rollup.r3 + Rollup.r4 + Rollup.r5)
ROLLUP_STARS = func.sum(sum((n * getattr(Rollup, f"r{i}") for i, n in enumerate(STARS, 1)), literal_column("0")))
PROGRAM = (col(Program.id), col(Program.name), col(Program.region_code))


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
    """Feedback rows of the scope. The country is every region, so the (region, time) indexes still serve."""
    codes: Any = select(col(Region.code)) if region_codes is None else list(region_codes)
    return [Feedback.region_code.in_(codes)]  # type: ignore[attr-defined]


def _rollup_scope(region_codes: Sequence[str] | None) -> list[ColumnElement[bool]]:
    return [] if region_codes is None else [Rollup.region_code.in_(list(region_codes))]  # type: ignore[attr-defined]


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


def _first_monday(until: datetime, hours: int) -> tuple[date, date]:
    local_day = (until + timedelta(hours=hours)).date()
    last_monday = local_day - timedelta(days=local_day.weekday())
    return last_monday - timedelta(weeks=TREND_WEEKS - 1), last_monday


async def _period_figures(
    session: AsyncSession, *, region_codes: Sequence[str] | None, since: datetime | None, until: datetime
) -> tuple[PeriodFigures, PeriodFigures | None]:
    """The period and the one just before it: roll-up rows and raw edges, one UNION ALL of (period, counts) rows."""
    covers = [(1, cover(since, until))]
    if since is not None:
        covers.append((0, cover(since - (until - since), since)))
    parts: list[Any] = []
    for key, part in covers:
        label: ColumnElement[Any] = literal_column(str(key))
        parts.append(select(label, *ROLLUP_PERIOD).where(*_rollup_scope(region_codes), rollup_rows(part)))
        parts += [select(label, *RAW_PERIOD).where(*_scope(region_codes), *_between(start, end), _counted())
                  for start, end in part.raw]
    totals = {key: [0] * 6 for key, _ in covers}
    for key, *counts in (await session.exec(union_all(*parts))).all():  # type: ignore[call-overload]
        totals[int(key)] = [a + int(b or 0) for a, b in zip(totals[int(key)], counts, strict=True)]
    current = _period(totals[1][:5], totals[1][5])
    return current, (_period(totals[0][:5], totals[0][5]) if since is not None else None)


async def _ranking(
    session: AsyncSession, *, region_codes: Sequence[str] | None, since: datetime | None, until: datetime
) -> list[ProgramRank]:
    """Programs by Bayesian average of the period's current ratings, so a single vote cannot top the list.

    Driven from the scope's programs, so each program's rows are one range of its roll-up or feedback index.
    """
    part = cover(since, until)
    scope = [Program.removed_at.is_(None)]  # type: ignore[union-attr]
    if region_codes is not None:
        scope.append(Program.region_code.in_(list(region_codes)))  # type: ignore[attr-defined]
    parts: list[Any] = [
        select(*PROGRAM, func.sum(Rollup.ranked), func.sum(Rollup.ranked_sum))
        .join(Rollup, col(Rollup.program_id) == col(Program.id))
        .where(*scope, rollup_rows(part))
        .group_by(col(Program.id))  # name and region follow from the primary key
    ]
    parts += [
        select(*PROGRAM, func.count(), func.sum(Feedback.rating))
        .join(Feedback, col(Feedback.program_id) == col(Program.id))
        .where(*scope, _current(), _counted(), *_between(start, end))
        .group_by(col(Program.id))
        for start, end in part.raw
    ]
    found: dict[int, list[Any]] = {}
    for i, name, code, n, t in (await session.exec(union_all(*parts))).all():  # type: ignore[call-overload]
        entry = found.setdefault(int(i), [name, code, 0, 0])
        entry[2] += int(n or 0)
        entry[3] += int(t or 0)
    rows = [(i, name, code, n, t) for i, (name, code, n, t) in found.items() if n]
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


async def _trend(
    session: AsyncSession, *, region_codes: Sequence[str] | None, until: datetime, zone: str
) -> tuple[list[tuple[date, int, float | None]], int, dict[date, int]]:
    """The last TREND_WEEKS local weeks up to `until`, empty weeks included; with the comments counted on the way.

    A local week starts at a local midnight, a UTC hour the day rows split at (their `late` counts). Returns
    the weeks, the comments of the last part-day (read raw) and the comments of each whole UTC day read.
    """
    hours = ZONE_HOURS[zone]
    late, late_sum = getattr(Rollup, f"late{24 - hours}"), getattr(Rollup, f"late_sum{24 - hours}")
    first_monday, last_monday = _first_monday(until, hours)
    first_day, last_day = first_monday - DAY, until.astimezone(UTC).date()  # UTC days [first_day, last_day)
    utc_day = col(Rollup.day)
    whole = (
        select(literal_column("0"), utc_day, ROLLUP_RATINGS, ROLLUP_STARS, func.sum(late), func.sum(late_sum),
               func.sum(Rollup.comments))
        .where(*_rollup_scope(region_codes), col(Rollup.span) == "day", utc_day >= first_day, utc_day < last_day)
        .group_by(utc_day)
    )
    # The last part-day read raw, in the same shape: its ratings, and those from local midnight on.
    start, midnight_local = midnight(last_day), midnight(last_day) + timedelta(hours=24 - hours)
    late_row = col(Feedback.created_at) >= midnight_local
    tail: Any = (
        select(literal_column("1"), literal(last_day, Date), func.count(), func.sum(Feedback.rating),
               func.count(case((late_row, 1))), func.sum(case((late_row, Feedback.rating))),
               func.count(col(Feedback.comment)))
        .where(*_scope(region_codes), *_between(start, until), _counted())
    )
    weeks: dict[date, list[int]] = {}

    def add(day: date, n: int, total: int) -> None:
        monday = day - timedelta(days=day.weekday())
        if first_monday <= monday <= last_monday:
            week = weeks.setdefault(monday, [0, 0])
            week[0] += n
            week[1] += total

    tail_comments = 0
    daily_comments = {first_day + timedelta(days=i): 0 for i in range((last_day - first_day).days)}
    rows = (await session.exec(union_all(whole, tail))).all()  # type: ignore[call-overload]
    for kind, day, n, total, late_n, late_total, comments in rows:
        day = date.fromisoformat(day) if isinstance(day, str) else day
        n, total, late_n, late_total = int(n or 0), int(total or 0), int(late_n or 0), int(late_total or 0)
        add(day, n - late_n, total - late_total)  # before local midnight: the same date
        add(day + DAY, late_n, late_total)  # from local midnight on: the next local day
        if int(kind):
            tail_comments = int(comments or 0)
        else:
            daily_comments[day] = int(comments or 0)
    trend = []
    for i in range(TREND_WEEKS):
        monday = first_monday + timedelta(weeks=i)
        n, total = weeks.get(monday, (0, 0))
        trend.append((monday, n, total / n if n else None))
    return trend, tail_comments, daily_comments


def _comments_from(
    since: datetime | None, until: datetime, tail: int, daily: dict[date, int], limit: int
) -> datetime | None:
    """The latest midnight from which the period still has `limit` comments (else `since`): the newest are there.

    `tail` counts those of the last part-day, `daily` those of each whole UTC day the trend read.
    """
    last_day = until.astimezone(UTC).date()
    if since is not None and since > midnight(last_day):
        return since
    count, day = tail, last_day
    while count < limit:
        day -= DAY
        if day not in daily or (since is not None and midnight(day) < since):
            return since
        count += daily[day]
    return midnight(day)


async def weekly_trend(
    session: AsyncSession, *, scope: list[ColumnElement[bool]], until: datetime, zone: str
) -> list[tuple[date, int, float | None]]:
    """Ratings and average per local week from the feedback rows, the last TREND_WEEKS weeks up to `until`.

    For narrower scopes than the roll-ups know (the dashboard's one program), with the same weeks.
    """
    hours = ZONE_HOURS[zone]
    first_monday, _ = _first_monday(until, hours)
    start = datetime.combine(first_monday, time(), tzinfo=UTC) - timedelta(hours=hours)
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
    current, previous = await _period_figures(session, region_codes=region_codes, since=since, until=until)
    programs = await _ranking(session, region_codes=region_codes, since=since, until=until)
    # A literal, not a parameter: SQLite uses a partial index only when the query repeats its constant.
    waiting_stmt = select(func.count()).select_from(Feedback).where(
        *scope, Feedback.status == literal_column("'baru'"), _has_comment(), _counted()
    )
    waiting = int(await session.scalar(waiting_stmt) or 0)
    weekly, tail, daily = await _trend(session, region_codes=region_codes, until=until, zone=zone)
    start = _comments_from(since, until, tail, daily, comment_limit)
    comments_stmt = (
        select(Feedback.comment)
        .where(*scope, *_between(start, until), _has_comment(), _counted())
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())  # type: ignore[attr-defined, union-attr]
        .limit(comment_limit)
    )
    comments = list((await session.exec(comments_stmt)).scalars().all())  # type: ignore[call-overload]
    return Figures(
        current=current, previous=previous, programs=programs, waiting=waiting, weekly=weekly, comments=comments
    )
