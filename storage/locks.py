"""PostgreSQL advisory locks: one holder across every process that shares the database."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

BROADCAST_SENDER = 0x5157_4254  # "QWBT": one broadcast sender across all processes sharing a PostgreSQL database


async def try_advisory_lock(conn: AsyncConnection, key: int) -> bool:
    """Take the lock for as long as `conn` stays open; False if another connection holds it."""
    return bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
