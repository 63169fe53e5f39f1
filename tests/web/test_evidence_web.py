"""The photo a resident added, on the dashboard: for the ticket's region (and admins) only, never in an export."""

from __future__ import annotations

import csv
import io

import openpyxl
from PIL import Image

from bot.services import evidence
from bot.services.kecamatan import shared
from tests.support.dashboard_helpers import Browser, Seeded, Site
from tests.support.settings import ADMIN_ID

pytest_plugins = ["tests.support.dashboard_fixtures"]  # the site, seeded and officer fixtures

ANTREAN = "Antrean <panjang> & lama"  # a ticket of Kota Bandung
CIREBON_TICKET = "rahasia Cirebon"


def camera_jpeg() -> bytes:
    image = Image.new("RGB", (900, 600), (20, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "KameraUji"  # Make
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


async def add_evidence(site: Site, feedback_id: int, *, exact: bool = False) -> bytes:
    """A photo and a location on a ticket, stored as the chat stores them; the stored photo's bytes."""
    photo = evidence.reencode(camera_jpeg())
    place = shared().locate(-6.9147, 107.6098, "32.73")  # in Kota Bandung
    async with site.db.unit_of_work() as s:
        await evidence.put_photo(s, feedback_id, photo, folder=site.settings.evidence_dir)
        await evidence.put_location(s, feedback_id, place, exact=(-6.9147, 107.6098) if exact else None)
    return photo.jpeg


async def test_the_regions_official_sees_the_photo_others_get_404(site: Site, seeded: Seeded, officer: Browser) -> None:
    fid, cirebon = seeded.tickets[ANTREAN], seeded.tickets[CIREBON_TICKET]
    stored = await add_evidence(site, fid)
    await add_evidence(site, cirebon)

    async with officer.http.get(f"/dasbor/masukan/{fid}/foto") as r:
        assert r.status == 200 and r.headers["Content-Type"] == "image/jpeg"
        assert r.headers["Cache-Control"] == "no-store"
        assert await r.read() == stored
    assert b"KameraUji" not in stored

    _, page = await officer.get("/dasbor/masukan")
    assert f'<img src="/dasbor/masukan/{fid}/foto"' in page and "Kec. Sumur Bandung" in page
    assert "hanya kecamatan yang disimpan" in page
    assert f"/dasbor/masukan/{cirebon}/foto" not in page

    for other in (cirebon, 999_999, 0):  # another region's photo, no ticket, not an id: the same 404
        async with officer.http.get(f"/dasbor/masukan/{other}/foto") as r:
            body = await r.text()
            assert r.status == 404 and "tidak ditemukan" in body, other
    no_photo = seeded.tickets["Dokternya ramah"]
    async with officer.http.get(f"/dasbor/masukan/{no_photo}/foto") as r:
        assert r.status == 404

    cirebon_official = await site.signed_in(8202)
    async with cirebon_official.http.get(f"/dasbor/masukan/{fid}/foto") as r:
        assert r.status == 404  # Bandung's ticket, for Cirebon's official: as if there were none
    async with cirebon_official.http.get(f"/dasbor/masukan/{cirebon}/foto") as r:
        assert r.status == 200
    await cirebon_official.close()

    admin = await site.signed_in(ADMIN_ID)
    for ticket in (fid, cirebon):
        async with admin.http.get(f"/dasbor/masukan/{ticket}/foto") as r:
            assert r.status == 200
    await admin.close()

    async with site.browser() as anonymous, anonymous.get(f"/dasbor/masukan/{fid}/foto", allow_redirects=False) as r:
        assert r.status == 401 and (await r.read()) != stored


async def test_exports_and_the_api_say_whether_there_is_a_photo_never_the_photo(
    site: Site, seeded: Seeded, officer: Browser
) -> None:
    fid = seeded.tickets[ANTREAN]
    stored = await add_evidence(site, fid, exact=True)
    _, page = await officer.get("/dasbor/masukan")
    assert "titik persis, atas persetujuan warga: -6.9147, 107.6098" in page

    async with officer.http.get("/dasbor/ekspor.csv") as r:
        body = await r.read()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][-1] == "Ada foto"
    by_comment = {row[6]: row for row in rows[1:]}
    assert by_comment[ANTREAN][-1] == "ya" and by_comment["Dokternya ramah"][-1] == ""
    assert stored[:64] not in body and b"\xff\xd8" not in body and "-6.9147" not in body.decode("utf-8-sig")

    async with officer.http.get("/dasbor/ekspor.xlsx") as r:
        data = await r.read()
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[-1] == "Ada foto"
    values = {row[6]: row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values[ANTREAN] == "ya" and values["Dokternya ramah"] in ("", None)
    assert stored[:64] not in data
