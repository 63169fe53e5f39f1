"""Crowds of residents against the fake Bot API with Telegram's flood limits switched on."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import select

from storage.db import Database
from storage.models import Feedback
from tests.support.fakebot import FakeBotAPI
from tests.support.harness import BotHarness, Person, ticket_in
from tests.support.settings import ADMIN_ID, TEST_TOKEN, make_settings

# Telegram's limits as the fake enforces them, and the bot's own defaults below them.
REAL_LIMITS = {"telegram_rate": 28.0, "telegram_chat_rate": 1.0, "telegram_chat_burst": 2}
PRESS_DEADLINE = 15.0  # Telegram drops a press that is not answered within about 15 s


def flood_fake(**extra: Any) -> FakeBotAPI:
    return FakeBotAPI(TEST_TOKEN, flood_control=True, global_rate=30.0, per_chat_rate=1.0, per_chat_burst=3,
                      max_calls=None, **extra)


@asynccontextmanager
async def crowd_harness(fake: FakeBotAPI, db: Database, db_url: str, **settings: Any) -> AsyncIterator[BotHarness]:
    await fake.start()
    h = BotHarness(fake, db, make_settings(fake.url, db_url, admin_ids=str(ADMIN_ID), **{**REAL_LIMITS, **settings}))
    h.timeout = 300.0
    await h.start()
    try:
        yield h
    finally:
        await h.stop()
        await fake.stop()


class Walker:
    """A resident who goes from /start to a ticket, checking every reply and how fast each press is answered."""

    def __init__(self, harness: BotHarness, user_id: int) -> None:
        self.p: Person = harness.person(user_id)
        self.fake = harness.fake
        self.slowest_answer = 0.0

    async def press(self, label: str, message: Any = None) -> Any:
        pressed = time.monotonic()
        answer, new = await self.p.press(label, message)
        assert answer is not None, f"press {label!r} of {self.p.id} never answered"
        query = next(c for c in reversed(self.fake.calls) if c.method == "answerCallbackQuery"
                     and c.ok and c.params.get("callback_query_id") == answer.get("callback_query_id"))
        self.slowest_answer = max(self.slowest_answer, query.at - pressed)
        return answer, new

    async def onboard(self) -> Any:
        [greeting] = await self.p.send("/start")
        assert "Selamat datang" in greeting.text
        await self.press("Saya setuju", greeting)
        assert "kabupaten atau kota" in greeting.text  # the greeting became the region prompt
        [choices] = await self.p.send("cirebon")
        await self.press("Kota Cirebon", choices)
        assert any("Ya, saya mau" in t for t, _ in self.p.buttons(choices))
        await self.press("Tidak, terima kasih", choices)
        assert "Program quick win di Kota Cirebon" in choices.text  # the same message, now the program list
        return choices

    async def rate(self, listing: Any, comment: str) -> str:
        await self.press("Cirebon Lengko", listing)
        await self.press("Beri nilai", listing)
        answer, _ = await self.press("4", listing)
        assert answer["text"] == "Terima kasih!"
        [ticket] = await self.p.send(comment)
        assert f"Nomor tiket: {ticket_in(ticket.text)}" in ticket.text, ticket.text
        return ticket.text


async def feedback_of(db: Database) -> dict[int, list[tuple[int, str | None]]]:
    async with db.unit_of_work() as s:
        rows = list((await s.exec(select(Feedback))).scalars())  # type: ignore[call-overload]
    found: dict[int, list[tuple[int, str | None]]] = {}
    for fb in rows:
        found.setdefault(fb.resident_id, []).append((fb.rating, fb.comment))
    return found


def late_429s(fake: FakeBotAPI, after: float) -> list[tuple[str, int | None]]:
    return [entry for entry, at in zip(fake.rate_limited, fake.rate_limited_at, strict=True) if at > after]
