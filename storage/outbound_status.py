"""The outbound path's reports, one row per bot process."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import OutboundStatus

KEEP = timedelta(hours=1)  # a process silent this long has stopped


async def publish(session: AsyncSession, *, process: str, data: dict[str, Any], now: datetime) -> None:
    row = await session.get(OutboundStatus, process)
    if row is None:
        row = OutboundStatus(process=process, data="{}")
    row.data, row.updated_at = json.dumps(data, sort_keys=True), now
    session.add(row)
    await session.exec(delete(OutboundStatus).where(col(OutboundStatus.updated_at) < now - KEEP))


async def recent(session: AsyncSession, *, since: datetime) -> list[tuple[datetime, dict[str, Any]]]:
    rows = (await session.exec(select(OutboundStatus).where(col(OutboundStatus.updated_at) >= since))).all()
    return [(r.updated_at, json.loads(r.data)) for r in sorted(rows, key=lambda r: r.process)]
