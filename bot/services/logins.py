"""Signing an official in to the dashboard from the chat: single-use login links (the rule, not the web page).

Only hashes of the secrets are stored: a copy of the database lets nobody sign in. A link is spent only by
the POST of its landing page, so a link preview, a prefetch or a link someone else sends you signs nobody in.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.auth import Actor
from bot.services.officials import record
from storage import web_sessions as store

LOGIN_TTL = timedelta(minutes=10)
LOGIN_MINUTES = int(LOGIN_TTL.total_seconds() // 60)  # as the chat and the login pages name it
LOGIN_PATH = "/masuk"
SECRET_BYTES = 32  # 43 URL-safe characters
# Anything else is not one of ours: refused before hashing or looking it up.
SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")


def digest(secret: str) -> str:
    """The stored form of a login token or session id."""
    return hashlib.sha256(secret.encode()).hexdigest()


def well_formed(secret: object) -> bool:
    return isinstance(secret, str) and SECRET_SHAPE.fullmatch(secret) is not None


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


@dataclass(frozen=True, slots=True)
class LoginLink:
    url: str
    expires_at: datetime


async def create_login_link(session: AsyncSession, actor: Actor, *, base_url: str, now: datetime) -> LoginLink:
    """A single-use link to the dashboard, valid LOGIN_TTL; the official's older unused links stop working.

    The caller checked that the actor is an official.
    """
    secret = new_secret()
    expires = now + LOGIN_TTL
    replaced = await store.add_login_token(session, token_hash=digest(secret), official_id=actor.telegram_id,
                                           now=now, expires_at=expires)
    detail: dict[str, Any] = {"replaced": replaced} if replaced else {}
    record(session, actor.telegram_id, "dashboard.link", expires_at=expires.isoformat(), **detail)
    return LoginLink(f"{base_url.rstrip('/')}{LOGIN_PATH}?token={secret}", expires)


class LoginOutcome(Enum):
    ACCEPTED = "accepted"
    USED = "used"
    EXPIRED = "expired"  # or replaced by a newer link
    UNKNOWN = "unknown"


async def check_login_token(session: AsyncSession, secret: str, *, now: datetime) -> LoginOutcome:
    """What the link would do, without spending it: the landing page shows a button or says why not."""
    if not well_formed(secret):
        return LoginOutcome.UNKNOWN
    token = await store.get_login_token(session, token_hash=digest(secret))
    if token is None:
        return LoginOutcome.UNKNOWN
    if token.used_at is not None:
        return LoginOutcome.USED
    return LoginOutcome.ACCEPTED if now < token.expires_at else LoginOutcome.EXPIRED


async def spend_login_token(session: AsyncSession, secret: str, *, now: datetime) -> tuple[LoginOutcome, int | None]:
    """Mark the token used, once, before it expires; (outcome, official id)."""
    if not well_formed(secret):
        return LoginOutcome.UNKNOWN, None
    token_hash = digest(secret)
    official_id = await store.spend_login_token(session, token_hash=token_hash, now=now)
    if official_id is not None:
        return LoginOutcome.ACCEPTED, official_id
    token = await store.get_login_token(session, token_hash=token_hash)
    if token is None:
        return LoginOutcome.UNKNOWN, None
    outcome = LoginOutcome.USED if token.used_at is not None else LoginOutcome.EXPIRED
    record(session, token.official_id, "dashboard.login_refused", reason=outcome.value)
    return outcome, token.official_id
