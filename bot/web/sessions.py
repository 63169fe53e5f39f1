"""The dashboard's sessions and CSRF tokens, once a login link (bot/services/logins.py) has been spent.

Only the hash of a session id is stored: a copy of the database lets nobody sign in.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.logins import digest, new_secret, well_formed
from bot.services.officials import record
from storage import web_sessions as store
from storage.models import WebSession

COOKIE = "qw_session"
LOGIN_COOKIE = "qw_login"  # ties the landing page's form to this browser (login CSRF)


async def start_session(
    session: AsyncSession, *, official_id: int, now: datetime, hours: int, language: str | None
) -> tuple[str, WebSession]:
    """A new session; returns the id for the cookie (only its hash is stored) and the row."""
    # Housekeeping on the rare write path: forget sessions and links that can no longer be used.
    await store.forget_expired(session, before=now - timedelta(days=1))
    session_id = new_secret()
    row = store.add_web_session(
        session, session_hash=digest(session_id), official_id=official_id, csrf_token=new_secret(),
        language=language, created_at=now, expires_at=now + timedelta(hours=hours),
    )
    record(session, official_id, "dashboard.login", expires_at=row.expires_at.isoformat())
    return session_id, row


async def find_session(session: AsyncSession, session_id: str | None, *, now: datetime) -> WebSession | None:
    """The live session the cookie names: not ended, not expired."""
    if not well_formed(session_id):
        return None
    assert session_id is not None
    row = await store.get_web_session(session, session_hash=digest(session_id))
    if row is None or row.ended_at is not None or now >= row.expires_at:
        return None
    return row


def end_session(session: AsyncSession, row: WebSession, *, now: datetime) -> None:
    store.end_web_session(session, row, now=now)
    record(session, row.official_id, "dashboard.logout")


def same_secret(expected: str, given: object) -> bool:
    """Constant-time comparison of a form's token with the one we expect."""
    return isinstance(given, str) and bool(given) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def csrf_ok(row: WebSession, given: object) -> bool:
    """Constant-time check of a form's CSRF token against the session's."""
    return same_secret(row.csrf_token, given)
