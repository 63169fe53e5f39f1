"""Queries behind /dataku: everything the database holds about one resident, row by row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import run_select
from storage.models import (
    AuditEntry,
    Broadcast,
    BroadcastRecipient,
    Feedback,
    Program,
    ProgramFollow,
    Region,
    TicketForward,
    TicketMessage,
)
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
    due_at: datetime | None = None  # the first answer's deadline
    answered_at: datetime | None = None
    closed_at: datetime | None = None
    forwarded_to: str | None = None


@dataclass(frozen=True, slots=True)
class Forwarded:
    """Where an official passed one of the resident's tickets, and why."""

    feedback_id: int
    from_region: str
    to_region: str | None
    body: str | None
    reason: str
    reference: str | None
    at: datetime


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
        select(col(Feedback.id), col(Feedback.ticket), col(Program.name), col(Region.name), col(Region.timezone), col(Feedback.rating),
               col(Feedback.comment), col(Feedback.status), col(Feedback.satisfied), col(Feedback.superseded), col(Feedback.moderation),
               col(Feedback.created_at), col(Feedback.updated_at), col(Feedback.due_at), col(Feedback.answered_at),
               col(Feedback.closed_at), col(Feedback.forwarded_to))
        .join(Program, col(Program.id) == col(Feedback.program_id))
        .join(Region, col(Region.code) == col(Feedback.region_code))
        .where(col(Feedback.resident_id) == resident_id)
        .order_by(col(Feedback.id))
    )
    return [Rated(*row) for row in (await run_select(session, stmt)).all()]


async def forwards(session: AsyncSession, *, feedback_ids: list[int]) -> list[Forwarded]:
    stmt = (
        select(col(TicketForward.feedback_id), col(TicketForward.from_region), col(TicketForward.to_region),
               col(TicketForward.body), col(TicketForward.reason), col(TicketForward.reference), col(TicketForward.at))
        .where(col(TicketForward.feedback_id).in_(feedback_ids))
        .order_by(col(TicketForward.id))
    )
    return [Forwarded(*row) for row in (await run_select(session, stmt)).all()]


async def conversations(session: AsyncSession, *, feedback_ids: list[int]) -> list[Said]:
    """The answers, follow-ups and status changes of these tickets, in order; never an official's id."""
    if not feedback_ids:
        return []
    stmt = (
        select(col(TicketMessage.feedback_id), col(TicketMessage.kind), col(TicketMessage.text), col(TicketMessage.status), col(TicketMessage.at))
        .where(col(TicketMessage.feedback_id).in_(feedback_ids))
        .order_by(col(TicketMessage.id))
    )
    return [Said(*row) for row in (await run_select(session, stmt)).all()]


async def follows(session: AsyncSession, *, resident_id: int) -> list[Followed]:
    stmt = (
        select(col(Program.id), col(Program.name), col(Region.name), col(ProgramFollow.created_at))
        .join(ProgramFollow, col(ProgramFollow.program_id) == col(Program.id))
        .join(Region, col(Region.code) == col(Program.region_code))
        .where(col(ProgramFollow.resident_id) == resident_id)
        .order_by(col(Program.name))
    )
    return [Followed(*row) for row in (await run_select(session, stmt)).all()]


async def deliveries(session: AsyncSession, *, resident_id: int) -> list[Delivery]:
    """The announcements addressed to the resident and how each went (sent, pending, blocked, failed)."""
    stmt = (
        select(col(BroadcastRecipient.broadcast_id), col(BroadcastRecipient.status), col(Broadcast.send_at))
        .join(Broadcast, col(Broadcast.id) == col(BroadcastRecipient.broadcast_id))
        .where(col(BroadcastRecipient.resident_id) == resident_id)
        .order_by(col(BroadcastRecipient.broadcast_id))
    )
    return [Delivery(*row) for row in (await run_select(session, stmt)).all()]


async def notes(session: AsyncSession, *, resident_id: int) -> list[Noted]:
    """What the audit log says an admin did about the resident (a mute, its end), without the admin's id."""
    stmt = (
        select(col(AuditEntry.action), col(AuditEntry.at), col(AuditEntry.detail))
        .where(col(AuditEntry.target) == resident_target(resident_id))
        .order_by(col(AuditEntry.id))
    )
    return [Noted(*row) for row in (await run_select(session, stmt)).all()]
