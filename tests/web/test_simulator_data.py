"""The simulator's test resident, over HTTP on both databases: out of the data API, the summary and every audience;
buttons only as the bot sent them; the location picker; double presses; another official's chat stays theirs."""

from __future__ import annotations

import html
import io
import re

import aiohttp
from PIL import Image
from sqlalchemy import select

from bot.services import broadcast
from bot.services.auth import load_actor
from storage.models import Broadcast
from storage.simulated import simulated_resident
from storage.tables_tickets import Evidence
from tests.support.api_client import bearer, new_token
from tests.support.dashboard_helpers import ANA, BUDI, CITRA, Browser, Seeded, Site

pytest_plugins = ["tests.support.dashboard_fixtures"]  # the site, seeded and officer fixtures

BUTTON = re.compile(
    r'name="pesan" value="(\d+)">\s*<input type="hidden" name="data" value="([^"]*)">\s*'
    r'<button type="submit" class="secondary">([^<]*)</button>')
TICKET = re.compile(r"\b3273-[0-9A-Z]{5}\b")


async def say(officer: Browser, text: str) -> str:
    r = await officer.post("/dasbor/coba/kirim", {"teks": text})
    assert r.status == 303
    return (await officer.get("/dasbor/coba"))[1]


async def press(officer: Browser, page: str, label: str) -> str:
    """Press the latest button with this label (as a person would: the newest message)."""
    found = [b for b in BUTTON.findall(page) if label in html.unescape(b[2])]
    assert found, (label, [html.unescape(b[2]) for b in BUTTON.findall(page)])
    message, data, _ = found[-1]
    r = await officer.post("/dasbor/coba/tekan", {"pesan": message, "data": html.unescape(data)})
    assert r.status == 303
    return (await officer.get("/dasbor/coba"))[1]


async def journey(officer: Browser) -> str:
    await say(officer, "/start")
    page = await press(officer, (await officer.get("/dasbor/coba"))[1], "Saya setuju")
    page = await press(officer, await say(officer, "kota bandung"), "Kota Bandung")
    page = await press(officer, page, "🔔 Ya, saya mau")  # subscribed: still in no audience
    page = await press(officer, page, "1. Bandung Sehat")
    page = await press(officer, page, "Beri nilai")
    page = await press(officer, page, "1")  # the latest "1": the rating
    page = await say(officer, "Komentar dari simulator")
    tickets = TICKET.findall(page)
    assert tickets, page
    return page


async def test_the_test_resident_counts_nowhere(site: Site, seeded: Seeded, officer: Browser) -> None:
    token = await new_token(site.db, "32.73")
    async with site.browser() as http, http.get("/api/v1/regions/32.73/summary?period=all", headers=bearer(token)) as r:
        before = await r.json()
    async with site.db.unit_of_work() as s:
        actor = await load_actor(s, telegram_id=8201, admin_ids=frozenset())
        audience = await broadcast.resolve_audience(s, actor, "region", "32.73")
        assert audience is not None
        reach = await broadcast.audience_size(s, audience)

    page = await journey(officer)
    number = TICKET.findall(page)[-1]

    async with site.browser() as http:
        async with http.get("/api/v1/regions/32.73/summary?period=all", headers=bearer(token)) as r:
            after = await r.json()
        async with http.get("/api/v1/regions/32.73/feedback", headers=bearer(token)) as r:
            feed = await r.text()
    assert after["ratings"] == before["ratings"] and after["comments"] == before["comments"]
    assert number not in feed and "Komentar dari simulator" not in feed
    async with site.db.unit_of_work() as s:
        assert await broadcast.audience_size(s, audience) == reach  # subscribed, yet reached by no announcement
    _, inbox = await officer.get("/dasbor/masukan?status=baru")
    assert number not in inbox

    # The location picker: the centre of a kecamatan of the official's region, as a shared location.
    page = await press(officer, page, "📍 Tambah lokasi")
    assert 'href="/dasbor/coba?kabkota=32.73#lokasi"' in page  # the phone's location button, as a picker
    _, picker = await officer.get("/dasbor/coba?kabkota=32.73")
    kecamatan = re.findall(r'<option value="(32\.73\.\d{2})">([^<]+)</option>', picker)
    assert kecamatan
    r = await officer.post("/dasbor/coba/lokasi", {"kecamatan": kecamatan[0][0]})
    assert r.status == 303
    _, page = await officer.get("/dasbor/coba")
    assert "Kec. " + kecamatan[0][1] in html.unescape(page) or kecamatan[0][1] in html.unescape(page)
    r = await officer.post("/dasbor/coba/lokasi", {"kecamatan": "32.74.01"})  # Cirebon: not this official's
    assert r.status == 400


async def test_buttons_are_only_those_the_bot_sent(site: Site, seeded: Seeded, officer: Browser) -> None:
    page = await say(officer, "/start")
    [(message, data, label)] = BUTTON.findall(page)[:1]
    assert label == "Saya setuju"
    r = await officer.post("/dasbor/coba/tekan", {"pesan": message, "data": "v1:forged"})  # no such button
    assert r.status == 303
    _, page = await officer.get("/dasbor/coba")
    assert "Tombol itu sudah tidak ada." in page
    r = await officer.post("/dasbor/coba/tekan", {"pesan": "x", "data": data})
    assert r.status == 400
    first = await press(officer, page, "Saya setuju")
    again = await officer.post("/dasbor/coba/tekan", {"pesan": message, "data": html.unescape(data)})  # a double tap
    assert again.status == 303
    _, page = await officer.get("/dasbor/coba")
    assert page.count("Terima kasih, persetujuan Anda sudah tercatat.") == first.count(
        "Terima kasih, persetujuan Anda sudah tercatat.") == 1
    # Another official has a test resident of their own: they do not see this chat.
    other = await site.signed_in(8202)
    _, theirs = await other.get("/dasbor/coba")
    assert "persetujuan Anda" not in theirs
    r = await other.post("/dasbor/coba/ulang", {})
    assert r.status == 303
    await other.close()
    _, page = await officer.get("/dasbor/coba")
    assert "persetujuan Anda sudah tercatat" in page
    assert simulated_resident(8201) != simulated_resident(8202)


async def test_an_announcement_is_tried_in_the_simulator_before_anyone_gets_it(
    site: Site, seeded: Seeded, officer: Browser,
) -> None:
    sent_before = [len(site.fake.sent(r)) for r in (ANA, BUDI, CITRA)]
    text = "<b>Uji pengumuman</b>: layanan KTP buka Sabtu & Minggu"
    r = await officer.post("/dasbor/pengumuman/coba", {"teks": text, "sasaran": "r32.73", "kapan": "sekarang"})
    assert r.status == 303 and r.headers["Location"] == "/dasbor/coba#akhir"
    _, page = await officer.get("/dasbor/coba")
    assert "<b>Uji pengumuman</b>: layanan KTP buka Sabtu &amp; Minggu" in page  # as Telegram shows it
    assert "🔕" in page.split("Uji pengumuman")[-1]  # with the stop button residents get
    async with site.db.unit_of_work() as s:
        assert list((await s.exec(select(Broadcast))).scalars()) == []  # type: ignore[call-overload]  # nothing queued
    assert [len(site.fake.sent(r)) for r in (ANA, BUDI, CITRA)] == sent_before  # no real chat got anything
    # Checked as a real one: a tag Telegram refuses sends nothing.
    r = await officer.post("/dasbor/pengumuman/coba", {"teks": "<div>x</div>", "sasaran": "r32.73", "kapan": "sekarang"})
    assert r.status == 400
    # Only within the official's scope.
    r = await officer.post("/dasbor/pengumuman/coba", {"teks": "halo", "sasaran": "r32.74", "kapan": "sekarang"})
    assert r.status == 400


async def test_a_photo_sent_in_the_simulator_reaches_the_ticket(site: Site, seeded: Seeded, officer: Browser) -> None:
    page = await journey(officer)
    page = await press(officer, page, "📷 Tambah foto")
    picture = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 120, 40)).save(picture, "JPEG")
    form = aiohttp.FormData()
    form.add_field("csrf", officer.csrf)
    form.add_field("foto", picture.getvalue(), filename="jalan.jpg", content_type="image/jpeg")
    async with officer.http.post("/dasbor/coba/gambar", data=form, allow_redirects=False) as r:
        assert r.status == 303
    _, page = await officer.get("/dasbor/coba")
    assert re.search(r'<img class="sim-photo" src="/dasbor/coba/foto/\d+"', page)  # the resident's own photo
    assert "Foto" in page.split("sim-photo")[-1]  # the bot's confirmation follows it
    async with site.db.unit_of_work() as s:
        [mark] = (await s.exec(select(Evidence))).scalars()  # type: ignore[call-overload]
    assert mark.photo is not None and mark.photo[:2] == b"\xff\xd8"  # downloaded through getFile, re-encoded
    form = aiohttp.FormData()
    form.add_field("csrf", officer.csrf)
    form.add_field("foto", b"not a picture", filename="x.jpg", content_type="image/jpeg")
    async with officer.http.post("/dasbor/coba/gambar", data=form, allow_redirects=False) as r:
        assert r.status == 303
    _, page = await officer.get("/dasbor/coba")
    assert "Berkas itu bukan gambar." in page
