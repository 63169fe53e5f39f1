"""Closing a ticket means something: a note of what was done, the resident's verdict, and a quiet confirmation.

Marking a ticket *selesai* needs a short note (shown to the resident). The resident is asked "Apakah Anda puas?";
"Belum" reopens the ticket and counts as a rejected closure (*tindak lanjut ditolak*: a 'satisfaction' message
with status 'belum'); a closed ticket the resident leaves unanswered for AUTO_CONFIRM is confirmed automatically
('otomatis'), and the resident is told so.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import deadlines, residents
from bot.services.auth import Actor
from bot.services.officials import record
from bot.services.tickets import Ticket, own_ticket, ticket_for_official, ticket_of
from storage import deadlines as deadline_store
from storage import feedback as feedback_store
from storage import tickets as store
from storage.models import Resident
from storage.statuses import FeedbackStatus

CLOSING = "close"  # an official writing the closing note
NOTE_MAX = 1000  # characters
AUTO = "otomatis"  # the satisfaction message of an automatic confirmation


class CloseOutcome(Enum):
    CLOSED = "closed"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    ALREADY = "already"  # closed already
    GONE = "gone"  # the ticket vanished or is no longer the actor's


async def start_close(session: AsyncSession, actor: Actor, official_self: Resident, feedback_id: int) -> Ticket | None:
    """The official pressed Done: the note is asked for next. None if the ticket is not theirs."""
    ticket = await ticket_for_official(session, actor, feedback_id)
    if ticket is not None and ticket.feedback.status != FeedbackStatus.DONE:
        residents.set_state(session, official_self, CLOSING, {"feedback_id": feedback_id})
    return ticket


async def close_from_chat(
    session: AsyncSession, actor: Actor, official_self: Resident, note: str, *, now: datetime
) -> tuple[CloseOutcome, Ticket | None]:
    """The note the official typed after pressing Done, for the ticket they chose."""
    feedback_id = (official_self.draft or {}).get("feedback_id")
    if not isinstance(feedback_id, int):
        residents.set_state(session, official_self, None)
        return CloseOutcome.GONE, None
    outcome, ticket = await close(session, actor, feedback_id, note, now=now)
    if outcome not in (CloseOutcome.EMPTY, CloseOutcome.TOO_LONG):
        residents.set_state(session, official_self, None)
    return outcome, ticket


async def close(
    session: AsyncSession, actor: Actor, feedback_id: int, note: str, *, now: datetime
) -> tuple[CloseOutcome, Ticket | None]:
    """Mark the ticket done with a note of what was done (from the chat or the dashboard)."""
    ticket = await ticket_for_official(session, actor, feedback_id)
    if ticket is None:
        return CloseOutcome.GONE, None
    note = note.strip()
    if not note:
        return CloseOutcome.EMPTY, ticket
    if len(note) > NOTE_MAX:
        return CloseOutcome.TOO_LONG, ticket
    row = ticket.feedback
    if row.status == FeedbackStatus.DONE:
        return CloseOutcome.ALREADY, ticket
    row.status = FeedbackStatus.DONE
    row.satisfied = None  # asked afresh
    row.closed_at = now
    deadlines.answered(row, now)  # the note reaches the resident: it is an answer
    feedback_store.save(session, row)
    store.add_message(session, feedback_id=feedback_id, kind="status", official_id=actor.telegram_id,
                      status=FeedbackStatus.DONE, text=note)
    record(session, actor.telegram_id, "ticket.close", str(feedback_id), length=len(note))
    return CloseOutcome.CLOSED, ticket


async def satisfaction(session: AsyncSession, resident: Resident, feedback_id: int, satisfied: bool) -> Ticket | None:
    """The resident's verdict on a closed ticket; "not yet" reopens it. None if not theirs, not closed, or answered."""
    ticket = await own_ticket(session, resident, feedback_id)
    if ticket is None or ticket.feedback.status != FeedbackStatus.DONE or ticket.feedback.satisfied is not None:
        return None
    ticket.feedback.satisfied = satisfied
    if not satisfied:
        ticket.feedback.status = FeedbackStatus.NEW
        ticket.feedback.closed_at = None
    feedback_store.save(session, ticket.feedback)
    store.add_message(session, feedback_id=feedback_id, kind="satisfaction", status="puas" if satisfied else "belum")
    return ticket


async def auto_confirm(session: AsyncSession, feedback_id: int, *, now: datetime) -> Ticket | None:
    """Confirm a closed ticket the resident left unanswered for AUTO_CONFIRM; None if that no longer holds."""
    row = await feedback_store.get_feedback(session, feedback_id=feedback_id, for_update=True)
    if (row is None or row.status != FeedbackStatus.DONE or row.satisfied is not None or row.closed_at is None
            or now - row.closed_at < deadlines.AUTO_CONFIRM):
        return None
    row.satisfied = True
    feedback_store.save(session, row)
    store.add_message(session, feedback_id=feedback_id, kind="satisfaction", status=AUTO)
    return await ticket_of(session, row)


async def to_confirm(session: AsyncSession, *, now: datetime, limit: int) -> list[int]:
    """Closed tickets the resident has left unanswered for AUTO_CONFIRM."""
    return await deadline_store.closed_before(session, before=now - deadlines.AUTO_CONFIRM, limit=limit)


async def last_note(session: AsyncSession, ticket: Ticket) -> str | None:
    """What the official wrote when they closed the ticket."""
    return await store.closing_note(session, feedback_id=ticket.feedback.id)  # type: ignore[arg-type]
