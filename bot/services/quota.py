"""Quotas: how much one resident, or one region, may send, and the pause that ends a flood.

Every limit is a sliding window over rows already in the database (storage/quotas.py), so several
processes share one count and a restart forgets nothing. A refusal says which limit and when the
resident may write again; nothing is stored for a refused comment, and the resident is told so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import quotas as store
from storage.models import Resident

if TYPE_CHECKING:
    from bot.config import Settings

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Limits:
    """The configured limits (0: no limit). Defaults as in bot/config.py."""

    comments_per_hour: int = 10
    comments_per_day: int = 30
    region_comments_per_hour: int = 500
    tickets_per_program_per_day: int = 3
    messages_per_minute: int = 20
    flood_pause: timedelta = timedelta(seconds=60)

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            comments_per_hour=settings.comments_per_hour,
            comments_per_day=settings.comments_per_day,
            region_comments_per_hour=settings.region_comments_per_hour,
            tickets_per_program_per_day=settings.tickets_per_program_per_day,
            messages_per_minute=settings.messages_per_minute,
            flood_pause=timedelta(seconds=settings.flood_pause_seconds),
        )


class Limit(Enum):
    MUTED = "muted"  # an admin muted the resident
    COMMENTS_HOUR = "comments_hour"
    COMMENTS_DAY = "comments_day"
    REGION_HOUR = "region_hour"  # the whole region's comments
    PROGRAM_DAY = "program_day"  # ratings (tickets) of one program


@dataclass(frozen=True, slots=True)
class Refusal:
    limit: Limit
    allowed: int  # the limit's figure (0 for a mute)
    until: datetime  # when the resident may write again


def _reopens(times: list[datetime], allowed: int, window: timedelta, now: datetime) -> datetime | None:
    """With `allowed` events already in the window (newest first), when the oldest of them leaves it."""
    if not allowed or len(times) < allowed:
        return None
    return max(times[allowed - 1] + window, now)


def muted(resident: Resident, now: datetime) -> Refusal | None:
    if resident.muted_until is not None and now < resident.muted_until:
        return Refusal(Limit.MUTED, 0, resident.muted_until)
    return None


async def comment_refusal(
    session: AsyncSession, resident: Resident, *, region_code: str | None, limits: Limits, now: datetime
) -> Refusal | None:
    """Why this resident may not send a comment or a reply now (a mute, their quota, the region's), if so."""
    if (refusal := muted(resident, now)) is not None:
        return refusal
    most = max(limits.comments_per_hour, limits.comments_per_day)
    if most:
        times = await store.resident_comment_times(session, resident_id=resident.telegram_id, since=now - DAY, limit=most)
        hour = [t for t in times if t > now - HOUR]
        found = [
            Refusal(limit, allowed, until)
            for limit, allowed, until in (
                (Limit.COMMENTS_HOUR, limits.comments_per_hour, _reopens(hour, limits.comments_per_hour, HOUR, now)),
                (Limit.COMMENTS_DAY, limits.comments_per_day, _reopens(times, limits.comments_per_day, DAY, now)),
            )
            if until is not None
        ]
        if found:
            return max(found, key=lambda r: r.until)  # the one they must wait for
    allowed = limits.region_comments_per_hour
    if allowed and region_code is not None:
        since = now - HOUR
        if await store.region_comment_count(session, region_code=region_code, since=since) >= allowed:
            times = await store.region_comment_times(session, region_code=region_code, since=since, limit=allowed)
            return Refusal(Limit.REGION_HOUR, allowed, _reopens(times, allowed, HOUR, now) or now + MINUTE)
    return None


async def rating_refusal(
    session: AsyncSession, resident: Resident, *, program_id: int, limits: Limits, now: datetime
) -> Refusal | None:
    """Why this resident may not rate this program now (a mute, or their tickets for it today), if so."""
    if (refusal := muted(resident, now)) is not None:
        return refusal
    allowed = limits.tickets_per_program_per_day
    if not allowed:
        return None
    times = await store.rating_times(
        session, resident_id=resident.telegram_id, program_id=program_id, since=now - DAY, limit=allowed
    )
    until = _reopens(times, allowed, DAY, now)
    return Refusal(Limit.PROGRAM_DAY, allowed, until) if until is not None else None


class Flood(Enum):
    PASS = "pass"  # handle the update
    WARN = "warn"  # the update that crossed the limit: one notice, then a pause
    HOLD = "hold"  # during a pause: ignored


def count_update(resident: Resident, limits: Limits, now: datetime, *, counted: bool = False) -> Flood:
    """Count one update in the resident's one-minute window (on their row, already locked for this update).

    `counted`: the statement that locked the row counted it already (storage/residents.py claim_update, the
    same rule in SQL); what is left is to judge the count.
    """
    allowed = limits.messages_per_minute
    if not allowed:
        return Flood.PASS
    if resident.paused_until is not None and now < resident.paused_until:
        return Flood.HOLD
    if not counted:
        start = resident.flood_started_at
        if start is None or not start <= now < start + MINUTE:
            resident.flood_started_at, resident.flood_count = now, 1
            return Flood.PASS
        resident.flood_count += 1
    if resident.flood_count <= allowed:
        return Flood.PASS
    resident.paused_until = now + limits.flood_pause
    resident.flood_started_at, resident.flood_count = None, 0
    return Flood.WARN


class PauseBook:
    """The pauses this process already knows of: a paused chat's updates end before any database work.

    Only a shortcut: the pause itself is on the resident's row, which every process reads.
    """

    MAX_CHATS = 10_000

    def __init__(self) -> None:
        self._until: dict[int, datetime] = {}

    def paused(self, chat_id: int, now: datetime) -> bool:
        until = self._until.get(chat_id)
        if until is None:
            return False
        if now < until:
            return True
        del self._until[chat_id]
        return False

    def pause(self, chat_id: int, until: datetime, now: datetime) -> None:
        if len(self._until) >= self.MAX_CHATS:
            self._until = {k: v for k, v in self._until.items() if v > now}
            if len(self._until) >= self.MAX_CHATS:
                self._until.clear()  # a crowd of floods: fall back to the database for all of them
        self._until[chat_id] = until
