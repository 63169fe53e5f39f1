"""Announcements: who may reach whom, when they may arrive, and how far a broadcast has got."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.auth import Actor, broadcasts_listed_for, may_broadcast, may_cancel_broadcast
from bot.services.officials import record
from bot.services.telegram_html import CAPTION_MAX, TEXT_MAX, Problem, check
from storage import broadcasts as store
from storage import programs as program_store
from storage import regions as region_store
from storage.models import Broadcast
from storage.statuses import BROADCAST_ENDED, BROADCAST_GOING, BroadcastState, RecipientStatus
from storage.zones import DEFAULT_ZONE, ZONE_NAMES, ZONES

MAX_ATTEMPTS = 5
# Telegram counts 4,096 characters once the tags are read; with its tags (long links from the command
# line) an announcement may be longer, but not this long: a chat message stops at 4,096 anyway.
SOURCE_MAX = 4 * TEXT_MAX


@dataclass(frozen=True, slots=True)
class Audience:
    kind: str  # all | province | region | program
    code: str | None
    name: str
    zone: str  # the zone a scheduled time is read in


async def resolve_audience(session: AsyncSession, actor: Actor | None, kind: str, code: str | None) -> Audience | None:
    """The audience if it exists and the actor may reach it (None actor: the command line, may reach all)."""
    if kind == "all":
        return Audience("all", None, "Indonesia", DEFAULT_ZONE) if may_broadcast(actor, "all") else None
    if kind == "province":
        regions = [r for r in await region_store.all_regions(session) if r.province_code == code]
        if not regions or not may_broadcast(actor, "province"):
            return None
        return Audience("province", code, regions[0].province, regions[0].timezone)
    if kind == "region":
        region = await region_store.get_region(session, code=code or "")
        if region is None or not may_broadcast(actor, "region", region.code):
            return None
        return Audience("region", region.code, region.name, region.timezone)
    if kind == "program":
        program = await program_store.get_program(session, program_id=int(code or 0)) if (code or "").isdigit() else None
        if program is None or not may_broadcast(actor, "program", program.region_code):
            return None
        region = await region_store.get_region(session, code=program.region_code)
        return Audience("program", str(program.id), program.name, region.timezone if region else DEFAULT_ZONE)
    return None


async def audience_size(session: AsyncSession, audience: Audience) -> int:
    """How many residents the audience reaches now."""
    return await store.audience_size(session, audience=audience.kind, code=audience.code)


async def recent(session: AsyncSession, actor: Actor) -> list[Broadcast]:
    """The latest broadcasts the actor may see (an admin: everyone's; an official: their own)."""
    return await store.recent(session, created_by=broadcasts_listed_for(actor))


def sample(audience: Audience, text: str) -> Broadcast:
    """An unsaved broadcast, for showing a preview as residents will see it."""
    return Broadcast(audience=audience.kind, audience_code=audience.code, text=text)


def still_going(broadcast: Broadcast) -> bool:
    """Not finished or cancelled yet (and so still cancellable)."""
    return broadcast.state in BROADCAST_GOING


def validate(text: str, *, with_photo: bool) -> Problem | None:
    if len(text) > SOURCE_MAX:  # refused before parsing, and so never stored
        return Problem("too_long", str(len(text)))
    return check(text, limit=CAPTION_MAX if with_photo else TEXT_MAX)


def quiet_zones(now: datetime, window: tuple[int, int] | None) -> list[str]:
    """The zones where it is now quiet time: local hours inside `window` (QUIET_HOURS, start and end hour)."""
    if window is None:
        return []
    start, end = window
    quiet = []
    for zone in ZONE_NAMES:
        hour = now.astimezone(ZONES[zone]).hour
        if (start <= hour or hour < end) if start > end else (start <= hour < end):
            quiet.append(zone)
    return quiet


def parse_local_time(value: str, zone: str) -> datetime:
    """'2026-12-01 09:00' in the audience's zone, as UTC."""
    local = datetime.strptime(value.strip(), "%Y-%m-%d %H:%M")
    return local.replace(tzinfo=ZONES[zone]).astimezone(UTC)


async def create(
    session: AsyncSession, actor_id: int | None, audience: Audience, *, text: str, photo: bytes | None = None,
    urgent: bool = False, send_at: datetime, progress_chat_id: int | None = None,
    photo_file_id: str | None = None, progress_message_id: int | None = None, survey_id: int | None = None,
) -> Broadcast:
    """Write the broadcast and its recipient rows; the sender takes it from there."""
    broadcast = Broadcast(
        created_by=actor_id, audience=audience.kind, audience_code=audience.code, text=text, photo=photo,
        photo_file_id=photo_file_id, urgent=urgent, send_at=send_at, progress_chat_id=progress_chat_id,
        progress_message_id=progress_message_id, survey_id=survey_id,
    )
    await store.create(session, broadcast)
    record(session, actor_id, "broadcast.create", str(broadcast.id), audience=audience.kind, code=audience.code,
           recipients=broadcast.total, urgent=urgent)
    return broadcast


async def announce_first_programs(
    session: AsyncSession, region_code: str, *, text: str, now: datetime
) -> Broadcast | None:
    """Tell the residents who asked that their region now lists programs (once: their request is then spent)."""
    region = await region_store.get_region(session, code=region_code)
    if region is None:
        return None
    audience = Audience("newprog", region.code, region.name, region.timezone)
    created = await create(session, None, audience, text=text, send_at=now)
    await store.clear_new_program_requests(session, region_code=region.code)
    return created


async def cancel(session: AsyncSession, actor: Actor | None, broadcast_id: int) -> Broadcast | None:
    """Stop a broadcast that is still going; None when not found, finished, or not the actor's to stop."""
    broadcast = await store.get(session, broadcast_id=broadcast_id, for_update=True)
    if broadcast is None or broadcast.state in BROADCAST_ENDED:
        return None
    if not may_cancel_broadcast(actor, broadcast):
        return None
    broadcast.state = BroadcastState.CANCELLED
    broadcast.finished_at = datetime.now(UTC)
    session.add(broadcast)
    record(session, actor.telegram_id if actor else None, "broadcast.cancel", str(broadcast_id))
    return broadcast


@dataclass(frozen=True, slots=True)
class Progress:
    broadcast: Broadcast
    total: int
    sent: int
    blocked: int
    failed: int
    pending: int
    rate: float  # messages per second since it started
    eta: timedelta | None

    @property
    def done(self) -> int:
        return self.sent + self.blocked + self.failed


async def progress(session: AsyncSession, broadcast_id: int, *, now: datetime) -> Progress | None:
    broadcast = await store.get(session, broadcast_id=broadcast_id)
    if broadcast is None:
        return None
    c = await store.counts(session, broadcast_id=broadcast_id)
    sent, blocked, failed, pending = (c[s] for s in (RecipientStatus.SENT, RecipientStatus.BLOCKED,
                                                      RecipientStatus.FAILED, RecipientStatus.PENDING))
    elapsed = (now - broadcast.started_at).total_seconds() if broadcast.started_at else 0.0
    rate = (sent + blocked + failed) / elapsed if elapsed > 0 else 0.0
    eta = timedelta(seconds=pending / rate) if rate > 0 and pending else None
    return Progress(broadcast, broadcast.total, sent, blocked, failed, pending, rate, eta)
