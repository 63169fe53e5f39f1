"""The dashboard's pages: overview, programs, a program, the feedback list and its filters; other regions refused."""

from __future__ import annotations

import html
import re

from tests.support.dashboard_helpers import ANA, Browser, Seeded, Site, local_day
from tests.support.settings import ADMIN_ID

pytest_plugins = ["tests.support.dashboard_fixtures"]  # the site, seeded and officer fixtures

PNG = b"\x89PNG\r\n\x1a\n"


def plain(page: str) -> str:
    """The page's text as a reader sees it, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


async def test_overview_has_the_summary_figures_and_chart(site: Site, seeded: Seeded, officer: Browser) -> None:
    status, page = await officer.get("/dasbor?periode=7")
    assert status == 200
    text = plain(page)
    # Bandung in the last 7 days: ratings 2 and 5; the 10-day-old rating 1 is the period before.
    assert "Jumlah penilaian 2 (naik 1 dibanding periode sebelumnya)" in text
    assert "★ 3,5 (naik 2,5 dibanding periode sebelumnya)" in text and "Menunggu tanggapan 3" in text
    assert "5 bintang 1 4 bintang 0 3 bintang 0 2 bintang 1 1 bintang 0" in text
    assert "Bandung Sehat" in text and "rahasia" not in page and "Denpasar" not in page
    assert 'src="/dasbor/grafik.png?wilayah=r32.73&amp;periode=7"' in page
    async with officer.http.get("/dasbor/grafik.png?wilayah=r32.73&periode=7") as r:
        assert r.status == 200 and r.content_type == "image/png" and (await r.read()).startswith(PNG)
    status, page = await officer.get("/dasbor?periode=0")
    assert "Jumlah penilaian 4 " in plain(page)


OTHER_REGIONS = [
    "/dasbor?wilayah=r32.74", "/dasbor?wilayah=all", "/dasbor?wilayah=p32", "/dasbor/grafik.png?wilayah=r32.74",
    "/dasbor/grafik.png?wilayah=all", "/dasbor/program?wilayah=r32.74", "/dasbor/masukan?wilayah=r32.74",
    "/dasbor/ekspor.csv?wilayah=r32.74", "/dasbor/ekspor.xlsx?wilayah=all", "/dasbor?wilayah=r99.99",
]


async def test_other_regions_are_refused(seeded: Seeded, officer: Browser) -> None:
    for path in OTHER_REGIONS:
        status, page = await officer.get(path)
        assert status == 403 and "tidak berwenang" in page and "rahasia" not in page, path


async def test_admin_sees_country_province_and_any_region(site: Site, seeded: Seeded) -> None:
    admin = await site.signed_in(ADMIN_ID)
    status, page = await admin.get("/dasbor")
    assert status == 200 and "Ringkasan: Indonesia" in page and "Provinsi Jawa Barat" in page
    for path in ("/dasbor?wilayah=p32", "/dasbor?wilayah=r32.74", "/dasbor/masukan?wilayah=all",
                 f"/dasbor/program/{seeded.cirebon}"):
        assert (await admin.get(path))[0] == 200, path
    status, page = await admin.get("/dasbor/masukan?wilayah=all")
    assert "rahasia Cirebon" in page and "Pelayanan cepat di Denpasar" in page
    await admin.close()


async def test_programs_table_sorts(seeded: Seeded, officer: Browser) -> None:
    status, page = await officer.get("/dasbor/program?urut=nilai&arah=turun")
    assert status == 200
    names = re.findall(r'<a href="/dasbor/program/\d+">([^<]+)</a>', page)
    assert names == ["Bandung Sehat", "Wifi Taman"]  # 3,5 before 2,5 (each resident's latest rating)
    assert 'aria-sort="descending"' in page
    _, page = await officer.get("/dasbor/program?urut=nilai&arah=naik")
    assert re.findall(r'<a href="/dasbor/program/\d+">([^<]+)</a>', page) == ["Wifi Taman", "Bandung Sehat"]
    _, page = await officer.get("/dasbor/program?urut=baru&arah=turun")
    assert "Cirebon" not in page


async def test_program_page_with_trend_and_comments(seeded: Seeded, officer: Browser) -> None:
    status, page = await officer.get(f"/dasbor/program/{seeded.bandung_health}")
    assert status == 200
    assert "Bandung Sehat" in page and "Tren per minggu" in page and "Dokternya ramah" in page
    assert "Antrean &lt;panjang&gt; &amp; lama" in page  # escaped, never markup
    assert str(ANA) not in page and "Warga " in page  # a pseudonym, never the Telegram id
    async with officer.http.get(f"/dasbor/program/{seeded.bandung_health}/grafik.png") as r:
        assert r.status == 200 and (await r.read()).startswith(PNG)
    for path in (f"/dasbor/program/{seeded.cirebon}", f"/dasbor/program/{seeded.cirebon}/grafik.png",
                 "/dasbor/program/999999", "/dasbor/program/99999999999"):
        status, page = await officer.get(path)
        assert status == 404 and "tidak berada di wilayah Anda" in page and "rahasia" not in page, path


async def test_feedback_filters(seeded: Seeded, officer: Browser) -> None:
    def shown(page: str) -> set[str]:
        return set(re.findall(r'<blockquote>([^<]*)</blockquote>', page))

    _, page = await officer.get("/dasbor/masukan")
    assert shown(page) == {"Antrean &lt;panjang&gt; &amp; lama", "Dokternya ramah",
                           "=HYPERLINK(&#34;http://x&#34;) wifi mati"}
    assert "rahasia" not in page and "Penilaian tanpa komentar" in page
    _, page = await officer.get(f"/dasbor/masukan?program={seeded.bandung_wifi}")
    assert shown(page) == {"=HYPERLINK(&#34;http://x&#34;) wifi mati"}
    _, page = await officer.get("/dasbor/masukan?nilai=5")
    assert shown(page) == {"Dokternya ramah"}
    _, page = await officer.get("/dasbor/masukan?q=ANTREAN")
    assert shown(page) == {"Antrean &lt;panjang&gt; &amp; lama"}
    _, page = await officer.get("/dasbor/masukan?q=%25")  # LIKE wildcards are searched for literally
    assert shown(page) == set()
    _, page = await officer.get("/dasbor/masukan?status=selesai")
    assert shown(page) == set() and "Tidak ada masukan yang cocok" in page
    _, page = await officer.get(f"/dasbor/masukan?dari={local_day(-5)}&sampai={local_day(0)}")
    assert shown(page) == {"Antrean &lt;panjang&gt; &amp; lama", "Dokternya ramah"}
    _, page = await officer.get(f"/dasbor/masukan?sampai={local_day(-2)}&nilai=&status=")
    assert "Dokternya ramah" in page and "Antrean" not in page


MALFORMED = [
    "nilai=6", "nilai=abc", "nilai=%D9%A3", "nilai=1&nilai=2", "status=tutup", "program=abc", "program=-1",
    "dari=2025-13-01", "dari=kemarin", "sampai=2025-1-5", "dari=2025-02-01&sampai=2025-01-01", "q=" + "x" * 101,
    "hal=0", "hal=satu", "wilayah=Bandung", "wilayah=r32.73;drop", "wilayah=r32.73&wilayah=r32.74",
]
MESSAGE = re.compile(r"Parameter “\w+” (harus|diberikan)|Tanggal awal|Teks pencarian|Kode wilayah pada alamat")


async def test_malformed_parameters_are_a_400_with_a_message(seeded: Seeded, officer: Browser) -> None:
    for query in MALFORMED:
        status, page = await officer.get(f"/dasbor/masukan?{query}")
        assert status == 400 and MESSAGE.search(page), (query, page)
        for export in ("ekspor.csv", "ekspor.xlsx") if not query.startswith("hal") else ():  # exports are not paged
            assert (await officer.get(f"/dasbor/{export}?{query}"))[0] == 400, (export, query)
    for path in ("/dasbor?periode=5", "/dasbor?periode=x", "/dasbor/grafik.png?periode=1",
                 "/dasbor/program?urut=tanggal", "/dasbor/program?arah=atas"):
        status, page = await officer.get(path)
        assert status == 400 and "harus salah satu dari" in page, path


async def test_a_filter_on_another_regions_program_is_refused(seeded: Seeded, officer: Browser) -> None:
    for path in (f"/dasbor/masukan?program={seeded.cirebon}", f"/dasbor/ekspor.csv?program={seeded.cirebon}"):
        status, page = await officer.get(path)
        assert status == 404 and "rahasia" not in page, path


async def test_a_programs_waiting_count_links_to_its_new_comments(seeded: Seeded, officer: Browser) -> None:
    _, page = await officer.get("/dasbor/program")
    links = [html.unescape(h) for h in re.findall(r'<a href="(/dasbor/masukan\?[^"]+)">', page)]
    assert links and all("status=baru" in h and "program=" in h for h in links)
    status, listed = await officer.get(links[0])
    assert status == 200 and 'value="baru" selected' in listed and listed.count('<article') >= 1
