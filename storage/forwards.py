"""Queries on forwarded tickets ("bukan kewenangan kami"): the record of each forward, and the row it moves."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Feedback, TicketForward


async def feedback_for_update(session: AsyncSession, *, feedback_id: int) -> Feedback | None:
    """The feedback row, locked until the turn ends (PostgreSQL), read afresh: two forwards of it run one by one."""
    return await session.get(Feedback, feedback_id, with_for_update=True, populate_existing=True)


def add_forward(
    session: AsyncSession, *, feedback_id: int, official_id: int | None, from_region: str, to_region: str | None,
    body: str | None, reason: str, reference: str | None,
) -> TicketForward:
    row = TicketForward(feedback_id=feedback_id, official_id=official_id, from_region=from_region,
                        to_region=to_region, body=body, reason=reason, reference=reference)
    session.add(row)
    return row

