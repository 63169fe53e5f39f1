"""The aiohttp HTTP layer (bot/telegram/http.py) against the fake Bot API: what PTB sends, and what failures mean."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import zlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.telegram.failures import Failure, classify
from bot.telegram.http import AiohttpRequest
from tests.support.fakebot import FakeBotAPI

USER_ID = 4242


@contextlib.asynccontextmanager
async def _request(**timeouts: Any) -> AsyncIterator[AiohttpRequest]:
    request = AiohttpRequest(1, **timeouts)
    await request.initialize()
    try:
        yield request
    finally:
        await request.shutdown()


def _bot(base_url: str, token: str, **timeouts: Any) -> Bot:
    return Bot(token, base_url=base_url, request=AiohttpRequest(8, **timeouts), get_updates_request=AiohttpRequest(1))


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    fake.push_update(fake.message_update(fake.user(USER_ID), "/start"))  # the user wrote first: the bot may answer
    async with _bot(fake.bot_base_url, fake.token) as client:
        yield client


async def test_messages_keyboards_and_updates_arrive_as_sent(fake: FakeBotAPI, bot: Bot) -> None:
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates if u.message] == ["/start"]
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Beri nilai ⭐", callback_data="v1:ask:1")]])
    sent = await bot.send_message(USER_ID, "<b>Halo</b> &amp; selamat datang 🙂", parse_mode="HTML", reply_markup=markup)
    stored = fake.sent(USER_ID)[-1]
    assert stored.text == "Halo & selamat datang 🙂"
    assert sent.reply_markup == markup
    await bot.edit_message_text("Sudah diubah", chat_id=USER_ID, message_id=sent.message_id)
    assert fake.sent(USER_ID)[-1].text == "Sudah diubah"
    assert fake.errors == []


async def test_a_photo_goes_as_multipart(fake: FakeBotAPI, bot: Bot) -> None:
    png = _png(4, 3)
    message = await bot.send_photo(USER_ID, InputFile(png, filename="ringkasan.png"), caption="Ringkasan <i>minggu</i>",
                                   parse_mode="HTML")
    assert message.photo and fake.sent(USER_ID)[-1].caption == "Ringkasan minggu"
    assert fake.errors == []


def _png(width: int, height: int) -> bytes:
    """A valid grey PNG (the fake server checks what it is sent)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


async def test_telegram_refusals_stay_refusals(fake: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(USER_ID, "<b>unclosed", parse_mode="HTML")
    assert classify(refused.value) is Failure.PERMANENT
    fake.errors.clear()  # the refusal was the point; nothing else may be refused


async def test_a_refused_connection_was_not_sent() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with _request() as request:
        with pytest.raises(NetworkError) as failed:
            await request.post(f"http://127.0.0.1:{port}/bot123:abc/sendMessage")
    assert classify(failed.value) is Failure.NOT_SENT


async def test_a_dropped_connection_may_have_been_sent(fake: FakeBotAPI, bot: Bot) -> None:
    fake.fail_next("sendMessage", status=0, drop="after")
    with pytest.raises(NetworkError) as failed:
        await bot.send_message(USER_ID, "x")
    assert classify(failed.value) is Failure.MAYBE_SENT


async def test_a_read_timeout_may_have_been_sent() -> None:
    async def slow(_request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/bot123:abc/{method}", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with _request(read_timeout=0.2) as request:
            with pytest.raises(TimedOut) as failed:
                await request.post(f"http://127.0.0.1:{port}/bot123:abc/sendMessage")
    finally:
        await runner.cleanup()
    assert classify(failed.value) is Failure.MAYBE_SENT


async def test_not_initialised_is_our_own_error() -> None:
    request = AiohttpRequest(1)
    with pytest.raises(RuntimeError):
        await request.do_request("http://127.0.0.1:9/x", "POST")
