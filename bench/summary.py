"""Benchmark: the officials' summary (/ringkasan) on a large feedback table.

    python -m bench.summary [--rows 1000000] [--db sqlite,postgresql] [--runs 5]
                            [--out bench/results/summary.json]

For each database: a fresh database (SQLite in a temporary directory, or a new PostgreSQL
database dropped at the end), migrated and seeded as the bot does, filled with N feedback rows
(skewed over the regions, about two years of timestamps, ~40 % with comments), then
``storage.summary.summary_figures`` is timed for the largest region (7 days, 30 days, all time),
its province and the whole country — first without, then with the extra indexes below — and
``bot.topics.recurring_topics`` and ``bot.chart.render_chart`` on what it returned.
See bench/README.md for what is measured and how.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import secrets
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self

from sqlalchemy import event, select, text

from bot.chart import ChartLabels, render_chart
from bot.topics import recurring_topics
from storage.codes import TICKET_CHARS, crockford, ticket_prefix
from storage.db import Database, upgrade_async
from storage.models import Program, Region
from storage.seed import insert_programs, load_seed
from storage.summary import summary_figures

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BASE = "postgresql+asyncpg://postgres@127.0.0.1:5432"
LARGEST = "32.73"  # Kota Bandung gets a tenth of all rows
PROVINCE = "32"  # Jawa Barat
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # fixed, so every run sees the same periods
SPAN_DAYS = 730
CHUNK = 50_000
QUERY_NAMES = ("period", "ranking", "waiting", "weekly", "comments")

# Created in the benchmark's setup only; the migration that adds them is the maintainers' to write.
EXTRA_INDEXES = {
    # Distribution, comment-less counts and the weekly trend of a scope and period, from the index alone.
    "ix_feedback_region_created_rating":
        "CREATE INDEX IF NOT EXISTS ix_feedback_region_created_rating ON feedback (region_code, created_at, rating)",
    # The ranking: each program's current ratings of a period are one range of this index.
    "ix_feedback_program_rated":
        "CREATE INDEX IF NOT EXISTS ix_feedback_program_rated ON feedback (program_id, superseded, created_at, rating)",
    # Comments: how many in a period, and the most recent ones, without touching rows without one.
    "ix_feedback_region_commented":
        "CREATE INDEX IF NOT EXISTS ix_feedback_region_commented ON feedback (region_code, created_at) "
        "WHERE comment IS NOT NULL",
    # Comments waiting for an answer: a small index that shrinks as officials answer. Both columns, so
    # SQLite prefers it to ix_feedback_region_status (region_code, status, id), which would read every row.
    "ix_feedback_waiting":
        "CREATE INDEX IF NOT EXISTS ix_feedback_waiting ON feedback (region_code, status) "
        "WHERE status = 'baru' AND comment IS NOT NULL",
}
# The first two extend these with the same leading columns, so they can take their place.
REPLACED_INDEXES = ("ix_feedback_region_created", "ix_feedback_program_current")

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
    import asyncpg

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


class QueryClock:
    """Time each statement the engine runs, in order."""

    def __init__(self, db: Database) -> None:
        self.db, self.times, self._start = db, [], 0.0

    def __enter__(self) -> Self:
        event.listen(self.db.engine.sync_engine, "before_cursor_execute", self._before)
        event.listen(self.db.engine.sync_engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.db.engine.sync_engine, "before_cursor_execute", self._before)
        event.remove(self.db.engine.sync_engine, "after_cursor_execute", self._after)

    def _before(self, *_args: Any) -> None:
        self._start = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            self.times.append(time.perf_counter() - self._start)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


async def time_case(db: Database, runs: int, **kwargs: Any) -> tuple[dict[str, Any], Any]:
    """First run, then the median of `runs` more; per-query medians too."""
    totals, per_query, figures = [], [], None
    for _ in range(runs + 1):
        with QueryClock(db) as clock:
            t0 = time.perf_counter()
            async with db.unit_of_work() as s:
                figures = await summary_figures(s, until=NOW, **kwargs)
            totals.append(time.perf_counter() - t0)
        per_query.append(clock.times)
    steady = per_query[1:]
    return {
        "first_ms": ms(totals[0]),
        "median_ms": ms(statistics.median(totals[1:])),
        "min_ms": ms(min(totals[1:])),
        "queries_median_ms": {name: ms(statistics.median(q[i] for q in steady)) for i, name in enumerate(QUERY_NAMES)},
        "ratings_in_period": figures.current.ratings,  # type: ignore[union-attr]
    }, figures


async def run_phase(db: Database, runs: int, province: list[str]) -> tuple[dict[str, Any], Any]:
    cases = {
        "region 7 days": {"region_codes": [LARGEST], "since": NOW - timedelta(days=7)},
        "region 30 days": {"region_codes": [LARGEST], "since": NOW - timedelta(days=30)},
        "region all time": {"region_codes": [LARGEST], "since": None},
        "province all time": {"region_codes": province, "since": None},
        "country all time": {"region_codes": None, "since": None},
    }
    out, kept = {}, None
    for name, kwargs in cases.items():
        out[name], figures = await time_case(db, runs, **kwargs)
        if name == "region all time":
            kept = figures
        first, median = out[name]["first_ms"], out[name]["median_ms"]
        print(f"    {name:<18} first {first:>8.1f} ms  median {median:>8.1f} ms", flush=True)
    return out, kept


async def add_indexes(db: Database) -> float:
    t0 = time.perf_counter()
    async with db.engine.connect() as conn:
        for name in REPLACED_INDEXES:
            await conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
        for sql in EXTRA_INDEXES.values():
            await conn.execute(text(sql))
        await conn.execute(text("ANALYZE"))
        await conn.commit()
    return time.perf_counter() - t0


def time_python(figures: Any, runs: int) -> dict[str, Any]:
    """recurring_topics and render_chart on the largest region's all-time figures."""
    labels = ChartLabels(
        title="Ringkasan Kota Bandung · semua waktu", distribution_title="Sebaran nilai", trend_title="Tren mingguan",
        ratings_axis="Jumlah penilaian", average_axis="Rata-rata", stars_label="Nilai", no_data="Belum ada data",
    )
    topic_t, chart_t, topics, png = [], [], [], b""
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        topics = recurring_topics(figures.comments)
        topic_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        png = render_chart(distribution=figures.current.distribution, weekly=figures.weekly, labels=labels,
                           decimal_comma=True)
        chart_t.append(time.perf_counter() - t0)
    return {
        "comments": len(figures.comments),
        "topics": {"first_ms": ms(topic_t[0]), "median_ms": ms(statistics.median(topic_t[1:])), "result": topics},
        "chart": {"first_ms": ms(chart_t[0]), "median_ms": ms(statistics.median(chart_t[1:])), "png_bytes": len(png)},
    }


async def run_database(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    with contextlib.ExitStack() as stack:
        pg_name = None
        if kind == "sqlite":
            path = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="quickwin_bench_summary_"))) / "bench.db"
            url, target = f"sqlite+aiosqlite:///{path}", str(path)
        else:
            pg_name = f"quickwin_bench_summary_{os.getpid()}_{secrets.token_hex(3)}"
            await _pg_admin(f'CREATE DATABASE "{pg_name}"')
            url = target = f"{PG_BASE}/{pg_name}"
        db = None
        try:
            await upgrade_async(url)
            db = Database(url)
            async with db.unit_of_work() as s:
                await load_seed(s)
            print(f"  {kind}: loading {args.rows:,} rows…", flush=True)
            t0 = time.perf_counter()
            per_region = await fill(db, kind, target, args.rows, args.seed)
            load_s = time.perf_counter() - t0
            print(f"  {kind}: loaded in {load_s:.1f} s; {LARGEST} has {per_region.get(LARGEST, 0):,} rows", flush=True)
            async with db.unit_of_work() as s:
                stmt = select(Region.code).where(Region.province_code == PROVINCE)
                province = list((await s.exec(stmt)).scalars())  # type: ignore[call-overload]
            print("   without the extra indexes", flush=True)
            without, _ = await run_phase(db, args.runs, province)
            index_s = await add_indexes(db)
            print(f"   with the extra indexes (built in {index_s:.1f} s)", flush=True)
            with_idx, figures = await run_phase(db, args.runs, province)
            python = time_python(figures, args.runs)
            return {
                "load_s": round(load_s, 1), "index_build_s": round(index_s, 1),
                "rows_largest_region": per_region.get(LARGEST, 0),
                "rows_province": sum(per_region.get(c, 0) for c in province),
                "without_extra_indexes": without, "with_extra_indexes": with_idx, "python": python,
            }
        finally:
            if db is not None:
                await db.dispose()
            if pg_name:
                await _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    raise AssertionError("unreachable")


async def _pg_admin(sql: str) -> Any:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        return await conn.fetchval(sql) if sql.startswith("SELECT") else await conn.execute(sql)
    finally:
        await conn.close()


def machine() -> dict[str, Any]:
    cpu, ram = "unknown", None
    with contextlib.suppress(OSError):
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), cpu)
    with contextlib.suppress(OSError, ValueError, StopIteration):
        kib = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:"))
        ram = round(int(kib) / 1024 / 1024, 1)
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gib": ram, "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "os": platform.system(), "loadavg_at_start": os.getloadavg()}


def table(results: dict[str, Any]) -> str:
    head = (f"{'database':<11} {'case':<18} │ {'without: first':>14} {'median':>8} │ "
            f"{'with: first':>11} {'median':>8}  (ms)")
    lines = [head, "─" * len(head)]
    for kind, r in results.items():
        for case, w in r["with_extra_indexes"].items():
            wo = r["without_extra_indexes"][case]
            lines.append(f"{kind:<11} {case:<18} │ {wo['first_ms']:>14.1f} {wo['median_ms']:>8.1f} │ "
                         f"{w['first_ms']:>11.1f} {w['median_ms']:>8.1f}")
        p = r["python"]
        lines.append(f"{kind:<11} recurring_topics on {p['comments']:,} comments: {p['topics']['median_ms']} ms "
                     f"(first {p['topics']['first_ms']}); render_chart: {p['chart']['median_ms']} ms "
                     f"(first {p['chart']['first_ms']}), {p['chart']['png_bytes']:,} bytes")
    return "\n".join(lines)


async def amain(args: argparse.Namespace) -> int:
    info = machine()
    dbs = [d.strip() for d in args.db.split(",") if d.strip()]
    if "postgresql" in dbs:
        info["postgresql"] = await _pg_admin("SELECT current_setting('server_version')")
    print(f"{args.rows:,} feedback rows, {args.runs} timed runs after a first one; databases: {', '.join(dbs)}",
          flush=True)
    results = {kind: await run_database(kind, args) for kind in dbs}
    print()
    print(table(results))
    report = {"machine": info, "rows": args.rows, "runs": args.runs, "seed": args.seed, "now": NOW.isoformat(),
              "extra_indexes": EXTRA_INDEXES, "dropped_in_with_phase": REPLACED_INDEXES,
              "results": results}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\nwritten to {out}")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=5, help="timed runs after the first, per case")
    parser.add_argument("--seed", type=int, default=20171115)
    parser.add_argument("--timeout", type=float, default=1800, help="give up after this many seconds")
    parser.add_argument("--out", default="bench/results/summary.json")
    args = parser.parse_args()

    async def bounded() -> int:
        return await asyncio.wait_for(amain(args), args.timeout)

    raise SystemExit(asyncio.run(bounded()))


if __name__ == "__main__":
    main()
