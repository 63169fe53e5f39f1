"""Tests of the fake Bot API itself (tests/support/fakebot/): flood control (global window, per chat, paid lane, penalties) and fault injection."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from tests.support.fakebot import FakeBotAPI, make_png
from tests.support.fakebot_checks import USER_ID, FakeClock, seconds

# --------------------------------------------------------------------------- flood control


async def test_flood_control_is_off_by_default(
    bot: Bot, api: FakeBotAPI, user: dict[str, Any]
) -> None:
    for i in range(40):  # far beyond 1/s per chat
        await bot.send_message(USER_ID, f"m{i}")
    assert len(api.sent(USER_ID)) == 40
    assert api.counts["429"] == 0 and api.rate_limited == [] and api.errors == []
    assert api.delivered == 40 and api.delivered_by_chat == {USER_ID: 40}


async def test_global_limit_answers_429_with_retry_after(
    flood_bot: Bot, flood: FakeBotAPI, clock: FakeClock, http: aiohttp.ClientSession
) -> None:
    for chat_id in range(1, 31):
        await flood_bot.send_message(chat_id, "pengumuman")
    with pytest.raises(RetryAfter) as excinfo:
        await flood_bot.send_message(31, "pengumuman")
    assert seconds(excinfo.value) == 1
    assert flood.sent(31) == [] and flood.delivered == 30
    assert flood.counts["429"] == 1 and flood.rate_limited == [("sendMessage", 31)]
    assert flood.errors == []  # a 429 is not a bot bug
    call = flood.calls[-1]
    assert (call.ok, call.error) == (False, "Too Many Requests: retry after 1")

    # The wire format, as Telegram sends it.  Still inside the grace period of the first 429
    # (time is frozen), so this is a request "already in flight", not an ignored retry_after.
    async with http.post(
        f"{flood.bot_base_url}{flood.token}/sendMessage", json={"chat_id": 32, "text": "x"}
    ) as resp:
        assert resp.status == 429
        assert await resp.json() == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        }
    assert flood.errors == [] and flood.counts["429"] == 2

    # Other methods are not limited; after retry_after, sends go through again.
    await flood_bot.send_chat_action(31, "typing")
    await flood_bot.edit_message_text("diperbarui", 1, 1)
    clock.advance(1)
    await flood_bot.send_message(31, "pengumuman")
    assert [m.text for m in flood.sent(31)] == ["pengumuman"]
    assert flood.errors == []


async def test_global_window_slides(
    flood_bot: Bot, flood: FakeBotAPI, clock: FakeClock
) -> None:
    for chat_id in range(15):
        await flood_bot.send_message(1000 + chat_id, "a")
    clock.advance(0.6)
    for chat_id in range(15):
        await flood_bot.send_message(2000 + chat_id, "b")
    clock.advance(0.4)  # t = 1.0: the first 15 have left the window
    for chat_id in range(15):
        await flood_bot.send_message(3000 + chat_id, "c")
    with pytest.raises(RetryAfter) as excinfo:  # window frees at t = 1.6: 0.6 s → 1
        await flood_bot.send_message(4000, "d")
    assert seconds(excinfo.value) == 1
    assert flood.delivered == 45 and flood.errors == []


async def test_per_chat_burst_1_is_one_per_second(clock: FakeClock) -> None:
    async with (
        FakeBotAPI(flood_control=True, clock=clock, per_chat_burst=1) as server,
        Bot(server.token, base_url=server.bot_base_url) as client,
    ):
        for uid in (7, 8):
            server.push_update(server.message_update(server.user(uid), "/start"))
        await client.send_message(7, "satu")
        with pytest.raises(RetryAfter) as excinfo:
            await client.send_message(7, "dua")
        assert seconds(excinfo.value) == 1
        await client.send_message(8, "chat lain tidak terpengaruh")
        clock.advance(0.5)
        with pytest.raises(RetryAfter):  # 1/rate has not passed yet (and the penalty holds)
            await client.send_message(8, "terlalu cepat")
        clock.advance(0.5)
        await client.send_message(7, "dua")
        assert [m.text for m in server.sent(7)] == ["satu", "dua"]
        assert server.rate_limited == [("sendMessage", 7), ("sendMessage", 8)]
        assert server.errors == []
        # Photos and documents count too.
        with pytest.raises(RetryAfter):
            await client.send_photo(7, photo=make_png(2, 2))
        assert server.rate_limited[-1] == ("sendPhoto", 7)


async def test_paid_broadcast_does_not_starve_free_messages(
    flood_bot: Bot, flood: FakeBotAPI, clock: FakeClock
) -> None:
    for chat_id in range(1, 101):
        await flood_bot.send_message(chat_id, "berbayar", allow_paid_broadcast=True)
    assert flood.delivered == 100 and flood.counts["429"] == 0
    # Free messages have their own share: the paid traffic in the same second does not count...
    for chat_id in range(500, 530):
        await flood_bot.send_message(chat_id, "gratis")
    # ...but the free share itself is still 30/s,
    with pytest.raises(RetryAfter):
        await flood_bot.send_message(530, "gratis")
    # which does not stop paid messages,
    await flood_bot.send_message(601, "berbayar", allow_paid_broadcast=True)
    # but the per-chat limit still applies to them (burst 3, then 1/s).
    await flood_bot.send_message(1, "dua", allow_paid_broadcast=True)
    await flood_bot.send_message(1, "tiga", allow_paid_broadcast=True)
    with pytest.raises(RetryAfter):
        await flood_bot.send_message(1, "empat", allow_paid_broadcast=True)
    assert flood.rate_limited == [("sendMessage", 530), ("sendMessage", 1)]
    assert flood.delivered == 133 and flood.errors == []


async def test_paid_rate_is_a_limit_too(clock: FakeClock) -> None:
    async with (
        FakeBotAPI(flood_control=True, clock=clock, accept_any_chat=True, paid_rate=50) as server,
        Bot(server.token, base_url=server.bot_base_url) as client,
    ):
        for chat_id in range(50):
            await client.send_message(chat_id + 1, "x", allow_paid_broadcast=True)
        with pytest.raises(RetryAfter):
            await client.send_message(99, "x", allow_paid_broadcast=True)
        with pytest.raises(RetryAfter):  # within the penalty of the paid share
            await client.send_message(97, "x", allow_paid_broadcast=True)
        await client.send_message(98, "x")  # the free share is not under that penalty
        assert server.delivered == 51 and server.errors == []


async def test_sending_during_retry_after_is_an_error(
    flood_bot: Bot, flood: FakeBotAPI, clock: FakeClock
) -> None:
    for _ in range(3):  # the per-chat burst
        await flood_bot.send_message(7, "satu")
    with pytest.raises(RetryAfter):
        await flood_bot.send_message(7, "dua")
    clock.advance(0.05)  # within retry_after_grace: presumably already in flight
    with pytest.raises(RetryAfter):
        await flood_bot.send_message(7, "dua")
    assert flood.errors == []
    clock.advance(0.45)  # the bot was told to wait 1 s; it waited 0.5 s
    with pytest.raises(RetryAfter) as excinfo:
        await flood_bot.send_message(7, "dua")
    assert seconds(excinfo.value) == 1  # ceil(0.5)
    assert len(flood.errors) == 1
    assert flood.errors[0].startswith("ignored retry_after: sendMessage to chat 7 0.50s after")
    assert "retry_after=1 for chat 7" in flood.errors[0]
    await flood_bot.send_message(8, "chat lain")  # a per-chat penalty is for that chat only
    clock.advance(0.5)  # a bot that waits retry_after is fine
    await flood_bot.send_message(7, "dua")
    assert [m.text for m in flood.sent(7)] == ["satu"] * 3 + ["dua"]
    assert flood.counts["429"] == 3 and len(flood.errors) == 1


async def test_global_penalty_covers_every_chat(
    flood_bot: Bot, flood: FakeBotAPI, clock: FakeClock
) -> None:
    for chat_id in range(1, 31):
        await flood_bot.send_message(chat_id, "x")
    with pytest.raises(RetryAfter):
        await flood_bot.send_message(31, "x")
    clock.advance(0.9)  # the window is still full: the penalty holds whatever the chat
    with pytest.raises(RetryAfter):
        await flood_bot.send_message(99, "x")
    assert len(flood.errors) == 1 and "for the bot" in flood.errors[0]


async def test_flood_state_is_pruned(flood_bot: Bot, flood: FakeBotAPI, clock: FakeClock) -> None:
    flood.group(-100500)
    for chat_id in range(1, 61):
        await flood_bot.send_message(chat_id, "x", allow_paid_broadcast=True)
    await flood_bot.send_message(-100500, "grup")
    assert len(flood._chat_tat) == 60 and len(flood._group_times) == 1
    clock.advance(2)
    await flood_bot.send_message(1, "y")
    assert len(flood._chat_tat) == 1 and len(flood._tat_heap) == 1  # idle chats are forgotten
    assert len(flood._all_times) == 1 and len(flood._free_times) == 1
    assert len(flood._group_times) == 1  # a group is kept for group_window (60 s)
    clock.advance(60)
    await flood_bot.send_message(2, "z")
    assert flood._group_times == {} and len(flood._group_fifo) == 0


# --------------------------------------------------------------------------- fault injection


async def test_fail_next_variants(bot: Bot, api: FakeBotAPI, user: dict[str, Any]) -> None:
    api.fail_next("sendMessage", status=403, description="Forbidden: bot was blocked by the user")
    api.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
    api.fail_next("sendMessage", status=500, description="Internal Server Error", times=2)
    api.fail_next("sendMessage", status=502, description="Bad Gateway")
    assert api.pending_failures == 5
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(USER_ID, "a")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(USER_ID, "b")
    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_message(USER_ID, "c")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(USER_ID, "d")
    assert api.pending_failures == 0
    await bot.send_message(USER_ID, "e")
    assert [m.text for m in api.sent(USER_ID)] == ["e"]
    assert api.errors == []  # injected failures are not bot bugs
    assert [status for _, _, status in api.injected] == [403, 400, 500, 500, 502]
    assert api.counts["sendMessage"] == 6 and api.delivered == 1


async def test_fail_next_default_descriptions_chat_and_other_methods(
    bot: Bot, api: FakeBotAPI, user: dict[str, Any]
) -> None:
    other = api.user(43)
    api.push_update(api.message_update(other, "/start"))
    api.fail_next("sendPhoto", status=403, chat_id=43)
    await bot.send_photo(USER_ID, photo=make_png())  # another chat: not affected
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_photo(43, photo=make_png())
    api.fail_next("getUpdates", status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.get_updates()
    assert len(await bot.get_updates()) == 2
    with pytest.raises(ValueError, match="does not implement"):
        api.fail_next("sendTelepathy", status=500)
    with pytest.raises(ValueError):
        api.fail_next("sendMessage", status=200)
    api.fail_next("sendMessage", status=500)
    api.clear_failures()
    await bot.send_message(USER_ID, "ok")
    assert api.errors == [] and api.injected == [("sendPhoto", 43, 403), ("getUpdates", None, 502)]


async def test_fail_next_429_starts_a_penalty(
    bot: Bot, api: FakeBotAPI, user: dict[str, Any], clock: FakeClock
) -> None:
    api.clock = clock  # flood control stays off: only the injected 429 limits
    api.fail_next("sendMessage", status=429, retry_after=5)
    with pytest.raises(RetryAfter) as excinfo:
        await bot.send_message(USER_ID, "a")
    assert seconds(excinfo.value) == 5
    assert api.calls[-1].error == "Too Many Requests: retry after 5"
    clock.advance(2)
    with pytest.raises(RetryAfter) as excinfo:
        await bot.send_message(USER_ID, "b")
    assert seconds(excinfo.value) == 3
    assert len(api.errors) == 1 and api.errors[0].startswith("ignored retry_after: sendMessage")
    await bot.send_chat_action(USER_ID, "typing")  # another method: not covered
    clock.advance(3)
    await bot.send_message(USER_ID, "c")
    assert [m.text for m in api.sent(USER_ID)] == ["c"]
    assert api.counts["429"] == 2 and api.rate_limited == [("sendMessage", USER_ID)] * 2


async def test_blocked_users_get_403(bot: Bot, api: FakeBotAPI, user: dict[str, Any]) -> None:
    api.blocked_users.add(USER_ID)
    with pytest.raises(Forbidden, match="Forbidden: bot was blocked by the user"):
        await bot.send_message(USER_ID, "halo")
    with pytest.raises(Forbidden):
        await bot.send_photo(USER_ID, photo=make_png())
    with pytest.raises(Forbidden):
        await bot.send_chat_action(USER_ID, "typing")
    assert api.sent(USER_ID) == [] and api.errors == [] and api.delivered == 0
    assert [status for _, _, status in api.injected] == [403, 403, 403]
    api.blocked_users.discard(USER_ID)
    await bot.send_message(USER_ID, "halo")
    assert len(api.sent(USER_ID)) == 1

    async with (
        FakeBotAPI(blocked_users=[5], accept_any_chat=True) as server,
        Bot(server.token, base_url=server.bot_base_url) as client,
    ):
        with pytest.raises(Forbidden):
            await client.send_message(5, "x")
