"""Queries behind the officials' inbox and the conversation on a ticket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import run_select
from storage.models import Feedback, Program, Region, Resident, TicketMessage
from storage.statuses import FeedbackStatus

INBOX_STATUS = FeedbackStatus.NEW


@dataclass(frozen=True, slots=True)
class InboxItem:
    feedback_id: int
    ticket: str
    region_code: str
    region_name: str
    timezone: str
    program_name: str
    rating: int
    comment: str | None
    status: str
    created_at: datetime
    resident_id: int | None
    resident_salt: str | None  # for the pseudonym
    followup: str | None  # the resident's latest follow-up, if any
    followup_at: datetime | None
    moderation: str | None = None  # spam | abusive, as an official marked it
    needs_review: bool = False  # the word list found an insult ("perlu ditinjau")
    due_at: datetime | None = None  # the first answer's deadline (bot/services/deadlines.py)
    answered_at: datetime | None = None


def _waiting(region_codes: list[str] | None):
    condition = (col(Feedback.status) == INBOX_STATUS) & col(Feedback.comment).is_not(None)
    condition = condition & col(Feedback.moderation).is_(None)  # marked: out of the inbox
    condition = condition & col(Feedback.forwarded_to).is_(None)  # passed to another body: out of the inbox
    if region_codes is not None:
        condition = condition & col(Feedback.region_code).in_(region_codes)
    return condition


async def inbox_page(
    session: AsyncSession, *, region_codes: list[str] | None, offset: int, limit: int
) -> tuple[list[InboxItem], int]:
    """New comments of the regions (None: all), oldest first, with their latest follow-up: two queries."""
    total = await session.scalar(select(func.count()).select_from(Feedback).where(_waiting(region_codes)))
    stmt = _items().where(_waiting(region_codes)).order_by(col(Feedback.id)).offset(offset).limit(limit)
    rows = (await session.exec(stmt)).all()
    return [InboxItem(*row) for row in rows], int(total or 0)


async def item_by_ticket(session: AsyncSession, *, region_codes: list[str] | None, ticket: str) -> InboxItem | None:
    """One ticket of the regions (None: all) by its number, whatever its status."""
    stmt = _items().where(col(Feedback.ticket) == ticket)
    if region_codes is not None:
        stmt = stmt.where(col(Feedback.region_code).in_(region_codes))
    row = (await session.exec(stmt)).first()
    return InboxItem(*row) if row is not None else None


def _items():
    """Feedback with what the inbox shows of it: region, program, the resident's salt, the latest follow-up."""
    latest = (
        select(col(TicketMessage.feedback_id), func.max(col(TicketMessage.id)).label("last_id"))
        .where(col(TicketMessage.kind) == "followup")
        .group_by(col(TicketMessage.feedback_id))
        .subquery()
    )
    return (
        select(
            col(Feedback.id), col(Feedback.ticket), col(Feedback.region_code), col(Region.name), col(Region.timezone), col(Program.name),
            col(Feedback.rating), col(Feedback.comment), col(Feedback.status), col(Feedback.created_at), col(Feedback.resident_id),
            col(Resident.pseudonym_salt),
            col(TicketMessage.text), col(TicketMessage.at), col(Feedback.moderation), col(Feedback.needs_review),
            col(Feedback.due_at), col(Feedback.answered_at),
        )
        .join(Program, col(Program.id) == col(Feedback.program_id))
        .join(Region, col(Region.code) == col(Feedback.region_code))
        .outerjoin(Resident, col(Resident.telegram_id) == col(Feedback.resident_id))
        .outerjoin(latest, latest.c.feedback_id == col(Feedback.id))
        .outerjoin(TicketMessage, col(TicketMessage.id) == latest.c.last_id)
    )


def add_message(
    session: AsyncSession, *, feedback_id: int, kind: str, official_id: int | None = None,
    text: str | None = None, status: str | None = None,
) -> TicketMessage:
    message = TicketMessage(feedback_id=feedback_id, kind=kind, official_id=official_id, text=text, status=status)
    session.add(message)
    return message


async def feedback_by_ticket(session: AsyncSession, *, ticket: str) -> Feedback | None:
    stmt = select(Feedback).where(col(Feedback.ticket) == ticket)
    return (await run_select(session, stmt)).scalars().first()


async def answered_since(session: AsyncSession, *, resident_id: int, since: datetime, limit: int) -> list[int]:
    """The resident's tickets an official answered since then, newest answer first (at most `limit`)."""
    stmt = (
        select(col(TicketMessage.feedback_id))
        .join(Feedback, col(Feedback.id) == col(TicketMessage.feedback_id))
        .where(col(Feedback.resident_id) == resident_id, col(TicketMessage.kind) == "answer", col(TicketMessage.at) > since)
        .group_by(col(TicketMessage.feedback_id))
        .order_by(func.max(col(TicketMessage.at)).desc())
        .limit(limit)
    )
    return list((await run_select(session, stmt)).scalars())


async def answerer_ids(session: AsyncSession, *, feedback_id: int) -> list[int]:
    """The officials who answered the ticket, each once."""
    stmt = (
        select(col(TicketMessage.official_id))
        .where(col(TicketMessage.feedback_id) == feedback_id, col(TicketMessage.kind) == "answer",
               col(TicketMessage.official_id).is_not(None))
        .distinct()
    )
    return [int(i) for i in (await run_select(session, stmt)).scalars()]


async def closing_note(session: AsyncSession, *, feedback_id: int) -> str | None:
    """The note of the ticket's latest closing."""
    stmt = (
        select(col(TicketMessage.text))
        .where(col(TicketMessage.feedback_id) == feedback_id, col(TicketMessage.kind) == "status",
               col(TicketMessage.status) == FeedbackStatus.DONE)
        .order_by(col(TicketMessage.id).desc())
        .limit(1)
    )
    return (await run_select(session, stmt)).scalars().first()
