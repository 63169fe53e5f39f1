"""Queries on feedback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.codes import new_ticket
from storage.inserts import insert_or_ignore
from storage.models import Feedback, Program, Region, TicketForward, utcnow
from storage.simulated import TEST_MARK, simulated
from storage.statuses import FeedbackStatus

TICKET_ATTEMPTS = 8  # a number already taken in the region is drawn again; 8 misses in a row mean a full region


@dataclass(frozen=True, slots=True)
class FeedbackView:
    id: int
    ticket: str
    program_id: int
    program_name: str
    region_name: str
    timezone: str
    rating: int
    comment: str | None
    status: str
    created_at: datetime
    province: str = ""
    forwarded_to: str | None = None  # passed to another body (ForwardBody)
    forward_reference: str | None = None  # the number there, from the latest forward
    moved: bool = False  # moved to this region from another one
    due_at: datetime | None = None  # the first answer's deadline
    answered_at: datetime | None = None


async def add_rating(
    session: AsyncSession, *, resident_id: int, program_id: int, region_code: str, rating: int, dedup_key: str
) -> tuple[Feedback, bool]:
    """Store a rating once per dedup_key; returns the row and whether it was new.

    The resident's earlier ratings of the same program are kept as history but no longer
    count in averages.
    """
    now = utcnow()
    new_id = None
    for _attempt in range(TICKET_ATTEMPTS):
        stmt = (
            insert_or_ignore(session, Feedback, {  # on dedup_key (stored before) or on the ticket number (drawn again)
                "resident_id": resident_id, "program_id": program_id, "region_code": region_code, "rating": rating,
                "status": FeedbackStatus.NEW, "superseded": False, "dedup_key": dedup_key,
                "ticket": new_ticket(region_code), "created_at": now, "updated_at": now,
                "moderation": TEST_MARK if simulated(resident_id) else None,  # the simulator's: counted nowhere
            })
            .returning(Feedback)  # the whole new row, loaded into the session: no second query for it
        )
        row = (await session.exec(stmt)).scalar()
        new_id = row.id if row is not None else None
        if new_id is not None or await _stored(session, dedup_key) is not None:
            break
    else:
        raise RuntimeError(f"no free ticket number for region {region_code} after {TICKET_ATTEMPTS} attempts")
    created = new_id is not None
    if created:
        await session.exec(
            update(Feedback)
            .where(
                col(Feedback.resident_id) == resident_id,
                col(Feedback.program_id) == program_id,
                col(Feedback.id) != new_id,
                col(Feedback.superseded).is_(False),
            )
            .values(superseded=True)
        )
    else:
        row = await _stored(session, dedup_key)
    assert row is not None
    return row, created


async def _stored(session: AsyncSession, dedup_key: str) -> Feedback | None:
    return (await session.exec(select(Feedback).where(col(Feedback.dedup_key) == dedup_key))).scalars().first()  # type: ignore[call-overload]


async def get_feedback(session: AsyncSession, *, feedback_id: int, for_update: bool = False) -> Feedback | None:
    return await session.get(Feedback, feedback_id, with_for_update=for_update)


def save(session: AsyncSession, feedback: Feedback) -> None:
    feedback.updated_at = utcnow()
    session.add(feedback)


def _latest_reference():
    """The reference number the ticket's latest forward gave (a correlated subquery)."""
    return (
        select(col(TicketForward.reference)).where(col(TicketForward.feedback_id) == col(Feedback.id))
        .order_by(col(TicketForward.id).desc()).limit(1).scalar_subquery()
    )


def _moved():
    return exists().where(col(TicketForward.feedback_id) == col(Feedback.id), col(TicketForward.to_region).is_not(None))


def _views_query():
    return (
        select(
            col(Feedback.id), col(Feedback.ticket), col(Feedback.program_id), col(Program.name), col(Region.name), col(Region.timezone),
            col(Feedback.rating), col(Feedback.comment), col(Feedback.status), col(Feedback.created_at),
            col(Region.province), col(Feedback.forwarded_to), _latest_reference(), _moved(),
            col(Feedback.due_at), col(Feedback.answered_at),
        )
        .join(Program, col(Program.id) == col(Feedback.program_id))
        .join(Region, col(Region.code) == col(Feedback.region_code))
    )


async def resident_feedback_page(
    session: AsyncSession, *, resident_id: int, offset: int, limit: int
) -> tuple[list[FeedbackView], int]:
    """A resident's own feedback, newest first, with program and region names (two queries)."""
    total = await session.scalar(select(func.count()).select_from(Feedback).where(col(Feedback.resident_id) == resident_id))
    stmt = (
        _views_query()
        .where(col(Feedback.resident_id) == resident_id)
        .order_by(col(Feedback.id).desc())
        .offset(offset)
        .limit(limit)
    )
    rows = (await session.exec(stmt)).all()
    return [FeedbackView(*row) for row in rows], int(total or 0)


async def resident_feedback_by_ticket(session: AsyncSession, *, resident_id: int, ticket: str) -> FeedbackView | None:
    stmt = _views_query().where(col(Feedback.resident_id) == resident_id, col(Feedback.ticket) == ticket)
    row = (await session.exec(stmt)).first()
    return FeedbackView(*row) if row is not None else None
