"""The outbound path against a fake Bot API that enforces Telegram's flood limits (both databases).

A crowd of residents, a broadcast running beside them, injected 429s and 502s, and Telegram gone for
20 seconds: every reply arrives, every announcement arrives once, no press waits past 15 seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from bot.workers.broadcast_sender import Sender
from storage.db import Database
from tests.support.broadcasts import DAY, announce, received, residents
from tests.support.crowd import PRESS_DEADLINE, Walker, crowd_harness, feedback_of, flood_fake, late_429s
from tests.support.people import BANDUNG


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    assert [r for r in caplog.records if r.exc_info] == [], "a traceback was logged"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "an error was logged"
    assert not [r for r in caplog.records if "RetryAfter" in r.getMessage()]


async def test_a_hundred_residents_starting_at_once_all_reach_their_programs(
    db: Database, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    fake = flood_fake()
    async with crowd_harness(fake, db, db_url) as h:
        started = time.monotonic()
        walkers = [Walker(h, 40_000 + i) for i in range(100)]
        listings = await asyncio.gather(*(w.onboard() for w in walkers))
        took = time.monotonic() - started
    assert all("Program quick win di Kota Cirebon" in listing.text for listing in listings)
    assert late_429s(fake, after=started + 1.0) == []
    assert max(w.slowest_answer for w in walkers) < PRESS_DEADLINE
    assert fake.max_in_window(1.0) <= 30
    assert took > 10  # about 800 messages at 28/s: the crowd waited its turn rather than being dropped
    no_tracebacks(caplog)


async def test_a_broadcast_leaves_room_for_residents_walking_the_journey(
    db: Database, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    fake = flood_fake(accept_any_chat=True)
    async with crowd_harness(fake, db, db_url) as h:
        await residents(h, BANDUNG, range(50_000, 50_500))
        h.clock.now = DAY
        bid = await announce(h, BANDUNG, "Pengumuman: jadwal layanan keliling")
        started = time.monotonic()
        sender = asyncio.create_task(Sender(h.app).tick())
        await asyncio.sleep(2)  # the broadcast is at full speed
        walkers = [Walker(h, 60_000 + i) for i in range(50)]

        async def walk(w: Walker, n: int) -> str:
            return await w.rate(await w.onboard(), f"Komentar warga nomor {n}")

        tickets = await asyncio.gather(*(walk(w, n) for n, w in enumerate(walkers)))
        walked = time.monotonic() - started
        await sender
        sent_all = time.monotonic() - started
    assert len(set(tickets)) == 50
    assert [r for r in range(50_000, 50_500) if received(h, r, "jadwal layanan keliling") != 1] == []
    assert late_429s(fake, after=started + 1.0) == []
    assert max(w.slowest_answer for w in walkers) < PRESS_DEADLINE
    assert fake.max_in_window(1.0) <= 30
    assert walked < sent_all  # the residents were not queued behind the announcement
    found = await feedback_of(db)
    assert sorted(found) == [w.p.id for w in walkers]
    assert h.app.bot_data["metrics"].wait.labels("broadcast")._sum.get() > 0
    no_tracebacks(caplog)
    del bid


async def test_injected_429s_and_502s_lose_nothing(db: Database, db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    fake = flood_fake()
    methods = ["sendMessage", "editMessageText", "answerCallbackQuery"]
    fake.fail_randomly(methods, status=429, probability=0.10, seed=8, retry_after=1)
    fake.fail_randomly(methods, status=502, probability=0.05, seed=9)
    async with crowd_harness(fake, db, db_url) as h:
        walkers = [Walker(h, 70_000 + i) for i in range(20)]

        async def walk(w: Walker, n: int) -> str:
            return await w.rate(await w.onboard(), f"Masukan {n}: antrean <lama> & ruang tunggu 🙂")

        tickets = await asyncio.gather(*(walk(w, n) for n, w in enumerate(walkers)))
    assert len(set(tickets)) == 20
    injected = {status for _, _, status in fake.injected}
    assert injected == {429, 502}, fake.injected  # the faults did happen
    found = await feedback_of(db)
    assert {rid: rows for rid, rows in found.items()} == {
        w.p.id: [(4, f"Masukan {n}: antrean <lama> & ruang tunggu 🙂")] for n, w in enumerate(walkers)
    }
    assert max(w.slowest_answer for w in walkers) < PRESS_DEADLINE
    no_tracebacks(caplog)


async def test_telegram_gone_for_twenty_seconds_mid_journey(
    db: Database, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    fake = flood_fake()
    async with crowd_harness(fake, db, db_url) as h:
        walkers = [Walker(h, 80_000 + i) for i in range(10)]
        listings = await asyncio.gather(*(w.onboard() for w in walkers))

        async def rate_later(w: Walker, listing: object, n: int) -> str:
            await asyncio.sleep(0.1 * n)
            return await w.rate(listing, f"Komentar saat gangguan {n}")

        walking = asyncio.gather(*(rate_later(w, lst, n) for n, (w, lst) in enumerate(zip(walkers, listings, strict=True))))
        await asyncio.sleep(0.5)
        outage = await fake.down_for(20)
        tickets = await walking
        await outage
    assert len(set(tickets)) == 10
    found = await feedback_of(db)
    assert sorted(found) == [w.p.id for w in walkers] and all(len(v) == 1 for v in found.values())
    messages = [r.getMessage() for r in caplog.records]
    assert sum("unreachable" in m and "retrying until it answers" in m for m in messages) == 1
    assert any("reachable again" in m for m in messages)
    no_tracebacks(caplog)
