"""Queries on program follows."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import run_select
from storage.inserts import insert_or_ignore
from storage.models import Program, ProgramFollow, utcnow


async def follow(session: AsyncSession, *, resident_id: int, program_id: int) -> bool:
    """Follow a listed program (idempotent); False if it is not listed."""
    program = await session.get(Program, program_id)
    if program is None or program.removed_at is not None:
        return False
    stmt = insert_or_ignore(session, ProgramFollow, {"resident_id": resident_id, "program_id": program_id,
                                                     "created_at": utcnow()}, on=["resident_id", "program_id"])
    await session.exec(stmt)
    return True


async def unfollow(session: AsyncSession, *, resident_id: int, program_id: int) -> None:
    await session.exec(delete(ProgramFollow).where(
        col(ProgramFollow.resident_id) == resident_id, col(ProgramFollow.program_id) == program_id))


async def followed(session: AsyncSession, *, resident_id: int) -> list[tuple[int, str]]:
    stmt = (
        select(col(Program.id), col(Program.name))
        .join(ProgramFollow, col(ProgramFollow.program_id) == col(Program.id))
        .where(col(ProgramFollow.resident_id) == resident_id)
        .order_by(col(Program.name))
    )
    return [(pid, name) for pid, name in (await run_select(session, stmt)).all()]
