"""The benchmark's data: a million ratings over the seeded regions, loaded as fast as each database allows.

Skewed over the regions (Kota Bandung a tenth), about two years of timestamps denser towards the end, ~40 %
with comments. The roll-ups' triggers are dropped for the load and the roll-ups rebuilt after it, as
migration 0010 does for the feedback already stored (`rollups_s` in the report is that backfill).
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy import select, text

from storage.codes import TICKET_CHARS, crockford, ticket_prefix
from storage.db import Database
from storage.models import Program, Region
from storage.rollups import drop_sql, rebuild_sql, trigger_sql
from storage.seed import insert_programs

LARGEST = "32.73"  # Kota Bandung gets a tenth of all rows
PROVINCE = "32"  # Jawa Barat
# Fixed, so every run sees the same periods. A Sunday, late: the summaries read days and whole weeks of
# roll-up rows and a long raw part-day (20 hours, past midnight in WIB, so the trend's last week has begun).
NOW = datetime(2026, 5, 31, 20, 0, tzinfo=UTC)
SPAN_DAYS = 730
CHUNK = 50_000

PROGRAM_NAMES = (
    "Layanan Aduan Warga Daring", "Wifi Publik di Taman Kota", "Pembayaran Retribusi Daring",
    "Akta Kelahiran Daring", "Pendaftaran Puskesmas Daring",
)
OPENINGS = (
    "Antrian di puskesmas masih panjang", "Antriannya lama sekali, bisa sampai tiga jam",
    "Jalan di depan sekolah rusak parah", "Jalannya berlubang dan membahayakan pengendara",
    "Wifi di taman sering mati", "Sinyal wifi taman lemah sekali", "Aplikasinya sering error saat login",
    "Pendaftaran daring sangat membantu", "Petugasnya ramah dan sigap", "Pelayanan di kantor kecamatan cepat",
    "Pelayanannya lambat, berkas saya belum selesai", "Pembayaran retribusi lewat aplikasi mudah",
    "Akta kelahiran anak saya jadi dalam dua hari", "Lampu jalan di gang kami mati sejak bulan lalu",
    "Sampah menumpuk di pasar", "Saluran air tersumbat, kalau hujan banjir", "Parkir liar di trotoar",
    "Informasi jadwal layanan kurang jelas", "Nomor pengaduan tidak pernah diangkat",
    "Kerusakan jalan sudah dilaporkan tapi belum diperbaiki", "Website dinas sering tidak bisa dibuka",
    "Programnya bagus, semoga terus berjalan", "Mohon perbaikan jalan di kampung kami",
    "Dokter di puskesmas kurang", "Ruang tunggu puskesmas panas dan sempit",
)
CLOSINGS = (
    "", "", "", " Terima kasih.", " Mohon segera ditindaklanjuti.", " Tolong diperhatikan, Pak.",
    " Semoga ada perbaikan.", " Sudah dua kali saya laporkan.", " Mantap, lanjutkan!", " 🙏",
)


def _timestamps_text(epoch: float) -> str:
    # The text SQLAlchemy stores for a DateTime on SQLite, so UTCDateTime reads it back unchanged.
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def generate(
    rng: random.Random, rows: int, programs: dict[str, list[int]], weights: dict[str, float]
) -> Iterator[list[tuple[Any, ...]]]:
    """Chunks of (program_id, region_code, rating, comment, status, superseded, created epoch)."""
    regions = list(weights)
    cum = list(weights.values())
    lean = {pid: rng.uniform(-1.0, 1.0) for pids in programs.values() for pid in pids}  # each program's own mood
    end = NOW.timestamp()
    for start in range(0, rows, CHUNK):
        chunk = []
        for region in rng.choices(regions, cum_weights=cum, k=min(CHUNK, rows - start)):
            pid = rng.choice(programs[region])
            # Activity grows over the two years: the density of timestamps rises linearly.
            age_days = SPAN_DAYS * (1 - (rng.random() ** 0.5))
            created = end - age_days * 86_400 - rng.random() * 60
            rating = max(1, min(5, round(rng.gauss(3.6 + lean[pid], 1.1))))
            comment = None
            status = "baru"
            if rng.random() < 0.4:
                comment = rng.choice(OPENINGS) + "." + rng.choice(CLOSINGS)
                if rng.random() < 0.3:
                    comment = rng.choice(OPENINGS) + ". " + comment
                answered = 0.95 if age_days > 60 else 0.5
                status = "baru" if rng.random() > answered else rng.choice(("diproses", "selesai", "selesai"))
            chunk.append((pid, region, rating, comment, status, rng.random() < 0.04, created))
        yield chunk


async def bench_programs(db: Database) -> dict[str, list[int]]:
    """Every region gets programs (the seed has them for a few); one per large region is removed."""
    async with db.unit_of_work() as s:
        codes = list((await s.exec(select(Region.code))).scalars().all())  # type: ignore[call-overload]
        await insert_programs(s, [
            {"region_code": code, "name": name, "description": "Program uji untuk benchmark.",
             "dimension": "governance", "agency": None, "status": "berjalan", "source_url": None}
            for code in codes for name in PROGRAM_NAMES
        ])
    async with db.unit_of_work() as s:
        rows = (await s.exec(select(Program.id, Program.region_code).order_by(Program.id))).all()  # type: ignore[call-overload]
        programs: dict[str, list[int]] = {}
        for pid, code in rows:
            programs.setdefault(code, []).append(int(pid))
        removed = [pids[-1] for pids in programs.values()]
        ids = ",".join(map(str, removed))
        await s.exec(text(f"UPDATE programs SET removed_at = created_at WHERE id IN ({ids})"))  # type: ignore[call-overload]
    return programs


def region_weights(rng: random.Random, codes: list[str]) -> dict[str, float]:
    """Cumulative weights: Bandung a tenth, the others Zipf-like in a shuffled order."""
    others = [c for c in codes if c != LARGEST]
    rng.shuffle(others)
    raw = {c: 1 / (rank + 1) ** 0.9 for rank, c in enumerate(others)}
    scale = 0.9 / sum(raw.values())
    cum, total = {}, 0.0
    for code, weight in [(LARGEST, 0.1), *((c, w * scale) for c, w in raw.items())]:
        total += weight
        cum[code] = total
    return cum


async def fill(db: Database, kind: str, path_or_url: str, rows: int, seed: int) -> dict[str, int]:
    """Load the rows as fast as each database allows; returns rows per region."""
    rng = random.Random(seed)
    programs = await bench_programs(db)
    weights = region_weights(rng, sorted(programs))
    per_region: dict[str, int] = {}
    columns = ["program_id", "region_code", "rating", "comment", "status", "superseded", "created_at", "updated_at",
               "ticket"]
    serial = iter(range(1, 32**TICKET_CHARS))  # unique ticket numbers without drawing and checking a million

    def ticket(region_code: str) -> str:
        return f"{ticket_prefix(region_code)}-{crockford(next(serial), TICKET_CHARS)}"
    if kind == "sqlite":
        conn = sqlite3.connect(path_or_url)
        try:
            conn.execute("PRAGMA synchronous=OFF")
            sql = f"INSERT INTO feedback ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            for chunk in generate(rng, rows, programs, weights):
                with conn:
                    conn.executemany(sql, ((p, r, g, c, st, int(sup), ts, ts, ticket(r)) for p, r, g, c, st, sup, e in chunk
                                           for ts in (_timestamps_text(e),)))
                for row in chunk:
                    per_region[row[1]] = per_region.get(row[1], 0) + 1
            conn.execute("ANALYZE")
            conn.commit()
        finally:
            conn.close()
        return per_region
    conn = await asyncpg.connect(path_or_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        for chunk in generate(rng, rows, programs, weights):
            records = [(p, r, g, c, st, sup, ts, ts, ticket(r)) for p, r, g, c, st, sup, e in chunk
                       for ts in (datetime.fromtimestamp(e, UTC),)]
            await conn.copy_records_to_table("feedback", records=records, columns=columns)
            for row in chunk:
                per_region[row[1]] = per_region.get(row[1], 0) + 1
        # As autovacuum would soon: statistics for the planner, a visibility map for index-only scans.
        await conn.execute("VACUUM ANALYZE feedback")
    finally:
        await conn.close()
    return per_region




async def execute(db: Database, statements: list[str]) -> None:
    async with db.engine.connect() as conn:
        for statement in statements:
            await conn.execute(text(statement))
        await conn.commit()


async def load(db: Database, kind: str, target: str, rows: int, seed: int) -> tuple[dict[str, int], float, float]:
    """Fill the database; returns rows per region, the load's seconds and the roll-ups' rebuild seconds."""
    dialect = db.engine.dialect.name
    await execute(db, drop_sql(dialect))
    t0 = time.perf_counter()
    per_region = await fill(db, kind, target, rows, seed)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    await execute(db, [*rebuild_sql(dialect), *trigger_sql(dialect), "ANALYZE"])
    return per_region, load_s, time.perf_counter() - t0
