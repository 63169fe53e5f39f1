"""Tests of the fake Bot API itself (tests/support/fakebot/): random faults, dropped connections, outages, delivery records."""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
)
from telegram.error import NetworkError

from tests.support.fakebot import FakeBotAPI
from tests.support.fakebot_checks import USER_ID, FakeClock, retry_after, send

# --------------------------------------------------------------------------- random faults


def statuses_of(server: FakeBotAPI, method: str = "getMe") -> list[int]:
    return [status for m, _, status in server.injected if m == method]


async def test_fail_randomly_is_reproducible(http: aiohttp.ClientSession) -> None:
    async def run(seed: int) -> tuple[list[bool], FakeBotAPI]:
        async with FakeBotAPI() as server:
            fault = server.fail_randomly("getMe", status=502, probability=0.3, seed=seed)
            failed = []
            for _ in range(40):
                status, _ = await send(http, server, "getMe")
                failed.append(status == 502)
                assert status in (200, 502)
            assert (fault.draws, fault.hits) == (40, sum(failed))
            assert server.errors == [] and statuses_of(server) == [502] * sum(failed)
            return failed, server

    first, _ = await run(7)
    again, _ = await run(7)
    rng = random.Random(7)
    assert first == again == [rng.random() < 0.3 for _ in range(40)]
    other, _ = await run(8)
    assert other != first
    assert 0 < sum(first) < 40


async def test_fail_randomly_several_registrations_and_clear(
    api: FakeBotAPI, user: dict[str, Any], http: aiohttp.ClientSession
) -> None:
    sends = api.fail_randomly(["sendMessage", "sendphoto"], status=500, probability=1.0, seed=1)
    getme = api.fail_randomly("getMe", status=403, probability=1.0)
    never = api.fail_randomly("getMe", status=400, probability=0.0)
    assert sends.methods == {"sendMessage", "sendPhoto"}
    status, body = await send(http, api, chat_id=USER_ID)
    assert (status, body["description"]) == (500, "Internal Server Error")
    status, body = await send(http, api, "getMe")
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")
    assert (getme.draws, never.draws, never.hits) == (1, 1, 0)
    api.fail_next("getMe", status=502)  # fail_next goes first; the random ones still draw
    assert (await send(http, api, "getMe"))[0] == 502
    assert (getme.draws, getme.hits) == (2, 2)
    assert api.sent(USER_ID) == [] and api.errors == []
    assert api.injected == [("sendMessage", USER_ID, 500), ("getMe", None, 403), ("getMe", None, 502)]
    api.clear_failures()
    assert api.random_failures == []
    assert (await send(http, api, chat_id=USER_ID))[0] == 200
    assert (await send(http, api, "getMe"))[0] == 200
    for bad in (
        lambda: api.fail_randomly("sendTelepathy", status=500, probability=0.5),
        lambda: api.fail_randomly("getMe", status=500, probability=1.5),
        lambda: api.fail_randomly("getMe", status=200, probability=0.5),
        lambda: api.fail_randomly("getMe", status=0, probability=0.5),
        lambda: api.fail_randomly("getMe", status=500, probability=0.5, drop="after"),
        lambda: api.fail_randomly("getMe", status=0, probability=0.5, drop="sideways"),  # type: ignore[arg-type]
        lambda: api.fail_randomly([], status=500, probability=0.5),
    ):
        with pytest.raises(ValueError):
            bad()


async def test_random_429_penalises_the_chat_or_the_method(
    clock: FakeClock, http: aiohttp.ClientSession
) -> None:
    async with FakeBotAPI(clock=clock, accept_any_chat=True) as server:
        server.fail_randomly("sendMessage", status=429, probability=1.0)
        status, body = await send(http, server, chat_id=7)
        assert (status, retry_after(body)) == (429, 1)
        server.clear_failures()  # the penalty stays
        assert (await send(http, server, chat_id=8))[0] == 200  # only chat 7 is penalised
        clock.advance(0.5)
        assert (await send(http, server, chat_id=7))[0] == 429
        assert server.errors[-1].startswith("ignored retry_after: sendMessage to chat 7")
        clock.advance(0.5)
        assert (await send(http, server, chat_id=7))[0] == 200

        # No chat_id (answerCallbackQuery): the penalty is for that method across the bot.
        person = server.user(9)
        server.push_update(server.message_update(person, "/start"))
        message = (await send(http, server, chat_id=9, text="Pilih", reply_markup={
            "inline_keyboard": [[{"text": "Ya", "callback_data": "ya"}]]}))[1]["result"]
        queries = [
            server.callback_update(person, message["message_id"], "ya")["callback_query"]["id"]
            for _ in range(2)
        ]
        server.fail_randomly("answerCallbackQuery", status=429, probability=1.0, retry_after=3)
        status, body = await send(http, server, "answerCallbackQuery", callback_query_id=queries[0])
        assert (status, retry_after(body)) == (429, 3)
        server.clear_failures()
        clock.advance(1)
        status, body = await send(http, server, "answerCallbackQuery", callback_query_id=queries[1])
        assert (status, retry_after(body)) == (429, 2)
        assert "for the bot (answerCallbackQuery)" in server.errors[-1]
        assert (await send(http, server, chat_id=9))[0] == 200  # other methods are not covered
        clock.advance(2)
        assert (await send(http, server, "answerCallbackQuery", callback_query_id=queries[1]))[0] == 200
        assert server.rate_limited == [
            ("sendMessage", 7), ("sendMessage", 7), ("answerCallbackQuery", None),
            ("answerCallbackQuery", None),
        ]  # fmt: skip
        assert server.rate_limited_at == [1000.0, 1000.5, 1001.0, 1002.0]


# --------------------------------------------------------------------------- dropped connections


async def test_dropped_connection_over_plain_http(
    api: FakeBotAPI, user: dict[str, Any], http: aiohttp.ClientSession
) -> None:
    api.fail_next("sendMessage", status=0, drop="before")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await send(http, api, chat_id=USER_ID, text="sebelum")
    assert api.sent(USER_ID) == [] and api.calls[-1].ok is False
    assert api.calls[-1].error == "fakebot: connection dropped before the request was executed"

    api.fail_next("sendMessage", status=0, drop="after", times=2)
    for text in ("sesudah", "lagi"):
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await send(http, api, chat_id=USER_ID, text=text)
    assert [m.text for m in api.sent(USER_ID)] == ["sesudah", "lagi"]  # delivered all the same
    assert api.calls[-1].ok is True and api.calls[-1].response["text"] == "lagi"

    # "after" on getUpdates: the updates were handed out, but are not confirmed, so come again.
    api.fail_next("getUpdates", status=0, drop="after")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await send(http, api, "getUpdates")
    assert [u["message"]["text"] for u in (await send(http, api, "getUpdates"))[1]["result"]] == ["/start"]

    assert api.dropped == [
        ("sendMessage", USER_ID, "before"), ("sendMessage", USER_ID, "after"),
        ("sendMessage", USER_ID, "after"), ("getUpdates", None, "after"),
    ]  # fmt: skip
    assert [status for _, _, status in api.injected] == [0, 0, 0, 0]
    assert api.errors == [] and api.counts["sendMessage"] == 3 and api.delivered == 2
    with pytest.raises(ValueError):
        api.fail_next("sendMessage", status=0)
    with pytest.raises(ValueError):
        api.fail_next("sendMessage", status=500, drop="before")


async def test_dropped_connection_is_a_network_error_in_ptb(
    bot: Bot, api: FakeBotAPI, user: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api.fail_next("sendMessage", status=0, drop="before")
    with pytest.raises(NetworkError, match="Server disconnected without sending a response"):
        await bot.send_message(USER_ID, "tidak terkirim")
    assert api.sent(USER_ID) == []
    api.fail_next("sendMessage", status=0, drop="after")
    with pytest.raises(NetworkError):
        await bot.send_message(USER_ID, "terkirim, tanpa jawaban")
    assert [m.text for m in api.sent(USER_ID)] == ["terkirim, tanpa jawaban"]

    api.fail_randomly("sendMessage", status=0, drop="before", probability=1.0)
    with pytest.raises(NetworkError):
        await bot.send_message(USER_ID, "acak")
    api.clear_failures()
    await bot.send_message(USER_ID, "normal")  # the client recovers on a new connection
    assert [m.text for m in api.sent(USER_ID)][-1] == "normal"
    assert api.errors == []
    noisy = [
        r for r in caplog.records
        if r.levelno >= logging.WARNING or r.exc_info or r.name.startswith("aiohttp")
    ]  # fmt: skip
    assert noisy == []


# --------------------------------------------------------------------------- outages


async def test_go_down_and_come_back_keep_state(api: FakeBotAPI, user: dict[str, Any]) -> None:
    port = api.port
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
        _, body = await send(http, api, "getUpdates")
        confirmed = body["result"][-1]["update_id"] + 1
        assert (await send(http, api, chat_id=USER_ID, text="sebelum"))[0] == 200
        poll = asyncio.create_task(send(http, api, "getUpdates", offset=confirmed, timeout=30))
        await asyncio.sleep(0.1)
        await api.go_down()
        assert api.is_down and api._polls == []
        with pytest.raises(aiohttp.ClientError):  # the held poll ends without an answer
            await asyncio.wait_for(poll, 2)
        with pytest.raises(aiohttp.ClientConnectorError):  # connection refused
            await send(http, api, "getMe")
        await api.go_down()  # already down: nothing happens
        update_id = api.push_update(api.message_update(user, "selama gangguan"))

        await api.come_back()
        assert not api.is_down and api.port == port
        _, body = await send(http, api, "getUpdates", offset=confirmed)
        assert [u["update_id"] for u in body["result"]] == [update_id]
        assert [m.text for m in api.sent(USER_ID)] == ["sebelum"]
        assert (await send(http, api, chat_id=USER_ID, text="sesudah"))[0] == 200
        assert [m.text for m in api.sent(USER_ID)] == ["sebelum", "sesudah"]
        assert api.counts["sendMessage"] == 2 and api.counts["getUpdates"] == 3
    ((down, up),) = api.outages
    assert up is not None and down <= up
    assert api.errors == []


async def test_down_for_with_ptb(bot: Bot, api: FakeBotAPI, user: dict[str, Any]) -> None:
    back = await api.down_for(0.3)
    assert api.is_down
    # A pooled keep-alive connection that the outage closed gives ReadError/RemoteProtocolError,
    # a new one ConnectError (refused): NetworkError either way.
    causes = []
    for _ in range(5):
        with pytest.raises(NetworkError, match=r"ReadError|RemoteProtocolError|ConnectError") as excinfo:
            await bot.send_message(USER_ID, "gagal")
        causes.append(str(excinfo.value))
        if "ConnectError" in causes[-1]:
            break
    assert "ConnectError" in causes[-1], causes
    await asyncio.wait_for(back, 2)
    assert not api.is_down
    await bot.send_message(USER_ID, "kembali")
    assert [m.text for m in api.sent(USER_ID)] == ["kembali"]
    ((down, up),) = api.outages
    assert up is not None and up - down >= 0.3
    # come_back() before the scheduled return cancels it.
    back = await api.down_for(30)
    await api.come_back()
    await asyncio.sleep(0)
    assert back.cancelled() and len(api.outages) == 2 and api.outages[-1][1] is not None


# --------------------------------------------------------------------------- delivery records


async def test_delivery_times_are_bounded_and_kept_without_messages(
    clock: FakeClock, http: aiohttp.ClientSession
) -> None:
    async with FakeBotAPI(
        clock=clock, accept_any_chat=True, store_messages=False, record_calls=False, delivery_log=5
    ) as server:  # flood control off: times are logged all the same
        for i in range(8):
            assert (await send(http, server, chat_id=i + 1, allow_paid_broadcast=i % 2 == 1))[0] == 200
            clock.advance(0.25)
        await send(http, server, "sendChatAction", chat_id=1, action="typing")  # not a message
        assert list(server.free_delivery_times) == [1000.0, 1000.5, 1001.0, 1001.5]
        assert list(server.paid_delivery_times) == [1000.25, 1000.75, 1001.25, 1001.75]
        assert server.max_in_window(1.0) == 4  # (t-1, t]: four deliveries 0.25 s apart
        assert server.max_in_window(0.5, paid=False) == 1
        assert server.max_in_window(2.0) == 8
        for _ in range(20):
            await send(http, server, chat_id=1)
        assert len(server.free_delivery_times) == 5 and server.max_in_window(1.0, paid=False) == 5
        with pytest.raises(ValueError):
            server.max_in_window(0)
