"""A survey made in the dashboard on a phone (Chromium): two questions, the preview of the first as Telegram shows
it, sent to Kota Bandung's subscribers, then the results page once they answered. SQLite only, as every browser
test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.workers.broadcast_sender import Sender
from storage.db import Database
from tests.support.browser import shot
from tests.support.console import PEOPLE, ConsoleSite, console_site, subscribers
from tests.support.dashboard_helpers import Seeded
from tests.support.fakebot import FakeBotAPI
from tests.support.survey_console import answer_two, tomorrow

pytest_plugins = ["tests.support.dashboard_fixtures", "tests.support.browser_fixtures"]
pytestmark = pytest.mark.usefixtures("browser_available")


@pytest.fixture
async def site(fake: FakeBotAPI, db: Database, db_url: str) -> AsyncIterator[ConsoleSite]:
    async for running in console_site(fake, db, db_url):
        yield running


async def test_a_survey_is_created_on_a_phone_and_its_results_shown(site: ConsoleSite, seeded: Seeded,
                                                                    phone: Any) -> None:
    await subscribers(site)
    page = phone
    await page.goto(await site.login_url(8201))
    await page.get_by_role("button", name="Masuk").click()
    await page.wait_for_url("**/dasbor")
    await page.get_by_role("link", name="Survei").first.click()
    await page.wait_for_url("**/dasbor/survei**")
    await page.fill("input[name=judul]", "<b>Survei taman kota</b>")
    await page.fill("textarea[name=pengantar]", "Mohon luangkan waktu satu menit.")
    await page.fill("textarea[name=t1]", "Taman mana yang paling sering Anda kunjungi?")
    await page.select_option("select[name=j1]", "pilihan")
    await page.fill("textarea[name=o1]", "Taman Lansia\nTaman Musik\nTaman Film")
    await page.fill("textarea[name=t2]", "Seberapa puas Anda dengan kebersihannya?")
    await page.select_option("select[name=j2]", "skala")
    await page.fill("input[name=tanggal]", tomorrow())
    await page.fill("input[name=jam]", "17:00")
    await page.get_by_role("button", name="Pratinjau").click()
    await page.locator(".tg-bubble").wait_for()
    bubble = await page.locator(".tg-bubble").inner_text()
    assert "Survei taman kota" in bubble and "Pertanyaan 1 dari 2" in bubble and "Taman mana" in bubble
    assert await page.locator(".tg-button").all_inner_texts() == [
        "Taman Lansia", "Taman Musik", "Taman Film", "Lewati", "🔕 Berhenti menerima pengumuman"]
    await shot(page, "survey-create", "console")
    await page.get_by_role("button", name="Kirim").click()
    await page.wait_for_url("**/dasbor/survei/*")
    sid = int(page.url.rsplit("/", 1)[1])

    assert await Sender(site.ptb).tick()
    assert all(len(site.fake.sent(rid)) == 1 for rid in PEOPLE)
    await answer_two(site, sid, [(0, 5), (0, 4), (1, 4), (2, None)])
    await page.reload()
    assert await page.locator("[data-field=answered]").inner_text() == "4"
    assert await page.locator("[data-field=rate]").inner_text() == "80%"
    rows = await page.locator("#soal-1 tbody tr").all_inner_texts()
    assert [r.split("\t") for r in rows] == [["Taman Lansia", "2", "50%"], ["Taman Musik", "1", "25%"],
                                            ["Taman Film", "1", "25%"]]
    assert "4,3" in await page.locator("#soal-2").inner_text()  # (5 + 4 + 4) / 3, written as Indonesian does
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    await shot(page, "survey-results", "console")
