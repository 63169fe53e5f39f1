"""Queries behind the quotas: how much a resident, or a region, wrote in a recent window.

Counted from the rows themselves (a comment is a feedback row with a comment, a reply a follow-up message),
so every process serving the bot sees the same figures, and nothing more about anyone is stored.
A comment is dated by its rating: it follows the rating it belongs to within the same step. Windows are
open at their start, so something written at 09:00 no longer counts at 10:00 in an hour's window.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, union_all
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Feedback, TicketMessage


def _comments(who: ColumnElement[bool], since: datetime) -> list[Any]:
    return [who, Feedback.created_at > since, Feedback.comment.is_not(None)]  # type: ignore[union-attr, operator]


def _replies(who: ColumnElement[bool], since: datetime) -> list[Any]:
    return [who, TicketMessage.kind == "followup", TicketMessage.at > since]  # type: ignore[operator]


async def _latest(session: AsyncSession, who: ColumnElement[bool], since: datetime, limit: int) -> list[datetime]:
    """The latest comment and reply times of `who` since `since`, newest first, at most `limit` (one query)."""
    comments = (
        select(Feedback.created_at.label("at")).where(*_comments(who, since))  # type: ignore[call-overload, attr-defined]
        .order_by(Feedback.created_at.desc()).limit(limit).subquery()  # type: ignore[attr-defined]
    )
    replies = (
        select(TicketMessage.at.label("at")).join(Feedback, Feedback.id == TicketMessage.feedback_id)  # type: ignore[call-overload, attr-defined]
        .where(*_replies(who, since)).order_by(TicketMessage.at.desc()).limit(limit).subquery()  # type: ignore[attr-defined]
    )
    both = union_all(select(comments.c.at), select(replies.c.at))
    times = list((await session.exec(both)).scalars())  # type: ignore[call-overload]
    return sorted(times, reverse=True)[:limit]


async def resident_comment_times(
    session: AsyncSession, *, resident_id: int, since: datetime, limit: int
) -> list[datetime]:
    """When the resident's latest comments and replies since `since` were written, newest first."""
    return await _latest(session, Feedback.resident_id == resident_id, since, limit)  # type: ignore[arg-type]


async def region_comment_count(session: AsyncSession, *, region_code: str, since: datetime) -> int:
    """Comments and replies of every resident of the region since `since` (counted from the commented-rows index)."""
    who = Feedback.region_code == region_code
    comments = select(func.count()).select_from(Feedback).where(*_comments(who, since))  # type: ignore[arg-type]
    replies = (
        select(func.count()).select_from(TicketMessage)
        .join(Feedback, Feedback.id == TicketMessage.feedback_id)  # type: ignore[arg-type]
        .where(*_replies(who, since))  # type: ignore[arg-type]
    )
    counts = (await session.exec(select(comments.scalar_subquery(), replies.scalar_subquery()))).one()  # type: ignore[call-overload]
    return int(counts[0] or 0) + int(counts[1] or 0)


async def region_comment_times(
    session: AsyncSession, *, region_code: str, since: datetime, limit: int
) -> list[datetime]:
    """The region's latest comment and reply times since `since`, newest first (read only once its quota is full)."""
    return await _latest(session, Feedback.region_code == region_code, since, limit)  # type: ignore[arg-type]


async def rating_times(
    session: AsyncSession, *, resident_id: int, program_id: int, since: datetime, limit: int
) -> list[datetime]:
    """When the resident rated this program since `since` (each rating is a ticket), newest first."""
    stmt = (
        select(Feedback.created_at)  # type: ignore[call-overload]
        .where(Feedback.resident_id == resident_id, Feedback.program_id == program_id, Feedback.created_at > since)  # type: ignore[arg-type, operator]
        .order_by(Feedback.created_at.desc())  # type: ignore[attr-defined]
        .limit(limit)
    )
    return list((await session.exec(stmt)).scalars())  # type: ignore[call-overload]
