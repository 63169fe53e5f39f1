"""The dashboard in a real browser (headless Chromium driven by Playwright), on a phone-sized screen.

An official signs in through the link from the chat (its page's "Masuk" button), sorts programs, filters feedback, answers a comment
(the resident receives it in the fake Telegram), closes a ticket, downloads both exports, switches to
English and signs out. Every page is saved as a screenshot in tests/artifacts/ (git-ignored).

Skipped when /usr/bin/chromium or Playwright is missing, unless QUICKWIN_REQUIRE_BROWSER=1 (CI), where
that is a failure. Runs on SQLite only: the database behind the pages is covered on both by test_dashboard*.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest

from tests.support.browser import ARTIFACTS, shot
from tests.support.dashboard_helpers import ANA, Seeded, Site, local_day

pytest_plugins = ["tests.support.dashboard_fixtures", "tests.support.browser_fixtures"]  # site, seeded, phone
pytestmark = pytest.mark.usefixtures("browser_available")

async def chart_loaded(page: Any) -> None:
    """Wait for the chart (a failed image makes decode() reject)."""
    assert await page.locator("img.chart").evaluate("img => img.decode().then(() => img.naturalWidth)") >= 600


async def download(page: Any, label: str) -> tuple[str, bytes]:
    async with page.expect_download() as info:
        await page.get_by_role("link", name=label).click()
    done = await info.value
    target = ARTIFACTS / f"dashboard-export-{done.suggested_filename}"
    await done.save_as(str(target))
    return done.suggested_filename, target.read_bytes()


async def test_an_official_works_through_the_dashboard(site: Site, seeded: Seeded, phone: Any) -> None:
    page = phone
    link = await site.login_url(8201)
    await page.goto(link)  # the link only opens a page with a button: a preview or prefetch spends nothing
    await page.get_by_role("heading", name="Masuk").wait_for()
    await shot(page, "00-sign-in")
    await page.get_by_role("button", name="Masuk").click()
    await page.wait_for_url("**/dasbor")
    await page.get_by_role("heading", name="Ringkasan: Kota Bandung").wait_for()
    await chart_loaded(page)
    await shot(page, "01-overview")

    await page.get_by_role("link", name="Program", exact=True).first.click()
    await page.locator("nav.sorts").get_by_role("link", name="Rata-rata").click()  # by average, highest first
    await page.wait_for_url("**urut=nilai&arah=turun")
    assert await page.locator("table.data tbody tr td:first-child > a").all_inner_texts() == ["Bandung Sehat", "Wifi Taman"]
    await shot(page, "02-programs")
    await page.get_by_role("link", name="Bandung Sehat").click()
    await page.get_by_role("heading", name="Tren per minggu").wait_for()
    await chart_loaded(page)
    await shot(page, "03-program")

    await page.get_by_role("link", name="Masukan", exact=True).click()
    await page.select_option("select[name=program]", label="Bandung Sehat")
    await page.select_option("select[name=nilai]", value="2")
    await page.fill("input[name=dari]", local_day(-7))
    await page.fill("input[name=q]", "antrean")
    await page.get_by_role("button", name="Terapkan filter").click()
    await page.wait_for_url("**/dasbor/masukan?**q=antrean**")
    assert await page.locator("article.ticket").count() == 1
    await shot(page, "04-feedback-filtered")

    number = (await site.feedback(seeded.tickets["Antrean <panjang> & lama"])).ticket
    await page.get_by_text(f"Tanggapi {number}").click()
    await page.fill("textarea[name=teks]", "Terima kasih. Loket tambahan dibuka mulai Senin.")
    await page.get_by_role("button", name="Kirim tanggapan").click()
    await page.get_by_text(f"Tanggapan Anda untuk {number} sudah dikirim kepada warga.").wait_for()
    assert "q=antrean" in page.url  # back on the same filtered list
    assert "Loket tambahan dibuka mulai Senin." in site.fake.sent(ANA)[-1].text
    await shot(page, "05-answered")
    await page.get_by_text("Tandai selesai").first.click()  # opens the note: done needs what was done
    await page.fill("textarea[name=catatan]", "Loket kedua dibuka setiap Senin dan Kamis.")
    await page.get_by_role("button", name="Tandai selesai").click()
    await page.get_by_text(f"Status {number} sudah diubah, dan warga sudah diberi tahu.").wait_for()
    closed = site.fake.sent(ANA)[-1].text
    assert "finished handling" in closed and "Loket kedua dibuka setiap Senin dan Kamis." in closed  # Ana's language
    await shot(page, "06-closed")

    name, body = await download(page, "Unduh CSV")
    assert name.startswith("masukan-r32.73-") and name.endswith(".csv") and body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [number] and rows[1][7] == "selesai"
    name, body = await download(page, "Unduh XLSX")
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None and sheet.cell(row=2, column=1).value == number and sheet.max_row == 2

    await page.get_by_role("link", name="English").click()
    await page.get_by_role("heading", name="Feedback: Kota Bandung").wait_for()
    await shot(page, "07-english")
    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_role("heading", name="Signed out").wait_for()
    await shot(page, "08-signed-out")

    await page.goto(link)  # the link from the chat works only once (and, signed out, the page is Indonesian again)
    await page.get_by_text("Tautan masuk ini sudah digunakan.").wait_for()
    await shot(page, "09-link-used")
    response = await page.goto(link.split("/masuk")[0] + "/dasbor/masukan")
    assert response is not None and response.status == 401
    await page.get_by_text("Silakan masuk ke dasbor terlebih dahulu.").wait_for()
