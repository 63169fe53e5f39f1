"""Queries behind /dataku: everything the database holds about one resident, row by row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditEntry, Broadcast, BroadcastRecipient, Feedback, Program, ProgramFollow, Region, TicketMessage
from storage.moderation import resident_target


@dataclass(frozen=True, slots=True)
class Rated:
    id: int
    ticket: str
    program: str
    region: str
    timezone: str
    rating: int
    comment: str | None
    status: str
    satisfied: bool | None
    superseded: bool
    moderation: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Said:
    """One entry of a ticket's conversation; who wrote it is the kind (an answer is an official's)."""

    feedback_id: int
    kind: str  # answer | followup | status | satisfaction
    text: str | None
    status: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Followed:
    program_id: int
    program: str
    region: str
    since: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    broadcast_id: int
    status: str
    send_at: datetime


@dataclass(frozen=True, slots=True)
class Noted:
    action: str
    at: datetime
    detail: dict[str, Any] | None


async def ratings(session: AsyncSession, *, resident_id: int) -> list[Rated]:
    stmt = (
        select(Feedback.id, Feedback.ticket, Program.name, Region.name, Region.timezone, Feedback.rating,
               Feedback.comment, Feedback.status, Feedback.satisfied, Feedback.superseded, Feedback.moderation,
               Feedback.created_at, Feedback.updated_at)
        .join(Program, Program.id == Feedback.program_id)
        .join(Region, Region.code == Feedback.region_code)
        .where(Feedback.resident_id == resident_id)
        .order_by(Feedback.id)
    )
    return [Rated(*row) for row in (await session.exec(stmt)).all()]  # type: ignore[call-overload]


async def conversations(session: AsyncSession, *, feedback_ids: list[int]) -> list[Said]:
    """The answers, follow-ups and status changes of these tickets, in order; never an official's id."""
    if not feedback_ids:
        return []
    stmt = (
        select(TicketMessage.feedback_id, TicketMessage.kind, TicketMessage.text, TicketMessage.status, TicketMessage.at)
        .where(TicketMessage.feedback_id.in_(feedback_ids))  # type: ignore[attr-defined]
        .order_by(TicketMessage.id)
    )
    return [Said(*row) for row in (await session.exec(stmt)).all()]  # type: ignore[call-overload]


async def follows(session: AsyncSession, *, resident_id: int) -> list[Followed]:
    stmt = (
        select(Program.id, Program.name, Region.name, ProgramFollow.created_at)
        .join(ProgramFollow, ProgramFollow.program_id == Program.id)
        .join(Region, Region.code == Program.region_code)
        .where(ProgramFollow.resident_id == resident_id)
        .order_by(Program.name)
    )
    return [Followed(*row) for row in (await session.exec(stmt)).all()]  # type: ignore[call-overload]


async def deliveries(session: AsyncSession, *, resident_id: int) -> list[Delivery]:
    """The announcements addressed to the resident and how each went (sent, pending, blocked, failed)."""
    stmt = (
        select(BroadcastRecipient.broadcast_id, BroadcastRecipient.status, Broadcast.send_at)
        .join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id)
        .where(BroadcastRecipient.resident_id == resident_id)
        .order_by(BroadcastRecipient.broadcast_id)
    )
    return [Delivery(*row) for row in (await session.exec(stmt)).all()]  # type: ignore[call-overload]


async def notes(session: AsyncSession, *, resident_id: int) -> list[Noted]:
    """What the audit log says an admin did about the resident (a mute, its end), without the admin's id."""
    stmt = (
        select(AuditEntry.action, AuditEntry.at, AuditEntry.detail)
        .where(AuditEntry.target == resident_target(resident_id))
        .order_by(AuditEntry.id)
    )
    return [Noted(*row) for row in (await session.exec(stmt)).all()]  # type: ignore[call-overload]
