"""What the tests of the fake Bot API (tests/unit/fakebot/) share besides fixtures: a user, a keyboard, a clock
that moves only when told, and plain-HTTP requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import aiohttp
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import RetryAfter

from tests.support.fakebot import FakeBotAPI

USER_ID = 42


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d or "?", callback_data=d)] for d in data])


class FakeClock:
    """A ``clock`` for FakeBotAPI that only moves when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def seconds(error: RetryAfter) -> float:
    """RetryAfter.retry_after: a timedelta with PTB_TIMEDELTA=1, else an int."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


async def send(
    http: aiohttp.ClientSession, server: FakeBotAPI, method: str = "sendMessage", **params: Any
) -> tuple[int, dict[str, Any]]:
    """One Bot API request over plain HTTP: (status, decoded body); sendMessage text "x" unless
    given."""
    if method == "sendMessage":
        params.setdefault("text", "x")
    async with http.post(f"{server.bot_base_url}{server.token}/{method}", json=params) as resp:
        return resp.status, await resp.json()


def retry_after(body: dict[str, Any]) -> int | None:
    return body.get("parameters", {}).get("retry_after")
