"""Running the web app (dashboard inside) against the fake Bot API, and signing officials in as a browser would."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.config import Settings
from bot.web.app import build_web_app
from storage import officials as official_store
from storage.db import Database
from storage.models import AuditEntry, Feedback, Program, Resident
from storage.zones import ZONES
from tests.support.fakebot import FakeBotAPI, StoredMessage
from tests.support.harness import FakeClock, pseudonym_of
from tests.support.settings import make_settings

BANDUNG, CIREBON, DENPASAR = "32.73", "32.74", "51.71"
ANA, BUDI, CITRA = 7001, 7002, 7003  # Ana reads English in the chat; Budi and Citra Indonesian
LINK = re.compile(r"(https?://\S+?/masuk\?token=[A-Za-z0-9_-]+)")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Site:
    """The running web app: its address, the fake Telegram, the database and the bot's clock."""

    fake: FakeBotAPI
    db: Database
    clock: FakeClock
    settings: Settings
    base: str
    opened: list[aiohttp.ClientSession] = field(default_factory=list, repr=False)  # signed-in browsers, closed at the end

    async def chat(self, user_id: int, text: str, language_code: str = "id", timeout: float = 15) -> list[StoredMessage]:
        """Send a message to the bot as `user_id`; return the bot's new messages once it has answered."""
        before = len(self.fake.sent(user_id))
        self.fake.push_update(self.fake.message_update(self.fake.user(user_id, language_code=language_code), text))

        async def answered() -> None:
            while len(self.fake.sent(user_id)) <= before:
                await asyncio.sleep(0.02)

        await asyncio.wait_for(answered(), timeout)
        await asyncio.sleep(0.05)  # a reply may come in several messages
        return self.fake.sent(user_id)[before:]

    async def login_url(self, user_id: int) -> str:
        """/dasbor in the chat; the link the bot sent."""
        [reply] = await self.chat(user_id, "/dasbor")
        match = LINK.search(reply.text or "")
        assert match, reply.text
        return match.group(1)

    async def login_link(self, user_id: int) -> str:
        """The link's path and query, to open on this test server."""
        url = await self.login_url(user_id)
        return url[url.index("/masuk"):]

    def browser(self) -> aiohttp.ClientSession:
        """A client with its own cookie jar, like one official's phone."""
        return aiohttp.ClientSession(base_url=self.base, cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def signed_in(self, user_id: int) -> Browser:
        http = self.browser()
        self.opened.append(http)  # closed with the site, should a test forget
        async with await sign_in(http, await self.login_link(user_id)) as r:
            assert r.status == 303, await r.text()
        return Browser(http)

    async def close_browsers(self) -> None:
        for http in self.opened:
            await http.close()  # a no-op for one the test closed itself

    async def audit(self) -> list[AuditEntry]:
        async with self.db.unit_of_work() as s:
            return list((await s.exec(select(AuditEntry).order_by(AuditEntry.id))).scalars())  # type: ignore[call-overload]

    async def feedback(self, feedback_id: int) -> Feedback:
        async with self.db.unit_of_work() as s:
            row = await s.get(Feedback, feedback_id)
            assert row is not None
            return row

    async def pseudonym(self, region_code: str, resident_id: int) -> str | None:
        """How this deployment names the resident to that region's officials."""
        return await pseudonym_of(self.db, self.settings, region_code, resident_id)


LOGIN_FIELD = re.compile(r'<input type="hidden" name="(token|csrf|lang)" value="([^"]*)">')


async def landing_form(http: aiohttp.ClientSession, path: str) -> dict[str, str]:
    """Open a login link as a browser does: the landing page, and the fields of its "Masuk" form."""
    async with http.get(path, allow_redirects=False) as r:
        page = await r.text()
        assert r.status == 200 and 'action="/masuk"' in page, (r.status, page)
    return dict(LOGIN_FIELD.findall(page))


async def sign_in(http: aiohttp.ClientSession, path: str) -> aiohttp.ClientResponse:
    """Open the link and press "Masuk"; the POST's response (not followed), still to be read or closed."""
    fields = await landing_form(http, path)
    return await http.post("/masuk", data=fields, allow_redirects=False)


class Browser:
    """A signed-in official: GET pages, POST forms with the page's CSRF token."""

    def __init__(self, http: aiohttp.ClientSession) -> None:
        self.http = http
        self.csrf = ""

    async def get(self, path: str, **kw: Any) -> tuple[int, str]:
        async with self.http.get(path, **kw) as r:
            body = await r.text()
            if match := CSRF.search(body):
                self.csrf = match.group(1)
            return r.status, body

    async def post(self, path: str, data: dict[str, str], *, csrf: str | None = None) -> aiohttp.ClientResponse:
        fields = {"csrf": self.csrf if csrf is None else csrf, **data}
        async with self.http.post(path, data=fields, allow_redirects=False) as r:
            await r.read()
            return r

    async def close(self) -> None:
        await self.http.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def run_site(fake: FakeBotAPI, db: Database, db_url: str, **settings: Any) -> AsyncIterator[Site]:
    """The web app on 127.0.0.1; the links /dasbor sends point at it unless `public_url` says otherwise."""
    clock = FakeClock()
    port = free_port()
    settings.setdefault("public_url", f"http://127.0.0.1:{port}")
    config = make_settings(fake.url, db_url, **settings)
    server = TestServer(build_web_app(config, db=db, clock=clock, run_workers=False), host="127.0.0.1", port=port)
    await server.start_server()
    site = Site(fake, db, clock, config, str(server.make_url("")).rstrip("/"))
    try:
        yield site
    finally:
        await site.close_browsers()
        await server.close()


@dataclass
class Seeded:
    bandung_health: int  # program ids
    bandung_wifi: int
    cirebon: int
    denpasar: int
    tickets: dict[str, int]  # comment → feedback id


async def seed(site: Site, *, residents: dict[int, str | None]) -> Seeded:
    """Programs, officials 8201 (Bandung) and 8202 (Cirebon), residents who have talked to the bot, feedback."""
    for resident_id in residents:
        await site.chat(resident_id, "/start")
    now = datetime.now(UTC)
    async with site.db.unit_of_work() as s:
        health = Program(region_code=BANDUNG, name="Bandung Sehat", description="Konsultasi kesehatan daring.",
                         dimension="living")
        wifi = Program(region_code=BANDUNG, name="Wifi Taman", description="Wifi gratis di taman kota.",
                       dimension="society")
        denpasar = Program(region_code=DENPASAR, name="Denpasar Pintar", description="d", dimension="governance")
        s.add_all([health, wifi, denpasar])
        await s.flush()
        cirebon = (await s.exec(select(Program).where(Program.region_code == CIREBON))).scalars().first()  # type: ignore[call-overload]
        for resident_id, language in residents.items():
            resident = await s.get(Resident, resident_id)
            assert resident is not None
            resident.language = language
            s.add(resident)
        ids = list(residents)
        rows = [
            (ids[0], health.id, BANDUNG, 2, "Antrean <panjang> & lama", timedelta(days=1)),
            (ids[1], health.id, BANDUNG, 5, "Dokternya ramah", timedelta(days=3)),
            (ids[2], wifi.id, BANDUNG, 1, "=HYPERLINK(\"http://x\") wifi mati", timedelta(days=10)),
            (ids[0], wifi.id, BANDUNG, 4, None, timedelta(days=40)),
            (ids[1], cirebon.id, CIREBON, 3, "rahasia Cirebon", timedelta(days=2)),
            (ids[2], denpasar.id, DENPASAR, 4, "Pelayanan cepat di Denpasar", timedelta(hours=2)),
        ]
        tickets = {}
        for resident_id, program_id, region, rating, comment, age in rows:
            row = Feedback(resident_id=resident_id, program_id=program_id, region_code=region, rating=rating,
                           comment=comment, created_at=now - age)
            s.add(row)
            await s.flush()
            tickets[comment or f"rating-{row.id}"] = row.id
        await official_store.add_official(s, telegram_id=8201, region_codes=[BANDUNG])
        await official_store.add_official(s, telegram_id=8202, region_codes=[CIREBON])
        return Seeded(health.id, wifi.id, cirebon.id, denpasar.id, tickets)  # type: ignore[arg-type]


def local_day(offset: int, zone: str = "WIB") -> str:
    """Today (plus `offset` days) in a zone, as the dashboard's date fields write it."""
    return (datetime.now(UTC).astimezone(ZONES[zone]).date() + timedelta(days=offset)).isoformat()
