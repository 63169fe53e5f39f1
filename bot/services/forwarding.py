""""Bukan kewenangan kami": an official passes a ticket on, to another kabupaten/kota or to another body.

A move to another region (the resident picked the wrong one) changes the ticket's region and starts that region's
clock; the new region's officials see it in their inbox and are told of it. A ticket passed to another body (the
province, a national agency, a utility, SP4N-LAPOR!) keeps its region and number and leaves the queue
(`feedback.forwarded_to`). Either way a `ticket_forwards` row and an audit entry say who did it and why.

The flow spans several updates (where to, which region, the reason, the reference number); where the official is
lives in their resident row's draft, with a nonce the buttons carry, so an old or forged button and a double tap
find nothing to act on, and a restart loses nothing.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import deadlines, residents, tickets
from bot.services.auth import Actor
from bot.services.officials import record
from bot.services.tickets import Ticket
from storage import deadlines as deadline_store
from storage import feedback as feedback_store
from storage import forwards as store
from storage import regions as region_store
from storage import residents as resident_store
from storage.models import Region, Resident, TicketForward
from storage.statuses import FeedbackStatus, ForwardBody

REASON_MAX = 500
REFERENCE_MAX = 60  # ticket_forwards.reference
REGION = "region"  # the target "another kabupaten/kota"
TARGETS = (REGION, *ForwardBody)
# The steps, in the official's resident row (handlers/steps.py routes their text).
CHOOSING = "fwd_where"  # the buttons: another region, the province, a national agency, a utility, SP4N-LAPOR!
NAMING = "fwd_region"  # typing the other kabupaten/kota's name
EXPLAINING = "fwd_reason"  # writing the reason
REFERRING = "fwd_ref"  # the reference number at the other body, or Lewati
STEPS = (CHOOSING, NAMING, EXPLAINING, REFERRING)
_TAG = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>")
_REFERENCE = re.compile(r"[0-9A-Za-z#][0-9A-Za-z #./:_-]*")


class Outcome(Enum):
    ASK_WHERE = "ask_where"
    ASK_REGION = "ask_region"
    ASK_REASON = "ask_reason"
    ASK_REFERENCE = "ask_reference"
    DONE = "done"
    GONE = "gone"  # no such ticket, or not in the official's regions
    ALREADY = "already"  # the ticket was forwarded already (by this official or another)
    STALE = "stale"  # an old button, or a second tap on one that did its work
    SAME_REGION = "same_region"
    NO_REGION = "no_region"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    HTML = "html"
    BAD_REFERENCE = "bad_reference"


@dataclass(frozen=True, slots=True)
class Forwarded:
    """A forward done: the ticket as it is now (moved: its new region), and whom to tell."""

    ticket: Ticket
    from_region: Region
    forward: TicketForward
    staff: list[Resident]  # the new region's officials (as residents: their chat language), the forwarder left out


@dataclass(frozen=True, slots=True)
class Progress:
    outcome: Outcome
    ticket: Ticket | None = None
    nonce: str = ""
    target: str | None = None  # REGION or a ForwardBody, once chosen
    to_region: Region | None = None
    done: Forwarded | None = None


def is_forwarding(state: str | None) -> bool:
    return state in STEPS


def _draft(me: Resident, feedback_id: int | None = None, nonce: str | None = None) -> dict[str, Any] | None:
    """The forward the official is in the middle of (the one the button names, when it names one)."""
    draft = me.draft or {}
    if not is_forwarding(me.state) or not isinstance(draft.get("feedback_id"), int):
        return None
    if feedback_id is not None and (draft["feedback_id"] != feedback_id or draft.get("nonce") != nonce):
        return None
    return draft


async def _here(session: AsyncSession, actor: Actor, me: Resident, draft: dict[str, Any]) -> tuple[Outcome | None, Ticket | None]:
    """The ticket, re-checked: still the actor's to act on, and not forwarded since the flow began."""
    ticket = await tickets.ticket_for_official(session, actor, draft["feedback_id"])
    if ticket is None:
        residents.set_state(session, me, None)
        return Outcome.GONE, None
    if ticket.feedback.forwarded_to is not None or ticket.feedback.region_code != draft.get("from"):
        residents.set_state(session, me, None)
        return Outcome.ALREADY, ticket
    return None, ticket


async def start(session: AsyncSession, actor: Actor, me: Resident, feedback_id: int) -> Progress:
    """[↪ Bukan kewenangan kami] under a ticket: ask where it belongs."""
    ticket = await tickets.ticket_for_official(session, actor, feedback_id)
    if ticket is None:
        return Progress(Outcome.GONE)
    if ticket.feedback.forwarded_to is not None:
        return Progress(Outcome.ALREADY, ticket)
    nonce = secrets.token_hex(8)
    residents.set_state(session, me, CHOOSING, {"feedback_id": feedback_id, "nonce": nonce, "from": ticket.region.code})
    return Progress(Outcome.ASK_WHERE, ticket, nonce)


async def choose(session: AsyncSession, actor: Actor, me: Resident, feedback_id: int, nonce: str, target: str) -> Progress:
    """Where the ticket belongs: another region (then its name), or a body (then the reason)."""
    if target not in TARGETS:
        raise ValueError(target)
    if (draft := _draft(me, feedback_id, nonce)) is None:
        return Progress(Outcome.STALE)
    refused, ticket = await _here(session, actor, me, draft)
    if refused is not None:
        return Progress(refused, ticket)
    kept = {"feedback_id": feedback_id, "nonce": nonce, "from": draft["from"], "target": target}
    residents.set_state(session, me, NAMING if target == REGION else EXPLAINING, kept)
    return Progress(Outcome.ASK_REGION if target == REGION else Outcome.ASK_REASON, ticket, nonce, target)


async def naming(session: AsyncSession, actor: Actor, me: Resident) -> Progress:
    """The official typed a region's name: the ticket they are forwarding, to offer the matches under it."""
    if (draft := _draft(me)) is None or draft.get("target") != REGION:
        residents.set_state(session, me, None)
        return Progress(Outcome.STALE)
    refused, ticket = await _here(session, actor, me, draft)
    if refused is not None:
        return Progress(refused, ticket)
    return Progress(Outcome.ASK_REGION, ticket, draft["nonce"], REGION)


async def pick_region(
    session: AsyncSession, actor: Actor, me: Resident, feedback_id: int, nonce: str, region_code: str
) -> Progress:
    """One of the offered regions, pressed: any kabupaten/kota of Indonesia but the ticket's own."""
    if (draft := _draft(me, feedback_id, nonce)) is None or draft.get("target") != REGION:
        return Progress(Outcome.STALE)
    refused, ticket = await _here(session, actor, me, draft)
    if refused is not None:
        return Progress(refused, ticket)
    assert ticket is not None
    region = await region_store.get_region(session, code=region_code)
    if region is None:
        return Progress(Outcome.NO_REGION, ticket, nonce, REGION)
    if region.code == ticket.region.code:
        return Progress(Outcome.SAME_REGION, ticket, nonce, REGION, region)
    residents.set_state(session, me, EXPLAINING, {**draft, "to": region.code})
    return Progress(Outcome.ASK_REASON, ticket, nonce, REGION, region)


def _text_refused(text: str, limit: int) -> Outcome | None:
    if not text:
        return Outcome.EMPTY
    if len(text) > limit:
        return Outcome.TOO_LONG
    if _TAG.search(text):
        return Outcome.HTML
    return None


async def explain(
    session: AsyncSession, actor: Actor, me: Resident, text: str, *, now: datetime, default_days: int
) -> Progress:
    """The reason: a move is done with it; a body's forward asks for the reference number next."""
    if (draft := _draft(me)) is None or draft.get("target") not in TARGETS:
        residents.set_state(session, me, None)
        return Progress(Outcome.STALE)
    refused, ticket = await _here(session, actor, me, draft)
    if refused is not None:
        return Progress(refused, ticket)
    target, nonce, text = draft["target"], draft["nonce"], text.strip()
    if (bad := _text_refused(text, REASON_MAX)) is not None:
        return Progress(bad, ticket, nonce, target)
    if target == REGION:
        if not isinstance(draft.get("to"), str):  # typed before a region was pressed
            return Progress(Outcome.ASK_REGION, ticket, nonce, target)
        return await _finish(session, actor, me, {**draft, "reason": text}, None, now=now, default_days=default_days)
    residents.set_state(session, me, REFERRING, {**draft, "reason": text})
    return Progress(Outcome.ASK_REFERENCE, ticket, nonce, target)


async def refer(
    session: AsyncSession, actor: Actor, me: Resident, text: str | None, *, now: datetime, default_days: int,
    feedback_id: int | None = None, nonce: str | None = None,
) -> Progress:
    """The reference number at the other body (typed), or none ([Lewati], which names the forward it skips for)."""
    draft = _draft(me, feedback_id, nonce) if feedback_id is not None else _draft(me)
    if draft is None or me.state != REFERRING or not isinstance(draft.get("reason"), str):
        if feedback_id is None:
            residents.set_state(session, me, None)
        return Progress(Outcome.STALE)
    reference = None
    if text is not None:
        reference = text.strip()
        bad = _text_refused(reference, REFERENCE_MAX)
        if bad is None and not _REFERENCE.fullmatch(reference):
            bad = Outcome.BAD_REFERENCE
        if bad is not None:
            _refused, ticket = await _here(session, actor, me, draft)
            return Progress(_refused or bad, ticket, draft["nonce"], draft["target"])
    return await _finish(session, actor, me, draft, reference, now=now, default_days=default_days)


async def _finish(
    session: AsyncSession, actor: Actor, me: Resident, draft: dict[str, Any], reference: str | None, *,
    now: datetime, default_days: int,
) -> Progress:
    feedback_id, target, reason = draft["feedback_id"], draft["target"], draft["reason"]
    await store.feedback_for_update(session, feedback_id=feedback_id)  # a concurrent forward waits for this one
    refused, ticket = await _here(session, actor, me, draft)
    if refused is not None or ticket is None:
        return Progress(refused or Outcome.GONE, ticket)
    row, from_region = ticket.feedback, ticket.region
    to_region = await region_store.get_region(session, code=draft["to"]) if target == REGION else None
    if target == REGION:
        if to_region is None or to_region.code == from_region.code:
            residents.set_state(session, me, NAMING, {k: v for k, v in draft.items() if k not in ("to", "reason")})
            return Progress(Outcome.NO_REGION if to_region is None else Outcome.SAME_REGION, ticket, draft["nonce"], target)
        row.region_code = to_region.code
        row.status = FeedbackStatus.NEW  # in the new region's inbox, whatever the first region did with it
        await deadlines.start_clock(session, row, zone=to_region.timezone, now=now, default_days=default_days)
    else:
        row.forwarded_to = ForwardBody(target)
    feedback_store.save(session, row)
    forward = store.add_forward(
        session, feedback_id=feedback_id, official_id=actor.telegram_id, from_region=from_region.code,
        to_region=to_region.code if to_region else None, body=row.forwarded_to, reason=reason, reference=reference,
    )
    record(session, actor.telegram_id, "ticket.forward", str(feedback_id), from_region=from_region.code,
           to_region=to_region.code if to_region else None, body=row.forwarded_to, reference=reference is not None)
    residents.set_state(session, me, None)
    moved = Ticket(row, ticket.program, to_region or from_region, ticket.resident)
    staff = await _staff(session, to_region.code, actor) if to_region else []
    return Progress(Outcome.DONE, moved, draft["nonce"], target, to_region, Forwarded(moved, from_region, forward, staff))


async def _staff(session: AsyncSession, region_code: str, actor: Actor) -> list[Resident]:
    officials, _coordinators = await deadline_store.region_staff(session, region_code=region_code)
    found = []
    for official_id in officials:
        if official_id != actor.telegram_id and (row := await resident_store.get_resident(session, telegram_id=official_id)):
            found.append(row)
    return found

