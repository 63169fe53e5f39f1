"""Rules about residents: who they are, what they agreed to, where they are in a flow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import evidence, quota
from bot.services.privacy import NOTICE_VERSION
from storage import broadcasts as broadcast_store
from storage import regions as region_store
from storage import residents as store
from storage import subscriptions as subscription_store
from storage.models import Region, Resident, utcnow
from storage.zones import DEFAULT_ZONE

# Flow states kept in the database (never in memory).
CHOOSING_REGION = "region"
COMMENTING = "comment"


@dataclass(frozen=True, slots=True)
class Arrival:
    resident: Resident
    duplicate: bool  # Telegram re-delivered an update already handled
    counted: bool  # already counted in the resident's flood window (quota.count_update(..., counted=True) judges it)


async def begin_update(session: AsyncSession, *, telegram_id: int, update_id: int | None, now: datetime) -> Arrival:
    """Load (or create) and lock the resident for this update, in one statement when they have a row."""
    if update_id is not None:
        claimed = await store.claim_update(
            session, telegram_id=telegram_id, update_id=update_id, clock=now, window_start=now - quota.MINUTE
        )
        if claimed is not None:
            return Arrival(claimed, duplicate=False, counted=True)
    resident = await store.ensure_resident(session, telegram_id=telegram_id)
    if update_id is not None:
        if resident.last_update_id is not None and update_id <= resident.last_update_id:
            return Arrival(resident, duplicate=True, counted=False)
        resident.last_update_id = update_id
    resident.blocked = False  # whoever writes to the bot has not blocked it (any more)
    store.touch(session, resident)
    return Arrival(resident, duplicate=False, counted=False)


def has_consented(resident: Resident) -> bool:
    """Agreed to the privacy notice as it is now (a changed notice is asked again)."""
    return resident.consent_at is not None and resident.consent_version == NOTICE_VERSION


def consent_outdated(resident: Resident) -> bool:
    """Agreed to an earlier version of the notice: to be asked again on their next message."""
    return resident.consent_at is not None and resident.consent_version != NOTICE_VERSION


def set_state(session: AsyncSession, resident: Resident, state: str | None, draft: dict[str, Any] | None = None) -> None:
    resident.state = state
    resident.draft = draft
    store.touch(session, resident)


def give_consent(session: AsyncSession, resident: Resident) -> bool:
    """Record consent to the current notice; False if it was already given."""
    if has_consented(resident):
        return False
    resident.consent_at = utcnow()
    resident.consent_version = NOTICE_VERSION
    resident.declined_at = None
    store.touch(session, resident)
    return True


def decline(session: AsyncSession, resident: Resident) -> None:
    resident.declined_at = utcnow()
    store.touch(session, resident)


def set_language(session: AsyncSession, resident: Resident, lang: str) -> None:
    resident.language = lang
    store.touch(session, resident)


async def choose_region(session: AsyncSession, resident: Resident, code: str) -> Region | None:
    """Set the resident's region if it exists; leaves any region-choosing state."""
    region = await region_store.cached_region(session, code=code)
    if region is None:
        return None
    resident.region_code = region.code
    if resident.state == CHOOSING_REGION:
        resident.state, resident.draft = None, None
    store.touch(session, resident)
    return region


async def region_of(session: AsyncSession, resident: Resident) -> Region | None:
    if resident.region_code is None:
        return None
    return await region_store.cached_region(session, code=resident.region_code)


async def zone_of(session: AsyncSession, resident: Resident) -> str:
    """The time zone of the resident's region (WIB before they chose one)."""
    region = await region_of(session, resident)
    return region.timezone if region else DEFAULT_ZONE


def set_screen(session: AsyncSession, resident: Resident, screen: str | None) -> None:
    """What the resident's last bot message now shows (a second tap on the same button changes nothing)."""
    resident.screen = screen
    session.add(resident)


def remember_prompt(session: AsyncSession, resident: Resident, message_id: int) -> None:
    """The message that asked for a comment after a rating, kept in the draft."""
    resident.draft = {**(resident.draft or {}), "prompt": message_id}
    session.add(resident)


def want_new_program_notice(session: AsyncSession, resident: Resident) -> None:
    resident.notify_new_programs = True
    store.touch(session, resident)


async def erase(session: AsyncSession, resident: Resident, *, evidence_dir: str | None = None) -> int:
    """Delete everything about the resident; ratings stay only as anonymous numbers.

    Their photos and locations go first (while the tickets still name them), with the photo files kept in
    `evidence_dir` (settings.evidence_dir): a caller that keeps photos in a folder must pass it."""
    await evidence.erase(session, resident, folder=evidence_dir)
    kept = await store.erase_resident(session, telegram_id=resident.telegram_id)
    session.expunge(resident)  # the row is gone: nothing may write it back at commit
    return kept


async def set_blocked(session: AsyncSession, telegram_id: int, *, blocked: bool) -> None:
    """Telegram told us the user blocked (or unblocked) the bot."""
    await broadcast_store.set_blocked(session, resident_id=telegram_id, blocked=blocked)


def set_subscribed(session: AsyncSession, resident: Resident, on: bool) -> None:
    """A yes/no to announcements for the region, and that the question was asked."""
    resident.subscribed, resident.subscription_asked = on, True
    store.touch(session, resident)


def mark_subscription_asked(session: AsyncSession, resident: Resident) -> None:
    """The announcements question was shown; it is not asked again."""
    resident.subscription_asked = True
    session.add(resident)


def unsubscribe(session: AsyncSession, resident: Resident) -> None:
    """The button under an announcement: no more announcements."""
    resident.subscribed = False
    session.add(resident)


async def followed(session: AsyncSession, resident: Resident) -> list[tuple[int, str]]:
    """The programs the resident follows, as (id, name)."""
    return await subscription_store.followed(session, resident_id=resident.telegram_id)


async def follow(session: AsyncSession, resident: Resident, program_id: int) -> bool:
    """Follow a program; False when it is no longer listed."""
    return await subscription_store.follow(session, resident_id=resident.telegram_id, program_id=program_id)


async def unfollow(session: AsyncSession, resident: Resident, program_id: int) -> None:
    await subscription_store.unfollow(session, resident_id=resident.telegram_id, program_id=program_id)
