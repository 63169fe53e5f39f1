"""A program's source date: the page shows its year by the status, import/export carry it, and migration 0015
dates and corrects the programs a database was seeded with before, leaving what an official changed."""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import select

from bot.cli.broadcast import export_programs
from bot.i18n import I18n
from bot.services import catalog
from bot.services.importer import import_programs, parse
from handlers.programs import program_page
from storage.db import MIGRATIONS_DIR, Database, alembic_config, upgrade_async
from storage.models import Program, Region
from storage.seed import read_programs, read_regions
from tests.support.old_databases import database_at

I18N = I18n()
HEADER = "region_code,name,description,dimension,agency,status,source_url,source_date\n"


def _migration():  # type: ignore[no-untyped-def]
    path = MIGRATIONS_DIR / "versions" / "0015_program_source_dates.py"
    spec = importlib.util.spec_from_file_location("migration_0015", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


M0015 = _migration()


async def _page(db: Database, region: str, name: str, lang: str = "id") -> str:
    async with db.unit_of_work() as s:
        wanted = select(Program.id).where(Program.region_code == region, Program.name == name)
        pid = (await s.exec(wanted)).scalars().one()  # type: ignore[call-overload]
        found = await catalog.program_details(s, program_id=pid)
    assert found is not None
    return program_page(I18N.get(lang), *found)


async def test_the_page_shows_the_source_year_by_the_status_and_no_agency_line_without_one(db: Database) -> None:
    page = await _page(db, "35.25", "Posyandu Go")  # Gresik, bangsaonline.com, 15 Nov 2017
    assert "Status: direncanakan\nMenurut sumber tahun 2017." in page
    assert "Pelaksana" not in page
    assert "According to a source from 2017." in await _page(db, "35.25", "Posyandu Go", "en")
    pelalawan = await _page(db, "14.05", "Pelalawan Sehat")
    assert "Pelaksana: Dinas Kesehatan Kabupaten Pelalawan" in pelalawan and "Menurut sumber tahun 2017." in pelalawan
    undated = await _page(db, "35.79", "Among Tani")  # the Nextren article has no date
    assert "Status: berjalan" in undated and "Menurut sumber" not in undated


def test_the_seed_gives_each_dated_source_its_day() -> None:
    by_name = {row["name"]: row for row in read_programs()}
    assert by_name["SIMARDA"]["source_date"] == date(2018, 7, 1)  # "2018-07": only the month is known
    assert by_name["Salinmas (Sampah Online Banyumas)"]["source_date"] == date(2019, 10, 25)
    assert [name for name, row in by_name.items() if row["source_date"] is None] == [
        "Among Tani", "Berindah", "Ambon Menuju Kota Musik Dunia"]


def test_import_accepts_a_source_date_and_names_the_line_of_a_bad_one() -> None:
    rows, errors = parse(
        HEADER
        + "32.73,Bandung Sehat,Layanan daring.,living,,berjalan,https://example.org,2019-10-25\n"
        + "32.73,Wifi Taman,Wifi gratis.,society,,,,\n"
        + "32.73,Lain,Deskripsi,living,,,,25/10/2019\n"
        + "32.73,Lagi,Deskripsi,living,,,,2019-02-30\n"
        + "32.73,Minggu,Deskripsi,living,,,,2019-W43-5\n"
    )
    assert [row["source_date"] for _, row in rows[:2]] == [date(2019, 10, 25), None]
    assert errors == [
        (4, "source_date '25/10/2019' is not a date written YYYY-MM-DD"),
        (5, "source_date '2019-02-30' is not a date written YYYY-MM-DD"),
        (6, "source_date '2019-W43-5' is not a date written YYYY-MM-DD"),
    ]
    old_format, old_errors = parse("region_code,name,description,dimension\n32.73,A,B,living\n")
    assert old_errors == [] and old_format[0][1]["source_date"] is None  # the column may be left out


async def test_import_writes_the_date_and_export_gives_it_back(db: Database) -> None:
    async with db.unit_of_work() as s:
        report = await import_programs(s, HEADER + "32.73,Bandung Sehat,Layanan daring.,living,,,,2019-10-25\n")
    assert report.ok and report.imported == 1
    async with db.unit_of_work() as s:
        exported = await export_programs(s, "32.73")
    assert "Menurut sumber tahun 2019." in await _page(db, "32.73", "Bandung Sehat")
    lines = exported.splitlines()
    assert lines[0] + "\n" == HEADER and lines[1].endswith(",berjalan,,2019-10-25")


def test_the_migration_holds_the_seed_as_shipped_and_as_corrected() -> None:
    """Its sources are the seed's; each correction's new value is the seed's and its old one is gone from it."""
    seed = {(row["region_code"], row["name"]): row for row in read_programs()}
    named: dict[tuple[str, str], tuple[str, date]] = {}
    for url, published, region, names in M0015.SOURCES:
        named.update({(region, name): (url, published) for name in names})
    for key, row in seed.items():
        assert named.get(key) == ((row["source_url"], row["source_date"]) if row["source_date"] else None), key
    for region, shipped, renamed, fields in M0015.CORRECTIONS:
        row = seed[(region, renamed or shipped)]
        assert renamed is None or (region, shipped) not in seed
        for column, (before, after) in fields.items():
            assert row[column] == after != before, (shipped, column)


# --- migration 0015 on a database seeded before it ---


@pytest.fixture
async def old_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database of its own at revision 0014, the one before source dates."""
    async with database_at("0014", backend, tmp_path) as url:
        yield url


OLD_PATTAS = "Bantuan yang cepat dan tanggap bagi warga kurang mampu yang menderita penyakit kronis."
EDITED = "Pendampingan warga miskin penderita sakit kronis, ditulis oleh petugas."
OLD_SIMARDA = next(fields for _, name, _, fields in M0015.CORRECTIONS if name == "SIMARDA")["description"][0]
SIPADEK = "SIPADEK (Sistem Pelayanan Administrasi Terpadu Perkantoran)"
GATRA = "https://www.gatra.com/news-453190-teknologi-ini-tiga-quick-win-prioritas-smart-city-banyumas.html"


async def _programs(url: str) -> dict[str, tuple[str, str, date | None]]:
    db = Database(url)
    try:
        async with db.unit_of_work() as s:
            found = (await s.exec(select(Program))).scalars().all()  # type: ignore[call-overload]
            return {p.name: (p.description, p.status, p.source_date) for p in found}
    finally:
        await db.dispose()


async def test_the_migration_dates_and_corrects_the_shipped_rows_and_leaves_edited_ones(old_url: str) -> None:
    programs = sa.table("programs", *(sa.column(c) for c in ("region_code", "name", "description", "dimension",
                                                           "status", "source_url", "created_at")))
    db = Database(old_url)
    try:
        async with db.unit_of_work() as s:  # the tables as revision 0014 has them, seeded as shipped before
            await s.exec(sa.insert(Region).values(read_regions()))  # type: ignore[call-overload]
            now = sa.func.current_timestamp()
            await s.exec(programs.insert().values([  # type: ignore[call-overload]
                {"region_code": "34.04", "name": "SIMARDA", "status": "direncanakan", "source_url": M0015.SOURCES[3][0],
                 "description": OLD_SIMARDA, "dimension": "governance", "created_at": now},
                {"region_code": "35.25", "name": "dr. Kepo (Dokter Kependudukan Online)", "status": "direncanakan",
                 "description": "d", "dimension": "governance", "source_url": M0015.SOURCES[1][0], "created_at": now},
                # an official rewrote Pattas's description and left its status
                {"region_code": "33.02", "name": "Pattas Sosial Mitra Kurir Langit", "description": EDITED,
                 "dimension": "society", "status": "direncanakan", "source_url": GATRA, "created_at": now},
                # and set PSC 119-Satria to done, and pointed it to another source
                {"region_code": "33.02", "name": "PSC 119-Satria", "description": "d", "dimension": "living",
                 "status": "selesai", "source_url": "https://example.org/psc", "created_at": now},
                {"region_code": "32.73", "name": "Bandung Sehat", "description": OLD_PATTAS, "dimension": "living",
                 "status": "direncanakan", "source_url": None, "created_at": now},  # an official's own program
                # SIPADEK as shipped, beside an official's program already under the corrected name
                {"region_code": "15.71", "name": "SIPADEK", "description": "d", "dimension": "governance",
                 "status": "direncanakan", "source_url": M0015.SOURCES[4][0], "created_at": now},
                {"region_code": "15.71", "name": SIPADEK, "description": "e", "dimension": "governance",
                 "status": "berjalan", "source_url": None, "created_at": now},
            ]))
    finally:
        await db.dispose()

    await upgrade_async(old_url)
    after = await _programs(old_url)
    assert after["SIMARDA"] == (
        "Salah satu dari tiga program quick win Kabupaten Sleman. Rincian program belum tersedia.", "berjalan",
        date(2018, 7, 1))
    assert after["dr. Kepo (Kependudukan Online)"] == ("d", "direncanakan", date(2017, 11, 15))
    assert after["Pattas Sosial Mitra Kurir Langit"] == (EDITED, "berjalan", date(2019, 10, 25))
    assert after["PSC 119-Satria"] == ("d", "selesai", None)  # not the shipped source: no date given
    assert after["Bandung Sehat"] == (OLD_PATTAS, "direncanakan", None)
    assert "dr. Kepo (Dokter Kependudukan Online)" not in after
    assert (after["SIPADEK"], after[SIPADEK]) == (("d", "direncanakan", date(2020, 2, 25)), ("e", "berjalan", None))

    await asyncio.to_thread(command.downgrade, alembic_config(old_url), "0014")
    db = Database(old_url)
    try:
        async with db.unit_of_work() as s:
            shown = sa.select(programs.c.name, programs.c.description, programs.c.status)
            rows = (await s.exec(shown)).all()  # type: ignore[call-overload]
    finally:
        await db.dispose()
    back = {name: (description, status) for name, description, status in rows}
    assert back["SIMARDA"] == (OLD_SIMARDA, "direncanakan")
    assert back["dr. Kepo (Dokter Kependudukan Online)"] == ("d", "direncanakan")
    assert back["Pattas Sosial Mitra Kurir Langit"] == (EDITED, "direncanakan")
    assert back["PSC 119-Satria"] == ("d", "selesai")
    await upgrade_async(old_url)  # and up again
    assert (await _programs(old_url))["SIMARDA"][2] == date(2018, 7, 1)
