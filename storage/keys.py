"""The deployment's generated key, stored once and shared by every process on the same database."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.inserts import insert_or_ignore
from storage.models import DeploymentKey, utcnow


async def stored_key(session: AsyncSession, *, name: str, candidate: str) -> str:
    """The key stored under `name`; `candidate` becomes it if there is none yet.

    Two processes starting at once both insert; the database keeps the first and both read that one.
    """
    stmt = insert_or_ignore(session, DeploymentKey, {"name": name, "secret": candidate, "created_at": utcnow()},
                            on=["name"])
    await session.exec(stmt)
    secret = await session.scalar(select(col(DeploymentKey.secret)).where(col(DeploymentKey.name) == name))
    assert secret is not None
    return str(secret)
