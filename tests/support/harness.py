"""Drive the real bot as residents would: send messages, press buttons, read what comes back."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application, TypeHandler

from bot.app import build_application
from bot.config import Settings
from bot.services.keyring import load_keys
from bot.services.tickets import pseudonym
from storage.db import Database
from storage.models import Resident
from tests.support.fakebot import FakeBotAPI

DONE_GROUP = 10_000  # runs after every real handler of an update
TICKET = re.compile(r"\b[0-9]{4}-[0-9A-HJKMNP-TV-Z]{5}\b")  # 3273-K7PXD: the region, 5 random characters


def ticket_in(text: str | None) -> str:
    """The ticket number a message shows; fails the test when it shows none."""
    found = TICKET.search(text or "")
    assert found is not None, f"no ticket number in {text!r}"
    return found.group(0)


async def pseudonym_of(db: Database, settings: Settings, region_code: str, resident_id: int) -> str | None:
    """How this deployment names a resident to a region's officials (None: no such resident)."""
    async with db.unit_of_work() as s:
        keys = await load_keys(s, settings.secret_key)
        resident = await s.get(Resident, resident_id)
    return pseudonym(keys.pseudonym, region_code, resident_id, resident.pseudonym_salt if resident else None)


class FakeClock:
    """The bot's clock in tests: real time until a test sets it."""

    def __init__(self) -> None:
        self.now: datetime | None = None

    def __call__(self) -> datetime:
        return self.now or datetime.now(UTC)

    def advance(self, delta: timedelta) -> None:
        self.now = self() + delta


class BotHarness:
    """Runs the application built by the production factory against the fake Bot API server."""

    def __init__(self, fake: FakeBotAPI, db: Database, settings: Settings, clock: FakeClock | None = None) -> None:
        self.fake = fake
        self.db = db
        self.settings = settings
        self.clock = clock or FakeClock()
        self.app: Application = build_application(settings, db=db, clock=self.clock)  # type: ignore[type-arg]
        self._done: dict[int, asyncio.Event] = {}
        self.running = False
        self.timeout = 10.0  # seconds to wait for an update to be handled (crowd tests wait longer)
        self.app.add_handler(TypeHandler(Update, self._mark_done), group=DONE_GROUP)

    async def _mark_done(self, update: Update, _context: Any) -> None:
        self._done.setdefault(update.update_id, asyncio.Event()).set()

    async def start(self) -> None:
        # run_polling() would call post_init/post_shutdown itself; here the test drives the lifecycle.
        await self.app.initialize()
        if self.app.post_init:
            await self.app.post_init(self.app)
        await self.app.start()
        assert self.app.updater is not None
        limiter: Any = self.app.bot.rate_limiter
        await self.app.updater.start_polling(poll_interval=0.0, timeout=1, error_callback=getattr(limiter, "polling_failed", None))
        self.running = True

    async def stop(self) -> None:
        """Stop as a process would on SIGTERM (idempotent)."""
        if not self.running:
            return
        self.running = False
        assert self.app.updater is not None
        await self.app.updater.stop()
        await self.app.stop()
        await self.app.shutdown()
        if self.app.post_shutdown:
            await self.app.post_shutdown(self.app)

    async def deliver(self, update: dict[str, Any], timeout: float | None = None) -> int:
        """Push an update and wait until the bot has finished handling it."""
        update_id = self.fake.push_update(update)
        event = self._done.setdefault(update_id, asyncio.Event())
        await asyncio.wait_for(event.wait(), timeout or self.timeout)
        event.clear()
        return update_id

    async def redeliver(self, update: dict[str, Any], timeout: float = 10.0) -> None:
        """Have the server deliver an already-confirmed update again, and wait until it is handled."""
        event = self._done.setdefault(update["update_id"], asyncio.Event())
        event.clear()
        self.fake.redeliver(update)
        await asyncio.wait_for(event.wait(), timeout)
        event.clear()

    def person(self, user_id: int, language_code: str | None = "id", first_name: str = "Warga") -> Person:
        return Person(self, user_id, language_code, first_name)


class Person:
    """One resident with a phone."""

    def __init__(self, harness: BotHarness, user_id: int, language_code: str | None, first_name: str) -> None:
        self.h = harness
        self.fake = harness.fake
        self.id = user_id
        self.user = self.fake.user(user_id, first_name=first_name, language_code=language_code)
        self._step_start = 0

    @property
    def step_calls(self) -> list[str]:
        """The Bot API methods the bot called in this chat for the last message or press (its answer included)."""
        return [
            c.method for c in self.fake.calls[self._step_start :]
            if c.method == "answerCallbackQuery" or str(c.params.get("chat_id")) == str(self.id)
        ]

    # --- what the resident does ------------------------------------------------------------

    async def send(self, text: str | None = None, **fields: Any) -> list[Any]:
        """Send a message; return the bot's new messages in this chat."""
        before = len(self.fake.sent(self.id))
        self._step_start = len(self.fake.calls)
        await self.h.deliver(self.fake.message_update(self.user, text, **fields))
        return self.fake.sent(self.id)[before:]

    async def press(self, label: str, message: Any = None) -> Any:
        """Press the inline button whose text contains `label` on the latest message that has one."""
        message = message or self.message_with_button(label)
        data = self.button_data(message, label)
        return await self.press_data(message.message_id, data)

    async def press_data(self, message_id: int, data: str) -> Any:
        before = len(self.fake.sent(self.id))
        update = self.fake.callback_update(self.user, message_id, data)
        self._step_start = len(self.fake.calls)
        await self.h.deliver(update)
        return self.answer_for(update["callback_query"]["id"]), self.fake.sent(self.id)[before:]

    async def share_location(self, lat: float, lon: float) -> list[Any]:
        return await self.send(None, location={"latitude": lat, "longitude": lon})

    async def choose_region(self, typed: str, label: str, *, announcements: bool = False) -> Any:
        """Type a region's name, press it, and answer the once-only announcements question if it comes.

        Returns the message that then shows the region's programs (the pressed one, edited).
        """
        [choices] = await self.send(typed)
        await self.press(label, choices)
        if any(data.startswith("v1:subq:") for _text, data in self.buttons(choices)):
            await self.press_data(choices.message_id, "v1:subq:yes" if announcements else "v1:subq:no")
        return choices

    # --- what the resident sees ----------------------------------------------------------------

    @property
    def messages(self) -> list[Any]:
        return [m for m in self.fake.sent(self.id) if not m.deleted]

    @property
    def last(self) -> Any:
        return self.messages[-1]

    def message_with_button(self, label: str) -> Any:
        for message in reversed(self.messages):
            if self.button_data(message, label, missing_ok=True):
                return message
        raise AssertionError(f"no message has a button containing {label!r}; last: {self.last.text!r}")

    @staticmethod
    def buttons(message: Any) -> list[tuple[str, str]]:
        markup = message.reply_markup or {}
        return [
            (b["text"], b.get("callback_data", ""))
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]

    def button_data(self, message: Any, label: str, missing_ok: bool = False) -> str:
        for text, data in self.buttons(message):
            if label in text and data:
                return data
        if missing_ok:
            return ""
        raise AssertionError(f"no button containing {label!r} in {self.buttons(message)}")

    def answer_for(self, query_id: str) -> dict[str, Any] | None:
        for call in reversed(self.fake.calls):
            if call.method == "answerCallbackQuery" and str(call.params.get("callback_query_id")) == str(query_id):
                return call.params
        return None
