"""A resident's own data, as the JSON file /dataku sends."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import feedback as feedback_store
from storage.models import Resident


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


async def resident_data(session: AsyncSession, resident: Resident) -> dict[str, Any]:
    rows = await feedback_store.resident_feedback_all(session, resident_id=resident.telegram_id)
    return {
        "telegram_id": resident.telegram_id,
        "language": resident.language,
        "region_code": resident.region_code,
        "consent_at": _iso(resident.consent_at),
        "declined_at": _iso(resident.declined_at),
        "subscribed_to_announcements": resident.subscribed,
        "notify_new_programs": resident.notify_new_programs,
        "current_step": resident.state,
        "ratings_and_comments_refused_until": _iso(resident.muted_until),  # an admin's mute, if any
        "created_at": _iso(resident.created_at),
        "feedback": [
            {
                "ticket": row.ticket,
                "program": row.program_name,
                "region": row.region_name,
                "rating": row.rating,
                "comment": row.comment,
                "status": row.status,
                "created_at": _iso(row.created_at),
            }
            for row in rows
        ],
    }


def to_json_bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
