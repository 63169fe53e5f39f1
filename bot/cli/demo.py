"""`quickwin demo`: the whole product on this machine, without Telegram and without a token.

The bot, the dashboard and the simulator in one process on 127.0.0.1, on a fresh SQLite database in a temporary
folder (removed at the end unless --keep), seeded with the shipped regions and programs and with demo residents,
ratings and comments. The bot talks to the in-process stand-in of the Bot API (bot/telegram/standin.py) instead
of Telegram, with every worker running, so an announcement really goes out to the demo residents. It prints the
address and a sign-in link for a demo official and a demo admin; Ctrl-C (or SIGTERM) stops everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web
from pydantic import SecretStr

from bot.app import seed_if_empty
from bot.config import Settings
from bot.services.auth import load_actor
from bot.services.logins import create_login_link
from bot.telegram.runner import run
from bot.telegram.standin import StandIn
from bot.web.app import build_web_app
from storage.db import Database, upgrade
from storage.demo_data import seed_demo

DEMO_TOKEN = "123456789:DEMO-no-Telegram-behind-this-token"  # the stand-in ignores it; Telegram never sees it
DEMO_REGION = "32.74"  # Kota Cirebon: four sourced programs in the shipped data
DEMO_OFFICIAL = 700_001
DEMO_ADMIN = 700_002


def demo(*, port: int, keep: bool) -> int:
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="quickwin-demo-"))
    url = f"sqlite+aiosqlite:///{folder / 'demo.db'}"
    public = f"http://127.0.0.1:{port}"
    settings = Settings(
        bot_token=SecretStr(DEMO_TOKEN), database_url=url, telegram_api_url="http://127.0.0.1:9", web_host="127.0.0.1",
        web_port=port, public_url=public, admin_ids=frozenset({DEMO_ADMIN}), webhook_url=None,
        data_controller="Demo Quick Win Bot", data_controller_contact=public, redis_url=None,
    )
    try:
        upgrade(url)
        run(_main(settings, url, public, started))
    finally:
        if keep:
            print(f"The demo's database is kept in {folder}", flush=True)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


async def _main(settings: Settings, url: str, public: str, started: float) -> None:
    links, people = await _prepare(url, public)
    await _serve(settings, links, people, started)


async def _prepare(url: str, public: str) -> tuple[dict[str, str], list[int]]:
    """Regions, programs, demo people and feedback; a sign-in link for each demo account; who has a chat."""
    db = Database(url)
    try:
        await seed_if_empty(db)
        now = datetime.now(UTC)
        async with db.unit_of_work() as session:
            seeded = await seed_demo(session, region_code=DEMO_REGION, official_id=DEMO_OFFICIAL, admin_id=DEMO_ADMIN, now=now)
        links = {}
        async with db.unit_of_work() as session:
            for name, telegram_id in (("official", DEMO_OFFICIAL), ("admin", DEMO_ADMIN)):
                actor = await load_actor(session, telegram_id=telegram_id, admin_ids=frozenset({DEMO_ADMIN}))
                links[name] = (await create_login_link(session, actor, base_url=public, now=now)).url
        return links, [*seeded.residents, DEMO_OFFICIAL, DEMO_ADMIN]
    finally:
        await db.dispose()


async def _serve(settings: Settings, links: dict[str, str], people: list[int], started: float) -> None:
    standin = StandIn()
    for telegram_id in people:  # they have talked to the bot: announcements and notices reach their chats
        standin.chat(telegram_id)
    app = build_web_app(settings, run_workers=True, standin=standin)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, settings.web_host, settings.web_port)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    public = settings.dashboard_url
    print(
        f"Quick Win Bot demo is running (ready in {time.monotonic() - started:.1f} s), without Telegram.\n"
        f"  Dashboard:            {public}/dasbor\n"
        f"  Try the bot:          {public}/dasbor/coba (after signing in)\n"
        f"  Sign in as official:  {links['official']}\n"
        f"  Sign in as admin:     {links['admin']}\n"
        "  (each link works once, for 10 minutes; restart the demo for new ones)\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        print("Stopping the demo…", flush=True)
        with contextlib.suppress(Exception):
            await runner.cleanup()
        sys.stdout.flush()
