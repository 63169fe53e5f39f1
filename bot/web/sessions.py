"""Dashboard sign-in without passwords: single-use login links from the chat, sessions, CSRF tokens.

Only hashes of the secrets are stored: a copy of the database lets nobody sign in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import delete, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.auth import Actor
from bot.officials import record
from storage.models import LoginToken, WebSession

LOGIN_TTL = timedelta(minutes=10)
COOKIE = "qw_session"
LOGIN_PATH = "/masuk"
SECRET_BYTES = 32  # 43 URL-safe characters
SECRET_MAX = 100  # anything longer is not one of ours: refused before hashing


def digest(secret: str) -> str:
    """The stored form of a login token or session id."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class LoginLink:
    url: str
    expires_at: datetime


def create_login_link(session: AsyncSession, actor: Actor, *, base_url: str, now: datetime) -> LoginLink:
    """A single-use link to the dashboard, valid LOGIN_TTL; the caller checked that the actor is an official."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    expires = now + LOGIN_TTL
    session.add(LoginToken(token_hash=digest(secret), official_id=actor.telegram_id, created_at=now, expires_at=expires))
    record(session, actor.telegram_id, "dashboard.link", expires_at=expires.isoformat())
    return LoginLink(f"{base_url.rstrip('/')}{LOGIN_PATH}?token={secret}", expires)


class LoginOutcome(Enum):
    ACCEPTED = "accepted"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


async def spend_login_token(session: AsyncSession, secret: str, *, now: datetime) -> tuple[LoginOutcome, int | None]:
    """Mark the token used, once, before it expires; (outcome, official id).

    One conditional UPDATE: of two requests racing with the same link, only one finds it unused.
    """
    if not secret or len(secret) > SECRET_MAX:
        return LoginOutcome.UNKNOWN, None
    token_hash = digest(secret)
    stmt = (
        update(LoginToken)
        .where(
            LoginToken.token_hash == token_hash,  # type: ignore[arg-type]
            LoginToken.used_at.is_(None),  # type: ignore[union-attr]
            LoginToken.expires_at > now,  # type: ignore[arg-type, operator]
        )
        .values(used_at=now)
        .returning(LoginToken.official_id)
    )
    official_id = (await session.exec(stmt)).scalar()  # type: ignore[call-overload]
    if official_id is not None:
        return LoginOutcome.ACCEPTED, int(official_id)
    token = await session.get(LoginToken, token_hash)
    if token is None:
        return LoginOutcome.UNKNOWN, None
    outcome = LoginOutcome.USED if token.used_at is not None else LoginOutcome.EXPIRED
    record(session, token.official_id, "dashboard.login_refused", reason=outcome.value)
    return outcome, token.official_id


async def start_session(
    session: AsyncSession, *, official_id: int, now: datetime, hours: int, language: str | None
) -> tuple[str, WebSession]:
    """A new session; returns the id for the cookie (only its hash is stored) and the row."""
    # Housekeeping on the rare write path: forget sessions and links that can no longer be used.
    await session.exec(delete(WebSession).where(WebSession.expires_at < now - timedelta(days=1)))  # type: ignore[call-overload, arg-type, operator]
    await session.exec(delete(LoginToken).where(LoginToken.expires_at < now - timedelta(days=1)))  # type: ignore[call-overload, arg-type, operator]
    session_id = secrets.token_urlsafe(SECRET_BYTES)
    row = WebSession(
        session_hash=digest(session_id), official_id=official_id, csrf_token=secrets.token_urlsafe(SECRET_BYTES),
        language=language, created_at=now, expires_at=now + timedelta(hours=hours),
    )
    session.add(row)
    record(session, official_id, "dashboard.login", expires_at=row.expires_at.isoformat())
    return session_id, row


async def find_session(session: AsyncSession, session_id: str | None, *, now: datetime) -> WebSession | None:
    """The live session the cookie names: not ended, not expired."""
    if not session_id or len(session_id) > SECRET_MAX:
        return None
    row = await session.get(WebSession, digest(session_id))
    if row is None or row.ended_at is not None or now >= row.expires_at:
        return None
    return row


def end_session(session: AsyncSession, row: WebSession, *, now: datetime) -> None:
    row.ended_at = now
    session.add(row)
    record(session, row.official_id, "dashboard.logout")


def csrf_ok(row: WebSession, given: object) -> bool:
    """Constant-time check of a form's CSRF token against the session's."""
    return isinstance(given, str) and bool(given) and hmac.compare_digest(given.encode(), row.csrf_token.encode())
