"""Keeping the catalogue current: officials (their regions) and admins add, change and close programs."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import broadcast
from bot.services.auth import Actor, may_manage_catalogue
from bot.services.catalog import DIMENSIONS, PROGRAM_STATUSES
from bot.services.officials import record
from storage import programs as program_store
from storage import regions as region_store
from storage.models import Program, utcnow
from storage.statuses import ProgramStatus

NAME_MAX, DESCRIPTION_MAX = 200, 2000


async def program_for(session: AsyncSession, actor: Actor, program_id: int) -> Program | None:
    """A listed program the actor may manage."""
    program = await program_store.get_program(session, program_id=program_id)
    return program if program is not None and may_manage_catalogue(actor, program.region_code) else None


async def add(session: AsyncSession, actor: Actor, *, region_code: str, name: str, description: str,
              dimension: str, status: str = ProgramStatus.RUNNING) -> Program | None:
    """A new program; None if the actor may not, the region is unknown, or the name is taken."""
    if not may_manage_catalogue(actor, region_code) or dimension not in DIMENSIONS or status not in PROGRAM_STATUSES:
        return None
    if await region_store.get_region(session, code=region_code) is None:
        return None
    names = await program_store.existing_program_names(session, region_codes={region_code})
    if (region_code, name) in names:
        return None
    program = Program(region_code=region_code, name=name[:NAME_MAX], description=description[:DESCRIPTION_MAX],
                      dimension=dimension, status=status)
    session.add(program)
    await session.flush()
    record(session, actor.telegram_id, "program.add", str(program.id), region=region_code, name=name)
    return program


async def set_status(session: AsyncSession, actor: Actor, program_id: int, status: str) -> Program | None:
    program = await program_for(session, actor, program_id)
    if program is None or status not in PROGRAM_STATUSES:
        return None
    if program.status != status:
        program.status = status
        session.add(program)
        record(session, actor.telegram_id, "program.status", str(program_id), status=status)
    return program


async def set_description(session: AsyncSession, actor: Actor, program_id: int, description: str) -> Program | None:
    program = await program_for(session, actor, program_id)
    if program is None:
        return None
    program.description = description[:DESCRIPTION_MAX]
    session.add(program)
    record(session, actor.telegram_id, "program.edit", str(program_id), field="description")
    return program


async def close(session: AsyncSession, actor: Actor, program_id: int) -> Program | None:
    program = await program_for(session, actor, program_id)
    if program is None:
        return None
    program.removed_at = utcnow()
    session.add(program)
    record(session, actor.telegram_id, "program.close", str(program_id))
    return program


async def notify_status(session: AsyncSession, actor: Actor, program: Program, *, audience_kind: str, text: str,
                        now: datetime) -> int:
    """Announce a program's new status to its followers or to its region's subscribers; returns recipients."""
    code = str(program.id) if audience_kind == "program" else program.region_code
    audience = await broadcast.resolve_audience(session, actor, audience_kind, code)
    if audience is None:
        return 0
    created = await broadcast.create(session, actor.telegram_id, audience, text=text, send_at=now)
    return created.total
