"""Tests of the fake Bot API itself (tests/support/fakebot/): memory options and the standalone server."""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
)
from telegram.error import BadRequest

from tests.support.fakebot import FakeBotAPI, make_png

# --------------------------------------------------------------------------- memory options


async def test_store_messages_false_keeps_counters_only() -> None:
    async with (
        FakeBotAPI(store_messages=False, record_calls=False) as server,
        Bot(server.token, base_url=server.bot_base_url) as client,
    ):
        server.push_update(server.message_update(server.user(7), "/start"))
        first = await client.send_message(7, "<b>satu</b>", parse_mode="HTML")
        second = await client.send_photo(7, photo=make_png(), caption="dua")
        assert (first.message_id, second.message_id) == (2, 3)
        assert first.text == "satu" and second.caption == "dua"
        assert server.sent(7) == [] and server.calls == []
        assert server.delivered == 2 and server.delivered_by_chat == {7: 2}
        with pytest.raises(BadRequest, match="Can't parse entities"):  # still validated
            await client.send_message(7, "<b>", parse_mode="HTML")
        with pytest.raises(BadRequest, match="Chat not found"):  # still only known chats
            await client.send_message(8, "x")
        assert server.delivered == 2 and len(server.errors) == 2


async def test_accept_any_chat(http: aiohttp.ClientSession) -> None:
    async with (
        FakeBotAPI(accept_any_chat=True) as server,
        Bot(server.token, base_url=server.bot_base_url) as client,
    ):
        msg = await client.send_message(555, "halo")
        assert msg.chat.id == 555 and msg.chat.type == "private" and msg.message_id == 1
        assert (await client.send_message(555, "lagi")).message_id == 2
        assert [m.text for m in server.sent(555)] == ["halo", "lagi"]
        await client.edit_message_text("diubah", 555, 1)
        group = await client.send_message(-1001234, "grup")
        assert group.chat.type == "supergroup"
        with pytest.raises(BadRequest, match="Message to edit not found"):
            await client.edit_message_text("x", 556, 1)
        assert len(server.errors) == 1
        assert server.errors[0].startswith("editMessageText: Bad Request: message to edit not found")

    # With store_messages=False no per-chat object is kept at all.
    async with FakeBotAPI(
        accept_any_chat=True, store_messages=False, record_calls=False
    ) as server:
        url = f"{server.bot_base_url}{server.token}/sendMessage"
        for chat_id in range(1, 301):
            async with http.post(url, json={"chat_id": chat_id, "text": "x"}) as resp:
                assert resp.status == 200
        async with http.post(url, json={"chat_id": 1, "text": "y"}) as resp:
            assert (await resp.json())["result"]["message_id"] == 2
        assert server._chats == {} and server.delivered == 301
        assert len(server.delivered_by_chat) == 300 and server.delivered_by_chat[1] == 2


# --------------------------------------------------------------------------- standalone


async def test_standalone_flags_and_control_api(http: aiohttp.ClientSession) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.fakebot", "--port", "0", "--flood", "--global-rate", "2",
        "--accept-any-chat", "--no-store-messages", "--blocked", "5,6",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        url = (await asyncio.wait_for(proc.stdout.readline(), 10)).decode().strip()
        assert "flood control: 2/s overall" in (await proc.stdout.readline()).decode()
        base = f"{url}/bot123456789:TEST-fakebot-token"
        statuses = []
        for chat_id in (1, 2, 3, 5):
            async with http.post(f"{base}/sendMessage", json={"chat_id": chat_id, "text": "x"}) as r:
                statuses.append(r.status)
        assert statuses == [200, 200, 429, 429]  # 2/s; then the penalty (5 is blocked too)
        async with http.post(
            f"{url}/_fake/fail", json={"method": "getMe", "status": 500}
        ) as r:
            assert (await r.json())["pending_failures"] == 1
        async with http.post(f"{base}/getMe") as r:
            assert r.status == 500
        async with http.get(f"{url}/_fake/stats") as r:
            stats = await r.json()
        assert stats["delivered"] == 2 and stats["rate_limited"] == 2 and stats["injected"] == 1
    finally:
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), 10)


# --------------------------------------------------------------------------- standalone, new options


async def test_standalone_new_options_and_control_endpoints() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.fakebot", "--port", "0", "--flood", "--accept-any-chat",
        "--per-chat-burst", "2", "--group-limit", "2", "--group-window", "60",
        stdout=asyncio.subprocess.PIPE,
    )
    connector = aiohttp.TCPConnector(force_close=True)
    try:
        assert proc.stdout is not None
        url = (await asyncio.wait_for(proc.stdout.readline(), 10)).decode().strip()
        line = (await proc.stdout.readline()).decode()
        assert "(burst 2), 2 per 60s per group" in line
        base = f"{url}/bot123456789:TEST-fakebot-token"
        async with aiohttp.ClientSession(connector=connector) as http:

            async def status_of(method: str, **params: Any) -> int:
                async with http.post(f"{base}/{method}", json=params) as r:
                    return r.status

            assert [await status_of("sendMessage", chat_id=1, text="x") for _ in range(3)] == [200, 200, 429]
            assert [await status_of("sendMessage", chat_id=-5, text="x") for _ in range(3)] == [200, 200, 429]
            async with http.post(
                f"{url}/_fake/fail_randomly", json={"methods": ["getMe"], "status": 503, "probability": 1}
            ) as r:
                assert (await r.json())["random_failures"] == 1
            assert await status_of("getMe") == 503
            async with http.post(f"{url}/_fake/fail", json={"method": "getMe", "status": 0, "drop": "before"}) as r:
                assert r.status == 200
            with pytest.raises(aiohttp.ServerDisconnectedError):
                await status_of("getMe")
            async with http.post(f"{url}/_fake/clear_failures") as r:
                assert r.status == 200
            assert await status_of("getMe") == 200

            async with http.post(f"{url}/_fake/down", json={}) as r:
                assert r.status == 400  # the duration is mandatory
            async with http.post(f"{url}/_fake/down", json={"seconds": 0.4}) as r:
                assert (await r.json()) == {"down_for": 0.4}
            await asyncio.sleep(0.1)
            with pytest.raises(aiohttp.ClientConnectorError):
                await status_of("getMe")
            await asyncio.sleep(0.5)
            assert await status_of("getMe") == 200

            proc.send_signal(signal.SIGUSR1)  # down ...
            await asyncio.sleep(0.2)
            with pytest.raises(aiohttp.ClientConnectorError):
                await status_of("getMe")
            proc.send_signal(signal.SIGUSR2)  # ... and up again
            await asyncio.sleep(0.2)
            async with http.get(f"{url}/_fake/stats") as r:
                stats = await r.json()
        assert stats["delivered"] == 4 and stats["rate_limited"] == 2 and stats["dropped"] == 1
        assert stats["max_per_second"] == 4 and len(stats["outages"]) == 2
        assert all(up is not None for _, up in stats["outages"])
    finally:
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), 10)
