"""The programs console in a phone browser: an admin adds a program, then imports a CSV with a bad row (its line
and reason shown, nothing written), then a good one (the new programs listed)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from storage.models import Program
from tests.support.browser import shot
from tests.support.dashboard_helpers import BANDUNG, Seeded, Site
from tests.support.settings import ADMIN_ID

pytest_plugins = ["tests.support.dashboard_fixtures", "tests.support.browser_fixtures"]  # seeded, phone
pytestmark = pytest.mark.usefixtures("browser_available")

HEADER = "region_code,name,description,dimension,agency,status,source_url,source_date\n"
GOOD = (HEADER + "32.73,Bank Sampah Digital,Tabung sampah jadi rupiah.,environment,DLH Kota Bandung,berjalan,,\n"
        + "32.73,Pasar Daring,\"Belanja di pasar, diantar ke rumah.\",economy,,direncanakan,,2024-05-01\n")
BAD = GOOD + "32.73,Taman Baca,Buku gratis di taman.,sihir,,,,\n"


async def names(site: Site) -> set[str]:
    async with site.db.unit_of_work() as s:
        rows = (await s.exec(select(Program.name).where(Program.region_code == BANDUNG))).scalars()  # type: ignore[call-overload]
        return set(rows)


def csv_file(text: str) -> dict[str, Any]:
    return {"name": "program-bandung.csv", "mimeType": "text/csv", "buffer": text.encode()}


async def test_an_admin_adds_a_program_then_imports_a_bad_and_a_good_file(site: Site, seeded: Seeded,
                                                                         phone: Any) -> None:
    page = phone
    await page.goto(await site.login_url(ADMIN_ID))
    await page.get_by_role("button", name="Masuk").click()
    await page.wait_for_url("**/dasbor")
    await page.goto(site.base + f"/dasbor/program?wilayah=r{BANDUNG}")
    await page.get_by_role("link", name="Tambah program").click()
    await page.wait_for_url("**/dasbor/program/baru**")
    await page.select_option("form.program-form select[name=wilayah]", BANDUNG)
    await page.fill("input[name=nama]", "Posyandu Digital")
    await page.fill("textarea[name=teks]", "Jadwal dan catatan posyandu di ponsel warga.")
    await page.select_option("select[name=dimensi]", "living")
    await page.select_option("select[name=status]", "direncanakan")
    await shot(page, "program-add", "console")
    await page.get_by_role("button", name="Tambahkan program").click()
    await page.wait_for_url(re.compile(r"/dasbor/program/[0-9]+$"))
    assert "Program sudah ditambahkan." in await page.locator(".flash").inner_text()
    assert await page.locator("h1").inner_text() == "Posyandu Digital"
    assert "Posyandu Digital" in await names(site)

    await page.goto(site.base + "/dasbor/program/impor")
    await page.set_input_files("input[name=berkas]", files=[csv_file(BAD)])
    await page.get_by_role("button", name="Periksa dan impor").click()
    problems = page.locator(".import-problems")
    await problems.wait_for()
    listed = await problems.inner_text()
    assert "Baris 4" in listed and "dimension “sihir” tidak termasuk pilihan" in listed
    assert not {"Bank Sampah Digital", "Pasar Daring"} & await names(site)  # nothing written
    await shot(page, "program-import-errors", "console")

    await page.set_input_files("input[name=berkas]", files=[csv_file(GOOD)])
    await page.get_by_role("button", name="Periksa dan impor").click()
    await page.wait_for_url(f"**/dasbor/program?wilayah=r{BANDUNG}")
    assert "2 program berhasil diimpor" in await page.locator(".flash").inner_text()
    table = await page.locator("table.data").inner_text()
    assert "Bank Sampah Digital" in table and "Pasar Daring" in table and "Posyandu Digital" in table
    assert {"Bank Sampah Digital", "Pasar Daring"} <= await names(site)
    await shot(page, "program-import-ok", "console")
