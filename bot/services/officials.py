"""Becoming and being an official: invites, the command-line roster, the digest switch, the audit trail."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.auth import Actor, may_invite_officials
from storage import officials as store
from storage import regions as region_store
from storage.models import Invite, Region

INVITE_TTL = timedelta(hours=72)
INVITE_PREFIX = "inv_"  # deep-link payloads allow [A-Za-z0-9_-], at most 64 characters


def record(session: AsyncSession, actor_id: int | None, action: str, target: str | None = None, **detail: Any) -> None:
    """Write one line of the audit log."""
    store.audit(session, actor_id=actor_id, action=action, target=target, detail=detail or None)


def hash_code(code: str) -> str:
    """What the database keeps of an invite: a copy of it is not enough to become an official."""
    return hashlib.sha256(code.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class NewInvite:
    code: str  # for the link, shown once to the admin; only its hash is stored
    invite: Invite
    region: Region


async def create_invite(session: AsyncSession, actor: Actor, *, region_code: str, now: datetime) -> NewInvite | None:
    """A single-use invite for a region, valid 72 hours; admins only. None when not allowed or no such region."""
    region = await region_store.get_region(session, code=region_code)
    if not may_invite_officials(actor) or region is None:
        return None
    code = secrets.token_urlsafe(15)
    invite = store.add_invite(
        session, code_hash=hash_code(code), region_code=region_code, created_by=actor.telegram_id,
        expires_at=now + INVITE_TTL,
    )
    record(session, actor.telegram_id, "invite.create", region_code, expires_at=invite.expires_at.isoformat())
    return NewInvite(code, invite, region)


class InviteOutcome(Enum):
    ACCEPTED = "accepted"
    USED = "used"
    EXPIRED = "expired"
    NO_REGION = "no_region"
    UNKNOWN = "unknown"


async def accept_invite(
    session: AsyncSession, *, code: str, telegram_id: int, now: datetime
) -> tuple[InviteOutcome, Region | None]:
    """Make the opener an official of the invite's region, once, before it expires."""
    invite = await store.get_invite(session, code_hash=hash_code(code), for_update=True)
    if invite is None:
        return InviteOutcome.UNKNOWN, None
    if invite.used_at is not None:
        record(session, telegram_id, "invite.refused", invite.region_code, reason="used")
        return InviteOutcome.USED, None
    if now >= invite.expires_at:
        record(session, telegram_id, "invite.refused", invite.region_code, reason="expired")
        return InviteOutcome.EXPIRED, None
    region = await region_store.get_region(session, code=invite.region_code)
    if region is None:
        record(session, telegram_id, "invite.refused", invite.region_code, reason="no region")
        return InviteOutcome.NO_REGION, None
    invite.used_by, invite.used_at = telegram_id, now
    session.add(invite)
    await store.add_official(session, telegram_id=telegram_id, region_codes=[region.code])
    record(session, telegram_id, "invite.accept", region.code, invited_by=invite.created_by)
    return InviteOutcome.ACCEPTED, region


def invite_code(payload: str | None) -> str | None:
    if payload and payload.startswith(INVITE_PREFIX) and len(payload) <= 64:
        return payload[len(INVITE_PREFIX) :]
    return None


async def set_digest(session: AsyncSession, actor: Actor, *, on: bool) -> bool:
    """Switch the weekly digest; False if the actor is not a registered official."""
    official = await store.get_official(session, telegram_id=actor.telegram_id)
    if official is None:
        return False
    official.digest = on
    session.add(official)
    record(session, actor.telegram_id, "digest.on" if on else "digest.off")
    return True


async def regions_of(session: AsyncSession, actor: Actor) -> list[Region]:
    """The regions an official works for (every region for an admin)."""
    every = await region_store.all_regions(session)
    return [r for r in every if actor.can_see_region(r.code)]
