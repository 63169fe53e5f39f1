"""Queries on the dashboard's login links and sessions; the rows hold only hashes of their secrets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import LoginToken, WebSession


async def add_login_token(
    session: AsyncSession, *, token_hash: str, official_id: int, now: datetime, expires_at: datetime
) -> int:
    """Store a new login link and end the official's older unused ones; returns how many were ended.

    One pending link per official: asking again (or a flood of /dasbor) never leaves several live links.
    """
    result = await session.exec(
        update(LoginToken)
        .where(
            col(LoginToken.official_id) == official_id,
            *_live(now),
        )
        .values(expires_at=now)
    )
    session.add(LoginToken(token_hash=token_hash, official_id=official_id, created_at=now, expires_at=expires_at))
    return int(result.rowcount or 0)


async def spend_login_token(session: AsyncSession, *, token_hash: str, now: datetime) -> int | None:
    """Mark the link used if it is unused and unexpired; the official's id, or None.

    One conditional UPDATE: of two requests racing with the same link, only one finds it unused.
    """
    stmt = (
        update(LoginToken)
        .where(
            col(LoginToken.token_hash) == token_hash,
            *_live(now),
        )
        .values(used_at=now)
        .returning(col(LoginToken.official_id))
    )
    official_id = (await session.exec(stmt)).scalar()
    return int(official_id) if official_id is not None else None


async def get_login_token(session: AsyncSession, *, token_hash: str) -> LoginToken | None:
    return await session.get(LoginToken, token_hash)


async def get_web_session(session: AsyncSession, *, session_hash: str) -> WebSession | None:
    return await session.get(WebSession, session_hash)


def add_web_session(
    session: AsyncSession, *, session_hash: str, official_id: int, csrf_token: str, language: str | None,
    created_at: datetime, expires_at: datetime,
) -> WebSession:
    row = WebSession(session_hash=session_hash, official_id=official_id, csrf_token=csrf_token, language=language,
                     created_at=created_at, expires_at=expires_at)
    session.add(row)
    return row


def end_web_session(session: AsyncSession, row: WebSession, *, now: datetime) -> None:
    row.ended_at = now
    session.add(row)


async def forget_expired(session: AsyncSession, *, before: datetime) -> None:
    """Delete sessions and login links that expired before `before`: they can no longer be used."""
    await session.exec(delete(WebSession).where(col(WebSession.expires_at) < before))
    await session.exec(delete(LoginToken).where(col(LoginToken.expires_at) < before))


async def forget_official(session: AsyncSession, *, official_id: int) -> int:
    """Delete every session and login link of an official (removed from the roster); returns rows deleted."""
    sessions = await session.exec(delete(WebSession).where(col(WebSession.official_id) == official_id))
    links = await session.exec(delete(LoginToken).where(col(LoginToken.official_id) == official_id))
    return int(sessions.rowcount or 0) + int(links.rowcount or 0)


def _live(now: datetime) -> tuple[Any, ...]:
    """A link that is neither used nor expired."""
    return (col(LoginToken.used_at).is_(None), col(LoginToken.expires_at) > now)
