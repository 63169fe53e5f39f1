"""The public page /publik: aggregates without login, small cells suppressed, nothing personal, cacheable, and the
admin's switches (/dasbor/publik) that hide the national list or a region's page.

Kota Cirebon's first program has 4 raters (suppressed), its second 5 (shown), each rater with a comment; the
simulator's test resident and a spam-marked rating are in the data and must change nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from storage import officials as official_store
from storage.simulated import simulated_resident
from tests.support.browser import shot
from tests.support.dashboard_helpers import Site
from tests.support.public_data import CIREBON, ENOUGH, SECRET, SMALL, public_ratings
from tests.support.settings import ADMIN_ID

pytest_plugins = ["tests.support.dashboard_fixtures", "tests.support.browser_fixtures"]  # site, phone

_ratings = public_ratings


async def _get(site: Site, path: str, **headers: str) -> tuple[int, str, Any]:
    async with site.browser() as http, http.get(path, headers=headers, allow_redirects=False) as r:
        return r.status, await r.text(), r.headers


async def test_the_region_page_shows_only_what_five_residents_made(site: Site) -> None:
    one, two = await _ratings(site)
    status, page, _ = await _get(site, f"/publik/{CIREBON}")
    assert status == 200, page
    cards = page.split('<li class="card program">')[1:]
    block_one, block_two = (next(c for c in cards if f"<h3>{p.name}</h3>" in c) for p in (one, two))
    assert "belum cukup data" in block_one and "4,0" not in block_one  # 4 real raters: the 5 stars stay hidden
    assert "<span class=\"big\">4,0</span>" in block_two and "oleh 5 warga" in block_two  # (5 + 4 + 4 + 4 + 3) / 5
    # the region's total would give program 1 away (total less program 2): hidden too
    total = page[page.index("region-total"):page.index('<li class="card program">')]
    assert "belum cukup data" in total and "<span class=\"big\">" not in total
    assert "Indeks SKM terakhir" in page and "belum ada" in page
    for personal in (SECRET, "Wawan", "Iklan pinjaman", str(simulated_resident(8201)), *map(str, [*SMALL, *ENOUGH, 9301])):
        assert personal not in page
    for resident in (*SMALL, *ENOUGH):
        pseudonym = await site.pseudonym(CIREBON, resident)
        assert pseudonym and pseudonym not in page


async def test_cacheable_in_english_and_a_304_for_the_same_page(site: Site) -> None:
    await _ratings(site)
    status, page, headers = await _get(site, "/publik")
    assert status == 200 and "Kota Cirebon" in page and "Set-Cookie" not in headers
    assert headers["Cache-Control"] == "public, max-age=300" and headers["ETag"].startswith('"')
    assert "Content-Security-Policy" in headers and "script-src 'self'" in headers["Content-Security-Policy"]
    assert "<script" not in page and "https://" not in page.split("</head>")[0]
    again, body, later = await _get(site, "/publik", **{"If-None-Match": headers["ETag"]})
    assert (again, body, later["ETag"], later["Cache-Control"]) == (304, "", headers["ETag"], "public, max-age=300")
    status, english, headers_en = await _get(site, f"/publik/{CIREBON}?lang=en")
    assert status == 200 and "not enough data yet" in english and "Average rating" in english
    assert headers_en["ETag"] != headers["ETag"]
    assert (await _get(site, "/publik/99.99"))[0] == 404
    assert (await _get(site, "/publik/lain"))[0] == 404


async def test_an_admin_hides_the_national_list_and_a_region(site: Site) -> None:
    await _ratings(site)
    admin = await site.signed_in(ADMIN_ID)
    status, page = await admin.get("/dasbor/publik")
    assert status == 200 and 'href="/dasbor/publik"' in page
    refused = await admin.post("/dasbor/publik", {"halaman": "nasional", "aksi": "sembunyikan"}, csrf="salah")
    assert refused.status == 403 and (await _get(site, "/publik"))[0] == 200
    done = await admin.post("/dasbor/publik", {"halaman": "nasional", "aksi": "sembunyikan"})
    assert done.status == 303
    status, page, headers = await _get(site, "/publik")
    assert status == 404 and "tidak diterbitkan" in page and "public" not in headers["Cache-Control"]
    assert (await _get(site, f"/publik/{CIREBON}"))[0] == 200  # a region's page stays
    await admin.post("/dasbor/publik", {"halaman": CIREBON, "aksi": "sembunyikan"})
    assert (await _get(site, f"/publik/{CIREBON}"))[0] == 404
    await admin.post("/dasbor/publik", {"halaman": "nasional", "aksi": "tampilkan"})
    status, page, _ = await _get(site, "/publik")
    assert status == 200 and "Kota Cirebon" not in page and "Kota Depok" in page
    actions = [(e.action, e.target) for e in await site.audit() if e.action.startswith("public.")]
    assert actions == [("public.hide", "nasional"), ("public.hide", CIREBON), ("public.show", "nasional")]
    await admin.close()


async def test_an_official_may_not_switch(site: Site) -> None:
    async with site.db.unit_of_work() as s:
        await official_store.add_official(s, telegram_id=8202, region_codes=[CIREBON])
    official = await site.signed_in(8202)
    assert (await official.get("/dasbor/publik"))[0] == 403
    await official.get("/dasbor/masukan")
    assert (await official.post("/dasbor/publik", {"halaman": CIREBON, "aksi": "sembunyikan"})).status == 403
    assert (await _get(site, f"/publik/{CIREBON}"))[0] == 200
    await official.close()


@pytest.mark.usefixtures("browser_available")
async def test_in_a_phone_browser(site: Site, phone: Any) -> None:
    await _ratings(site)
    page = phone
    await page.goto(site.base + "/publik")
    await page.get_by_role("link", name="Kota Cirebon").wait_for()
    await shot(page, "national", "public")
    await page.get_by_role("link", name="Kota Cirebon").click()
    await page.wait_for_url(f"**/publik/{CIREBON}")
    assert await page.get_by_text("belum cukup data").count() >= 3
    html = await page.content()
    assert SECRET not in html and "Wawan" not in html
    wide = await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not wide  # nothing wider than the phone
    await shot(page, "region", "public")
    await page.get_by_role("link", name="English").click()
    await page.get_by_text("not enough data yet").first.wait_for()
    assert "lang=en" in page.url
    admin = await site.signed_in(ADMIN_ID)
    await admin.get("/dasbor/publik")
    await admin.post("/dasbor/publik", {"halaman": "nasional", "aksi": "sembunyikan"})
    await admin.close()
    response = await page.goto(site.base + "/publik?lang=en")
    assert response.status == 404
    await page.get_by_text("The national list is not published").wait_for()
