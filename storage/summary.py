"""Queries behind an official's summary: period figures, program ranking, weekly trend, recent comments.

Four queries whatever the size of the scope or the period. The counts come from the roll-ups
(storage/rollups.py: per program and UTC day, week, and in all): a period is its whole weeks and days
there ("all time" the totals), and only the parts of days at its edges are read from the feedback rows, from
indexes alone.
A million ratings are thousands of roll-up rows.
Comments an official marked as spam or abusive count nowhere: not in the figures, the ranking, the
trend, the waiting comments or the topics. They stay in the dashboard's feedback list (labelled), and in
the exports and the data API's feed, which are the record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    String,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.sql.elements import ColumnClause, ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import run_select
from storage.models import Feedback, Program, Region
from storage.rollups import DAY, Term, buckets, cover, midnight, rollup_rows
from storage.rollups import FeedbackRollup as Rollup
from storage.statuses import FeedbackStatus
from storage.zones import DEFAULT_ZONE, ZONE_HOURS

PRIOR_WEIGHT = 5  # the ranking's prior counts as this many ratings at the scope's overall mean
TREND_WEEKS = 12
# Built once: the same columns in every statement (SQLAlchemy caches the compiled form; building costs too).
# Typed NULLs: PostgreSQL takes a UNION's column types from its first SELECTs.
ZERO: ColumnClause[int] = literal_column("0")
NONE = null()
STARS: list[ColumnClause[int]] = [literal_column(str(n)) for n in range(1, 6)]
ROLLUP_STARS = [func.sum(getattr(Rollup, f"r{n}")) for n in range(1, 6)]
RAW_STARS = [func.count(case((col(Feedback.rating) == n, 1))) for n in STARS]
ROLLUP_RATINGS = func.sum(Rollup.r1 + Rollup.r2 + Rollup.r3 + Rollup.r4 + Rollup.r5)
ROLLUP_TOTAL = func.sum(sum((n * getattr(Rollup, f"r{i}") for i, n in enumerate(STARS, 1)), ZERO))
PROGRAM = (col(Program.id), col(Program.name), col(Program.region_code), col(Program.removed_at))
NO_PROGRAM = (cast(NONE, Integer), cast(NONE, String), cast(NONE, String), cast(NONE, DateTime(timezone=True)))
# Labels of the figures query's rows: the period, the one before, and ranking rows outside the period's scope.
CURRENT, PREVIOUS, RANKED = 1, 0, 2

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
    return [col(Feedback.region_code).in_(codes)]


def _rollup_scope(region_codes: Sequence[str] | None) -> list[ColumnElement[bool]]:
    return [] if region_codes is None else [Rollup.region_code.in_(list(region_codes))]  # type: ignore[attr-defined]


def _between(since: datetime | None, until: datetime) -> list[ColumnElement[bool]]:
    bounds = [col(Feedback.created_at) < until]
    if since is not None:
        bounds.append(col(Feedback.created_at) >= since)
    return bounds


def _has_comment() -> ColumnElement[bool]:
    return col(Feedback.comment).is_not(None)


def _counted() -> ColumnElement[bool]:
    """Not marked as spam or abusive by an official (the indexes carry the column, so this stays index-only)."""
    return col(Feedback.moderation).is_(None)


def _current() -> ColumnElement[bool]:
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


def _period(distribution: Sequence[int], comments: int) -> PeriodFigures:
    dist = tuple(int(n or 0) for n in distribution)
    total = sum(dist)
    average = sum(r * n for r, n in zip(range(1, 6), dist, strict=True)) / total if total else None
    return PeriodFigures(ratings=total, comments=int(comments or 0), average=average, distribution=dist)  # type: ignore[arg-type]


def _first_monday(until: datetime, hours: int) -> tuple[date, date]:
    local_day = (until + timedelta(hours=hours)).date()
    last_monday = local_day - timedelta(days=local_day.weekday())
    return last_monday - timedelta(weeks=TREND_WEEKS - 1), last_monday


def _label(key: int) -> ColumnElement[Any]:
    return literal_column(str(key))


def _figure_parts(region_codes: Sequence[str] | None, key: int, terms: tuple[Term, ...], ranked: bool) -> list[Any]:
    """SELECTs of (label, sign, program, removed_at, stars 1-5, comments, ranked count, ranked sum) for one period.

    Roll-up rows per program (the ranking's too, for the current period); the part-days raw, each count
    from an index alone: the ratings by region and time, the comments from the commented rows' index, and
    (for the ranking) each program's current ratings from the per-program index.
    """
    label, scope, parts = _label(key), _scope(region_codes), []
    programs = [] if region_codes is None else [col(Program.region_code).in_(list(region_codes))]
    counts = (*ROLLUP_STARS, func.sum(Rollup.comments), func.sum(Rollup.ranked), func.sum(Rollup.ranked_sum))
    for term in terms:
        sign: ColumnClause[int] = literal_column(str(term.sign))
        if term.span is None:
            between = _between(term.start, term.end)
            parts.append(select(label, sign, *NO_PROGRAM, *RAW_STARS, ZERO, ZERO, ZERO)
                         .where(*scope, *between, _counted()))
            parts.append(select(label, sign, *NO_PROGRAM, *([ZERO] * 5), func.count(), ZERO, ZERO)
                         .where(*scope, *between, _has_comment(), _counted()))
            if ranked:
                parts.append(select(_label(RANKED), sign, *PROGRAM, *([ZERO] * 6), func.count(),
                                    func.sum(col(Feedback.rating)))
                             .join(Feedback, col(Feedback.program_id) == col(Program.id))
                             .where(*programs, col(Program.removed_at).is_(None), _current(), _counted(), *between)
                             .group_by(col(Program.id)))
            continue
        rows = rollup_rows(term)
        if not ranked:
            parts.append(select(label, sign, *NO_PROGRAM, *counts).where(*_rollup_scope(region_codes), *rows))
            continue
        parts.append(select(label, sign, *PROGRAM, *counts).join(Program, col(Program.id) == col(Rollup.program_id))
                     .where(*_rollup_scope(region_codes), *rows).group_by(col(Program.id)))
        if region_codes is not None:  # programs of the scope rated as another region's: as the ranking counts them
            elsewhere = col(Rollup.region_code).not_in(list(region_codes))
            parts.append(
                select(_label(RANKED), sign, *PROGRAM, *([ZERO] * 6), *counts[6:])
                .join(Rollup, col(Rollup.program_id) == col(Program.id))
                .where(*programs, col(Program.removed_at).is_(None), elsewhere, *rows)
                .group_by(col(Program.id))
            )
    return parts


async def _figures(
    session: AsyncSession, *, region_codes: Sequence[str] | None, since: datetime | None, until: datetime
) -> tuple[PeriodFigures, PeriodFigures | None, list[ProgramRank]]:
    """The period, the one just before it and the period's ranking, in one UNION ALL."""
    parts = _figure_parts(region_codes, CURRENT, cover(since, until), ranked=True)
    if since is not None:
        parts += _figure_parts(region_codes, PREVIOUS, cover(since - (until - since), since), ranked=False)
    totals = {CURRENT: [0] * 6, PREVIOUS: [0] * 6}
    ranked: dict[int, list[Any]] = {}
    rows = (await run_select(session, union_all(*parts))).all()
    for key, sign, pid, name, code, removed, *counts in rows:
        counts = [int(sign) * int(n or 0) for n in counts]
        if key != RANKED:
            totals[key] = [a + b for a, b in zip(totals[key], counts[:6], strict=True)]
        in_ranking = key == RANKED or ((region_codes is None or code in region_codes) and removed is None)
        if pid is not None and in_ranking:
            entry = ranked.setdefault(int(pid), [name, code, 0, 0])
            entry[2] += counts[6]
            entry[3] += counts[7]
    current = _period(totals[CURRENT][:5], totals[CURRENT][5])
    previous = _period(totals[PREVIOUS][:5], totals[PREVIOUS][5]) if since is not None else None
    return current, previous, _ranking({pid: entry for pid, entry in ranked.items() if entry[2]})


def _ranking(found: dict[int, list[Any]]) -> list[ProgramRank]:
    """Programs by Bayesian average of the period's current ratings, so a single vote cannot top the list."""
    count = sum(n for _, _, n, _ in found.values())
    if not count:
        return []
    mean = sum(t for _, _, _, t in found.values()) / count
    ranks = [
        ProgramRank(
            program_id=i, name=name, region_code=code, count=n, average=t / n,
            score=(PRIOR_WEIGHT * mean + t) / (PRIOR_WEIGHT + n),
        )
        for i, (name, code, n, t) in found.items()
    ]
    ranks.sort(key=lambda r: (-r.score, -r.count, r.name, r.program_id))
    return ranks


async def _trend(
    session: AsyncSession, *, region_codes: Sequence[str] | None, until: datetime, zone: str
) -> tuple[list[tuple[date, int, float | None]], list[tuple[datetime, int]]]:
    """The last TREND_WEEKS local weeks up to `until`, empty weeks included; with the comments counted on the way.

    A local week starts at a local midnight, a UTC hour the day and week rows split at (their `late`
    counts). Returns the weeks and, newest first, each roll-up row's start and comments (the part-day read
    raw first).
    """
    hours = ZONE_HOURS[zone]
    late, late_sum = getattr(Rollup, f"late{24 - hours}"), getattr(Rollup, f"late_sum{24 - hours}")
    first_monday, last_monday = _first_monday(until, hours)
    last_day = until.astimezone(UTC).date()
    # From the UTC Sunday before the first Monday (its late hours are the first local week), by whole UTC weeks.
    terms = cover(midnight(first_monday - DAY), midnight(last_day))  # weeks and days, no raw part
    span, day = col(Rollup.span), col(Rollup.day)
    rollup = [
        select(span, day, ROLLUP_RATINGS, ROLLUP_TOTAL, func.sum(late), func.sum(late_sum), func.sum(Rollup.comments))
        .where(*_rollup_scope(region_codes), *rollup_rows(term))
        .group_by(span, day)
        for term in terms
    ]
    # The last part-day read raw, in the same shape (its ratings, those from local midnight on), then its comments.
    start, scope = midnight(last_day), _scope(region_codes)
    late_row = col(Feedback.created_at) >= start + timedelta(hours=24 - hours)
    raw_day = literal(last_day, Date)
    raw: ColumnClause[str] = literal_column("'raw'")
    ratings = (
        select(raw, raw_day, func.count(), func.sum(col(Feedback.rating)),
               func.count(case((late_row, 1))), func.sum(case((late_row, col(Feedback.rating)))), ZERO)
        .where(*scope, *_between(start, until), _counted())
    )
    comments = (
        select(raw, raw_day, ZERO, ZERO, ZERO, ZERO, func.count())
        .where(*scope, *_between(start, until), _has_comment(), _counted())
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


def _comments_from(since: datetime | None, counted: list[tuple[datetime, int]], limit: int) -> datetime | None:
    """The latest start from which the period still has `limit` comments (else `since`): the newest are there.

    `counted` is contiguous time, newest first: (start, comments from there to the next start).
    """
    total = 0
    for start, comments in counted:
        if since is not None and start < since:
            break
        total += comments
        if total >= limit:
            return start
    return since


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
        select(week, func.count(), func.sum(col(Feedback.rating)))
        .where(*scope, *_between(start, until), _counted())
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


async def summary_figures(
    session: AsyncSession,
    *,
    region_codes: Sequence[str] | None,
    since: datetime | None,
    until: datetime,
    zone: str = DEFAULT_ZONE,
    comment_limit: int = 2000,
) -> Figures:
    """Everything a summary shows for [since, until) in one scope (None: the whole country); four queries."""
    if zone not in ZONE_HOURS:
        raise ValueError(f"unknown time zone {zone!r}; expected one of {', '.join(ZONE_HOURS)}")
    if until.tzinfo is None or (since is not None and since.tzinfo is None):
        raise ValueError("since and until must be timezone-aware")
    current, previous, programs = await _figures(session, region_codes=region_codes, since=since, until=until)
    # A literal, not a parameter: SQLite uses a partial index only when the query repeats its constant.
    # The country: every row of the small partial index, with no region to match.
    scope = [] if region_codes is None else _scope(region_codes)
    waiting_stmt = select(func.count()).select_from(Feedback).where(
        *scope, col(Feedback.status) == literal_column(f"'{FeedbackStatus.NEW}'"), _has_comment(), _counted()
    )
    waiting = int(await session.scalar(waiting_stmt) or 0)
    weekly, counted = await _trend(session, region_codes=region_codes, until=until, zone=zone)
    start = _comments_from(since, counted, comment_limit)
    comments_stmt = (
        select(col(Feedback.comment))
        .where(*_scope(region_codes), *_between(start, until), _has_comment(), _counted())
        .order_by(col(Feedback.created_at).desc(), col(Feedback.id).desc())
        .limit(comment_limit)
    )
    comments = list((await run_select(session, comments_stmt)).scalars().all())
    return Figures(
        current=current, previous=previous, programs=programs, waiting=waiting, weekly=weekly, comments=comments
    )
