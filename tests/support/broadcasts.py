"""Announcements for the tests: residents to reach, a broadcast created as an official would, what arrived."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.services import broadcast as service
from storage.models import BroadcastRecipient, Resident
from tests.support.harness import BotHarness

DAY = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 10:00 WIB, 12:00 WIT


async def residents(harness: BotHarness, region: str, ids: range, *, subscribed: bool = True) -> None:
    """Consented residents of a region, known to the fake server as chats."""
    async with harness.db.unit_of_work() as s:
        for rid in ids:
            s.add(Resident(telegram_id=rid, region_code=region, consent_at=DAY, subscribed=subscribed, language="id",
                           subscription_asked=True))
    harness.fake.accept_any_chat = True


async def announce(harness: BotHarness, region: str, text: str, *, urgent: bool = False, at: datetime = DAY) -> int:
    """A broadcast to the region's subscribers, due ``at``; its id."""
    async with harness.db.unit_of_work() as s:
        audience = await service.resolve_audience(s, None, "region", region)
        assert audience is not None
        b = await service.create(s, None, audience, text=text, urgent=urgent, send_at=at)
        return int(b.id)  # type: ignore[arg-type]


async def statuses(harness: BotHarness, broadcast_id: int) -> dict[str, int]:
    """Recipients by status."""
    async with harness.db.unit_of_work() as s:
        rows = (await s.exec(select(BroadcastRecipient.status, func.count())  # type: ignore[call-overload]
                             .where(BroadcastRecipient.broadcast_id == broadcast_id)
                             .group_by(BroadcastRecipient.status))).all()
    return dict(rows)


def received(harness: BotHarness, chat_id: int, text: str) -> int:
    """How many of the bot's messages in the chat hold ``text``."""
    return sum(1 for m in harness.fake.sent(chat_id) if text in (m.text or ""))
