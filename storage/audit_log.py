"""Queries on the audit log for the dashboard: filtered, newest first, a page at a time, every filter in SQL.

An entry belongs to a region when its target is the region's code or its detail names it as "region"
(`detail["region"]`, read as text by SQLite's JSON functions and PostgreSQL's ->> alike).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import run_select
from storage.models import AuditEntry


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which entries: `visible` is who may see what (None: every entry, else entries of those regions only);
    `regions` the region filter asked for (None: no filter); `since` included, `until` excluded."""

    visible: list[str] | None = None
    regions: list[str] | None = None
    actor_id: int | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _of_regions(codes: list[str]) -> Any:
    region = AuditEntry.detail["region"].as_string()  # type: ignore[index]  # a JSON column: SQLAlchemy's JSON index
    return or_(col(AuditEntry.target).in_(codes), region.in_(codes))


def _conditions(flt: AuditFilter) -> list[Any]:
    conditions = []
    if flt.visible is not None:
        conditions.append(_of_regions(flt.visible))
    if flt.regions is not None:
        conditions.append(_of_regions(flt.regions))
    if flt.actor_id is not None:
        conditions.append(col(AuditEntry.actor_id) == flt.actor_id)
    if flt.action is not None:
        conditions.append(col(AuditEntry.action) == flt.action)
    if flt.since is not None:
        conditions.append(col(AuditEntry.at) >= flt.since)
    if flt.until is not None:
        conditions.append(col(AuditEntry.at) < flt.until)
    return conditions


async def entries(session: AsyncSession, flt: AuditFilter, *, limit: int, offset: int = 0) -> list[AuditEntry]:
    """The matching entries, newest first (the id breaks ties between entries of the same moment)."""
    stmt = (
        select(AuditEntry).where(*_conditions(flt))
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .limit(limit).offset(offset)
    )
    return list((await run_select(session, stmt)).scalars())


async def count_entries(session: AsyncSession, flt: AuditFilter) -> int:
    stmt = select(func.count()).select_from(AuditEntry).where(*_conditions(flt))
    return int((await run_select(session, stmt)).scalar_one())


async def actions(session: AsyncSession, *, visible: list[str] | None) -> list[str]:
    """The actions present among the entries one may see, alphabetically (for the filter's choices)."""
    stmt = select(col(AuditEntry.action)).distinct().order_by(col(AuditEntry.action))
    if visible is not None:
        stmt = stmt.where(_of_regions(visible))
    return list((await run_select(session, stmt)).scalars())
