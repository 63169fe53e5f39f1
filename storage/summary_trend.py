"""The summary's building blocks shared with its trend: scope filters, and the weekly trend queries.

The filters say which feedback rows a summary counts (the scope, the period, commented, not marked as spam or
abusive, current). The trend is the last TREND_WEEKS local weeks: from the roll-ups for a summary's scope
(rollup_trend), or from the feedback rows for narrower scopes (weekly_trend, the dashboard's one program).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, case, cast, false, func, literal, literal_column, select, union_all
from sqlalchemy.sql.elements import ColumnClause, ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import run_select
from storage.models import Feedback, Region
from storage.rollups import DAY, buckets, cover, midnight, rollup_rows
from storage.rollups import FeedbackRollup as Rollup
from storage.zones import ZONE_HOURS

TREND_WEEKS = 12
# Built once: the same columns in every statement (SQLAlchemy caches the compiled form; building costs too).
ZERO: ColumnClause[int] = literal_column("0")
STARS: list[ColumnClause[int]] = [literal_column(str(n)) for n in range(1, 6)]
ROLLUP_RATINGS = func.sum(Rollup.r1 + Rollup.r2 + Rollup.r3 + Rollup.r4 + Rollup.r5)
ROLLUP_TOTAL = func.sum(sum((n * getattr(Rollup, f"r{i}") for i, n in enumerate(STARS, 1)), ZERO))


def feedback_in(region_codes: Sequence[str] | None) -> list[ColumnElement[bool]]:
    """Feedback rows of the scope. The country is every region, so the (region, time) indexes still serve."""
    codes: Any = select(col(Region.code)) if region_codes is None else list(region_codes)
    return [col(Feedback.region_code).in_(codes)]


def rollups_in(region_codes: Sequence[str] | None) -> list[ColumnElement[bool]]:
    return [] if region_codes is None else [Rollup.region_code.in_(list(region_codes))]  # type: ignore[attr-defined]


def in_period(since: datetime | None, until: datetime) -> list[ColumnElement[bool]]:
    bounds = [col(Feedback.created_at) < until]
    if since is not None:
        bounds.append(col(Feedback.created_at) >= since)
    return bounds


def has_comment() -> ColumnElement[bool]:
    return col(Feedback.comment).is_not(None)


def not_moderated() -> ColumnElement[bool]:
    """Not marked as spam or abusive by an official (the indexes carry the column, so this stays index-only)."""
    return col(Feedback.moderation).is_(None)


def is_current() -> ColumnElement[bool]:
    # "= false", not "IS false": PostgreSQL can match only the former against an index.
    return col(Feedback.superseded) == false()


def _week_start(dialect: str, hours: int) -> ColumnElement[Any]:
    """The local Monday of each row's week. Constants are inlined so SELECT and GROUP BY read the same."""
    if dialect == "sqlite":
        # 'weekday 0' moves forward to Sunday (or stays there); six days back is that week's Monday.
        return func.date(
            col(Feedback.created_at), literal_column(f"'+{hours} hours'"),
            literal_column("'weekday 0'"), literal_column("'-6 days'"),
        )
    local = func.timezone(literal_column("'UTC'"), col(Feedback.created_at)) + literal_column(f"INTERVAL '{hours} hours'")
    return cast(func.date_trunc(literal_column("'week'"), local), Date)


def trend_mondays(until: datetime, hours: int) -> tuple[date, date]:
    local_day = (until + timedelta(hours=hours)).date()
    last_monday = local_day - timedelta(days=local_day.weekday())
    return last_monday - timedelta(weeks=TREND_WEEKS - 1), last_monday


async def rollup_trend(
    session: AsyncSession, *, region_codes: Sequence[str] | None, until: datetime, zone: str
) -> tuple[list[tuple[date, int, float | None]], list[tuple[datetime, int]]]:
    """The last TREND_WEEKS local weeks up to `until`, empty weeks included; with the comments counted on the way.

    A local week starts at a local midnight, a UTC hour the day and week rows split at (their `late`
    counts). Returns the weeks and, newest first, each roll-up row's start and comments (the part-day read
    raw first).
    """
    hours = ZONE_HOURS[zone]
    late, late_sum = getattr(Rollup, f"late{24 - hours}"), getattr(Rollup, f"late_sum{24 - hours}")
    first_monday, last_monday = trend_mondays(until, hours)
    last_day = until.astimezone(UTC).date()
    # From the UTC Sunday before the first Monday (its late hours are the first local week), by whole UTC weeks.
    terms = cover(midnight(first_monday - DAY), midnight(last_day))  # weeks and days, no raw part
    span, day = col(Rollup.span), col(Rollup.day)
    rollup = [
        select(span, day, ROLLUP_RATINGS, ROLLUP_TOTAL, func.sum(late), func.sum(late_sum), func.sum(Rollup.comments))
        .where(*rollups_in(region_codes), *rollup_rows(term))
        .group_by(span, day)
        for term in terms
    ]
    # The last part-day read raw, in the same shape (its ratings, those from local midnight on), then its comments.
    start, scope = midnight(last_day), feedback_in(region_codes)
    late_row = col(Feedback.created_at) >= start + timedelta(hours=24 - hours)
    raw_day = literal(last_day, Date)
    raw: ColumnClause[str] = literal_column("'raw'")
    ratings = (
        select(raw, raw_day, func.count(), func.sum(col(Feedback.rating)),
               func.count(case((late_row, 1))), func.sum(case((late_row, col(Feedback.rating)))), ZERO)
        .where(*scope, *in_period(start, until), not_moderated())
    )
    comments = (
        select(raw, raw_day, ZERO, ZERO, ZERO, ZERO, func.count())
        .where(*scope, *in_period(start, until), has_comment(), not_moderated())
    )
    weeks: dict[date, list[int]] = {}

    def add(monday: date, n: int, total: int) -> None:
        if first_monday <= monday <= last_monday:
            week = weeks.setdefault(monday, [0, 0])
            week[0] += n
            week[1] += total

    found: dict[tuple[str, date], int] = {}
    tail = 0
    rows = (await run_select(session, union_all(*rollup, ratings, comments))).all()
    for kind, when, n, total, late_n, late_total, said in rows:
        when = date.fromisoformat(when) if isinstance(when, str) else when
        n, total, late_n, late_total = int(n or 0), int(total or 0), int(late_n or 0), int(late_total or 0)
        if kind == "week":  # a UTC week: its late Sunday hours are the next local week's
            add(when, n - late_n, total - late_total)
            add(when + timedelta(weeks=1), late_n, late_total)
        else:  # a UTC day: its late hours are the next local day's
            add(when - timedelta(days=when.weekday()), n - late_n, total - late_total)
            following = when + DAY
            add(following - timedelta(days=following.weekday()), late_n, late_total)
        if kind == "raw":
            tail += int(said or 0)
        else:
            found[(kind, when)] = int(said or 0)
    trend = []
    for i in range(TREND_WEEKS):
        monday = first_monday + timedelta(weeks=i)
        n, total = weeks.get(monday, (0, 0))
        trend.append((monday, n, total / n if n else None))
    counted = [(start, tail)] + [(midnight(when), found.get((kind, when), 0)) for kind, when in buckets(terms)]
    return trend, counted


async def weekly_trend(
    session: AsyncSession, *, scope: list[ColumnElement[bool]], until: datetime, zone: str
) -> list[tuple[date, int, float | None]]:
    """Ratings and average per local week from the feedback rows, the last TREND_WEEKS weeks up to `until`.

    For narrower scopes than the roll-ups know (the dashboard's one program), with the same weeks.
    """
    hours = ZONE_HOURS[zone]
    first_monday, _ = trend_mondays(until, hours)
    start = datetime.combine(first_monday, time(), tzinfo=UTC) - timedelta(hours=hours)
    week = _week_start(session.bind.dialect.name, hours).label("week")  # type: ignore[union-attr]
    stmt = (
        select(week, func.count(), func.sum(col(Feedback.rating)))
        .where(*scope, *in_period(start, until), not_moderated())
        .group_by(week)
    )
    found: dict[date, tuple[int, int]] = {}
    for monday, n, total in (await run_select(session, stmt)).all():
        key = date.fromisoformat(monday) if isinstance(monday, str) else monday
        found[key] = (int(n), int(total or 0))
    weeks = []
    for i in range(TREND_WEEKS):
        monday = first_monday + timedelta(weeks=i)
        n, total = found.get(monday, (0, 0))
        weeks.append((monday, n, total / n if n else None))
    return weeks
