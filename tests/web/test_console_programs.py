"""The programs console: add, rewrite, change the status (and tell residents), close, import a CSV; scoped.

An official of Kota Bandung manages Bandung's programs only; an official of Kota Cirebon gets a 404 or 403 on
every one of them; a CSV is written all or nothing, and a row for another region is a bad row.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
from sqlalchemy import select

from bot.i18n import I18n
from bot.services import catalog
from bot.workers.broadcast_sender import Sender
from storage.db import Database
from storage.models import Broadcast, Program, ProgramFollow, Resident
from tests.support.console import ConsoleSite, console_site
from tests.support.dashboard_helpers import BANDUNG, CIREBON, Browser, Seeded, Site
from tests.support.fakebot import FakeBotAPI
from tests.support.settings import ADMIN_ID

pytest_plugins = ["tests.support.dashboard_fixtures"]  # seeded, officer (8201, Kota Bandung)

FOLLOWERS = (7201, 7202)
HEADER = "region_code,name,description,dimension,agency,status,source_url,source_date\n"


@pytest.fixture
async def site(fake: FakeBotAPI, db: Database, db_url: str) -> AsyncIterator[ConsoleSite]:
    """The console's site: no quiet hours, its bot at hand (tests/support/console.py)."""
    async for running in console_site(fake, db, db_url):
        yield running


async def programs(site: Site, region: str) -> dict[str, Program]:
    async with site.db.unit_of_work() as s:
        rows = (await s.exec(select(Program).where(Program.region_code == region))).scalars()  # type: ignore[call-overload]
        return {p.name: p for p in rows}


async def upload(browser: Browser, body: bytes, *, name: str = "program.csv", csrf: str | None = None
                 ) -> tuple[int, str, str | None]:
    """POST a file to the import form: (status, page, Location)."""
    form = aiohttp.FormData()
    form.add_field("csrf", browser.csrf if csrf is None else csrf)
    form.add_field("berkas", io.BytesIO(body), filename=name, content_type="text/csv")
    async with browser.http.post("/dasbor/program/impor", data=form, allow_redirects=False) as r:
        return r.status, await r.text(), r.headers.get("Location")


def new(**fields: str) -> dict[str, str]:
    return {"wilayah": BANDUNG, "nama": "Posyandu Digital", "teks": "Jadwal posyandu di ponsel.\r\nGratis.",
            "dimensi": "living", "status": "direncanakan", **fields}


async def test_an_official_adds_a_program_and_each_bad_field_is_named(site: ConsoleSite, seeded: Seeded,
                                                                     officer: Browser) -> None:
    status, page = await officer.get("/dasbor/program")
    assert status == 200 and 'href="/dasbor/program/baru?wilayah=r32.73"' in page and "/dasbor/program/impor" in page
    status, form = await officer.get("/dasbor/program/baru")
    assert status == 200 and f'<option value="{BANDUNG}" selected>' in form and f'value="{CIREBON}"' not in form
    indonesian = I18n("id").get("id")
    for key, title in catalog.DIMENSIONS.items():  # the six dimensions, by their Indonesian labels
        assert f'<option value="{key}" >{indonesian.gettext(title)}</option>' in form, key
    assert "Smart living" not in form

    r = await officer.post("/dasbor/program/baru", new(nama="", teks="", dimensi="sihir", status="x"))
    assert r.status == 400
    async with officer.http.post("/dasbor/program/baru", data={"csrf": officer.csrf, **new(
            nama="<b>Posyandu</b>", teks="", dimensi="sihir")}) as response:
        refused = await response.text()
    assert 'class="form-errors"' in refused and 'id="salah-teks"' in refused and 'id="salah-dimensi"' in refused
    assert 'id="salah-nama"' not in refused and 'value="&lt;b&gt;Posyandu&lt;/b&gt;"' in refused  # kept, escaped
    assert "Mohon tulis deskripsi singkat untuk warga" in refused and "Mohon pilih dimensi kota cerdas" in refused
    async with officer.http.post("/dasbor/program/baru", data={"csrf": officer.csrf,
                                                               **new(nama="x" * 201)}) as response:
        assert response.status == 400 and "paling banyak 200 karakter" in await response.text()
    async with officer.http.post("/dasbor/program/baru", data={"csrf": officer.csrf,
                                                               **new(nama="Bandung Sehat")}) as response:
        taken = await response.text()
    assert response.status == 400 and "Nama program ini sudah dipakai di wilayah ini" in taken
    assert set(await programs(site, BANDUNG)) == {"Bandung Sehat", "Wifi Taman"}

    r = await officer.post("/dasbor/program/baru", new())
    added = (await programs(site, BANDUNG))["Posyandu Digital"]
    assert r.status == 303 and r.headers["Location"] == f"/dasbor/program/{added.id}"
    assert (added.dimension, added.status, added.description) == ("living", "direncanakan",
                                                                 "Jadwal posyandu di ponsel.\r\nGratis.")
    status, page = await officer.get(f"/dasbor/program/{added.id}")
    assert status == 200 and "Program sudah ditambahkan." in page and 'action="/dasbor/program/' in page
    assert ("program.add", str(added.id)) in [(e.action, e.target) for e in await site.audit()]
    r = await officer.post("/dasbor/program/baru", new(nama="Lain"), csrf="wrong")
    assert r.status == 403 and "Lain" not in await programs(site, BANDUNG)


async def test_edit_status_with_followers_told_and_close(site: ConsoleSite, seeded: Seeded, officer: Browser) -> None:
    pid = seeded.bandung_health
    async with site.db.unit_of_work() as s:
        for rid in FOLLOWERS:
            s.add(Resident(telegram_id=rid, region_code=BANDUNG, consent_at=datetime.now(UTC), language="id"))
        await s.flush()
        s.add_all([ProgramFollow(resident_id=rid, program_id=pid) for rid in FOLLOWERS])
    site.fake.accept_any_chat = True

    r = await officer.post(f"/dasbor/program/{pid}/ubah", {"teks": "Konsultasi dokter lewat video."})
    assert r.status == 303 and (await programs(site, BANDUNG))["Bandung Sehat"].description == "Konsultasi dokter lewat video."
    async with officer.http.post(f"/dasbor/program/{pid}/ubah", data={"csrf": officer.csrf, "teks": " "}) as response:
        assert response.status == 400 and 'id="salah-teks"' in await response.text()

    r = await officer.post(f"/dasbor/program/{pid}/status", {"status": "selesai", "kabari": "pengikut"})
    assert r.status == 303
    async with site.db.unit_of_work() as s:
        [b] = list((await s.exec(select(Broadcast))).scalars())  # type: ignore[call-overload]
    assert (b.audience, b.audience_code, b.total, b.created_by) == ("program", str(pid), 2, 8201)
    status, page = await officer.get(f"/dasbor/program/{pid}")
    assert "Pengumuman sedang dikirim kepada 2 warga" in page
    assert await Sender(site.ptb).tick()
    for rid in FOLLOWERS:
        [m] = site.fake.sent(rid)
        assert m.text is not None and "Bandung Sehat" in m.text and "selesai" in m.text
    r = await officer.post(f"/dasbor/program/{pid}/status", {"status": "berjalan", "kabari": "tidak"})
    assert r.status == 303 and (await programs(site, BANDUNG))["Bandung Sehat"].status == "berjalan"
    r = await officer.post(f"/dasbor/program/{pid}/status", {"status": "tamat", "kabari": "tidak"})
    assert r.status == 400 and (await programs(site, BANDUNG))["Bandung Sehat"].status == "berjalan"

    r = await officer.post(f"/dasbor/program/{pid}/tutup", {})
    assert r.status == 400 and (await programs(site, BANDUNG))["Bandung Sehat"].removed_at is None
    r = await officer.post(f"/dasbor/program/{pid}/tutup", {"yakin": "1"})
    assert r.status == 303 and r.headers["Location"] == f"/dasbor/program?wilayah=r{BANDUNG}"
    assert (await programs(site, BANDUNG))["Bandung Sehat"].removed_at is not None
    async with site.db.unit_of_work() as s:
        listed, _shown, _pages = await catalog.programs_page(s, region_code=BANDUNG, page=0)
    assert [p.program.name for p in listed] == ["Wifi Taman"]  # gone from the residents' list
    status, page = await officer.get(f"/dasbor/program/{pid}")
    assert status == 200 and f'action="/dasbor/program/{pid}/status"' not in page  # no forms on a closed one
    r = await officer.post(f"/dasbor/program/{pid}/status", {"status": "selesai", "kabari": "tidak"})
    assert r.status == 404
    actions = [(e.action, e.target) for e in await site.audit()]
    for action in ("program.edit", "program.status", "program.close", "broadcast.create"):
        assert action in [a for a, _ in actions], action


async def test_an_import_with_a_bad_row_writes_nothing_and_a_good_one_writes_all(site: ConsoleSite,
                                                                                seeded: Seeded) -> None:
    admin = await site.signed_in(ADMIN_ID)
    status, page = await admin.get("/dasbor/program/impor")
    assert status == 200 and 'enctype="multipart/form-data"' in page and "region_code" in page
    good = (HEADER + "32.73,Bank Sampah,Tabung sampah jadi rupiah.,environment,DLH,berjalan,,\n"
            + "32.73,Pasar Daring,\"Belanja pasar, antar ke rumah.\",economy,,,,2024-05-01\n")
    bad = good + "32.73,Taman Baca,Buku gratis.,sihir,,,,\n"
    status, refused, _ = await upload(admin, bad.encode())
    assert status == 400 and "Tidak ada program yang diimpor" in refused
    assert "Baris 4" in refused and "dimension “sihir” tidak termasuk pilihan" in refused
    assert set(await programs(site, BANDUNG)) == {"Bandung Sehat", "Wifi Taman"}  # nothing written

    status, _, location = await upload(admin, good.encode())
    assert status == 303 and location == f"/dasbor/program?wilayah=r{BANDUNG}"
    assert {"Bank Sampah", "Pasar Daring"} <= set(await programs(site, BANDUNG))
    status, page = await admin.get(location)
    assert "2 program berhasil diimpor" in page and "Pasar Daring" in page
    entries = [e for e in await site.audit() if e.action == "program.import"]
    assert len(entries) == 1 and entries[0].detail is not None and entries[0].detail.get("rows") == 2
    status, again, _ = await upload(admin, good.encode())
    assert status == 400 and "Baris 2" in again and "nama program ini sudah ada" in again
    await admin.close()


async def test_import_refuses_other_regions_and_bad_files_politely(site: ConsoleSite, seeded: Seeded,
                                                                  officer: Browser) -> None:
    rows = HEADER + "32.73,Bank Sampah,Tabung sampah.,environment,,,,\n" + "32.74,Cirebon Baru,Lain.,living,,,,\n"
    status, page, _ = await upload(officer, rows.encode())
    assert status == 400 and "Baris 3" in page and "region_code “32.74” bukan wilayah Anda" in page
    assert "Bank Sampah" not in await programs(site, BANDUNG) and "Cirebon Baru" not in await programs(site, CIREBON)

    big = (HEADER + "32.73,A,B,living,,,,\n" * 70000).encode()
    assert len(big) > 1024 * 1024
    status, page, _ = await upload(officer, big)
    assert status == 413 and "Berkas lebih besar dari 1 MB" in page
    status, page, _ = await upload(officer, (HEADER + "32.73,Bandung Café,Kopi,living,,,,\n").encode("latin-1"))
    assert status == 400 and "Berkas tidak ditulis dalam UTF-8" in page
    status, page, _ = await upload(officer, b"PK\x03\x04", name="program.xlsx")
    assert status == 400 and "Berkas ini bukan berkas CSV" in page
    status, page, _ = await upload(officer, rows.encode(), csrf="")
    assert status == 403
    assert set(await programs(site, BANDUNG)) == {"Bandung Sehat", "Wifi Taman"}

    async with officer.http.get("/dasbor/program/impor/contoh.csv") as r:
        template = await r.text()
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/csv")
        assert "attachment" in r.headers["Content-Disposition"]
    header, example = template.splitlines()
    assert header + "\n" == HEADER and example.startswith(f"{BANDUNG},")


async def test_an_official_of_another_region_is_refused_everywhere(site: ConsoleSite, seeded: Seeded) -> None:
    cirebon = await site.signed_in(8202)
    pid = seeded.bandung_health
    status, page = await cirebon.get(f"/dasbor/program/{pid}")
    assert status == 404
    status, page = await cirebon.get("/dasbor/program/baru")
    assert status == 200 and f'value="{BANDUNG}"' not in page
    status, _ = await cirebon.get(f"/dasbor/program/baru?wilayah=r{BANDUNG}")
    assert status == 403
    r = await cirebon.post("/dasbor/program/baru", new())
    assert r.status == 403
    for path, fields in ((f"/dasbor/program/{pid}/ubah", {"teks": "diretas"}),
                         (f"/dasbor/program/{pid}/status", {"status": "selesai", "kabari": "warga"}),
                         (f"/dasbor/program/{pid}/tutup", {"yakin": "1"}),
                         ("/dasbor/program/999999/tutup", {"yakin": "1"})):
        r = await cirebon.post(path, fields)
        assert r.status == 404, path
    status, page, _ = await upload(cirebon, (HEADER + "32.73,Masuk Bandung,Lain.,living,,,,\n").encode())
    assert status == 400 and "region_code “32.73” bukan wilayah Anda" in page
    health = (await programs(site, BANDUNG))["Bandung Sehat"]
    assert (health.description, health.status, health.removed_at) == ("Konsultasi kesehatan daring.", "berjalan", None)
    assert set(await programs(site, BANDUNG)) == {"Bandung Sehat", "Wifi Taman"}
    async with site.db.unit_of_work() as s:
        assert list((await s.exec(select(Broadcast))).scalars()) == []  # type: ignore[call-overload]
    await cirebon.close()
