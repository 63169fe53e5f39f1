"""Queries behind the quotas: how much a resident, or a region, wrote in a recent window.

Counted from the rows themselves (a comment is a feedback row with a comment, a reply a follow-up message),
so every process serving the bot sees the same figures, and nothing more about anyone is stored.
A comment is dated by its rating: it follows the rating it belongs to within the same step. Windows are
open at their start, so something written at 09:00 no longer counts at 10:00 in an hour's window.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, bindparam, func, select, union_all
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Feedback, TicketMessage
from storage.prepared import Prepared


def _comments(who: ColumnElement[bool]) -> list[Any]:
    return [who, col(Feedback.created_at) > bindparam("since"), col(Feedback.comment).is_not(None)]


def _replies(who: ColumnElement[bool]) -> list[Any]:
    return [who, col(TicketMessage.kind) == "followup", col(TicketMessage.at) > bindparam("since")]


def _latest(who: ColumnElement[bool]) -> Prepared:
    """The latest comment and reply times of `who` since `since`, newest first, at most `limit` of each."""
    limit = bindparam("limit", type_=Integer)
    comments = (
        select(col(Feedback.created_at).label("at")).where(*_comments(who))
        .order_by(col(Feedback.created_at).desc()).limit(limit).subquery()
    )
    replies = (
        select(col(TicketMessage.at).label("at")).join(Feedback, col(Feedback.id) == col(TicketMessage.feedback_id))
        .where(*_replies(who)).order_by(col(TicketMessage.at).desc()).limit(limit).subquery()
    )
    return Prepared(union_all(select(comments.c.at), select(replies.c.at)), [comments.c.at])


# Run at every comment and reply (a step of the journey): compiled once (storage/prepared.py).
_RESIDENT_LATEST = _latest(col(Feedback.resident_id) == bindparam("who"))
_REGION_LATEST = _latest(col(Feedback.region_code) == bindparam("who"))


def _region_count() -> Prepared:
    who = col(Feedback.region_code) == bindparam("who")
    comments = select(func.count()).select_from(Feedback).where(*_comments(who))
    replies = (
        select(func.count()).select_from(TicketMessage)
        .join(Feedback, col(Feedback.id) == col(TicketMessage.feedback_id))
        .where(*_replies(who))
    )
    both = select(comments.scalar_subquery().label("comments"), replies.scalar_subquery().label("replies"))
    return Prepared(both, list(both.selected_columns))


_REGION_COUNT = _region_count()


async def _times(prepared: Prepared, session: AsyncSession, who: object, since: datetime, limit: int) -> list[datetime]:
    rows = await prepared.rows(session, who=who, since=since, limit=limit)
    return sorted((row[0] for row in rows), reverse=True)[:limit]


async def resident_comment_times(
    session: AsyncSession, *, resident_id: int, since: datetime, limit: int
) -> list[datetime]:
    """When the resident's latest comments and replies since `since` were written, newest first."""
    return await _times(_RESIDENT_LATEST, session, resident_id, since, limit)


async def region_comment_count(session: AsyncSession, *, region_code: str, since: datetime) -> int:
    """Comments and replies of every resident of the region since `since` (counted from the commented-rows index)."""
    counts = await _REGION_COUNT.first(session, who=region_code, since=since)
    assert counts is not None  # two counts: always one row
    return int(counts[0] or 0) + int(counts[1] or 0)


async def region_comment_times(
    session: AsyncSession, *, region_code: str, since: datetime, limit: int
) -> list[datetime]:
    """The region's latest comment and reply times since `since`, newest first (read only once its quota is full)."""
    return await _times(_REGION_LATEST, session, region_code, since, limit)


_RATINGS = Prepared(
    select(col(Feedback.created_at))
    .where(col(Feedback.resident_id) == bindparam("rid"), col(Feedback.program_id) == bindparam("pid"),
           col(Feedback.created_at) > bindparam("since"))
    .order_by(col(Feedback.created_at).desc())
    .limit(bindparam("limit", type_=Integer)),
    (Feedback.__table__.c.created_at,),  # type: ignore[attr-defined]
)


async def rating_times(
    session: AsyncSession, *, resident_id: int, program_id: int, since: datetime, limit: int
) -> list[datetime]:
    """When the resident rated this program since `since` (each rating is a ticket), newest first."""
    return [row[0] for row in await _RATINGS.rows(session, rid=resident_id, pid=program_id, since=since, limit=limit)]
