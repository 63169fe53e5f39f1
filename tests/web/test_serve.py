"""`quickwin serve`: the webhook, health checks, polling fallback, and two processes on one database."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.web.app import build_web_app
from storage.db import Database
from storage.models import Feedback
from tests.support.fakebot import FakeBotAPI
from tests.support.harness import TICKET
from tests.support.settings import TEST_TOKEN, make_settings

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_HOOK = "https://bot.example.org/telegram/webhook"
SECRET = "s3cret-token-for-tests-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def run_web(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def reply_to(fake: FakeBotAPI, chat_id: int, count: int, timeout: float = 20) -> None:
    """Wait until the chat holds at least `count` bot messages."""
    async def enough() -> None:
        while len(fake.sent(chat_id)) < count:
            await asyncio.sleep(0.02)
    await asyncio.wait_for(enough(), timeout)


async def edited(fake: FakeBotAPI, chat_id: int, message_id: int, was: str | None) -> None:
    """Wait until the bot's message `message_id` no longer shows `was`."""
    while next(m.text for m in fake.sent(chat_id) if m.message_id == message_id) == was:
        await asyncio.sleep(0.02)


async def test_webhook_serves_the_journey_and_refuses_strangers(fake: FakeBotAPI, db: Database, db_url: str) -> None:
    settings = make_settings(fake.url, db_url, webhook_url=PUBLIC_HOOK, webhook_secret=SECRET)
    async for base in run_web(build_web_app(settings, db=db, run_workers=False)):
        assert fake.webhook_url == PUBLIC_HOOK and fake.webhook_secret == SECRET
        fake.webhook_target = f"{base}/telegram/webhook"
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/healthz") as r:
                assert r.status == 200 and (await r.json())["status"] == "ok"
            async with http.get(f"{base}/readyz") as r:
                body = await r.json()
                assert r.status == 200 and body == {"status": "ready", "bot": "ok", "database": "ok"}

        user = fake.user(9101)
        fake.push_update(fake.message_update(user, "/start"))
        await reply_to(fake, 9101, 1)
        greeting = fake.sent(9101)[0]
        assert "Selamat datang" in greeting.text
        fake.push_update(fake.callback_update(user, greeting.message_id, "v1:consent:yes"))
        await asyncio.wait_for(edited(fake, 9101, greeting.message_id, greeting.text), 20)  # now the region prompt
        fake.push_update(fake.message_update(user, "cirebon"))
        await reply_to(fake, 9101, 2)
        assert "Kota Cirebon" in str(fake.sent(9101)[-1].reply_markup)
        assert all(status == 200 for _, status in fake.webhook_deliveries)

        stranger = fake.message_update(user, "/start")
        stranger["update_id"] = 10_000
        assert await fake.post_webhook(stranger, secret="wrong-secret-wrong-secret") == 403
        assert await fake.post_webhook(stranger, secret="") == 403
        async with aiohttp.ClientSession() as http, http.post(fake.webhook_target, data=b"not json",
                             headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as r:
            assert r.status == 400
        await asyncio.sleep(0.2)
        assert len(fake.sent(9101)) == 2  # nothing came from the refused calls


MALFORMED_UPDATES: list[bytes] = [
    b"[]", b'"x"', b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000, b'{"update_id": "1", "message": {}}', b'{"update_id": 1, "message": 5}',
    b'{"update_id": 2, "message": {"foo": 1}}', b'{"update_id": 3, "callback_query": {"id": "1"}}',
    b'{"update_id": 1180591620717411303424, "message": {}}', b'{"update_id": 4}', b'{"update_id": 5, "nonsense": {}}',
    b'{"update_id": 6, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": 5}}',
]


def webhook_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "webhook calls" in r.getMessage()]


async def test_malformed_updates_and_refused_calls_are_aggregated_log_lines(
    fake: FakeBotAPI, db: Database, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """With the right secret a body that is not an update is a 400, never PTB's business; 600 refusals, 2 lines."""
    settings = make_settings(fake.url, db_url, webhook_url=PUBLIC_HOOK, webhook_secret=SECRET)
    with caplog.at_level(logging.WARNING):
        async for base in run_web(build_web_app(settings, db=db, run_workers=False)):
            target = f"{base}/telegram/webhook"
            async with aiohttp.ClientSession() as http:
                for body in MALFORMED_UPDATES:
                    async with http.post(target, data=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as r:
                        assert r.status == 400, body
                for batch in range(30):
                    statuses = await asyncio.gather(*(
                        http.post(target, json={"update_id": batch * 20 + i}, headers={"X-Telegram-Bot-Api-Secret-Token": "no"})
                        for i in range(20)))
                    assert [r.status for r in statuses] == [403] * 20
                    for r in statuses:
                        r.release()
            await asyncio.sleep(0.2)
            during = webhook_lines(caplog)
    assert all(r.exc_info is None and r.levelno < logging.ERROR for r in caplog.records)  # no traceback, no error
    assert during == ["webhook calls whose body is not a Telegram update from 127.0.0.1",
                      "webhook calls without the right secret token from 127.0.0.1"]
    after = webhook_lines(caplog)[len(during):]  # at shutdown
    more = len(MALFORMED_UPDATES) - 1
    assert sorted(after) == [
        f"{more} more webhook calls whose body is not a Telegram update in the last 60 s, from 127.0.0.1 ({more})",
        "599 more webhook calls without the right secret token in the last 60 s, from 127.0.0.1 (599)",
    ]
    assert fake.sent(1) == [] and fake.errors == []  # nothing reached the handlers


async def test_without_webhook_serve_polls(fake: FakeBotAPI, db: Database, db_url: str) -> None:
    settings = make_settings(fake.url, db_url)
    async for _base in run_web(build_web_app(settings, db=db, run_workers=False)):
        fake.push_update(fake.message_update(fake.user(9102), "/start"))
        await reply_to(fake, 9102, 1)
        assert fake.webhook_url == ""
        async with aiohttp.ClientSession() as http, http.get(f"{_base}/metrics") as r:
            assert r.status == 200 and r.content_type == "text/plain"
            body = await r.text()
        for line in ('quickwin_telegram_requests_total{method="sendMessage",outcome="ok"} 1.0',
                     'quickwin_updates_total{kind="message"} 1.0', 'quickwin_outbound_queued{priority="broadcast"} 0.0',
                     "quickwin_telegram_reachable 1.0", 'quickwin_outbound_wait_seconds_count{priority="reply"} 1.0'):
            assert line in body, line


def serve_env(fake: FakeBotAPI, db_url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEB", "DATABASE", "TELEGRAM", "ADMIN"))}
    env.update(
        BOT_TOKEN=TEST_TOKEN, TELEGRAM_API_URL=fake.url, DATABASE_URL=db_url, WEB_HOST="127.0.0.1",
        WEB_PORT=str(port), WEBHOOK_URL=PUBLIC_HOOK, WEBHOOK_SECRET=SECRET, LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT),
    )
    return env


async def wait_ready(base: str, timeout: float = 60) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(int(timeout / 0.2)):
            try:
                async with http.get(f"{base}/readyz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError(f"{base} never became ready")


async def test_two_serve_processes_share_one_postgresql(fake: FakeBotAPI, db: Database, db_url: str, backend: str,
                                                        tmp_path: Path) -> None:
    if backend != "postgresql":
        pytest.skip("several processes on one database is what PostgreSQL is for")
    ports = [free_port(), free_port()]
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "serve", cwd=tmp_path, env=serve_env(fake, db_url, port),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )
        for port in ports
    ]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        await asyncio.gather(*(wait_ready(b) for b in bases))
        hooks = [f"{b}/telegram/webhook" for b in bases]

        async def resident(n: int) -> None:
            user = fake.user(9200 + n)
            chat = user["id"]
            steps = 0

            async def step(update: dict, expect_new: int, both: bool = False) -> None:
                """Deliver one update; wait for its new messages, or for the edit of the pressed message."""
                nonlocal steps
                steps += 1
                before = len(fake.sent(chat))
                pressed = update.get("callback_query", {}).get("message", {}).get("message_id")
                shown = next((m.text for m in fake.sent(chat) if m.message_id == pressed), None)
                if "update_id" not in update:
                    update["update_id"] = fake.push_update_id()
                targets = hooks if both else [hooks[(n + steps) % 2]]  # alternate like a load balancer
                statuses = await asyncio.gather(*(fake.post_webhook(update, target=t) for t in targets))
                assert all(s == 200 for s in statuses)
                await reply_to(fake, chat, before + expect_new)
                if expect_new == 0 and pressed is not None:
                    async def edited() -> None:
                        while next(m.text for m in fake.sent(chat) if m.message_id == pressed) == shown:
                            await asyncio.sleep(0.02)
                    await asyncio.wait_for(edited(), 20)

            await step(fake.message_update(user, "/start"), 1)
            await step(fake.callback_update(user, fake.sent(chat)[-1].message_id, "v1:consent:yes"), 0)
            await step(fake.message_update(user, "cirebon"), 1)
            await step(fake.callback_update(user, fake.sent(chat)[-1].message_id, "v1:region:32.74"), 0)
            await step(fake.callback_update(user, fake.sent(chat)[-1].message_id, "v1:subq:no"), 0)
            listing = next(m for m in fake.sent(chat) if "v1:prog:" in str(m.reply_markup))
            program = next(b["callback_data"] for row in listing.reply_markup["inline_keyboard"] for b in row
                           if b["callback_data"].startswith("v1:prog:"))
            await step(fake.callback_update(user, listing.message_id, program), 0)
            ask = next(b["callback_data"] for row in listing.reply_markup["inline_keyboard"] for b in row
                       if b["callback_data"].startswith("v1:ask:"))
            await step(fake.callback_update(user, listing.message_id, ask), 0)
            rate = next(b["callback_data"] for row in listing.reply_markup["inline_keyboard"] for b in row
                        if b["callback_data"].startswith("v1:rate:") and b["callback_data"].split(":")[3] == "4")
            # The same tap delivered to both processes at once (a retry that raced the first delivery).
            await step(fake.callback_update(user, listing.message_id, rate), 0, both=True)
            await step(fake.message_update(user, f"komentar warga {n}"), 1, both=True)

        await asyncio.gather(*(resident(n) for n in range(6)))
        await asyncio.sleep(0.5)
        async with db.unit_of_work() as s:
            rows = (await s.exec(select(Feedback.resident_id, Feedback.rating, Feedback.comment))).all()  # type: ignore[call-overload]
            assert sorted(rows) == [(9200 + n, 4, f"komentar warga {n}") for n in range(6)]
            assert await s.scalar(select(func.count()).select_from(Feedback)) == 6
        for n in range(6):
            tickets = [m for m in fake.sent(9200 + n) if TICKET.search(m.text or "") and "Nomor tiket" in (m.text or "")]
            assert len(tickets) == 1, [m.text for m in fake.sent(9200 + n)]
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        results = await asyncio.gather(*(asyncio.wait_for(p.communicate(), 60) for p in procs))
    for proc, (_out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err.decode()[-2000:]
