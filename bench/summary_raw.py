"""The summary's queries before the roll-ups (storage/rollups.py): every figure counted from the feedback rows.

The benchmark's baseline, measured in the same run, and its check that the roll-ups give the same figures on a
million ratings. Kept as it was, with the indexes it was written for (migrations 0005 and 0009).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, false, func, literal_column, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Feedback, Program
from storage.summary import PRIOR_WEIGHT, ZONE_HOURS, Figures, PeriodFigures, ProgramRank
from storage.summary_trend import weekly_trend


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


async def raw_summary_figures(
    session: AsyncSession,
    *,
    region_codes: Sequence[str] | None,
    since: datetime | None,
    until: datetime,
    zone: str = "WIB",
    comment_limit: int = 2000,
) -> Figures:
    """As storage.summary.summary_figures did before the roll-ups: five queries over the feedback rows."""
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
    weekly = await weekly_trend(session, scope=scope, until=until, zone=zone)  # unchanged: the feedback rows
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
