"""The open-data files on the public page (/publik/data/...): the export's CSV, JSON and metadata, downloadable
without login, the same suppressed figures as the pages, nothing personal, and nothing an admin hid."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from storage.db import Database
from tests.support.browser import shot
from tests.support.dashboard_helpers import Site, run_site
from tests.support.fakebot import FakeBotAPI
from tests.support.public_data import CIREBON, ENOUGH, SECRET, SMALL, TESTER, public_ratings
from tests.support.settings import ADMIN_ID

pytest_plugins = ["tests.support.dashboard_fixtures", "tests.support.browser_fixtures"]  # site, phone

PRODUCER = "Dinas Komunikasi dan Informatika Kota Cirebon"
REGION_FILE = "/publik/data/quickwin-32-74"


@pytest.fixture
async def open_site(fake: FakeBotAPI, db: Database, db_url: str) -> AsyncIterator[Site]:
    """The web app with open data set up (OPENDATA_PRODUCER)."""
    async for running in run_site(fake, db, db_url, admin_ids=str(ADMIN_ID), opendata_producer=PRODUCER):
        yield running


async def _get(site: Site, path: str) -> tuple[int, bytes, Any]:
    async with site.browser() as http, http.get(path, allow_redirects=False) as r:
        return r.status, await r.read(), r.headers


def _personal(body: bytes) -> list[str]:
    text = body.decode("utf-8")
    return [p for p in (SECRET, "Wawan", "Iklan pinjaman", str(TESTER), *map(str, [*SMALL, *ENOUGH, 9301]))
            if p in text]


async def test_the_region_files_publish_what_the_page_publishes(open_site: Site) -> None:
    one, two = await public_ratings(open_site)
    status, page, _ = await _get(open_site, f"/publik/{CIREBON}")
    assert status == 200 and f'href="{REGION_FILE}.csv"' in page.decode() and f'href="{REGION_FILE}.json"' in page.decode()
    status, body, headers = await _get(open_site, REGION_FILE + ".csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert headers["Cache-Control"] == "public, max-age=300" and "attachment" in headers["Content-Disposition"]
    assert "Set-Cookie" not in headers and not _personal(body)
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    latest = max(r["periode_mulai"] for r in rows)
    now = {r["id_program"]: r for r in rows if r["periode_mulai"] == latest}
    shown, hidden = now[str(two.id)], now[str(one.id)]
    assert (shown["jumlah_warga_menilai"], shown["rata_rata_penilaian"], shown["penilaian_disembunyikan"]) == ("5", "4.0", "false")
    assert (hidden["jumlah_penilaian"], hidden["rata_rata_penilaian"], hidden["penilaian_disembunyikan"]) == ("", "", "true")
    assert now[""]["rata_rata_penilaian"] == ""  # the region's month would give program 1 away
    status, body, headers = await _get(open_site, REGION_FILE + ".json")
    assert status == 200 and headers["Content-Type"].startswith("application/json") and not _personal(body)
    as_json = {r["id_program"]: r for r in json.loads(body) if r["periode_mulai"] == latest}
    assert as_json[one.id]["rata_rata_penilaian"] is None and as_json[two.id]["rata_rata_penilaian"] == 4.0
    status, body, _ = await _get(open_site, REGION_FILE + ".metadata.json")
    meta = json.loads(body)
    assert status == 200 and PRODUCER in json.dumps(meta, ensure_ascii=False) and "cc-by" in json.dumps(meta)
    for wrong in ("/publik/data/quickwin-99-99.csv", "/publik/data/quickwin-32-74.xml", "/publik/data/passwd"):
        assert (await _get(open_site, wrong))[0] == 404


async def test_what_an_admin_hides_is_not_in_the_files(open_site: Site) -> None:
    await public_ratings(open_site)
    status, body, _ = await _get(open_site, "/publik/data/quickwin-indonesia.csv")
    assert status == 200 and CIREBON in body.decode() and not _personal(body)
    admin = await open_site.signed_in(ADMIN_ID)
    await admin.get("/dasbor/publik")
    await admin.post("/dasbor/publik", {"halaman": CIREBON, "aksi": "sembunyikan"})
    assert (await _get(open_site, REGION_FILE + ".csv"))[0] == 404
    status, body, _ = await _get(open_site, "/publik/data/quickwin-indonesia.csv")
    assert status == 200 and CIREBON not in body.decode() and "Kota Cirebon" not in body.decode()
    await admin.post("/dasbor/publik", {"halaman": "nasional", "aksi": "sembunyikan"})
    assert (await _get(open_site, "/publik/data/quickwin-indonesia.json"))[0] == 404
    await admin.close()


async def test_without_a_producer_no_file_is_offered(site: Site) -> None:
    await public_ratings(site)
    status, page, _ = await _get(site, f"/publik/{CIREBON}")
    assert status == 200 and b"/publik/data/" not in page
    assert (await _get(site, REGION_FILE + ".csv"))[0] == 404


@pytest.mark.usefixtures("browser_available")
async def test_the_files_in_a_phone_browser(open_site: Site, phone: Any) -> None:
    await public_ratings(open_site)
    page = phone
    await page.goto(open_site.base + f"/publik/{CIREBON}")
    await page.get_by_role("heading", name="Data terbuka").wait_for()
    await shot(page, "region-downloads", "public")
    await page.get_by_role("link", name="JSON").click()
    await page.wait_for_url(f"**{REGION_FILE}.json")
    shown = await page.evaluate("document.body.innerText")
    rows = json.loads(shown)
    assert rows and all(set(r) >= {"rata_rata_penilaian", "disembunyikan"} for r in rows)
    assert SECRET not in shown and str(TESTER) not in shown
