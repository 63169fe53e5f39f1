"""Queries behind retention: old comments and replies lose their text, long-silent residents are found.

Every statement says what it changes by age alone, so a run repeated, or run by several processes at once,
changes nothing more: a comment already removed no longer matches, a reply already deleted is gone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import run_select
from storage.models import Feedback, Official, Resident, TicketMessage
from storage.tables_tickets import Evidence

BATCH = 500  # rows per statement: each batch is its own short transaction, the roll-up triggers included


async def anonymise_comments(session: AsyncSession, *, before: datetime, limit: int = BATCH) -> int:
    """Remove the text of up to `limit` comments written before `before`; the ratings stay. Returns how many."""
    ids = (
        select(col(Feedback.id))
        .where(col(Feedback.comment).is_not(None), col(Feedback.created_at) < before)
        .order_by(col(Feedback.id))
        .limit(limit)
        .scalar_subquery()
    )
    result = await session.exec(
        update(Feedback)
        .where(col(Feedback.id).in_(ids), col(Feedback.comment).is_not(None))
        .values(comment=None, needs_review=False)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


async def delete_evidence(session: AsyncSession, *, before: datetime, limit: int = BATCH) -> list[str | None]:
    """Delete the photos and locations added to up to `limit` comments written before `before`, as their text goes.

    Returns, per row deleted, the name of its photo's file in EVIDENCE_DIR (None: kept in the row), so that the
    worker, which knows the folder, removes the files after the commit."""
    old = (
        select(col(Evidence.feedback_id), col(Evidence.photo_file))
        .join(Feedback, col(Feedback.id) == col(Evidence.feedback_id))
        .where(col(Feedback.created_at) < before)
        .order_by(col(Evidence.feedback_id))
        .limit(limit)
    )
    rows = (await run_select(session, old)).all()
    if rows:
        await session.exec(delete(Evidence).where(col(Evidence.feedback_id).in_([r[0] for r in rows])))
    return [r[1] for r in rows]


async def delete_replies(session: AsyncSession, *, before: datetime, limit: int = BATCH) -> int:
    """Delete up to `limit` residents' follow-ups on tickets written before `before`. Returns how many."""
    ids = (
        select(col(TicketMessage.id))
        .where(col(TicketMessage.kind) == "followup", col(TicketMessage.at) < before)
        .order_by(col(TicketMessage.id))
        .limit(limit)
        .scalar_subquery()
    )
    result = await session.exec(
        delete(TicketMessage).where(col(TicketMessage.id).in_(ids)).execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


async def silent_residents(
    session: AsyncSession, *, before: datetime, keep: frozenset[int] = frozenset(), limit: int = BATCH
) -> list[int]:
    """Residents who have sent nothing since `before`; officials (and the ids in `keep`, the admins) stay."""
    stmt = (
        select(col(Resident.telegram_id))
        .outerjoin(Official, col(Official.telegram_id) == col(Resident.telegram_id))
        .where(col(Resident.updated_at) < before, col(Official.telegram_id).is_(None))
        .order_by(col(Resident.telegram_id))
        .limit(limit)
    )
    if keep:
        stmt = stmt.where(col(Resident.telegram_id).not_in(sorted(keep)))
    return [int(i) for i in (await run_select(session, stmt)).scalars()]
