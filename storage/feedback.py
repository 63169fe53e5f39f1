"""Queries on feedback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, exists, func, inspect, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.codes import new_ticket
from storage.inserts import insert_or_ignore
from storage.models import Feedback, Program, Region, TicketForward, utcnow
from storage.prepared import Columns, Prepared
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


_FEEDBACK = Columns(Feedback)
_NEW_RATING: dict[str, Prepared] = {}  # per dialect: its way of skipping a conflicting row
# The resident's earlier ratings of the program stay as history but no longer count in averages.
_SUPERSEDE = Prepared(
    update(Feedback)
    .where(col(Feedback.resident_id) == bindparam("rid"), col(Feedback.program_id) == bindparam("pid"),
           col(Feedback.id) != bindparam("new_id"), col(Feedback.superseded).is_(False))
    .values(superseded=True),
    (),
)


def _new_rating(session: AsyncSession) -> Prepared:
    dialect = session.bind.dialect.name  # type: ignore[union-attr]
    found = _NEW_RATING.get(dialect)
    if found is None:
        names = ("resident_id", "program_id", "region_code", "rating", "status", "superseded", "needs_review",
                 "dedup_key", "ticket", "created_at", "updated_at", "moderation")
        columns = Feedback.__table__.columns  # type: ignore[attr-defined]
        values = {name: bindparam(f"v_{name}", type_=columns[name].type) for name in names}
        # on dedup_key (stored before) or on the ticket number (drawn again); the whole new row comes back
        found = _NEW_RATING[dialect] = Prepared(insert_or_ignore(session, Feedback, values).returning(*_FEEDBACK.all), _FEEDBACK.all)
    return found


async def add_rating(
    session: AsyncSession, *, resident_id: int, program_id: int, region_code: str, rating: int, dedup_key: str
) -> tuple[Feedback, bool]:
    """Store a rating once per dedup_key; returns the row and whether it was new.

    The resident's earlier ratings of the same program are kept as history but no longer
    count in averages.
    """
    now = utcnow()
    row: Feedback | None = None
    for _attempt in range(TICKET_ATTEMPTS):
        values = await _new_rating(session).first(session, **{f"v_{name}": value for name, value in {
            "resident_id": resident_id, "program_id": program_id, "region_code": region_code, "rating": rating,
            "status": FeedbackStatus.NEW, "superseded": False, "needs_review": False, "dedup_key": dedup_key, "ticket": new_ticket(region_code),
            "created_at": now, "updated_at": now,
            "moderation": TEST_MARK if simulated(resident_id) else None,  # the simulator's: counted nowhere
        }.items()})
        if values is not None:
            row = _FEEDBACK.load(session, values)
            break
        if await _stored(session, dedup_key) is not None:
            break
    else:
        raise RuntimeError(f"no free ticket number for region {region_code} after {TICKET_ATTEMPTS} attempts")
    created = row is not None
    if created:
        assert row is not None
        await _SUPERSEDE.rows(session, rid=resident_id, pid=program_id, new_id=row.id)
    else:
        row = await _stored(session, dedup_key)
    assert row is not None
    return row, created


async def _stored(session: AsyncSession, dedup_key: str) -> Feedback | None:
    return (await session.exec(select(Feedback).where(col(Feedback.dedup_key) == dedup_key))).scalars().first()  # type: ignore[call-overload]


_LOCK = Prepared(select(*_FEEDBACK.all).where(col(Feedback.id) == bindparam("fid")).with_for_update(), _FEEDBACK.all)


async def get_feedback(session: AsyncSession, *, feedback_id: int, for_update: bool = False) -> Feedback | None:
    """A ticket; `for_update` locks its row (and reads it again if the session had it) until the commit."""
    held = session.identity_map.get(inspect(Feedback).identity_key_from_primary_key((feedback_id,)))
    if not for_update or held is not None:
        return await session.get(Feedback, feedback_id, with_for_update=for_update)
    values = await _LOCK.first(session, fid=feedback_id)  # the comment step's: one compiled statement
    return _FEEDBACK.load(session, values) if values is not None else None


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
