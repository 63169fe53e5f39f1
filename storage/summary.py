"""Queries behind an official's summary: period figures, program ranking, weekly trend, recent comments.

Four queries whatever the size of the scope or the period. The counts come from the roll-ups
(storage/rollups.py: per program and UTC day, week, and in all): a period is its whole weeks and days
there ("all time" the totals), and only the parts of days at its edges are read from the feedback rows, from
indexes alone.
A million ratings are thousands of roll-up rows.
Comments an official marked as spam or abusive count nowhere: not in the figures, the ranking, the
trend, the waiting comments or the topics. They stay in the dashboard's feedback list (labelled), and in
the exports and the data API's feed, which are the record.
The scope filters and the trend query live in storage/summary_trend.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.sql.elements import ColumnClause, ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import run_select
from storage.models import Feedback, Program
from storage.rollups import FeedbackRollup as Rollup
from storage.rollups import Term, cover, rollup_rows
from storage.statuses import FeedbackStatus
from storage.summary_trend import (
    STARS,
    ZERO,
    feedback_in,
    has_comment,
    in_period,
    is_current,
    not_moderated,
    rollup_trend,
    rollups_in,
)
from storage.zones import DEFAULT_ZONE, ZONE_HOURS

PRIOR_WEIGHT = 5  # the ranking's prior counts as this many ratings at the scope's overall mean
# Built once: the same columns in every statement (SQLAlchemy caches the compiled form; building costs too).
# Typed NULLs: PostgreSQL takes a UNION's column types from its first SELECTs.
NONE = null()
ROLLUP_STARS = [func.sum(getattr(Rollup, f"r{n}")) for n in range(1, 6)]
RAW_STARS = [func.count(case((col(Feedback.rating) == n, 1))) for n in STARS]
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


def _period(distribution: Sequence[int], comments: int) -> PeriodFigures:
    dist = tuple(int(n or 0) for n in distribution)
    total = sum(dist)
    average = sum(r * n for r, n in zip(range(1, 6), dist, strict=True)) / total if total else None
    return PeriodFigures(ratings=total, comments=int(comments or 0), average=average, distribution=dist)  # type: ignore[arg-type]


def _label(key: int) -> ColumnElement[Any]:
    return literal_column(str(key))


def _figure_parts(region_codes: Sequence[str] | None, key: int, terms: tuple[Term, ...], ranked: bool) -> list[Any]:
    """SELECTs of (label, sign, program, removed_at, stars 1-5, comments, ranked count, ranked sum) for one period.

    Roll-up rows per program (the ranking's too, for the current period); the part-days raw, each count
    from an index alone: the ratings by region and time, the comments from the commented rows' index, and
    (for the ranking) each program's current ratings from the per-program index.
    """
    label, scope, parts = _label(key), feedback_in(region_codes), []
    programs = [] if region_codes is None else [col(Program.region_code).in_(list(region_codes))]
    counts = (*ROLLUP_STARS, func.sum(Rollup.comments), func.sum(Rollup.ranked), func.sum(Rollup.ranked_sum))
    for term in terms:
        sign: ColumnClause[int] = literal_column(str(term.sign))
        if term.span is None:
            between = in_period(term.start, term.end)
            parts.append(select(label, sign, *NO_PROGRAM, *RAW_STARS, ZERO, ZERO, ZERO)
                         .where(*scope, *between, not_moderated()))
            parts.append(select(label, sign, *NO_PROGRAM, *([ZERO] * 5), func.count(), ZERO, ZERO)
                         .where(*scope, *between, has_comment(), not_moderated()))
            if ranked:
                parts.append(select(_label(RANKED), sign, *PROGRAM, *([ZERO] * 6), func.count(),
                                    func.sum(col(Feedback.rating)))
                             .join(Feedback, col(Feedback.program_id) == col(Program.id))
                             .where(*programs, col(Program.removed_at).is_(None), is_current(), not_moderated(), *between)
                             .group_by(col(Program.id)))
            continue
        rows = rollup_rows(term)
        if not ranked:
            parts.append(select(label, sign, *NO_PROGRAM, *counts).where(*rollups_in(region_codes), *rows))
            continue
        parts.append(select(label, sign, *PROGRAM, *counts).join(Program, col(Program.id) == col(Rollup.program_id))
                     .where(*rollups_in(region_codes), *rows).group_by(col(Program.id)))
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
    scope = [] if region_codes is None else feedback_in(region_codes)
    waiting_stmt = select(func.count()).select_from(Feedback).where(
        *scope, col(Feedback.status) == literal_column(f"'{FeedbackStatus.NEW}'"), has_comment(), not_moderated(),
        col(Feedback.forwarded_to).is_(None),  # passed to another body: out of the inbox, so not waiting here
    )
    waiting = int(await session.scalar(waiting_stmt) or 0)
    weekly, counted = await rollup_trend(session, region_codes=region_codes, until=until, zone=zone)
    start = _comments_from(since, counted, comment_limit)
    comments_stmt = (
        select(col(Feedback.comment))
        .where(*feedback_in(region_codes), *in_period(start, until), has_comment(), not_moderated())
        .order_by(col(Feedback.created_at).desc(), col(Feedback.id).desc())
        .limit(comment_limit)
    )
    comments = list((await run_select(session, comments_stmt)).scalars().all())
    return Figures(
        current=current, previous=previous, programs=programs, waiting=waiting, weekly=weekly, comments=comments
    )
