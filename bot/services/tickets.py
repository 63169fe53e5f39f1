"""Closing the loop: officials answer and move tickets on; residents reply and say if they are satisfied."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import deadlines, residents
from bot.services.auth import Actor, feedback_for, load_actor
from bot.services.feedback import COMMENT_MAX
from bot.services.officials import record
from storage import feedback as feedback_store
from storage import programs as program_store
from storage import regions as region_store
from storage import residents as resident_store
from storage import tickets as store
from storage.codes import crockford
from storage.models import Feedback, Program, Region, Resident
from storage.statuses import FeedbackStatus
from storage.tickets import InboxItem

ANSWER_MAX = COMMENT_MAX
INBOX_PER_PAGE = 3
ANSWERING = "answer"  # an official writing an answer
REPLYING = "reply"  # a resident writing a follow-up
STATUSES = tuple(FeedbackStatus)
RECENT_ANSWER = timedelta(days=7)  # text sent without a reply is offered as a follow-up on a ticket answered since


PSEUDONYM_CHARS = 8  # 40 bits


def pseudonym(key: bytes, region_code: str, resident_id: int | None, salt: str | None) -> str | None:
    """How officials, exports and the data API name a resident: "K7PX-D3QM" (None once they erased their data).

    An HMAC with the deployment's key over the region, the resident and the resident's salt: the same
    resident is someone else in each region's figures, and someone new after erasing their data (the salt
    goes with the row), and without the key nothing maps a pseudonym back to a Telegram id, whoever holds
    the bot token. 40 bits, written as 8 characters of Crockford's base32 in two groups of 4 rather than
    as words: no word list to curate (no unlucky or offensive pairs shown next to a complaint), the same
    in Indonesian and English, a fixed width in tables, and the alphabet of the ticket numbers.
    """
    if resident_id is None or salt is None:
        return None
    message = f"{region_code}|{resident_id}|{salt}".encode()
    value = int.from_bytes(hmac.new(key, message, hashlib.sha256).digest()[:5])
    code = crockford(value, PSEUDONYM_CHARS)
    return f"{code[:4]}-{code[4:]}"


async def inbox(session: AsyncSession, actor: Actor, *, page: int) -> tuple[list[InboxItem], int, int]:
    """A page of the actor's regions' new comments; (items, page shown, pages)."""
    codes = actor.visible(None)
    items, total = await store.inbox_page(session, region_codes=codes, offset=page * INBOX_PER_PAGE, limit=INBOX_PER_PAGE)
    pages = max(1, -(-total // INBOX_PER_PAGE))
    if page >= pages and page > 0:
        page = pages - 1
        items, total = await store.inbox_page(session, region_codes=codes, offset=page * INBOX_PER_PAGE, limit=INBOX_PER_PAGE)
    record(session, actor.telegram_id, "inbox.view", None, page=page)
    return items, page, pages


async def find(session: AsyncSession, actor: Actor, number: str) -> InboxItem | None:
    """A ticket of the actor's regions by the number a resident read out (parse_ticket's form)."""
    item = await store.item_by_ticket(session, region_codes=actor.visible(None), ticket=number)
    record(session, actor.telegram_id, "inbox.find", number, found=item is not None)
    return item


@dataclass(frozen=True, slots=True)
class Ticket:
    """Everything a message about one ticket needs."""

    feedback: Feedback
    program: Program
    region: Region
    resident: Resident | None  # None once the resident erased their data


async def ticket_of(session: AsyncSession, row: Feedback) -> Ticket:
    """The ticket with its program, region and resident."""
    program = await program_store.get_program(session, program_id=row.program_id, include_removed=True)
    region = await region_store.get_region(session, code=row.region_code)
    resident = await resident_store.get_resident(session, telegram_id=row.resident_id) if row.resident_id else None
    assert program is not None and region is not None
    return Ticket(row, program, region, resident)


async def ticket_for_official(session: AsyncSession, actor: Actor, feedback_id: int) -> Ticket | None:
    row = await feedback_for(session, actor, feedback_id)
    return await ticket_of(session, row) if row is not None else None


def start_answer(session: AsyncSession, official_self: Resident, ticket: Ticket) -> None:
    residents.set_state(session, official_self, ANSWERING, {"feedback_id": ticket.feedback.id})


class AnswerOutcome(Enum):
    SENT = "sent"
    TOO_LONG = "too_long"
    EMPTY = "empty"
    GONE = "gone"  # the ticket vanished or is no longer the actor's


def _unusable(text: str, limit: int) -> AnswerOutcome | None:
    """Why a written answer or reply cannot be stored as it is, if it cannot."""
    if not text:
        return AnswerOutcome.EMPTY
    if len(text) > limit:
        return AnswerOutcome.TOO_LONG
    return None


async def answer(
    session: AsyncSession, actor: Actor, official_self: Resident, text: str, *, now: datetime
) -> tuple[AnswerOutcome, Ticket | None]:
    """The answer an official typed in the chat, for the ticket they chose before."""
    feedback_id = (official_self.draft or {}).get("feedback_id")
    if not isinstance(feedback_id, int):
        residents.set_state(session, official_self, None)
        return AnswerOutcome.GONE, None
    outcome, ticket = await answer_ticket(session, actor, feedback_id, text, now=now)
    if outcome in (AnswerOutcome.SENT, AnswerOutcome.GONE):
        residents.set_state(session, official_self, None)
    return outcome, ticket


async def answer_ticket(
    session: AsyncSession, actor: Actor, feedback_id: int, text: str, *, now: datetime
) -> tuple[AnswerOutcome, Ticket | None]:
    """Store an official's answer (from the chat or the dashboard); the ticket moves from new to in progress."""
    ticket = await ticket_for_official(session, actor, feedback_id)
    if ticket is None:
        return AnswerOutcome.GONE, None
    text = text.strip()
    if (refused := _unusable(text, ANSWER_MAX)) is not None:
        return refused, ticket
    store.add_message(session, feedback_id=feedback_id, kind="answer", official_id=actor.telegram_id, text=text)
    if ticket.feedback.status == FeedbackStatus.NEW:
        ticket.feedback.status = FeedbackStatus.IN_PROGRESS
    deadlines.answered(ticket.feedback, now)
    feedback_store.save(session, ticket.feedback)
    record(session, actor.telegram_id, "ticket.answer", str(feedback_id), length=len(text))
    return AnswerOutcome.SENT, ticket


async def set_status(session: AsyncSession, actor: Actor, feedback_id: int, status: str) -> tuple[Ticket | None, bool]:
    """Move a ticket to in progress (or back to new); (ticket or None if not the actor's, whether it changed).

    Done needs a note of what was done: bot/services/closing.py.
    """
    if status not in STATUSES or status == FeedbackStatus.DONE:
        raise ValueError(status)
    ticket = await ticket_for_official(session, actor, feedback_id)
    if ticket is None:
        return None, False
    if ticket.feedback.status == status:
        return ticket, False
    ticket.feedback.status = status
    feedback_store.save(session, ticket.feedback)
    store.add_message(session, feedback_id=feedback_id, kind="status", official_id=actor.telegram_id, status=status)
    record(session, actor.telegram_id, "ticket.status", str(feedback_id), status=status)
    return ticket, True


async def own_ticket(session: AsyncSession, resident: Resident, feedback_id: int) -> Ticket | None:
    row = await feedback_store.get_feedback(session, feedback_id=feedback_id)
    if row is None or row.resident_id != resident.telegram_id:
        return None
    return await ticket_of(session, row)


async def start_reply(session: AsyncSession, resident: Resident, feedback_id: int) -> Ticket | None:
    ticket = await own_ticket(session, resident, feedback_id)
    if ticket is not None:
        residents.set_state(session, resident, REPLYING, {"feedback_id": feedback_id})
    return ticket


async def follow_up(
    session: AsyncSession, resident: Resident, text: str, *, now: datetime, default_days: int
) -> tuple[AnswerOutcome, Ticket | None]:
    """The resident's reply on their ticket: it goes back to the officials' inbox as new."""
    feedback_id = (resident.draft or {}).get("feedback_id")
    ticket = await own_ticket(session, resident, feedback_id) if isinstance(feedback_id, int) else None
    if ticket is None:
        residents.set_state(session, resident, None)
        return AnswerOutcome.GONE, None
    outcome = await follow_up_on(session, ticket, text, now=now, default_days=default_days)
    if outcome is AnswerOutcome.SENT:
        residents.set_state(session, resident, None)
    return outcome, ticket


async def follow_up_on(
    session: AsyncSession, ticket: Ticket, text: str, *, now: datetime, default_days: int
) -> AnswerOutcome:
    """Store the resident's follow-up on their ticket (whatever flow they are in): back to the inbox as new."""
    text = text.strip()
    if (refused := _unusable(text, COMMENT_MAX)) is not None:
        return refused
    store.add_message(session, feedback_id=ticket.feedback.id, kind="followup", text=text)  # type: ignore[arg-type]
    ticket.feedback.status = FeedbackStatus.NEW
    if ticket.feedback.comment is None:
        ticket.feedback.comment = text  # a rating without comment becomes a conversation now: its clock starts
        await deadlines.start_clock(session, ticket.feedback, zone=ticket.region.timezone, now=now,
                                    default_days=default_days)
    feedback_store.save(session, ticket.feedback)
    return AnswerOutcome.SENT


async def own_ticket_by_number(session: AsyncSession, resident: Resident, number: str) -> Ticket | None:
    """The resident's own ticket with this number (parse_ticket's form); None for anyone else's."""
    row = await store.feedback_by_ticket(session, ticket=number)
    if row is None or row.resident_id != resident.telegram_id:
        return None
    return await ticket_of(session, row)


async def recently_answered(session: AsyncSession, resident: Resident, now: datetime) -> Ticket | None:
    """The resident's one ticket an official answered in the last RECENT_ANSWER days, if exactly one was."""
    ids = await store.answered_since(session, resident_id=resident.telegram_id, since=now - RECENT_ANSWER, limit=2)
    if len(ids) != 1:
        return None
    return await own_ticket(session, resident, ids[0])


async def answerers(session: AsyncSession, ticket: Ticket, admin_ids: frozenset[int]) -> list[Resident]:
    """The officials who answered this ticket and still act on its region (as residents: their chat language)."""
    found = []
    for official_id in await store.answerer_ids(session, feedback_id=ticket.feedback.id):  # type: ignore[arg-type]
        actor = await load_actor(session, telegram_id=official_id, admin_ids=admin_ids)
        if not actor.can_see_region(ticket.region.code):
            continue  # no longer an official there: the follow-up waits in the inbox for the others
        if (row := await resident_store.get_resident(session, telegram_id=official_id)) is not None:
            found.append(row)
    return found
