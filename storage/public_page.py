"""What an admin has hidden from the public page (/publik): the national list, or one region's page; and its queries.

A row is a hidden page: `scope` is NATIONAL for the national list, or a region's code. Showing it again deletes the
row. The figures themselves are storage/public_figures.py's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, delete, select
from sqlmodel import Field, SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.columns import UTCDateTime, utcnow
from storage.db import run_select

NATIONAL = "nasional"  # the scope of the national list (no region code looks like it)


class PublicHidden(SQLModel, table=True):
    """A page of /publik an admin turned off."""

    __tablename__ = "public_hidden"

    scope: str = Field(primary_key=True, max_length=8)  # NATIONAL, or a region code
    hidden_by: int | None = Field(default=None, sa_type=BigInteger)  # the admin's Telegram id
    hidden_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


async def hidden_scopes(session: AsyncSession) -> set[str]:
    """Every hidden scope (a handful of rows at most); one query."""
    return set((await run_select(session, select(col(PublicHidden.scope)))).scalars().all())


async def hide(session: AsyncSession, *, scope: str, by: int | None, now: datetime) -> bool:
    """Hide a page; False when it was hidden already."""
    if await session.get(PublicHidden, scope) is not None:
        return False
    session.add(PublicHidden(scope=scope, hidden_by=by, hidden_at=now))
    return True


async def show(session: AsyncSession, *, scope: str) -> bool:
    """Show a page again; False when it was not hidden."""
    result = await session.exec(delete(PublicHidden).where(col(PublicHidden.scope) == scope))
    return bool(result.rowcount)

