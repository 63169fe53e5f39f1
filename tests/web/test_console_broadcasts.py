"""The announcements console (/dasbor/pengumuman): the chat's engine behind a form, a preview and live progress.

An admin composes, previews, schedules and cancels; an official sends one that every recipient gets from the
fake Telegram; an official of another region cannot see, poll or cancel it; in a phone browser the numbers
change in place while the sender works, without the page reloading.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.workers.broadcast_sender import Sender
from storage.db import Database
from storage.zones import ZONES
from tests.support.browser import shot
from tests.support.console import KEY, PEOPLE, ConsoleSite, broadcasts, confirm, console_site, draft, subscribers
from tests.support.dashboard_helpers import CIREBON, Browser, Seeded
from tests.support.fakebot import FakeBotAPI
from tests.support.settings import ADMIN_ID

pytest_plugins = ["tests.support.dashboard_fixtures", "tests.support.browser_fixtures"]  # seeded, phone

@pytest.fixture
async def site(fake: FakeBotAPI, db: Database, db_url: str) -> AsyncIterator[ConsoleSite]:
    """The console's site: no quiet hours, its bot at hand (tests/support/console.py)."""
    async for running in console_site(fake, db, db_url):
        yield running


async def test_an_admin_previews_schedules_and_cancels(site: ConsoleSite, seeded: Seeded) -> None:
    await subscribers(site)
    admin = await site.signed_in(ADMIN_ID)
    status, page = await admin.get("/dasbor/pengumuman")
    assert status == 200 and 'value="all"' in page and 'value="p32"' in page and 'value="r32.73"' in page
    assert '<script src="/dasbor/static/progress.js" defer></script>' in page

    async with admin.http.post("/dasbor/pengumuman/pratinjau",
                               data={"csrf": admin.csrf, **draft("<div>Halo</div> warga", "r32.73")}) as r:
        refused = await r.text()
        assert r.status == 400
    assert 'class="form-errors"' in refused and "&lt;div&gt;" in refused
    assert "&lt;div&gt;Halo&lt;/div&gt; warga</textarea>" in refused  # the text is kept for correcting
    assert await broadcasts(site) == []

    tomorrow = (datetime.now(UTC).astimezone(ZONES["WIB"]).date() + timedelta(days=1)).isoformat()
    text = '<b>Layanan KTP</b> buka Sabtu & Minggu <a href="javascript:alert(1)">x</a> <script>'
    async with admin.http.post("/dasbor/pengumuman/pratinjau",
                               data={"csrf": admin.csrf, **draft(text, "r32.73")}) as r:
        assert r.status == 400  # <script> is not a Telegram tag
    text = '<b>Layanan KTP</b> buka Sabtu & Minggu <a href="javascript:alert(1)">x</a> &lt;script&gt;'
    fields = draft(text, "r32.73", kapan="nanti", tanggal=tomorrow, jam="09:00")
    preview, created = await confirm(admin, fields)
    assert '<div class="tg-bubble"><b>Layanan KTP</b> buka Sabtu &amp; Minggu x &lt;script&gt;</div>' in preview
    assert "javascript:" not in preview.split('name="teks"')[0]  # the link is shown as its text only
    assert "akan diterima 5 warga (Kota Bandung)" in preview  # the recipients, counted before sending
    assert created.status == 303 and created.headers["Location"] == "/dasbor/pengumuman"
    [b] = await broadcasts(site)
    assert b.state == "scheduled" and b.created_by == ADMIN_ID and b.audience == "region" and b.total == 5
    assert b.send_at == datetime.fromisoformat(f"{tomorrow}T02:00:00+00:00")  # 09:00 WIB
    assert b.text.startswith("<b>Layanan KTP</b> buka Sabtu &amp; Minggu")

    again = await admin.post("/dasbor/pengumuman", {**fields, "kunci": KEY.search(preview).group(1)})  # type: ignore[union-attr]
    assert again.status == 303 and len(await broadcasts(site)) == 1  # a double submit creates nothing more
    status, page = await admin.get("/dasbor/pengumuman")
    assert f'action="/dasbor/pengumuman/{b.id}/batal"' in page and f'data-progress="/dasbor/pengumuman/{b.id}/kemajuan.json"' in page

    async with admin.http.get(f"/dasbor/pengumuman/{b.id}/kemajuan.json") as r:
        numbers = await r.json()
    assert numbers["state"] == "scheduled" and numbers["total"] == "5" and numbers["pending"] == "5"

    r = await admin.post(f"/dasbor/pengumuman/{b.id}/batal", {})
    assert r.status == 303
    [b] = await broadcasts(site)
    assert b.state == "cancelled"
    assert not await Sender(site.ptb).tick() and all(site.fake.sent(rid) == [] for rid in PEOPLE)
    actions = [(e.actor_id, e.action, e.target) for e in await site.audit()]
    assert (ADMIN_ID, "broadcast.create", str(b.id)) in actions and (ADMIN_ID, "broadcast.cancel", str(b.id)) in actions
    r = await admin.post(f"/dasbor/pengumuman/{b.id}/batal", {}, csrf="wrong")
    assert r.status == 403
    await admin.close()


async def test_an_official_sends_to_their_region_and_everyone_gets_it(site: ConsoleSite, seeded: Seeded,
                                                                     officer: Browser) -> None:
    await subscribers(site)
    _status, page = await officer.get("/dasbor/pengumuman")
    assert 'value="r32.73"' in page and 'value="all"' not in page and 'value="r32.74"' not in page
    async with officer.http.post("/dasbor/pengumuman/pratinjau",
                                 data={"csrf": officer.csrf, **draft("Halo", "r32.74")}) as r:
        assert r.status == 400  # another region: not an audience this official may reach
    _, created = await confirm(officer, draft("<i>Posyandu</i> buka besok", "r32.73"))
    assert created.status == 303
    [b] = await broadcasts(site)
    assert await Sender(site.ptb).tick()
    for rid in PEOPLE:
        [m] = site.fake.sent(rid)
        assert m.text == "Posyandu buka besok"
    async with officer.http.get(f"/dasbor/pengumuman/{b.id}/kemajuan.json") as r:
        numbers = await r.json()
    assert numbers["state"] == "done" and numbers["sent"] == "5" and numbers["pending"] == "0"
    assert not numbers["going"]


async def test_an_official_of_another_region_cannot_reach_it(site: ConsoleSite, seeded: Seeded,
                                                             officer: Browser) -> None:
    await subscribers(site)
    await confirm(officer, draft("Pengumuman Bandung", "r32.73", kapan="nanti",
                                 tanggal=(datetime.now(UTC) + timedelta(days=2)).date().isoformat(), jam="10:00"))
    [b] = await broadcasts(site)
    cirebon = await site.signed_in(8202)
    status, page = await cirebon.get("/dasbor/pengumuman")
    assert status == 200 and "Pengumuman Bandung" not in page and f"#{b.id}" not in page
    status, _ = await cirebon.get(f"/dasbor/pengumuman/{b.id}/kemajuan.json")
    assert status == 404
    r = await cirebon.post(f"/dasbor/pengumuman/{b.id}/batal", {})
    assert r.status == 404
    [b] = await broadcasts(site)
    assert b.state == "scheduled"
    status, _ = await cirebon.get("/dasbor/pengumuman/999999/kemajuan.json")
    assert status == 404
    assert CIREBON not in [x.audience_code for x in await broadcasts(site)]
    await cirebon.close()


@pytest.mark.usefixtures("browser_available")
async def test_the_progress_changes_in_place_without_a_reload(site: ConsoleSite, seeded: Seeded, phone: Any) -> None:
    await subscribers(site)
    from playwright.async_api import expect  # only where Playwright is installed (else the test is skipped)

    page = phone
    await page.goto(await site.login_url(8201))
    await page.get_by_role("button", name="Masuk").click()
    await page.wait_for_url("**/dasbor")
    await page.goto(site.base + "/dasbor/pengumuman")
    await page.fill("textarea[name=teks]", "<b>Kerja bakti</b> Minggu pagi & siang")
    await page.get_by_role("button", name="Pratinjau").click()
    await page.locator(".tg-bubble b").wait_for()
    await shot(page, "broadcast-preview", "console")
    await page.locator("form.actions button[type=submit]").first.click()
    await page.wait_for_url("**/dasbor/pengumuman")
    [b] = await broadcasts(site)
    sent = page.locator(f"#pengumuman-{b.id} [data-field=sent]")
    assert await sent.inner_text() == "0"
    await shot(page, "broadcast-list", "console")
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    url = page.url
    assert await Sender(site.ptb).tick()
    await expect(sent).to_have_text("5", timeout=15000)  # progress.js polls every 2 s
    assert await page.locator(f"#pengumuman-{b.id} [data-field=pending]").inner_text() == "0"
    assert await page.locator(f"#pengumuman-{b.id} form.cancel").count() == 0  # finished: no cancel any more
    assert navigations == [] and page.url == url  # updated in place, never reloaded
    await shot(page, "broadcast-progress", "console")
