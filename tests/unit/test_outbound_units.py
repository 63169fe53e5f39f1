"""The outbound path's rules, one at a time, with a scripted Bot API callback (no network)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import ExtBot

from bot.telegram import report
from bot.telegram.buckets import ChatTable, Rule
from bot.telegram.http import AiohttpRequest
from bot.telegram.outbound import PAID_BURST_SECONDS, Limits, Outbound
from bot.telegram.priority import Priority, rl
from tests.support.fakebot import FakeBotAPI
from tests.support.settings import TEST_TOKEN

FAST = Limits(rate=20.0, chat_rate=1000.0, chat_burst=20, broadcast_rate=20.0, retry_for=5.0, answer_within=3.0)


class Script:
    """Stands in for PTB's `_do_post`: records each call and raises what it is told to, in order."""

    def __init__(self, *failures: BaseException | None) -> None:
        self.failures = list(failures)
        self.calls: list[tuple[float, str, Any]] = []

    async def __call__(self, endpoint: str, data: dict[str, Any], **_kw: Any) -> Any:
        self.calls.append((time.monotonic(), endpoint, data.get("chat_id")))
        if self.failures:
            failure = self.failures.pop(0)
            if failure is not None:
                raise failure
        return True


async def call(o: Outbound, script: Script, endpoint: str, chat: Any = None, args: dict[str, Any] | None = None,
               **data: Any) -> Any:
    payload = {"chat_id": chat, **data} if chat is not None else dict(data)
    return await o.process_request(script, (endpoint, payload), {}, endpoint, payload, args)


def cause(exc: BaseException, by: BaseException) -> BaseException:
    exc.__cause__ = by
    return exc


@pytest.fixture
async def outbound() -> Any:
    made: list[Outbound] = []

    def make(limits: Limits = FAST, **kw: Any) -> Outbound:
        o = Outbound(limits, api_url="http://127.0.0.1:1", **kw)
        made.append(o)
        return o

    yield make
    for o in made:
        await o.shutdown()


async def test_replies_overtake_queued_broadcasts(outbound: Callable[..., Outbound]) -> None:
    o = outbound(Limits(rate=10.0, chat_rate=1000.0, chat_burst=20, broadcast_rate=10.0))
    script = Script()
    broadcasts = [asyncio.create_task(call(o, script, "sendMessage", 100 + i, rl(Priority.BROADCAST)))
                  for i in range(8)]
    await asyncio.sleep(0.15)  # one or two broadcasts out; the rest wait
    replies = [asyncio.create_task(call(o, script, "sendMessage", 200 + i)) for i in range(3)]
    await asyncio.gather(*broadcasts, *replies)
    order = [chat for _, _, chat in script.calls]
    first_reply = order.index(200)
    assert order[first_reply:first_reply + 3] == [200, 201, 202]
    assert first_reply <= 3, order  # not behind the eight announcements
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(script.calls)]
    assert min(gaps) >= 0.09  # the bot's budget holds for both together


async def test_one_chat_is_paced_without_holding_up_the_others(outbound: Callable[..., Outbound]) -> None:
    o = outbound(Limits(rate=100.0, chat_rate=4.0, chat_burst=2))
    script = Script()
    same = [asyncio.create_task(call(o, script, "sendMessage", 7)) for _ in range(4)]
    await asyncio.sleep(0.01)
    other = asyncio.create_task(call(o, script, "sendMessage", 8))
    await asyncio.gather(*same, other)
    times = [t for t, _, chat in script.calls if chat == 7]
    assert times[1] - times[0] < 0.05  # a burst of two
    assert times[2] - times[1] >= 0.2 and times[3] - times[2] >= 0.2  # then four a second
    t_other = next(t for t, _, chat in script.calls if chat == 8)
    assert t_other < times[2]  # chat 8 did not wait behind chat 7


async def test_groups_get_twenty_a_minute_not_one_a_second(outbound: Callable[..., Outbound]) -> None:
    table = ChatTable(Rule(1.0, 2), Rule(16 / 60, 3))
    assert table.rule(-100123) .rate == pytest.approx(16 / 60) and table.rule(42).rate == 1.0
    for _ in range(3):
        table.take(-100123, 0.0)
    assert table.ready_at(-100123) == pytest.approx(60 / 16)  # a burst of three, then one per 3.75 s


async def test_retry_after_pauses_the_chat_or_the_bot(outbound: Callable[..., Outbound]) -> None:
    o = outbound(Limits(rate=50.0, chat_rate=2.0, chat_burst=2))
    busy = Script(None, RetryAfter(1))
    await call(o, busy, "sendMessage", 5)
    start = time.monotonic()
    other = Script()
    results = await asyncio.gather(call(o, busy, "sendMessage", 5), call(o, other, "sendMessage", 6))
    assert results == [True, True]
    assert other.calls[0][0] - start < 0.3  # chat 6 went at once: the 429 was chat 5's own
    assert busy.calls[-1][0] - busy.calls[-2][0] >= 1.0  # chat 5 waited retry_after, then the same call again
    idle = Script(RetryAfter(1))
    limited = asyncio.create_task(call(o, idle, "sendMessage", 9))  # an idle chat limited: the bot's limit
    await asyncio.sleep(0.1)
    late = Script()
    await call(o, late, "sendMessage", 10)
    assert late.calls[0][0] - idle.calls[0][0] >= 0.95  # every chat waited
    assert await limited is True
    assert o.metrics.rate_limited.labels("chat")._value.get() == 1
    assert o.metrics.rate_limited.labels("bot")._value.get() == 1


async def test_transient_failures_are_repeated_permanent_ones_are_not(outbound: Callable[..., Outbound]) -> None:
    o = outbound()
    flaky = Script(NetworkError("Bad Gateway"), cause(NetworkError("httpx.ConnectError: refused"),
                                                      httpx.ConnectError("refused")), None)
    assert await call(o, flaky, "sendMessage", 1) is True and len(flaky.calls) == 3
    for permanent in (BadRequest("Bad Request: chat not found"), Forbidden("Forbidden: bot was blocked by the user")):
        script = Script(permanent)
        with pytest.raises(type(permanent)):
            await call(o, script, "sendMessage", 2)
        assert len(script.calls) == 1


async def test_a_send_that_may_have_arrived_is_not_repeated_unless_harmless(outbound: Callable[..., Outbound]) -> None:
    o = outbound()

    def read_timeout() -> BaseException:
        return cause(TimedOut(), httpx.ReadTimeout("read"))

    send = Script(read_timeout())
    with pytest.raises(TimedOut):
        await call(o, send, "sendMessage", 1)
    assert len(send.calls) == 1  # a reply shown twice would confuse the resident
    broadcast = Script(read_timeout(), None)
    assert await call(o, broadcast, "sendMessage", 1, rl(Priority.BROADCAST, duplicate_ok=True)) is True
    edit = Script(read_timeout(), BadRequest("Bad Request: message is not modified: ..."))
    assert await call(o, edit, "editMessageText", 1, message_id=3, text="x") is True  # the first try had worked
    answer = Script(read_timeout(), None)
    assert await call(o, answer, "answerCallbackQuery", callback_query_id="1") is True


async def test_a_403_marks_the_resident_blocked(outbound: Callable[..., Outbound]) -> None:
    blocked: list[int] = []

    async def on_blocked(chat: int) -> None:
        blocked.append(chat)

    o = outbound(on_blocked=on_blocked)
    with pytest.raises(Forbidden):
        await call(o, Script(Forbidden("Forbidden: user is deactivated")), "sendMessage", 77)
    assert blocked == [77]


async def test_callback_answers_never_wait_behind_messages(outbound: Callable[..., Outbound]) -> None:
    o = outbound(Limits(rate=5.0, chat_rate=1000.0, chat_burst=20, broadcast_rate=5.0))
    script = Script()
    queued = [asyncio.create_task(call(o, script, "sendMessage", i)) for i in range(10)]  # two seconds' worth
    await asyncio.sleep(0.05)
    t0 = time.monotonic()
    await call(o, script, "answerCallbackQuery", callback_query_id="9")
    assert time.monotonic() - t0 < 0.1
    assert o.depth(Priority.REPLY) >= 5
    await asyncio.gather(*queued)


async def test_idle_chats_are_forgotten(outbound: Callable[..., Outbound]) -> None:
    table = ChatTable(Rule(1.0, 2), Rule(16 / 60, 3))
    for chat in range(1, 100_001):
        table.take(chat, 0.0)
    assert len(table) == 100_000
    table.prune(2.0)
    assert len(table) == 0


async def test_retry_time_is_bounded(outbound: Callable[..., Outbound]) -> None:
    o = outbound(Limits(rate=50.0, chat_rate=1000.0, chat_burst=20, retry_for=1.5))
    down = Script(*[cause(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused")) for _ in range(50)])
    t0 = time.monotonic()
    with pytest.raises(NetworkError):
        await call(o, down, "sendMessage", 1)
    assert time.monotonic() - t0 < 2.0 and len(down.calls) >= 2
    assert o.reachable is False
    assert await call(o, Script(), "sendMessage", 1) is True and o.reachable is True


async def test_a_group_gets_its_own_slower_pace(outbound: Callable[..., Outbound]) -> None:
    """Real PTB and the strict fake: a group allows 5 messages in 2 s here; the bot keeps under it."""
    async with FakeBotAPI(TEST_TOKEN, flood_control=True, group_limit=5, group_window=2.0) as fake:
        group = fake.group(-100_777, "Forum RT 05")
        o = outbound(Limits(rate=28.0, group_per_minute=45.0))
        bot: ExtBot[dict[str, Any]] = ExtBot(TEST_TOKEN, base_url=fake.bot_base_url, rate_limiter=o)
        await bot.initialize()
        try:
            await asyncio.gather(*(bot.send_message(group["id"], f"Pesan {i}") for i in range(8)))
        finally:
            await bot.shutdown()
        assert fake.counts["429"] == 0 and fake.errors == []
        assert len(fake.sent(group["id"])) == 8


async def test_a_busy_minute_is_summed_up_in_the_log(
    outbound: Callable[..., Outbound], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(report, "PUBLISH_EVERY", 0.1)
    monkeypatch.setattr(report, "LOG_EVERY", 0.25)
    snapshots: list[dict[str, Any]] = []

    async def publish(snapshot: dict[str, Any]) -> None:
        snapshots.append(snapshot)

    caplog.set_level(logging.INFO, logger="quickwin.outbound")
    o = outbound(publish=publish)
    await o.initialize()
    script = Script(RetryAfter(1))
    await asyncio.gather(*(call(o, script, "sendMessage", 500 + i) for i in range(5)))
    await asyncio.sleep(0.5)
    lines = [r.getMessage() for r in caplog.records if "last minute:" in r.getMessage()]
    assert any("queued reply=5" in line for line in lines)  # while they waited out the 429
    # the five go out once the 429 is waited out, in one window or split over two when the machine is busy
    assert sum(int(n) for line in lines for n in re.findall(r"last minute: (\d+) messages", line)) == 5
    assert "queued reply=0" in lines[-1] and "1 × 429" in lines[-1]
    assert snapshots[-1]["sent"] == 5 and snapshots[-1]["queued"]["broadcast"] == 0
    quiet = len(caplog.records)
    await asyncio.sleep(0.4)
    assert len(caplog.records) == quiet  # nothing to say while idle


async def test_a_proxy_error_page_is_repeated_like_any_5xx(outbound: Callable[..., Outbound]) -> None:
    o = outbound()
    page = cause(NetworkError("Bad Gateway (502). Parsing the server response b'<html>' failed"),
                 TelegramError("Invalid server response"))
    script = Script(page, None)
    assert await call(o, script, "sendMessage", 1) is True and len(script.calls) == 2  # a reply, not dropped
    assert o.reachable is True  # Telegram's proxy answered: not "unreachable"


async def test_the_dispatcher_survives_a_failing_budget(outbound: Callable[..., Outbound],
                                                        caplog: pytest.LogCaptureFixture) -> None:
    o = outbound()
    real = o.free.budget.take
    failures = [RuntimeError("budget broke")]

    async def flaky() -> float:
        if failures:
            raise failures.pop()
        return await real()

    o.free.budget.take = flaky  # type: ignore[method-assign]
    assert await asyncio.wait_for(call(o, Script(), "sendMessage", 1), timeout=2) is True
    assert any("dispatch step failed" in r.getMessage() for r in caplog.records)


async def test_paid_broadcasts_keep_their_rate_with_a_short_burst() -> None:
    """The paid lane keeps its rate with its short burst (20 ms of sending): no 429 at Telegram's paid ceiling."""
    rate = 200
    server = FakeBotAPI(flood_control=True, accept_any_chat=True, record_calls=False)  # paid: 1,000/s, as Telegram
    await server.start()
    outbound = Outbound(Limits(broadcast_rate=rate, paid=True), api_url=server.url)
    bot: ExtBot[dict[str, object]] = ExtBot(server.token, base_url=server.bot_base_url, rate_limiter=outbound,
                                            request=AiohttpRequest(256))  # enough connections not to pace it
    await bot.initialize()
    try:
        chats = range(10_001, 10_001 + 2 * rate)
        await asyncio.gather(*(bot.send_message(chat, "Pengumuman", allow_paid_broadcast=True,
                                                rate_limit_args={"priority": Priority.BROADCAST}) for chat in chats))
    finally:
        await bot.shutdown()
        await server.stop()
    assert outbound.report.rate_limited == 0 and server.errors == []
    assert len(server.paid_delivery_times) == 2 * rate
    # Sent at the rate plus a burst of rate × 20 ms; arrivals may bunch by a few ms more (unpaced: all 400 at once).
    assert server.max_in_window(1.0, paid=True) <= rate * (1 + PAID_BURST_SECONDS) * 1.2
