"""Two bot processes, one Telegram budget: through Redis, or an equal share each (PROCESSES=2)."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys

import pytest

from tests.support.crowd import flood_fake
from tests.support.settings import TEST_TOKEN

REDIS_URL = os.environ.get("QUICKWIN_TEST_REDIS", "redis://127.0.0.1:6379/15")
COUNT = 120  # messages per process, all asked for at once


async def redis_up() -> bool:
    try:
        _reader, writer = await asyncio.open_connection("127.0.0.1", 6379)
    except OSError:
        return False
    writer.close()
    await writer.wait_closed()
    return True


async def run_two(api: str, *extra: str) -> list[dict[str, float]]:
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.support.outbound_sender", "--api", api, "--token", TEST_TOKEN,
            "--first", str(1_000 + n * 10_000), "--count", str(COUNT), *extra,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env={**os.environ, "PTB_TIMEDELTA": "1"},
        )
        for n in range(2)
    ]
    outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), timeout=120)
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
    return [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outputs]


@pytest.mark.parametrize("mode", ["redis", "processes", "neither"])
async def test_two_processes_share_one_budget(mode: str) -> None:
    if mode == "redis" and not await redis_up():
        if os.environ.get("QUICKWIN_REQUIRE_REDIS") == "1":
            pytest.fail("Redis is required but not reachable on 127.0.0.1:6379")
        pytest.skip("Redis not reachable on 127.0.0.1:6379")
    fake = flood_fake(accept_any_chat=True, store_messages=False, record_calls=False)
    extra = {"redis": ["--redis", REDIS_URL, "--key", secrets.token_hex(4)], "processes": ["--processes", "2"],
             "neither": []}[mode]
    async with fake:
        results = await run_two(fake.url, *extra)
    assert fake.delivered == 2 * COUNT  # nothing lost either way
    if mode == "neither":  # the control: two processes each spending the whole budget get throttled
        assert fake.counts["429"] > 0
        return
    assert fake.counts["429"] == 0, fake.counts
    assert fake.max_in_window(1.0) <= 30
    assert all(r["retry_after"] == 0 for r in results)
    assert min(r["seconds"] for r in results) > 2 * COUNT / 30 * 0.8  # together at most the bot's rate
