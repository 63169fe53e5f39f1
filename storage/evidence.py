"""Queries on the evidence a resident added to a comment: one photo and/or one location (table evidence)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import run_select
from storage.models import Feedback
from storage.tables_tickets import Evidence


@dataclass(frozen=True, slots=True)
class Mark:
    """What a ticket carries, without the photo's bytes: for the inbox, the dashboard and /dataku."""

    feedback_id: int
    photo: bool
    district_code: str | None  # set when a location was added
    lat: float | None
    lon: float | None
    exact: bool


def _has_photo() -> ColumnElement[bool]:
    return col(Evidence.photo).is_not(None) | col(Evidence.photo_file).is_not(None)


async def get(session: AsyncSession, *, feedback_id: int) -> Evidence | None:
    return await session.get(Evidence, feedback_id)


def save(session: AsyncSession, row: Evidence) -> None:
    session.add(row)


async def marks(session: AsyncSession, *, feedback_ids: Sequence[int]) -> dict[int, Mark]:
    """The evidence of these tickets, by feedback id (one query; tickets without evidence are absent)."""
    if not feedback_ids:
        return {}
    stmt = select(col(Evidence.feedback_id), _has_photo(), col(Evidence.district_code), col(Evidence.lat),
                  col(Evidence.lon), col(Evidence.exact)).where(col(Evidence.feedback_id).in_(list(feedback_ids)))
    return {row[0]: Mark(row[0], bool(row[1]), *row[2:]) for row in (await run_select(session, stmt)).all()}


async def photo_of(session: AsyncSession, *, feedback_id: int) -> tuple[bytes | None, str | None]:
    """The photo's bytes (kept in the database) or its file name (kept in the folder); (None, None) without one."""
    stmt = select(col(Evidence.photo), col(Evidence.photo_file)).where(col(Evidence.feedback_id) == feedback_id)
    row = (await run_select(session, stmt)).first()
    return (row[0], row[1]) if row is not None else (None, None)


async def remove_for_resident(session: AsyncSession, *, resident_id: int) -> list[str]:
    """Delete the evidence of every ticket of the resident; returns the names of the photo files to delete."""
    tickets = select(col(Feedback.id)).where(col(Feedback.resident_id) == resident_id)
    files = (await run_select(session, select(col(Evidence.photo_file)).where(
        col(Evidence.feedback_id).in_(tickets), col(Evidence.photo_file).is_not(None)))).scalars().all()
    await session.exec(delete(Evidence).where(col(Evidence.feedback_id).in_(tickets)))
    return [name for name in files if name]
