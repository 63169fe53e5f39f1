"""Abuse handling: officials mark comments as spam or abusive, admins mute residents, a word list asks for review.

A marked comment is kept (it is the record, and the resident's own data) but leaves every figure, the
topics and the inbox. The resident is told nothing beyond that it was received: no notice goes out.
Every mark and every mute is written to the audit log.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import review_words
from bot.services.auth import Actor, feedback_for, may_mute_authors
from bot.services.officials import record
from storage import feedback as feedback_store
from storage import moderation as store
from storage import residents as resident_store
from storage.models import Feedback, Resident

MARKS = ("spam", "abusive")
MUTE_MAX_HOURS = 24 * 90
INBOX_MUTE_HOURS = 24  # the inbox's button; the command line takes any number of hours
REASON_MAX = 200


async def mark(session: AsyncSession, actor: Actor, feedback_id: int, kind: str | None) -> tuple[Feedback | None, bool]:
    """Mark a comment spam or abusive, or clear its mark (None); (the row if the actor may, whether it changed)."""
    if kind is not None and kind not in MARKS:
        raise ValueError(kind)
    row = await feedback_for(session, actor, feedback_id)
    if row is None:
        return None, False
    if row.moderation == kind:
        return row, False
    previous, row.moderation = row.moderation, kind
    feedback_store.save(session, row)
    record(session, actor.telegram_id, f"feedback.{kind or 'unmark'}", str(feedback_id), previous=previous)
    return row, True


def screen(session: AsyncSession, row: Feedback, text: str) -> bool:
    """Flag the feedback for review when the text holds a listed word; True if it did."""
    if not review_words.flagged(text):
        return False
    if not row.needs_review:
        row.needs_review = True
        feedback_store.save(session, row)
    return True


def clean_reason(reason: str | None) -> str | None:
    """A mute's reason as the audit log keeps it: one line, no control characters, at most 200 characters."""
    if reason is None:
        return None
    text = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in reason)
    return " ".join(text.split())[:REASON_MAX] or None


def _mute(
    session: AsyncSession, resident: Resident, *, actor_id: int | None, hours: int, reason: str | None,
    now: datetime, extend_only: bool = False, **detail: object,
) -> datetime:
    if not 1 <= hours <= MUTE_MAX_HOURS:
        raise ValueError(f"hours must be between 1 and {MUTE_MAX_HOURS}")
    until = now + timedelta(hours=hours)
    if extend_only and resident.muted_until is not None:
        until = max(until, resident.muted_until)
    resident.muted_until = until
    resident_store.touch(session, resident)
    record(session, actor_id, "resident.mute", store.resident_target(resident.telegram_id), hours=hours,
           until=resident.muted_until.isoformat(), reason=clean_reason(reason), **detail)
    return resident.muted_until


async def mute(
    session: AsyncSession, *, actor_id: int | None, telegram_id: int, hours: int, reason: str | None, now: datetime
) -> datetime | None:
    """Mute a resident for exactly `hours` from now (the command line); when it ends, or None if no such resident."""
    resident = await resident_store.get_resident(session, telegram_id=telegram_id, for_update=True)
    if resident is None:
        return None
    return _mute(session, resident, actor_id=actor_id, hours=hours, reason=reason, now=now)


async def mute_author(
    session: AsyncSession, actor: Actor, feedback_id: int, *, now: datetime, hours: int = INBOX_MUTE_HOURS
) -> tuple[Feedback | None, datetime | None]:
    """An admin mutes the author of a comment from the inbox: (the row if the admin may see it, when the mute ends).

    The admin never learns who the author is; the end is None when the author has erased their data.
    """
    if not may_mute_authors(actor):
        return None, None
    row = await feedback_for(session, actor, feedback_id)
    if row is None or row.resident_id is None:
        return row, None
    resident = await resident_store.get_resident(session, telegram_id=row.resident_id, for_update=True)
    if resident is None:
        return row, None
    # The button never shortens a longer mute given on the command line.
    until = _mute(session, resident, actor_id=actor.telegram_id, hours=hours, reason=None, now=now,
                  extend_only=True, feedback=feedback_id)
    return row, until


async def unmute(session: AsyncSession, *, actor_id: int | None, telegram_id: int, now: datetime) -> bool | None:
    """End a mute at once: True if there was one, False if not, None if no such resident."""
    resident = await resident_store.get_resident(session, telegram_id=telegram_id, for_update=True)
    if resident is None:
        return None
    if resident.muted_until is None or resident.muted_until <= now:
        return False
    resident.muted_until = None
    resident_store.touch(session, resident)
    record(session, actor_id, "resident.unmute", store.resident_target(telegram_id))
    return True


async def muted_residents(session: AsyncSession, *, now: datetime) -> list[tuple[int, datetime]]:
    return await store.muted_residents(session, now=now)
