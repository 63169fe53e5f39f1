"""Fixtures of the fake Bot API's own tests: a server, PTB's Bot on it, a user, plain HTTP, flood control on a frozen clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import Bot

from tests.support.fakebot import FakeBotAPI
from tests.support.fakebot_checks import USER_ID, FakeClock


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    server = FakeBotAPI()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.bot_base_url, base_file_url=api.file_base_url) as client:
        yield client


@pytest.fixture
def user(api: FakeBotAPI) -> dict[str, Any]:
    """A user who has written to the bot, so the bot may message them."""
    person = api.user(USER_ID)
    api.push_update(api.message_update(person, "/start"))
    return person


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta durations.

    Without it PTB 22.x warns (PTBDeprecationWarning) inside ``RetryAfter.__init__``, and
    with ``filterwarnings = error`` a 429 then surfaces as that warning, not as RetryAfter.
    """
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
def clock(ptb_timedelta: None) -> FakeClock:
    return FakeClock()


@pytest.fixture
async def flood(clock: FakeClock) -> AsyncIterator[FakeBotAPI]:
    """Flood control on, time frozen, any chat writable (no update needed per chat)."""
    async with FakeBotAPI(flood_control=True, clock=clock, accept_any_chat=True) as server:
        yield server


@pytest.fixture
async def flood_bot(flood: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(flood.token, base_url=flood.bot_base_url) as client:
        yield client
