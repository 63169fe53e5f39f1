"""`quickwin opendata export` on SQLite and PostgreSQL: the public figures as files, small cells suppressed.

As at Friday 20 March 2026 12:00 UTC (--as-of): the months are April 2025 to March 2026. The figures below are
counted by hand from `seed_feedback`; the suppression is bot/services/public_figures.py's.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.i18n import I18n
from bot.services.opendata_files import published_file
from bot.services.opendata_meta import Publisher
from storage.db import Database
from storage.models import Feedback, Program, Resident
from tests.support.processes import quickwin

CIREBON, GRESIK = "32.74", "35.25"
AS_OF = "2026-03-20T12:00:00Z"
COMMENT = "Antrean panjang sekali di loket kelurahan"
RESIDENTS = {"c1": (910000001, 910000002, 910000003, 910000004),
             "c2": (920000001, 920000002, 920000003, 920000004, 920000005),
             "g1": (930000001, 930000002, 930000003), "g2": (940000001, 940000002, 940000003)}
PRODUCER = {"OPENDATA_PRODUCER": "Dinas Komunikasi dan Informatika Kota Cirebon",
            "OPENDATA_CONTACT": "data@cirebonkota.go.id"}


async def _programs(db: Database, region: str) -> list[tuple[int, str]]:
    async with db.unit_of_work() as s:
        stmt = select(Program.id, Program.name).where(Program.region_code == region).order_by(Program.id)
        return [(int(i), str(n)) for i, n in (await s.exec(stmt)).all()]  # type: ignore[call-overload]


async def seed_feedback(db: Database) -> dict[str, tuple[int, str]]:
    """Cirebon: program c1 rated by 4 residents in March (suppressed, and so is the region's March, which would
    give it away), c2 by 5 (5 5 4 4 2, each with a comment: shown). Gresik: two programs of 3 residents each in
    January (both suppressed; the region's January, 6 residents, shown)."""
    (c1, c2, *_), (g1, g2, *_) = await _programs(db, CIREBON), await _programs(db, GRESIK)
    rows = []
    for resident, rating in zip(RESIDENTS["c1"], (5, 4, 4, 3), strict=True):
        rows.append(Feedback(program_id=c1[0], region_code=CIREBON, resident_id=resident, rating=rating,
                             created_at=datetime(2026, 3, 10, tzinfo=UTC)))
    for resident, rating in zip(RESIDENTS["c2"], (5, 5, 4, 4, 2), strict=True):
        rows.append(Feedback(program_id=c2[0], region_code=CIREBON, resident_id=resident, rating=rating,
                             comment=COMMENT, created_at=datetime(2026, 3, 5, tzinfo=UTC)))
    for key, program, rating in (("g1", g1, 4), ("g2", g2, 2)):
        rows.extend(Feedback(program_id=program[0], region_code=GRESIK, resident_id=resident, rating=rating,
                             created_at=datetime(2026, 1, 10, tzinfo=UTC)) for resident in RESIDENTS[key])
    async with db.unit_of_work() as s:
        s.add_all([Resident(telegram_id=r) for ids in RESIDENTS.values() for r in ids])
        await s.flush()
        s.add_all(rows)
    return {"c1": c1, "c2": c2, "g1": g1, "g2": g2}


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # UTF-8 without a byte order mark
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))


def pick(rows: list[dict[str, Any]], *, month: str, code: str, program: str | None) -> dict[str, Any]:
    (row,) = [r for r in rows if r["periode_mulai"] == month and r["kode_kabupaten_kota"] == code
              and (r["nama_program"] or None) == program]
    return row


async def test_the_files_hold_the_public_figures_and_nothing_personal(db: Database, db_url: str, tmp_path: Path) -> None:
    programs = await seed_feedback(db)
    out = tmp_path / "terbuka"
    done = await asyncio.to_thread(quickwin, tmp_path, "opendata", "export", str(out), "--as-of", AS_OF,
                                   DATABASE_URL=db_url, **PRODUCER)
    assert done.returncode == 0, done.stderr
    assert "quickwin-32-74: 60 row(s)" in done.stdout  # 12 months x (the region and its 4 programs)
    names = {p.name for p in out.iterdir()}
    assert {"quickwin-indonesia.csv", "quickwin-indonesia.json", "quickwin-indonesia.metadata.json",
            "quickwin-32-74.csv", "quickwin-32-74.json", "quickwin-32-74.metadata.json"} <= names

    cirebon = read_csv(out / "quickwin-32-74.csv")
    assert list(cirebon[0]) == [
        "periode_mulai", "periode_selesai", "kode_provinsi", "nama_provinsi", "kode_kabupaten_kota",
        "nama_kabupaten_kota", "tingkat", "id_program", "nama_program", "jumlah_penilaian", "jumlah_warga_menilai",
        "rata_rata_penilaian", "penilaian_disembunyikan", "jumlah_komentar", "komentar_disembunyikan",
        "jumlah_komentar_jatuh_tempo", "jumlah_ditanggapi_tepat_waktu", "persentase_tepat_waktu",
        "tepat_waktu_disembunyikan", "disembunyikan"]
    assert cirebon[0]["periode_mulai"] == "2025-04-01" and cirebon[-1]["periode_selesai"] == "2026-03-31"
    c2_id, c2_name = programs["c2"]
    assert pick(cirebon, month="2026-03-01", code=CIREBON, program=c2_name) == {
        "periode_mulai": "2026-03-01", "periode_selesai": "2026-03-31", "kode_provinsi": "32",
        "nama_provinsi": "Jawa Barat", "kode_kabupaten_kota": CIREBON, "nama_kabupaten_kota": "Kota Cirebon",
        "tingkat": "program", "id_program": str(c2_id), "nama_program": c2_name,
        "jumlah_penilaian": "5", "jumlah_warga_menilai": "5", "rata_rata_penilaian": "4.0",
        "penilaian_disembunyikan": "false", "jumlah_komentar": "5", "komentar_disembunyikan": "false",
        # no comment settled yet (none has a deadline): the on-time group has nobody behind it
        "jumlah_komentar_jatuh_tempo": "", "jumlah_ditanggapi_tepat_waktu": "", "persentase_tepat_waktu": "",
        "tepat_waktu_disembunyikan": "true", "disembunyikan": "true"}
    c1 = pick(cirebon, month="2026-03-01", code=CIREBON, program=programs["c1"][1])
    assert (c1["jumlah_penilaian"], c1["jumlah_warga_menilai"], c1["rata_rata_penilaian"]) == ("", "", "")
    assert c1["penilaian_disembunyikan"] == "true"  # four residents: a suppressed cell is empty
    region = pick(cirebon, month="2026-03-01", code=CIREBON, program=None)
    assert region["tingkat"] == "kabupaten_kota" and region["id_program"] == "" and region["jumlah_penilaian"] == ""
    assert region["penilaian_disembunyikan"] == "true"  # 9 ratings less c2's 5 would give c1's 4 away

    national = read_csv(out / "quickwin-indonesia.csv")
    assert {r["tingkat"] for r in national} == {"kabupaten_kota"}
    gresik = pick(national, month="2026-01-01", code=GRESIK, program=None)
    assert (gresik["jumlah_penilaian"], gresik["jumlah_warga_menilai"], gresik["rata_rata_penilaian"],
            gresik["penilaian_disembunyikan"]) == ("6", "6", "3.0", "false")
    assert gresik["jumlah_komentar"] == "" and gresik["komentar_disembunyikan"] == "true"  # no comment at all
    assert pick(national, month="2026-03-01", code=CIREBON, program=None)["jumlah_penilaian"] == ""

    # The JSON has the CSV's rows and columns, suppressed figures null, numbers as numbers.
    as_json = json.loads((out / "quickwin-32-74.json").read_text(encoding="utf-8"))
    assert [list(r) for r in as_json] == [list(r) for r in cirebon]
    row = pick(as_json, month="2026-03-01", code=CIREBON, program=c2_name)
    assert (row["jumlah_penilaian"], row["rata_rata_penilaian"], row["id_program"]) == (5, 4.0, c2_id)
    assert row["persentase_tepat_waktu"] is None and row["tepat_waktu_disembunyikan"] is True
    assert pick(as_json, month="2026-03-01", code=CIREBON, program=programs["c1"][1])["jumlah_penilaian"] is None
    assert [{k: "" if v is None else str(v).lower() if isinstance(v, bool) else str(v) for k, v in r.items()}
            for r in as_json] == cirebon

    for path in out.iterdir():
        text = path.read_text(encoding="utf-8")
        assert COMMENT not in text and "Antrean" not in text, path.name
        assert not any(str(r) in text for ids in RESIDENTS.values() for r in ids), path.name
        assert not re.search(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}\b", text), path.name  # a pseudonym's shape


async def test_the_metadata_names_what_satu_data_indonesia_asks_for(db: Database, db_url: str, tmp_path: Path) -> None:
    await seed_feedback(db)
    out = tmp_path / "terbuka"
    done = await asyncio.to_thread(quickwin, tmp_path, "opendata", "export", str(out), "--region", CIREBON,
                                   "--as-of", AS_OF, DATABASE_URL=db_url, **PRODUCER)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "quickwin-32-74.csv", "quickwin-32-74.json", "quickwin-32-74.metadata.json"]  # --region: that one only
    meta = json.loads((out / "quickwin-32-74.metadata.json").read_text(encoding="utf-8"))
    assert meta["judul"] == "Penilaian warga atas program quick win, Kota Cirebon, bulanan"
    assert meta["produsen_data"] == PRODUCER["OPENDATA_PRODUCER"] and meta["kontak"] == "data@cirebonkota.go.id"
    assert meta["frekuensi_penerbitan"] == "Bulanan" and meta["tanggal_pembaruan"] == "2026-03-20"
    assert meta["periode_data"] == {"mulai": "2025-04-01", "selesai": "2026-03-31"}
    assert meta["cakupan_wilayah"] == "Kota Cirebon" and meta["kode_wilayah"] == CIREBON
    assert meta["lisensi"] == {"id": "cc-by", "nama": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
                               "url": "https://creativecommons.org/licenses/by/4.0/"}
    assert "sedikitnya 5 warga" in meta["deskripsi"] and "sedikitnya 5 warga" in meta["kerahasiaan"]
    columns = {c["nama"]: c for c in meta["kolom"]}
    assert list(columns) == list(read_csv(out / "quickwin-32-74.csv")[0])
    assert columns["jumlah_warga_menilai"]["satuan"] == "orang" and columns["persentase_tepat_waktu"]["satuan"] == "persen"
    assert all(c["definisi"] for c in meta["kolom"])

    other = await asyncio.to_thread(quickwin, tmp_path, "opendata", "export", str(tmp_path / "b"), "--region", CIREBON,
                                    DATABASE_URL=db_url, OPENDATA_LICENSE="cc-zero", DEFAULT_LANGUAGE="en", **PRODUCER)
    meta = json.loads((tmp_path / "b" / "quickwin-32-74.metadata.json").read_text(encoding="utf-8"))
    assert meta["lisensi"]["id"] == "cc-zero" and meta["frekuensi_penerbitan"] == "Monthly", other.stderr

    missing = await asyncio.to_thread(quickwin, tmp_path, "opendata", "export", str(tmp_path / "c"),
                                      DATABASE_URL=db_url)
    assert missing.returncode == 2 and "OPENDATA_PRODUCER is not set" in missing.stderr
    unknown = await asyncio.to_thread(quickwin, tmp_path, "opendata", "export", str(tmp_path / "c"), "--region",
                                      "99.99", DATABASE_URL=db_url, **PRODUCER)
    assert unknown.returncode == 2 and "Unknown region '99.99'" in unknown.stderr and not (tmp_path / "c").exists()


async def test_the_public_page_gets_the_same_files_by_name(db: Database) -> None:
    await seed_feedback(db)
    publisher = Publisher("Dinas Kominfo Kota Cirebon", None, "cc-by")
    t = I18n("id").get("id")
    now = datetime(2026, 3, 20, 12, tzinfo=UTC)
    async with db.reading() as s:
        csv_file = await published_file(s, "quickwin-32-74.csv", now=now, publisher=publisher, t=t)
        meta = await published_file(s, "quickwin-indonesia.metadata.json", now=now, publisher=publisher, t=t)
        assert await published_file(s, "quickwin-99-99.csv", now=now, publisher=publisher, t=t) is None
        for bad in ("../x.csv", "quickwin-32-74.xlsx", "lain-32-74.csv", "quickwin-32-74"):
            assert await published_file(s, bad, now=now, publisher=publisher, t=t) is None
    assert csv_file is not None and csv_file[0] == "text/csv; charset=utf-8"
    assert csv_file[1].startswith(b"periode_mulai,") and csv_file[1].count(b"\r\n") == 61  # a header and 60 rows
    assert meta is not None and json.loads(meta[1])["cakupan_wilayah"] == "Indonesia"
