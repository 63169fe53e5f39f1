"""Queries behind retention: old comments and replies lose their text, long-silent residents are found.

Every statement says what it changes by age alone, so a run repeated, or run by several processes at once,
changes nothing more: a comment already removed no longer matches, a reply already deleted is gone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Feedback, Official, Resident, TicketMessage

BATCH = 500  # rows per statement: each batch is its own short transaction, the roll-up triggers included


async def anonymise_comments(session: AsyncSession, *, before: datetime, limit: int = BATCH) -> int:
    """Remove the text of up to `limit` comments written before `before`; the ratings stay. Returns how many."""
    ids = (
        select(Feedback.id)
        .where(Feedback.comment.is_not(None), Feedback.created_at < before)  # type: ignore[union-attr, operator]
        .order_by(Feedback.id)
        .limit(limit)
        .scalar_subquery()
    )
    result = await session.exec(  # type: ignore[call-overload]
        update(Feedback)
        .where(Feedback.id.in_(ids), Feedback.comment.is_not(None))  # type: ignore[union-attr]
        .values(comment=None, needs_review=False)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


async def delete_replies(session: AsyncSession, *, before: datetime, limit: int = BATCH) -> int:
    """Delete up to `limit` residents' follow-ups on tickets written before `before`. Returns how many."""
    ids = (
        select(TicketMessage.id)
        .where(TicketMessage.kind == "followup", TicketMessage.at < before)  # type: ignore[arg-type, operator]
        .order_by(TicketMessage.id)
        .limit(limit)
        .scalar_subquery()
    )
    result = await session.exec(  # type: ignore[call-overload]
        delete(TicketMessage).where(TicketMessage.id.in_(ids)).execution_options(synchronize_session=False)  # type: ignore[union-attr]
    )
    return int(result.rowcount or 0)


async def silent_residents(
    session: AsyncSession, *, before: datetime, keep: frozenset[int] = frozenset(), limit: int = BATCH
) -> list[int]:
    """Residents who have sent nothing since `before`; officials (and the ids in `keep`, the admins) stay."""
    stmt = (
        select(Resident.telegram_id)
        .outerjoin(Official, Official.telegram_id == Resident.telegram_id)
        .where(Resident.updated_at < before, Official.telegram_id.is_(None))  # type: ignore[operator, union-attr]
        .order_by(Resident.telegram_id)
        .limit(limit)
    )
    if keep:
        stmt = stmt.where(Resident.telegram_id.not_in(sorted(keep)))  # type: ignore[attr-defined]
    return [int(i) for i in (await session.exec(stmt)).scalars()]  # type: ignore[call-overload]
