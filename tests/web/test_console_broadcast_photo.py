"""An announcement's optional photo in the dashboard (bot/web/console_broadcast_photo.py).

Composed with a photo, it shows in the preview from the dashboard itself, is created with the photo cleaned of its
EXIF, and every recipient gets it by sendPhoto with the text as caption (uploaded once, then by file_id). What
Telegram would refuse (not a picture, too large, a wrong shape, a caption over 1,024) is refused politely before
anything is stored; "change" keeps the photo or removes it; the try-out sends it to the test resident only.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from PIL import ExifTags, Image

from bot.web.console_broadcast_photo import PhotoStore
from bot.workers.broadcast_sender import Sender
from storage.db import Database
from tests.support.browser import shot
from tests.support.console import KEY, PEOPLE, ConsoleSite, broadcasts, console_site, draft, subscribers
from tests.support.dashboard_helpers import Browser, Seeded
from tests.support.evidence import jpeg_with_gps
from tests.support.fakebot import FakeBotAPI

pytest_plugins = ["tests.support.dashboard_fixtures", "tests.support.browser_fixtures"]  # seeded, phone

PHOTO = re.compile(r'<img class="tg-photo" src="/dasbor/pengumuman/foto/([A-Za-z0-9_-]+)"')
CAPTION = "<b>Kerja bakti</b> Minggu pagi di Taman Sari & sekitarnya"


@pytest.fixture
async def site(fake: FakeBotAPI, db: Database, db_url: str) -> AsyncIterator[ConsoleSite]:
    """The console's site: no quiet hours, its bot at hand (tests/support/console.py)."""
    async for running in console_site(fake, db, db_url):
        yield running


def png(width: int, height: int, mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), 0).save(out, "PNG")
    return out.getvalue()


async def post(browser: Browser, path: str, fields: dict[str, str], photo: bytes | None = None,
               filename: str = "foto.jpg") -> tuple[int, str, dict[str, str]]:
    """The form as the browser sends it (multipart, with an empty file part when no photo is chosen)."""
    form = aiohttp.FormData()
    form.add_field("csrf", browser.csrf)
    for name, value in fields.items():
        form.add_field(name, value)
    form.add_field("foto", io.BytesIO(photo or b""), filename=filename if photo else "", content_type="image/jpeg")
    async with browser.http.post(path, data=form, allow_redirects=False) as r:
        return r.status, await r.text(), dict(r.headers)


async def preview(browser: Browser, fields: dict[str, str], photo: bytes | None = None) -> tuple[str, str]:
    """The preview of the draft with its photo: (the page, its key)."""
    status, page, _ = await post(browser, "/dasbor/pengumuman/pratinjau", fields, photo)
    assert status == 200, page
    key = KEY.search(page)
    assert key, page
    return page, key.group(1)


async def photo_at(browser: Browser, key: str) -> tuple[int, bytes]:
    async with browser.http.get(f"/dasbor/pengumuman/foto/{key}") as r:
        return r.status, await r.read()


def metadata(jpeg: bytes) -> tuple[tuple[int, int], dict[int, Any], Any]:
    with Image.open(io.BytesIO(jpeg)) as image:
        return image.size, dict(image.getexif()), image.info.get("icc_profile")


async def test_a_photo_goes_to_every_recipient_uploaded_once_without_its_gps(
    site: ConsoleSite, seeded: Seeded, officer: Browser,
) -> None:
    await subscribers(site)
    camera = jpeg_with_gps(1200, 800)
    assert ExifTags.IFD.GPSInfo in dict(Image.open(io.BytesIO(camera)).getexif())  # the test's photo has a GPS tag
    fields = draft(CAPTION, "r32.73")
    page, key = await preview(officer, fields, camera)
    shown = PHOTO.search(page)
    assert shown and shown.group(1) == key  # above the text, in the bubble, from the dashboard itself
    assert '<div class="tg-bubble tg-has-photo"><img class="tg-photo"' in page
    assert "<b>Kerja bakti</b> Minggu pagi di Taman Sari &amp; sekitarnya</div>" in page
    assert 'name="berfoto" value="1"' in page
    status, served = await photo_at(officer, key)
    assert status == 200 and served[:2] == b"\xff\xd8"
    other = await site.signed_in(8202)  # another official's session does not reach it
    assert (await photo_at(other, key))[0] == 404
    await other.close()

    created = await officer.post("/dasbor/pengumuman", {**fields, "kunci": key, "berfoto": "1"})
    assert created.status == 303
    [b] = await broadcasts(site)
    assert b.photo is not None and b.photo_file_id is None
    size, exif, icc = metadata(bytes(b.photo))
    assert size == (800, 1200)  # turned upright as the camera meant it, then the EXIF dropped
    assert ExifTags.IFD.GPSInfo not in exif and ExifTags.Base.Make not in exif and icc is None
    assert (await photo_at(officer, key))[0] == 404  # created: no longer kept in the process

    assert await Sender(site.ptb).tick()
    calls = [c for c in site.fake.calls if c.method == "sendPhoto" and c.ok]
    assert sorted(int(c.params["chat_id"]) for c in calls) == list(PEOPLE)  # one each
    first, *later = calls
    assert "photo" in first.files  # uploaded once...
    [b] = await broadcasts(site)
    assert b.photo_file_id and all(c.params["photo"] == b.photo_file_id and not c.files for c in later)  # ...reused
    for rid in PEOPLE:
        [m] = site.fake.sent(rid)
        assert m.photo is not None and m.caption == "Kerja bakti Minggu pagi di Taman Sari & sekitarnya"
        assert m.inline_markup is not None  # with the stop button
    assert all(c.params["caption"] == b.text for c in calls)


async def test_what_telegram_would_refuse_is_refused_politely(site: ConsoleSite, seeded: Seeded,
                                                              officer: Browser) -> None:
    await subscribers(site)
    long_caption = "Kerja bakti " * 90  # 1,080 characters: a message, not a caption
    status, page, _ = await post(officer, "/dasbor/pengumuman/pratinjau", draft(long_caption, "r32.73"), png(640, 480))
    assert status == 400 and "Teks terlalu panjang" in page and "1.024 karakter jika disertai foto" in page
    kept = re.search(r'name="kunci" value="([^"]+)"', page)
    assert kept and 'name="berfoto" value="1"' in page and f"/dasbor/pengumuman/foto/{kept.group(1)}" in page
    # Shortened, with the photo kept from the refused form: no file is chosen again.
    page, _key = await preview(officer, {**draft("Kerja bakti Minggu", "r32.73"), "kunci": kept.group(1),
                                         "berfoto": "1"})
    assert PHOTO.search(page)
    page, _key = await preview(officer, draft(long_caption, "r32.73"))  # without a photo the limit is 4,096
    assert not PHOTO.search(page)

    for data, said in ((b"%PDF-1.4 not a picture", "Berkas itu bukan gambar"),
                       (b"\xff\xd8" + bytes(10 * 1024 * 1024 + 10), "Telegram hanya menerima foto berukuran paling besar 10 MB"),
                       (png(210, 10), "Telegram tidak menerima foto berukuran 210 × 10 piksel"),
                       (png(6000, 5000, "1"), "6.000 × 5.000 piksel")):
        status, page, _ = await post(officer, "/dasbor/pengumuman/pratinjau", draft("Halo", "r32.73"), data)
        assert status == 400 and said in page and 'class="form-errors"' in page, said
        assert "Halo</textarea>" in page  # the draft is kept for correcting
    status, page, _ = await post(officer, "/dasbor/pengumuman/pratinjau", draft("Halo", "r32.73"),
                                 bytes(12 * 1024 * 1024))
    assert status == 413 and "Formulir ini terlalu besar untuk dikirim" in page
    assert await broadcasts(site) == []


async def test_change_keeps_or_removes_the_photo_and_an_expired_one_is_refused(
    site: ConsoleSite, seeded: Seeded, officer: Browser,
) -> None:
    await subscribers(site)
    fields = draft("Posyandu buka besok", "r32.73")
    page, key = await preview(officer, fields, png(300, 200))  # a transparent PNG: sent as a JPEG
    assert "Ubah atau hapus foto" in page
    status, form, _ = await post(officer, "/dasbor/pengumuman/pratinjau",
                                 {**fields, "kunci": key, "berfoto": "1", "langkah": "ubah"})
    assert status == 200 and 'name="hapus_foto"' in form and "Hapus foto" in form
    changed = re.search(r'name="kunci" value="([^"]+)"', form)
    assert changed and changed.group(1) != key
    assert (await photo_at(officer, key))[0] == 404 and (await photo_at(officer, changed.group(1)))[0] == 200
    page, key = await preview(officer, {**fields, "kunci": changed.group(1), "berfoto": "1"})
    assert PHOTO.search(page)
    created = await officer.post("/dasbor/pengumuman", {**fields, "kunci": key, "berfoto": "1"})
    assert created.status == 303
    [b] = await broadcasts(site)
    assert b.photo is not None and bytes(b.photo)[:2] == b"\xff\xd8" and metadata(bytes(b.photo))[0] == (300, 200)

    page, key = await preview(officer, fields, png(300, 200))
    page, key = await preview(officer, {**fields, "kunci": key, "berfoto": "1", "hapus_foto": "1"})
    assert not PHOTO.search(page) and 'name="berfoto"' not in page  # removed
    created = await officer.post("/dasbor/pengumuman", {**fields, "kunci": key})
    assert created.status == 303
    assert [x.photo is not None for x in await broadcasts(site)] == [True, False]

    # The process no longer keeps the photo (a restart, or many photos since): the form has expired.
    r = await officer.post("/dasbor/pengumuman", {**fields, "kunci": "x" * 24, "berfoto": "1"})
    assert r.status == 400 and "Formulir ini sudah kedaluwarsa" in await r.text()
    assert len(await broadcasts(site)) == 2


def test_the_store_keeps_a_bounded_number_of_bytes_oldest_dropped() -> None:
    store = PhotoStore(limit=25)
    store.put("s1", "a", b"1" * 10)
    store.put("s1", "b", b"2" * 10)
    store.put("s2", "a", b"3" * 10)
    assert store.get("s1", "a") is None and store.get("s1", "b") == b"2" * 10 and store.size == 20
    assert store.get("s1", "c") is None and store.get("s2", "b") is None
    assert store.pop("s2", "a") == b"3" * 10 and store.size == 10


async def test_the_try_out_sends_the_photo_with_its_caption_to_the_test_resident_only(
    site: ConsoleSite, seeded: Seeded, officer: Browser,
) -> None:
    await subscribers(site)
    fields = draft(CAPTION, "r32.73")
    _page, key = await preview(officer, fields, jpeg_with_gps(640, 480))
    r = await officer.post("/dasbor/pengumuman/coba", {**fields, "kunci": key, "berfoto": "1"})
    assert r.status == 303 and r.headers["Location"] == "/dasbor/coba#akhir"
    _, chat = await officer.get("/dasbor/coba")
    photo = re.search(r'<img class="sim-photo" src="(/dasbor/coba/foto/\d+)"', chat)
    assert photo and "<b>Kerja bakti</b> Minggu pagi" in chat.split("sim-photo")[-1]
    async with officer.http.get(photo.group(1)) as got:
        sent = await got.read()
    assert ExifTags.IFD.GPSInfo not in metadata(sent)[1]
    assert await broadcasts(site) == [] and all(site.fake.sent(rid) == [] for rid in PEOPLE)
    r = await officer.post("/dasbor/pengumuman/coba", {**fields, "kunci": "y" * 24, "berfoto": "1"})
    assert r.status == 400  # a photo no longer kept
    # The simulator's own upload is checked as Telegram would take it, by the same code.
    status, _, _headers = await post(officer, "/dasbor/coba/gambar", {}, png(210, 10))
    assert status == 303
    _, chat = await officer.get("/dasbor/coba")
    assert "Telegram tidak menerima foto ini" in chat


@pytest.mark.usefixtures("browser_available")
async def test_a_photo_is_composed_previewed_and_sent_on_a_phone(site: ConsoleSite, seeded: Seeded, phone: Any) -> None:
    await subscribers(site)
    page = phone
    await page.goto(await site.login_url(8201))
    await page.get_by_role("button", name="Masuk").click()
    await page.wait_for_url("**/dasbor")
    await page.goto(site.base + "/dasbor/pengumuman")
    await page.fill("textarea[name=teks]", CAPTION)
    await page.set_input_files("input[name=foto]", files=[{"name": "kerja-bakti.jpg", "mimeType": "image/jpeg",
                                                             "buffer": jpeg_with_gps(1600, 1200)}])
    await page.get_by_role("button", name="Pratinjau").click()
    await page.locator(".tg-bubble b").wait_for()
    loaded = await page.locator(".tg-photo").evaluate("img => img.complete && img.naturalWidth")
    assert loaded == 1200  # shown (the page's CSP allows it: the dashboard's own address), upright
    await shot(page, "broadcast-photo-preview", "console")
    await page.locator("form.actions button[type=submit]").first.click()
    await page.wait_for_url("**/dasbor/pengumuman")
    [b] = await broadcasts(site)
    assert b.photo is not None and metadata(bytes(b.photo))[0] == (1200, 1600)
    assert await Sender(site.ptb).tick()
    assert all(site.fake.sent(rid)[0].photo is not None for rid in PEOPLE)
