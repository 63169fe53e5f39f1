"""The admin console's tests share this: the dashboard's site with no quiet hours and its bot at hand (to drive the
broadcast sender step by step with Sender.tick), subscribed residents, and the announcement form's steps."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.web.app import build_web_app
from bot.web.keys import PTB
from storage.db import Database
from storage.models import Broadcast, Resident
from tests.support.dashboard_helpers import BANDUNG, Browser, Site, free_port
from tests.support.fakebot import FakeBotAPI
from tests.support.harness import FakeClock
from tests.support.settings import ADMIN_ID, make_settings

KEY = re.compile(r'name="kunci" value="([^"]+)"')
PEOPLE = range(7101, 7106)  # subscribed residents of Kota Bandung


@dataclass
class ConsoleSite(Site):
    ptb: Any = None  # the bot inside the web app, to drive its broadcast sender step by step


async def console_site(fake: FakeBotAPI, db: Database, db_url: str) -> AsyncIterator[ConsoleSite]:
    """The dashboard's site (as tests.support.dashboard_fixtures runs it), no quiet hours, its bot at hand."""
    clock, port = FakeClock(), free_port()
    config = make_settings(fake.url, db_url, admin_ids=str(ADMIN_ID), public_url=f"http://127.0.0.1:{port}",
                           quiet_hours="")
    server = TestServer(build_web_app(config, db=db, clock=clock, run_workers=False), host="127.0.0.1", port=port)
    await server.start_server()
    site = ConsoleSite(fake, db, clock, config, str(server.make_url("")).rstrip("/"), ptb=server.app[PTB])
    try:
        yield site
    finally:
        await site.close_browsers()
        await server.close()


async def subscribers(site: Site) -> None:
    async with site.db.unit_of_work() as s:
        for rid in PEOPLE:
            s.add(Resident(telegram_id=rid, region_code=BANDUNG, consent_at=datetime.now(UTC), subscribed=True,
                           language="id", subscription_asked=True))
    site.fake.accept_any_chat = True


async def broadcasts(site: Site) -> list[Broadcast]:
    async with site.db.unit_of_work() as s:
        return list((await s.exec(select(Broadcast).order_by(Broadcast.id))).scalars())  # type: ignore[call-overload]


def draft(text: str, audience: str, **more: str) -> dict[str, str]:
    return {"teks": text, "sasaran": audience, "kapan": "sekarang", **more}


async def confirm(browser: Browser, fields: dict[str, str]) -> tuple[str, Any]:
    """Preview, then press its button: (the preview page, the confirm response)."""
    async with browser.http.post("/dasbor/pengumuman/pratinjau", data={"csrf": browser.csrf, **fields}) as r:
        page = await r.text()
        assert r.status == 200, page
    key = KEY.search(page)
    assert key, page
    return page, await browser.post("/dasbor/pengumuman", {**fields, "kunci": key.group(1)})
