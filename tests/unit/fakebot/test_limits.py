"""Tests of the fake Bot API itself (tests/support/fakebot/): the per-chat token bucket, groups, the paid share."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.support.fakebot import FakeBotAPI
from tests.support.fakebot_checks import FakeClock, retry_after, send

# --------------------------------------------------------------------------- per-chat token bucket



async def test_per_chat_bucket_allows_a_burst_then_the_rate(
    flood: FakeBotAPI, clock: FakeClock, http: aiohttp.ClientSession
) -> None:
    statuses = [(await send(http, flood, chat_id=7))[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]  # per_chat_burst=3 at once
    status, body = await send(http, flood, chat_id=8)  # another chat: its own bucket
    assert status == 200
    assert flood.rate_limited == [("sendMessage", 7)] and flood.rate_limited_at == [clock.now]

    # Then per_chat_rate (1/s) sustained: TAT = t0+3, tau = 2 → one more at t0+1, t0+2, ...
    for _ in range(3):
        clock.advance(1)
        assert (await send(http, flood, chat_id=7))[0] == 200
        status, body = await send(http, flood, chat_id=7)
        assert (status, retry_after(body)) == (429, 1)
    assert flood.errors == []  # each retry came within the grace period: "in flight"

    # Idle long enough (TAT in the past), the chat may burst again and its state is gone.
    clock.advance(10)
    assert (await send(http, flood, chat_id=8))[0] == 200  # any send prunes
    assert 7 not in flood._chat_tat
    assert [(await send(http, flood, chat_id=7))[0] for _ in range(4)] == [200, 200, 200, 429]
    assert flood.errors == [] and flood.counts["429"] == 5


async def test_per_chat_bucket_retry_after_is_ceil_of_the_wait(
    clock: FakeClock, http: aiohttp.ClientSession
) -> None:
    async with FakeBotAPI(
        flood_control=True, clock=clock, accept_any_chat=True, per_chat_rate=0.25, per_chat_burst=2
    ) as server:  # T = 4 s, tau = 4 s
        assert [(await send(http, server, chat_id=5))[0] for _ in range(2)] == [200, 200]
        status, body = await send(http, server, chat_id=5)  # TAT = t0+8: allowed from t0+4
        assert (status, retry_after(body)) == (429, 4)
        assert body["description"] == "Too Many Requests: retry after 4"
        clock.advance(2.5)  # the bot ignores retry_after=4: still 1.5 s to go → 2
        status, body = await send(http, server, chat_id=5)
        assert (status, retry_after(body)) == (429, 2)
        assert len(server.errors) == 1 and "retry_after=4 for chat 5" in server.errors[0]
        clock.advance(1.5)
        assert (await send(http, server, chat_id=5))[0] == 200  # t0+4; TAT = t0+12
        clock.advance(0.5)
        status, body = await send(http, server, chat_id=5)  # allowed from t0+8: 3.5 s → 4
        assert (status, retry_after(body)) == (429, 4)
        assert server.rate_limited_at == [clock.now - 4.5, clock.now - 2, clock.now]


async def test_per_chat_state_stays_flat_with_100000_chats(clock: FakeClock) -> None:
    """100,000 chats at 10,000 messages/s: only the chats of the last second are remembered.

    Driven through the server's gate directly, as 100,000 HTTP requests would take minutes.
    """
    server = FakeBotAPI(
        flood_control=True, clock=clock, global_rate=1e6, accept_any_chat=True, store_messages=False
    )
    peak = 0
    for chat_id in range(1, 100_001):
        params = {"chat_id": chat_id, "text": "x"}
        sent_at, drop = server._gate("sendMessage", params)
        assert sent_at is not None and drop is None
        server._note_delivery("sendMessage", params, sent_at)
        peak = max(peak, len(server._chat_tat), len(server._tat_heap))
        clock.advance(1e-4)
    assert peak <= 10_001  # T = 1 s at 1e-4 s per message
    clock.advance(1)
    server._gate("sendMessage", {"chat_id": 1, "text": "x"})  # any send prunes
    assert server._chat_tat == {} and server._tat_heap == []
    assert server.max_in_window(1.0) == 10_000


# --------------------------------------------------------------------------- groups


async def test_group_messages_callbacks_and_sends(
    api: FakeBotAPI, user: dict[str, Any], http: aiohttp.ClientSession
) -> None:
    grup = api.group(-1001234567890, title="Warga RT 05")
    assert grup == {"id": -1001234567890, "type": "supergroup", "title": "Warga RT 05"}
    assert api.group(-4242)["type"] == "group"
    with pytest.raises(ValueError, match="negative"):
        api.group(42)
    member = api.user(77, "Budi")
    api.push_update(api.message_update(member, "/start@quickwin_test_bot", chat=grup))
    status, body = await send(http, api, "getUpdates")
    message = body["result"][-1]["message"]
    assert message["chat"] == grup and message["from"]["id"] == 77 and message["message_id"] == 1

    status, body = await send(
        http, api, chat_id=grup["id"], text="Halo grup",
        reply_markup={"inline_keyboard": [[{"text": "Ya", "callback_data": "ya"}]]},
    )  # fmt: skip
    assert status == 200 and body["result"]["chat"] == grup and body["result"]["message_id"] == 2
    assert [m.text for m in api.sent(grup["id"])] == ["Halo grup"]

    update = api.callback_update(member, 2, "ya", chat=grup)
    query = update["callback_query"]
    assert query["message"]["chat"] == grup and query["from"]["id"] == 77
    api.push_update(update)
    assert (await send(http, api, "answerCallbackQuery", callback_query_id=query["id"]))[0] == 200
    with pytest.raises(LookupError):
        api.callback_update(member, 2, "ya")  # not in the member's private chat
    # A press in a group does not open the member's private chat to the bot.
    status, body = await send(http, api, chat_id=77)
    assert status == 400 and body["description"] == "Bad Request: chat not found"
    # A group the fake never heard of is unknown; one seen in an update is known.
    assert (await send(http, api, chat_id=-999))[0] == 400
    api.push_update(api.message_update(member, "hai", chat={"id": -999, "type": "group", "title": "X"}))
    assert (await send(http, api, chat_id=-999))[0] == 200
    assert len(api.errors) == 2


async def test_group_flood_is_a_sliding_window(
    flood: FakeBotAPI, clock: FakeClock, http: aiohttp.ClientSession
) -> None:
    g, other = -100111, -100222
    t0 = clock.now
    for _ in range(10):  # far beyond the private burst: the bucket does not apply to groups
        assert (await send(http, flood, chat_id=g))[0] == 200
    clock.advance(30)
    for _ in range(10):
        assert (await send(http, flood, chat_id=g))[0] == 200
    status, body = await send(http, flood, chat_id=g)  # 20 in the last 60 s: frees at t0+60
    assert (status, retry_after(body)) == (429, 30)
    assert (await send(http, flood, chat_id=other))[0] == 200  # the penalty is for that group
    assert (await send(http, flood, chat_id=5))[0] == 200
    clock.advance(1)
    status, body = await send(http, flood, chat_id=g)
    assert (status, retry_after(body)) == (429, 29)
    assert flood.errors[-1].startswith(f"ignored retry_after: sendMessage to chat {g} 1.00s after")
    clock.advance(29)  # t0+60: the first ten have left the window
    for _ in range(10):
        assert (await send(http, flood, chat_id=g))[0] == 200
    status, body = await send(http, flood, chat_id=g)
    assert (status, retry_after(body)) == (429, 30)
    assert flood.rate_limited_at == [t0 + 30, t0 + 31, t0 + 60]
    assert flood.delivered_by_chat[g] == 30 and len(flood.errors) == 1


async def test_group_limit_and_window_are_options(clock: FakeClock, http: aiohttp.ClientSession) -> None:
    async with FakeBotAPI(
        flood_control=True, clock=clock, accept_any_chat=True, group_limit=2, group_window=5.0
    ) as server:
        assert [(await send(http, server, chat_id=-3))[0] for _ in range(3)] == [200, 200, 429]
        assert retry_after((await send(http, server, chat_id=-4))[1]) is None
        clock.advance(5)
        assert (await send(http, server, chat_id=-3))[0] == 200
    with pytest.raises(ValueError):
        FakeBotAPI(group_limit=0)
    with pytest.raises(ValueError):
        FakeBotAPI(per_chat_burst=0)


# --------------------------------------------------------------------------- paid share


async def test_free_messages_count_toward_the_paid_ceiling(
    clock: FakeClock, http: aiohttp.ClientSession
) -> None:
    async with FakeBotAPI(
        flood_control=True, clock=clock, accept_any_chat=True, global_rate=30, paid_rate=50
    ) as server:
        for chat_id in range(1, 26):
            assert (await send(http, server, chat_id=chat_id))[0] == 200
        for chat_id in range(101, 126):
            assert (await send(http, server, chat_id=chat_id, allow_paid_broadcast=True))[0] == 200
        # 25 free + 25 paid = 50 messages in the second: the paid ceiling is reached...
        status, body = await send(http, server, chat_id=200, allow_paid_broadcast=True)
        assert (status, retry_after(body)) == (429, 1)
        # ...while free messages are checked against the 30/s of free messages only.
        for chat_id in range(26, 31):
            assert (await send(http, server, chat_id=chat_id))[0] == 200
        assert (await send(http, server, chat_id=31))[0] == 429
        assert server.max_in_window(1.0) == 55
        assert server.max_in_window(1.0, paid=True) == 25
        assert server.max_in_window(1.0, paid=False) == 30
        clock.advance(1)
        assert (await send(http, server, chat_id=200, allow_paid_broadcast=True))[0] == 200
        assert (await send(http, server, chat_id=31))[0] == 200
        assert server.errors == [] and server.rate_limited_at == [clock.now - 1] * 2
