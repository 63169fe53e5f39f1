"""Queries behind the officials' inbox and the conversation on a ticket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Feedback, Program, Region, Resident, TicketMessage

INBOX_STATUS = "baru"


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


def _waiting(region_codes: list[str] | None):  # type: ignore[no-untyped-def]
    condition = (Feedback.status == INBOX_STATUS) & Feedback.comment.is_not(None)  # type: ignore[union-attr]
    condition = condition & Feedback.moderation.is_(None)  # type: ignore[union-attr]  # marked: out of the inbox
    if region_codes is not None:
        condition = condition & Feedback.region_code.in_(region_codes)  # type: ignore[attr-defined]
    return condition


async def inbox_page(
    session: AsyncSession, *, region_codes: list[str] | None, offset: int, limit: int
) -> tuple[list[InboxItem], int]:
    """New comments of the regions (None: all), oldest first, with their latest follow-up: two queries."""
    total = await session.scalar(select(func.count()).select_from(Feedback).where(_waiting(region_codes)))
    stmt = _items().where(_waiting(region_codes)).order_by(Feedback.id).offset(offset).limit(limit)
    rows = (await session.exec(stmt)).all()  # type: ignore[call-overload]
    return [InboxItem(*row) for row in rows], int(total or 0)


async def item_by_ticket(session: AsyncSession, *, region_codes: list[str] | None, ticket: str) -> InboxItem | None:
    """One ticket of the regions (None: all) by its number, whatever its status."""
    stmt = _items().where(Feedback.ticket == ticket)
    if region_codes is not None:
        stmt = stmt.where(Feedback.region_code.in_(region_codes))  # type: ignore[attr-defined]
    row = (await session.exec(stmt)).first()  # type: ignore[call-overload]
    return InboxItem(*row) if row is not None else None


def _items():  # type: ignore[no-untyped-def]
    """Feedback with what the inbox shows of it: region, program, the resident's salt, the latest follow-up."""
    latest = (
        select(TicketMessage.feedback_id, func.max(TicketMessage.id).label("last_id"))
        .where(TicketMessage.kind == "followup")
        .group_by(TicketMessage.feedback_id)
        .subquery()
    )
    return (
        select(
            Feedback.id, Feedback.ticket, Feedback.region_code, Region.name, Region.timezone, Program.name,
            Feedback.rating, Feedback.comment, Feedback.status, Feedback.created_at, Feedback.resident_id,
            Resident.pseudonym_salt,
            TicketMessage.text, TicketMessage.at, Feedback.moderation, Feedback.needs_review,
        )
        .join(Program, Program.id == Feedback.program_id)
        .join(Region, Region.code == Feedback.region_code)
        .outerjoin(Resident, Resident.telegram_id == Feedback.resident_id)
        .outerjoin(latest, latest.c.feedback_id == Feedback.id)
        .outerjoin(TicketMessage, TicketMessage.id == latest.c.last_id)
    )


def add_message(
    session: AsyncSession, *, feedback_id: int, kind: str, official_id: int | None = None,
    text: str | None = None, status: str | None = None,
) -> TicketMessage:
    message = TicketMessage(feedback_id=feedback_id, kind=kind, official_id=official_id, text=text, status=status)
    session.add(message)
    return message


async def messages_of(session: AsyncSession, *, feedback_id: int) -> list[TicketMessage]:
    stmt = select(TicketMessage).where(TicketMessage.feedback_id == feedback_id).order_by(TicketMessage.id)
    return list((await session.exec(stmt)).scalars())  # type: ignore[call-overload]


async def feedback_by_ticket(session: AsyncSession, *, ticket: str) -> Feedback | None:
    stmt = select(Feedback).where(Feedback.ticket == ticket)
    return (await session.exec(stmt)).scalars().first()  # type: ignore[call-overload, no-any-return]


async def answered_since(session: AsyncSession, *, resident_id: int, since: datetime, limit: int) -> list[int]:
    """The resident's tickets an official answered since then, newest answer first (at most `limit`)."""
    stmt = (
        select(TicketMessage.feedback_id)
        .join(Feedback, Feedback.id == TicketMessage.feedback_id)
        .where(Feedback.resident_id == resident_id, TicketMessage.kind == "answer", TicketMessage.at > since)
        .group_by(TicketMessage.feedback_id)
        .order_by(func.max(TicketMessage.at).desc())
        .limit(limit)
    )
    return list((await session.exec(stmt)).scalars())  # type: ignore[call-overload]


async def answerer_ids(session: AsyncSession, *, feedback_id: int) -> list[int]:
    """The officials who answered the ticket, each once."""
    stmt = (
        select(TicketMessage.official_id)
        .where(TicketMessage.feedback_id == feedback_id, TicketMessage.kind == "answer",
               TicketMessage.official_id.is_not(None))  # type: ignore[union-attr]
        .distinct()
    )
    return [int(i) for i in (await session.exec(stmt)).scalars()]  # type: ignore[call-overload]
