"""Queries on residents."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import bindparam, case, delete, false, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.codes import new_ticket
from storage.db import run_select
from storage.feedback import TICKET_ATTEMPTS
from storage.inserts import insert_or_ignore
from storage.models import (
    AuditEntry,
    BroadcastRecipient,
    Feedback,
    LoginToken,
    Official,
    ProgramFollow,
    Region,
    Resident,
    TicketForward,
    TicketMessage,
    WebSession,
    utcnow,
)
from storage.moderation import forget_resident_in_audit
from storage.prepared import Columns, Prepared
from storage.surveys import erase_answers
from storage.zones import zone_hours

RESIDENT_KINDS = ("followup", "satisfaction")  # what a resident adds to a ticket's conversation


async def get_resident(session: AsyncSession, *, telegram_id: int, for_update: bool = False) -> Resident | None:
    return await session.get(Resident, telegram_id, with_for_update=for_update or None)


async def ensure_resident(session: AsyncSession, *, telegram_id: int) -> Resident:
    """Return the resident's row, creating it if needed (safe when two updates race)."""
    resident = await get_resident(session, telegram_id=telegram_id, for_update=True)
    if resident is not None:
        return resident
    now = utcnow()
    stmt = insert_or_ignore(session, Resident, {
        "telegram_id": telegram_id, "subscribed": False, "notify_new_programs": False, "blocked": False,
        "created_at": now, "updated_at": now,
    }, on=["telegram_id"])
    await session.exec(stmt)
    resident = await get_resident(session, telegram_id=telegram_id, for_update=True)
    assert resident is not None
    return resident


_RESIDENT = Columns(Resident)
# One statement for the start of every update: lock the row, mark the update handled and the resident as not
# blocking the bot, count the update in their flood window (bot/services/quota.py: unless a pause is running, a
# window that began in the last minute counts one more, an older one starts again at one), and read the row back.
# No row: a re-delivered update, or a resident not created yet.
_paused = col(Resident.paused_until).is_not(None) & (col(Resident.paused_until) > bindparam("clock"))
_in_window = (col(Resident.flood_started_at) <= bindparam("clock")) & (col(Resident.flood_started_at) > bindparam("window"))
_CLAIM = Prepared(
    update(Resident)
    .where(col(Resident.telegram_id) == bindparam("rid"),
           or_(col(Resident.last_update_id).is_(None), col(Resident.last_update_id) < bindparam("update_id")))
    .values(
        last_update_id=bindparam("update_id"), blocked=false(), updated_at=bindparam("now"),
        flood_count=case((_paused, col(Resident.flood_count)), (_in_window, col(Resident.flood_count) + 1), else_=1),
        flood_started_at=case((_paused | _in_window, col(Resident.flood_started_at)), else_=bindparam("clock")),
    )
    .returning(*_RESIDENT.all),
    _RESIDENT.all,
)


async def claim_update(
    session: AsyncSession, *, telegram_id: int, update_id: int, clock: datetime, window_start: datetime
) -> Resident | None:
    """The resident, locked, marked as having this update and with the update counted in their flood window
    (`clock`: the bot's time now; `window_start`: a window that began after it is still running), in one round
    trip; None when that cannot be done that way (a re-delivered update, or a resident who has no row yet)."""
    row = await _CLAIM.first(session, rid=telegram_id, update_id=update_id, now=utcnow(), clock=clock,
                             window=window_start)
    if row is None:
        return None
    return _RESIDENT.load(session, row)  # as if the ORM had read it


def touch(session: AsyncSession, resident: Resident) -> None:
    """Mark a changed resident for writing; `updated_at` moves only when something really changed."""
    if resident not in session or session.is_modified(resident):
        resident.updated_at = utcnow()
    session.add(resident)


async def erase_resident(session: AsyncSession, *, telegram_id: int) -> int:
    """Delete everything a resident wrote or that points to them; returns the ratings kept as anonymous numbers.

    What stays of a rating: its stars, program, region, the local day (as that day's noon, so every figure
    by local day is unchanged), whether it was superseded or marked by an official, and the ticket's status
    under a freshly drawn number: the one the resident knew finds nothing any more. The officials' answers,
    status changes and forwarding reasons stay on it; the comment, the replies and follow-ups, the satisfaction
    verdict and a forward's reference number at the other body go. Survey answers stay as numbers under a random
    stand-in (storage/tables_surveys.py), without their text.
    Safe to run twice, and by two processes at once: every statement selects by the resident.
    """
    kept = await _anonymise_ratings(session, telegram_id=telegram_id)
    await erase_answers(session, resident_id=telegram_id)  # survey answers stay as numbers, linked to nobody
    for column in (col(BroadcastRecipient.resident_id), col(ProgramFollow.resident_id), col(LoginToken.official_id),
                   col(WebSession.official_id), col(Resident.telegram_id)):
        await session.exec(delete(column.class_).where(column == telegram_id))  # type: ignore[attr-defined]
    await forget_resident_in_audit(session, telegram_id=telegram_id)  # a mute's entry no longer says whom
    if await session.get(Official, telegram_id) is None:  # an official's own actions stay accountable
        await session.exec(update(AuditEntry).where(col(AuditEntry.actor_id) == telegram_id).values(actor_id=None))
    return kept


def _local_noon(at: datetime, zone: str) -> datetime:
    """Noon of the local day `at` falls on in a region's zone, in UTC: the day, and nothing finer."""
    offset = timedelta(hours=zone_hours(zone))
    local_day = (at.astimezone(UTC) + offset).date()
    return datetime.combine(local_day, time(12), UTC) - offset


async def _anonymise_ratings(session: AsyncSession, *, telegram_id: int) -> int:
    stmt = (
        select(col(Feedback.id), col(Feedback.created_at), col(Feedback.region_code), col(Region.timezone))
        .join(Region, col(Region.code) == col(Feedback.region_code))
        .where(col(Feedback.resident_id) == telegram_id)
    )
    rows = (await run_select(session, stmt)).all()
    if not rows:
        return 0
    ids = [row[0] for row in rows]
    await session.exec(delete(TicketMessage).where(
        col(TicketMessage.feedback_id).in_(ids), col(TicketMessage.kind).in_(RESIDENT_KINDS)))
    # A forward's reference number names the resident's report at the other body (SP4N-LAPOR!, the utility):
    # like the ticket number it goes; the official's reason stays, as their answers do.
    await session.exec(update(TicketForward).where(col(TicketForward.feedback_id).in_(ids)).values(reference=None)
                       .execution_options(synchronize_session=False))
    kept = 0
    for feedback_id, created_at, region_code, zone in rows:
        day = _local_noon(created_at, zone)
        for _attempt in range(TICKET_ATTEMPTS):  # a new number already taken in the region is drawn again
            try:
                async with session.begin_nested():
                    result = await session.exec(
                        update(Feedback)
                        .where(col(Feedback.id) == feedback_id, col(Feedback.resident_id) == telegram_id)
                        .values(resident_id=None, comment=None, dedup_key=None, satisfied=None, needs_review=False,
                                ticket=new_ticket(region_code), created_at=day, updated_at=day)
                        .execution_options(synchronize_session=False)
                    )
                kept += int(result.rowcount or 0)
                break
            except IntegrityError:
                continue
        else:
            raise RuntimeError(f"no free ticket number for region {region_code} after {TICKET_ATTEMPTS} attempts")
    return kept
